// Challenges (« défis », /sourcing/defis): list, form, page with cases by stage, exchanges and
// decisions, status changes. Thin: the rules are sourcing-challenges.service.ts's, the pages'
// view models sourcing-challenge-pages.service.ts's.
import { Router, type Request, type Response } from 'express';
import { ConflictError, ValidationError, type FieldErrors } from '../lib/errors';
import { t } from '../lib/i18n';
import type { SourcingChallenge } from '../models/schema';
import {
  type ChallengeFormValues,
  challengeFilterOptions,
  challengeFormOptions,
  getChallengeDetail,
  listChallengesPage,
  newChallengeValues,
  valuesOfChallenge,
} from '../services/sourcing-challenge-pages.service';
import { changeChallengeStatus, createChallenge, getChallengeForEdit, updateChallenge } from '../services/sourcing-challenges.service';
import { requireLogin } from '../web/auth-middleware';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';

const BASE = '/sourcing/defis';

interface FormPage {
  challenge?: SourcingChallenge;
  values: ChallengeFormValues;
  errors?: FieldErrors;
  status?: number;
}

async function renderForm(req: Request, res: Response, page: FormPage) {
  const options = await challengeFormOptions(serviceContext(req), page.values, page.challenge ?? null);
  const title = page.challenge ? t('sourcingChallenges.editChallenge') : t('sourcingChallenges.newChallenge');
  render(
    req,
    res,
    'sourcing/challenges/form',
    {
      title,
      breadcrumb: [
        { label: t('sourcingChallenges.title'), href: BASE },
        ...(page.challenge ? [{ label: page.challenge.title, href: `${BASE}/${page.challenge.id}` }] : []),
        { label: title },
      ],
      action: page.challenge ? `${BASE}/${page.challenge.id}/modifier` : `${BASE}/nouveau`,
      cancelHref: page.challenge ? `${BASE}/${page.challenge.id}` : BASE,
      values: page.values,
      options,
      errors: page.errors,
    },
    { status: page.status },
  );
}

async function renderShow(req: Request, res: Response, id: string, extra: { statusErrors?: FieldErrors; statusValues?: Record<string, unknown>; status?: number } = {}) {
  const detail = await getChallengeDetail(serviceContext(req), id);
  render(
    req,
    res,
    'sourcing/challenges/show',
    {
      title: detail.challenge.title,
      breadcrumb: [{ label: t('sourcingChallenges.title'), href: BASE }, { label: detail.challenge.title }],
      detail,
      statusErrors: extra.statusErrors,
      statusValues: extra.statusValues ?? {},
    },
    { status: extra.status },
  );
}

export function sourcingChallengesRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const [page, options] = await Promise.all([listChallengesPage(ctx, req.query), challengeFilterOptions(ctx)]);
    render(req, res, 'sourcing/challenges/list', { title: t('sourcingChallenges.title'), page, options }, { fragment: { target: 'challenges-results', partial: 'sourcing/challenges/list-results' } });
  });

  router.get('/nouveau', async (req, res) => {
    await renderForm(req, res, { values: newChallengeValues(serviceContext(req)) });
  });

  router.post('/nouveau', async (req, res) => {
    try {
      const challenge = await createChallenge(serviceContext(req), req.body);
      flash(req, 'success', t('sourcingChallenges.created'));
      redirectAfterPost(res, `${BASE}/${challenge.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderForm(req, res, { values: req.body as ChallengeFormValues, errors: error.fieldErrors, status: 422 });
    }
  });

  router.get('/:id', async (req, res) => {
    await renderShow(req, res, req.params.id);
  });

  router.get('/:id/modifier', async (req, res) => {
    const { challenge, unitIds } = await getChallengeForEdit(serviceContext(req), req.params.id);
    await renderForm(req, res, { challenge, values: valuesOfChallenge(challenge, unitIds) });
  });

  router.post('/:id/modifier', async (req, res) => {
    const ctx = serviceContext(req);
    const { challenge } = await getChallengeForEdit(ctx, req.params.id);
    try {
      await updateChallenge(ctx, challenge.id, req.body);
      flash(req, 'success', t('sourcingChallenges.updated'));
      redirectAfterPost(res, `${BASE}/${challenge.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      await renderForm(req, res, { challenge, values: req.body as ChallengeFormValues, errors: error.fieldErrors, status: 422 });
    }
  });

  /** The page's status forms: 303 back to the page; a refused move shows the page again with why (422 or 409). */
  router.post('/:id/statut', async (req, res) => {
    try {
      const challenge = await changeChallengeStatus(serviceContext(req), req.params.id, req.body);
      flash(req, 'success', t('sourcingChallenges.statusChanged', { status: t(`sourcingChallenges.statuses.${challenge.status}`) }));
      redirectAfterPost(res, `${BASE}/${challenge.id}#statut`);
    } catch (error) {
      if (error instanceof ValidationError) {
        await renderShow(req, res, req.params.id, { statusErrors: { ...error.fieldErrors, _form: error.message }, statusValues: req.body as Record<string, unknown>, status: 422 });
        return;
      }
      if (error instanceof ConflictError) {
        await renderShow(req, res, req.params.id, { statusErrors: { _form: error.message }, statusValues: req.body as Record<string, unknown>, status: 409 });
        return;
      }
      throw error;
    }
  });

  return router;
}
