import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { PASSWORD_MIN_LENGTH } from '../lib/passwords';
import { readOwnProfile } from '../services/account.service';
import { calendarFeedSection } from '../services/agenda.service';
import { changeOwnPassword } from '../services/auth.service';
import { myReminderPreferences, updateMyReminderPreferences } from '../services/reminder-settings.service';

export function accountRouter(): Router {
  const router = Router();
  router.use('/compte', requireLogin);

  router.get('/compte', async (req, res) => {
    const ctx = serviceContext(req);
    const profile = await readOwnProfile(ctx);
    const reminderPreferences = await myReminderPreferences(ctx);
    render(req, res, 'account/profile', { title: t('account.title'), profile, passwordMin: PASSWORD_MIN_LENGTH, calendarFeed: await calendarFeedSection(ctx), reminderPreferences });
  });

  router.post('/compte/mot-de-passe', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      await changeOwnPassword(ctx, req.body, req.sessionID);
      flash(req, 'success', t('auth.passwordChanged'));
      redirectAfterPost(res, '/compte');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const profile = await readOwnProfile(ctx);
      const reminderPreferences = await myReminderPreferences(ctx);
      renderInvalid(req, res, 'account/profile', { title: t('account.title'), profile, passwordMin: PASSWORD_MIN_LENGTH, calendarFeed: await calendarFeedSection(ctx), reminderPreferences }, error.fieldErrors);
    }
  });

  // « Relances »: my choice per rule (courriel / résumé / aucun).
  router.post('/compte/relances', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      const { changed } = await updateMyReminderPreferences(ctx, req.body);
      flash(req, 'success', t(changed > 0 ? 'reminders.preferences.saved' : 'reminders.preferences.unchanged'));
      redirectAfterPost(res, '/compte#relances');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const profile = await readOwnProfile(ctx);
      const reminderPreferences = await myReminderPreferences(ctx, req.body);
      // The errors are the « Relances » form's (`reminderErrors`), not the password form's.
      render(req, res, 'account/profile', { title: t('account.title'), profile, passwordMin: PASSWORD_MIN_LENGTH, calendarFeed: await calendarFeedSection(ctx), reminderPreferences, reminderErrors: error.fieldErrors }, { status: 422 });
    }
  });
  return router;
}
