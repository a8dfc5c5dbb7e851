import { Router } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { render, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { readDashboard } from '../services/dashboard.service';

export function homeRouter(): Router {
  const router = Router();
  router.get('/', requireLogin, async (req, res) => {
    const dashboard = await readDashboard(serviceContext(req), req.query);
    render(req, res, 'home/dashboard', { title: t('dashboard.title'), dashboard });
  });
  return router;
}
