import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import {
  StartupMeetingDuplicatesError,
  isSearchOnly,
  newStartupMeetingForm,
  pickStartupContacts,
  pickStartupOrganizations,
  saveStartupMeeting,
  startupMeetingFormAgain,
} from '../services/startup-meeting.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';

const VIEW = 'exchanges/startup-meeting';

/** The start-up meeting in one form (issue 12): /echanges/rencontre-startup. */
export function startupMeetingRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const form = await newStartupMeetingForm(serviceContext(req));
    render(req, res, VIEW, { title: t('startupMeeting.title'), ...form });
  });

  router.post('/', async (req, res) => {
    const ctx = serviceContext(req);
    if (isSearchOnly(req.body ?? {})) {
      render(req, res, VIEW, { title: t('startupMeeting.title'), ...(await startupMeetingFormAgain(ctx, req.body ?? {})) });
      return;
    }
    try {
      const saved = await saveStartupMeeting(ctx, req.body ?? {});
      const name = saved.organization.name;
      flash(req, 'success', saved.task ? t('startupMeeting.savedWithTask', { name, title: saved.task.title }) : t('startupMeeting.saved', { name }));
      if (saved.sourcingCase) {
        const stage = t(`sourcingCases.stages.${saved.sourcingCase.stage}`);
        flash(req, 'success', t(saved.sourcingCase.created ? 'startupMeeting.savedCaseCreated' : 'startupMeeting.savedCaseLinked', { name, stage }));
      }
      redirectAfterPost(res, `/echanges/${saved.exchange.id}`);
    } catch (error) {
      await renderAgain(req, res, error);
    }
  });

  /** Suggestions of organisations (htmx; without JavaScript the « Chercher » button re-renders the page). */
  router.get('/structures', async (req, res) => {
    const typed = String(req.query.organizationQuery ?? '');
    const choices = await pickStartupOrganizations(serviceContext(req), typed);
    res.render('partials/startup-meeting/organization-choices', { layout: false, choices, searched: typed.trim().length >= 2 });
  });

  /** The chosen organisation's contacts, or contacts matching a typed name (htmx). */
  router.get('/contacts', async (req, res) => {
    const choices = await pickStartupContacts(serviceContext(req), { organizationId: req.query.organizationId, q: req.query.contactQuery });
    res.render('partials/startup-meeting/contact-choices', { layout: false, choices });
  });

  return router;
}

/** 422 with the messages, 409 with the duplicate warnings: the form again with all that was typed. */
async function renderAgain(req: Request, res: Response, error: unknown): Promise<void> {
  const ctx = serviceContext(req);
  const form = await startupMeetingFormAgain(ctx, req.body ?? {});
  const data = { title: t('startupMeeting.title'), ...form };
  if (error instanceof StartupMeetingDuplicatesError) {
    render(req, res, VIEW, { ...data, organizationCandidates: error.organizationCandidates, contactCandidates: error.contactCandidates }, { status: 409 });
    return;
  }
  if (error instanceof ValidationError) {
    renderInvalid(req, res, VIEW, data, error.fieldErrors);
    return;
  }
  throw error;
}
