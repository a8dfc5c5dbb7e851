import { Router, type Request } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { NotFoundError } from '../lib/errors';
import { flash, redirectAfterPost, render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { dismissPair, listDuplicatePairsPage } from '../services/duplicates.service';
import { ENTITY_OF_SEGMENT, getMergeScreen, listMergesPage, mergePartnersFor, mergeRecords, undoMerge } from '../services/merge.service';

/** "structures" or "contacts" in the URL → the entity; anything else is not a page. */
function entityOf(req: Request) {
  const entity = ENTITY_OF_SEGMENT[String(req.params.segment)];
  if (!entity) throw new NotFoundError();
  return entity;
}

/** Mounted at /doublons (src/app.ts). */
export function duplicatesRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const page = await listDuplicatePairsPage(serviceContext(req), req.query);
    render(
      req,
      res,
      'duplicates/index',
      { title: t('duplicates.title'), page, breadcrumb: [{ label: t('duplicates.title') }] },
      { fragment: { target: 'duplicate-pairs', partial: 'duplicates/pairs' } },
    );
  });

  router.post('/ecarter', async (req, res) => {
    const { type } = await dismissPair(serviceContext(req), req.body);
    if (req.isHtmx && !req.isBoosted) {
      // The row disappears (empty swap) and the message arrives out of band.
      res.render('partials/duplicates/dismissed', { layout: false, message: t('duplicates.dismissed') });
      return;
    }
    flash(req, 'success', t('duplicates.dismissed'));
    redirectAfterPost(res, `/doublons?type=${type}`);
  });

  router.get('/fusions', async (req, res) => {
    const page = await listMergesPage(serviceContext(req), req.query);
    render(req, res, 'duplicates/merges', {
      title: t('merges.title'),
      page,
      breadcrumb: [{ label: t('duplicates.title'), href: '/doublons' }, { label: t('merges.title') }],
    });
  });

  router.post('/fusions/:id/annuler', async (req, res) => {
    const result = await undoMerge(serviceContext(req), req.params.id);
    flash(req, 'success', t('merges.undone', { kept: result.keptLabel, merged: result.mergedLabel }));
    redirectAfterPost(res, result.keptHref);
  });

  router.get('/:segment/:id', async (req, res) => {
    const choice = await mergePartnersFor(serviceContext(req), entityOf(req), req.params.id, typeof req.query.q === 'string' ? req.query.q : undefined);
    render(req, res, 'duplicates/pick', {
      title: t('merges.pickTitle', { name: choice.record.label }),
      choice,
      breadcrumb: [{ label: t('duplicates.title'), href: '/doublons' }, { label: choice.record.label }],
    });
  });

  router.get('/:segment/:keptId/:mergedId', async (req, res) => {
    const screen = await getMergeScreen(serviceContext(req), entityOf(req), req.params.keptId, req.params.mergedId);
    render(req, res, 'duplicates/merge', {
      title: t('merges.screenTitle'),
      screen,
      breadcrumb: [{ label: t('duplicates.title'), href: `/doublons?type=${screen.segment}` }, { label: t('merges.screenTitle') }],
    });
  });

  router.post('/:segment/:keptId/:mergedId', async (req, res) => {
    const entity = entityOf(req);
    const { kept } = await mergeRecords(serviceContext(req), entity, req.params.keptId, req.params.mergedId, req.body);
    flash(req, 'success', t('merges.merged'));
    redirectAfterPost(res, `/${entity === 'organization' ? 'structures' : 'contacts'}/${kept.id}`);
  });

  return router;
}
