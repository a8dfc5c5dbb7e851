// An event's invitations (issue 13, /evenements/:id/invitations…): invite contacts (picker by
// organisation or search), send the invitations, remove an invitee never sent anything. Thin:
// rules, permissions and the journal are in event-invitations.service.ts.
import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ConflictError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { flash, redirectAfterPost, render, safeNext, serviceContext } from '../web/http';
import { invitationsPageView, inviteContacts, removeInvitation, sendInvitations } from '../services/event-invitations.service';

/** Where a form goes back to: `back` (the event page's panel) or the invitations page. */
function backOf(req: Request): string {
  const back = (req.body as Record<string, unknown> | undefined)?.back;
  return typeof back === 'string' && back !== '' ? safeNext(back) : `/evenements/${req.params.id}/invitations`;
}

/** A refused action (closed event, nothing chosen) is a flash message on the page it came from. */
async function action(req: Request, res: Response, run: () => Promise<string>): Promise<void> {
  try {
    flash(req, 'success', await run());
  } catch (error) {
    if (error instanceof ValidationError) flash(req, 'error', Object.values(error.fieldErrors)[0] ?? error.message);
    else if (error instanceof ConflictError) flash(req, 'error', error.message);
    else throw error;
  }
  redirectAfterPost(res, backOf(req));
}

export function eventInvitationsRouter(): Router {
  const router = Router();
  router.use('/:id/invitations', requireLogin);

  router.get('/:id/invitations', async (req, res) => {
    const view = await invitationsPageView(serviceContext(req), req.params.id, req.query);
    render(req, res, 'event-invitations/index', view, { fragment: { target: 'invitation-picker-results', partial: 'event-invitations/picker-results' } });
  });

  router.post('/:id/invitations', (req, res) =>
    action(req, res, async () => {
      const { invited } = await inviteContacts(serviceContext(req), req.params.id, req.body);
      return invited > 0 ? t('eventInvitations.flash.invited', { count: invited }) : t('eventInvitations.flash.nothingInvited');
    }),
  );

  router.post('/:id/invitations/envoyer', (req, res) =>
    action(req, res, async () => {
      const { queued, refused } = await sendInvitations(serviceContext(req), req.params.id);
      if (queued + refused === 0) return t('eventInvitations.flash.nothingToSend');
      return refused > 0 ? t('eventInvitations.flash.sentWithRefusals', { count: queued, refused }) : t('eventInvitations.flash.sent', { count: queued });
    }),
  );

  router.post('/:id/invitations/:invitationId/retirer', (req, res) =>
    action(req, res, async () => {
      const { name } = await removeInvitation(serviceContext(req), req.params.id, req.params.invitationId);
      return t('eventInvitations.flash.removed', { name });
    }),
  );

  return router;
}
