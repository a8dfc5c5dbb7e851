import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { XLSX_CONTENT_TYPE, writeXlsx } from '../lib/exports/xlsx';
import { exchangeExport, exchangeFilterOptions, listExchangesPage, retentionReview } from '../services/exchange-list.service';
import { exportFileName } from './organizations.routes';

/**
 * Mounted at /echanges before the exchange pages (src/app.ts), so it defines only these paths:
 * the list, its exports and the retention review. /echanges/<id> and the forms are in
 * exchanges.routes.ts.
 */
export function exchangeListRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const [page, options] = await Promise.all([listExchangesPage(ctx, req.query), exchangeFilterOptions(ctx)]);
    render(
      req,
      res,
      'exchanges/list',
      { title: t('exchangeList.title'), page, options },
      { fragment: { target: 'exchanges-results', partial: 'exchanges/list-results' } },
    );
  });

  router.get('/export.csv', async (req, res) => {
    const { columns, rows } = exchangeExport(serviceContext(req), req.query, 'csv');
    res.setHeader('Content-Type', CSV_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('echanges', 'csv')}"`);
    await writeCsv(res, columns, rows);
  });

  router.get('/export.xlsx', async (req, res) => {
    const { columns, rows } = exchangeExport(serviceContext(req), req.query, 'xlsx');
    res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${exportFileName('echanges', 'xlsx')}"`);
    await writeXlsx(res, columns, rows, { sheetName: t('exchangeList.export.sheetName') });
  });

  router.get('/a-revoir', async (req, res) => {
    const review = await retentionReview(serviceContext(req), req.query);
    render(req, res, 'exchanges/retention', {
      title: t('exchangeList.retention.title'),
      review,
      emptyQuery: {},
      breadcrumb: [{ label: t('exchangeList.title'), href: '/echanges' }, { label: t('exchangeList.retention.title') }],
    });
  });

  return router;
}
