import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { SEARCH_MAX_PAGES, SEARCH_MIN_LENGTH, SEARCH_TYPES, searchDirectory, searchFilterOptions, suggest } from '../services/search.service';

/** Mounted at /recherche (src/app.ts). */
export function searchRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  // The header box's fragment. Also answers plain requests (it is only ever a fragment).
  router.get('/suggestions', async (req, res) => {
    const suggestions = await suggest(serviceContext(req), req.query);
    res.render('partials/search/suggestions', { layout: false, suggestions, seeAllQuery: { q: suggestions.q } });
  });

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const [page, options] = await Promise.all([searchDirectory(ctx, req.query), searchFilterOptions(ctx)]);
    render(
      req,
      res,
      'search/index',
      {
        title: page.query.q ? `${t('search.title')} : ${page.query.q}` : t('search.title'),
        page,
        options,
        typeChoices: SEARCH_TYPES.map((value) => ({ value, label: t(`search.types.${value}`) })),
        minLength: SEARCH_MIN_LENGTH,
        maxPages: SEARCH_MAX_PAGES,
      },
      { fragment: { target: 'search-results', partial: 'search/results' } },
    );
  });

  return router;
}
