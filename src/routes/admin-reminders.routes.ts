// Reminder rules (issue 13, /admin/relances): offsets, send time, on/off, mandatory — one form per
// rule — and the preview of the next 30 days (filters by rule and recipient, pages).
// Without JavaScript a rule's form posts and comes back (303, or the page with the refused card
// at 422); with htmx only the rule's card is swapped.
import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { listReminderRules, refusedRuleView, reminderPreview, updateReminderRule, type RuleView } from '../services/reminder-settings.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';

const PREVIEW_FRAGMENT = { target: 'reminders-preview', partial: 'admin/reminders/preview' };

async function renderPage(req: Request, res: Response, refused?: { rule: RuleView; errors: Record<string, string> }): Promise<void> {
  const ctx = serviceContext(req);
  const rules = (await listReminderRules(ctx)).map((rule) => (refused && rule.code === refused.rule.code ? { ...refused.rule, errors: refused.errors } : rule));
  // A refused form comes back with the preview unfiltered (its filters are not in the POST).
  const preview = await reminderPreview(ctx, refused ? {} : req.query);
  render(req, res, 'admin/reminders/index', { title: t('reminders.admin.title'), rules, preview, errors: refused?.errors }, { fragment: PREVIEW_FRAGMENT, status: refused ? 422 : undefined });
}

export function adminRemindersRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', (req, res) => renderPage(req, res));

  router.post('/:code', async (req, res) => {
    const ctx = serviceContext(req);
    const inPlace = req.isHtmx && !req.isBoosted;
    try {
      const { rule, changed } = await updateReminderRule(ctx, req.params.code, req.body);
      const message = t(changed ? 'reminders.admin.saved' : 'reminders.admin.unchanged', { rule: rule.label });
      if (inPlace) {
        // The preview on the page refreshes itself on this event (its filters included).
        if (changed) res.set('HX-Trigger', 'reminder-rule-saved');
        res.render('partials/admin/reminders/rule', { layout: false, rule, message });
        return;
      }
      flash(req, 'success', message);
      redirectAfterPost(res, `/admin/relances#${rule.domId}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const rule = await refusedRuleView(ctx, req.params.code, req.body);
      if (inPlace) {
        res.status(422).render('partials/admin/reminders/rule', { layout: false, rule: { ...rule, errors: error.fieldErrors } });
        return;
      }
      await renderPage(req, res, { rule, errors: error.fieldErrors });
    }
  });
  return router;
}
