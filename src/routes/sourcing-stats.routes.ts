// The funnel (/sourcing/statistiques): charts with their data tables, CSV/XLSX export
// (?format=csv|xlsx with the same filters). docs/sourcing-funnel.md.
import { Router, type Request, type Response } from 'express';
import { t } from '../lib/i18n';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { XLSX_CONTENT_TYPE, writeXlsx } from '../lib/exports/xlsx';
import { readSourcingStats, sourcingStatsExport, type SourcingStatsView } from '../services/sourcing-stats.service';
import { requireLogin } from '../web/auth-middleware';
import { render, serviceContext } from '../web/http';
import { exportFileName } from './organizations.routes';

function renderPage(req: Request, res: Response, view: SourcingStatsView): void {
  render(
    req,
    res,
    'sourcing/stats/index',
    {
      title: t('sourcingStats.title'),
      view,
      errors: view.errors,
      breadcrumb: [{ label: t('nav.sourcing'), href: '/sourcing' }, { label: t('sourcingStats.title') }],
    },
    { status: view.errors ? 422 : 200, fragment: { target: 'sourcing-stats-results', partial: 'sourcing/stats/results' } },
  );
}

export function sourcingStatsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const ctx = serviceContext(req);
    const format = req.query.format;
    if (format === 'csv' || format === 'xlsx') {
      const { view, columns, rows } = await sourcingStatsExport(ctx, req.query, format);
      if (view.errors) {
        renderPage(req, res, view);
        return;
      }
      const name = t('sourcingStats.export.fileName');
      if (format === 'csv') {
        res.setHeader('Content-Type', CSV_CONTENT_TYPE);
        res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(name, 'csv')}"`);
        await writeCsv(res, columns, rows);
      } else {
        res.setHeader('Content-Type', XLSX_CONTENT_TYPE);
        res.setHeader('Content-Disposition', `attachment; filename="${exportFileName(name, 'xlsx')}"`);
        await writeXlsx(res, columns, rows, { sheetName: t('sourcingStats.export.sheetName') });
      }
      return;
    }
    renderPage(req, res, await readSourcingStats(ctx, req.query));
  });

  return router;
}
