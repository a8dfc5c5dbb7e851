// In-app notifications (issue 13, /notifications): the bell's count, the list, mark read.
// Without JavaScript every action is a form (POST → 303 back to the page); with htmx a row is
// swapped in place and the bell refreshed out of band.
import { Router, type Request } from 'express';
import { t } from '../lib/i18n';
import { countMyUnreadNotifications, listMyNotifications, markAllMyNotificationsRead, markMyNotificationRead } from '../services/notifications.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';

/** Where a no-JS form comes back to: the list page it was sent from (its filters and page), else the list. */
function backOf(req: Request): string {
  const back = (req.body as Record<string, unknown> | undefined)?.back;
  return typeof back === 'string' && /^\/notifications(\?[\w=&%-]*)?$/.test(back) ? back : '/notifications';
}

export function notificationsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const list = await listMyNotifications(serviceContext(req), req.query);
    render(req, res, 'notifications/index', { title: t('notifications.title'), list }, { fragment: { target: 'notifications-list', partial: 'notifications/list' } });
  });

  /** The header bell's figure (htmx, every minute). */
  router.get('/compteur', async (req, res) => {
    const unreadCount = await countMyUnreadNotifications(serviceContext(req));
    res.render('partials/notifications/badge', { layout: false, unreadCount });
  });

  /** Follows a notification's link, marking it read on the way (a plain link: works without JS). */
  router.get('/:id/ouvrir', async (req, res) => {
    const notification = await markMyNotificationRead(serviceContext(req), req.params.id);
    res.redirect(303, notification.target ?? '/notifications');
  });

  router.post('/:id/lue', async (req, res) => {
    const ctx = serviceContext(req);
    const notification = await markMyNotificationRead(ctx, req.params.id);
    if (req.isHtmx && !req.isBoosted) {
      const unreadCount = await countMyUnreadNotifications(ctx);
      const back = backOf(req);
      res.render('partials/notifications/row-read', { layout: false, notification, unreadCount, oob: true, back, unreadOnly: !back.includes('statut=toutes') });
      return;
    }
    redirectAfterPost(res, backOf(req));
  });

  router.post('/tout-lire', async (req, res) => {
    const marked = await markAllMyNotificationsRead(serviceContext(req));
    flash(req, 'success', marked > 0 ? t('notificationCenter.allMarked', { count: marked }) : t('notificationCenter.noneToMark'));
    redirectAfterPost(res, backOf(req));
  });
  return router;
}
