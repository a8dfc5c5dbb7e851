import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { readJournal } from '../services/journal.service';

export function adminJournalRouter(): Router {
  const router = Router();
  router.use(requireLogin);
  router.get('/', async (req, res) => {
    const journal = await readJournal(serviceContext(req), req.query);
    render(req, res, 'admin/journal/index', { title: t('audit.title'), journal }, { fragment: { target: 'journal-table', partial: 'admin/journal-table' } });
  });
  return router;
}
