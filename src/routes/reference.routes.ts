import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { NotFoundError } from '../lib/errors';
import { communeByCode, departmentName, findCommunes, regionName } from '../lib/geography';

/** Mounted at /referentiel (src/app.ts): public reference lists used by forms. */
export function referenceRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  /** Commune suggestions: an htmx fragment for forms, JSON otherwise. */
  router.get('/communes', (req, res) => {
    const query = String(req.query.q ?? req.query.communeQuery ?? '').slice(0, 60);
    const communes = query.trim().length >= 2 ? findCommunes(query, 8) : [];
    if (req.isHtmx) {
      const postalCode = /^\d{5}$/.test(query.trim()) ? query.trim() : '';
      res.render('partials/reference/commune-suggestions', { layout: false, communes, searched: query.trim().length >= 2, postalCode });
      return;
    }
    res.json(communes.map((commune) => ({ ...commune, departmentName: departmentName(commune.departmentCode), regionName: regionName(commune.regionCode) })));
  });

  /** The postcode/city fields filled from a chosen commune (and the suggestions cleared). */
  router.get('/communes/:code/champs', (req, res) => {
    const commune = communeByCode(req.params.code);
    if (!commune) throw new NotFoundError();
    // The postcode typed (in the commune field, or already in the postcode field) is kept when it
    // is the commune's; otherwise only a commune with a single postcode fills it: Nantes has four,
    // and its first (44000) would be wrong for most addresses.
    const typed = [req.query.cp, req.query.postalCode].map((value) => (typeof value === 'string' ? value.trim() : '')).find((value) => commune.postalCodes.includes(value));
    const postalCode = typed ?? (commune.postalCodes.length === 1 ? (commune.postalCodes[0] ?? '') : '');
    res.render('partials/reference/commune-fields', {
      layout: false,
      values: { communeCode: commune.code, postalCode, city: commune.name },
      communeLabel: `${departmentName(commune.departmentCode) ?? commune.departmentCode} (${commune.departmentCode}) · ${regionName(commune.regionCode) ?? ''}`,
      clearSuggestions: true,
    });
  });

  return router;
}
