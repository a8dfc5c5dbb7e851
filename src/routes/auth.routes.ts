import { Router } from 'express';
import { regenerate, safeNext } from '../web/auth-middleware';
import { RateLimitedError, ValidationError } from '../lib/errors';
import { deps, flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { PASSWORD_MIN_LENGTH } from '../lib/passwords';
import {
  authenticate,
  completeFirstAdminSetup,
  describePasswordLink,
  isSetupTokenUsable,
  recordLogout,
  requestPasswordReset,
  setPasswordWithLink,
} from '../services/auth.service';

export function authRouter(): Router {
  const router = Router();

  router.get('/login', (req, res) => {
    if (req.actor) return res.redirect(303, '/');
    render(req, res, 'auth/login', { title: t('auth.loginTitle'), next: safeNext(req.query.next, deps(req).config.baseUrl), values: {} });
  });

  router.post('/login', async (req, res) => {
    const next = safeNext(req.body.next, deps(req).config.baseUrl);
    try {
      const user = await authenticate(serviceContext(req), req.body, deps(req).throttle);
      // A new session id at login (no session fixation), then remember who signed in and when.
      await regenerate(req);
      req.session.userId = user.id;
      req.session.authenticatedAt = Date.now();
      redirectAfterPost(res, next);
    } catch (error) {
      if (error instanceof RateLimitedError) {
        res.set('Retry-After', String(error.retryAfterSeconds));
        return render(req, res, 'auth/login', { title: t('auth.loginTitle'), next, values: { email: req.body.email }, errors: { _form: error.message } }, { status: 429 });
      }
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'auth/login', { title: t('auth.loginTitle'), next, values: { email: req.body.email } }, error.fieldErrors);
    }
  });

  router.post('/logout', async (req, res) => {
    await recordLogout(serviceContext(req));
    await regenerate(req);
    flash(req, 'success', t('auth.loggedOut'));
    redirectAfterPost(res, '/login');
  });

  // ── first administrator ──
  router.get('/setup/:token', async (req, res) => {
    const usable = await isSetupTokenUsable(serviceContext(req), req.params.token);
    if (!usable) return render(req, res, 'errors/error', { status: 404, title: t('auth.setupTitle'), message: t('auth.linkInvalid') }, { status: 404 });
    render(req, res, 'auth/setup', { title: t('auth.setupTitle'), token: req.params.token, values: {}, passwordMin: PASSWORD_MIN_LENGTH });
  });

  router.post('/setup/:token', async (req, res) => {
    try {
      await completeFirstAdminSetup(serviceContext(req), req.params.token, req.body);
      flash(req, 'success', t('auth.setupDone'));
      redirectAfterPost(res, '/login');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(
        req,
        res,
        'auth/setup',
        { title: t('auth.setupTitle'), token: req.params.token, values: { email: req.body.email, displayName: req.body.displayName }, passwordMin: PASSWORD_MIN_LENGTH },
        error.fieldErrors,
      );
    }
  });

  // ── choosing a password (invitation or reset link) ──
  router.get('/mot-de-passe/:token', async (req, res) => {
    const account = await describePasswordLink(serviceContext(req), req.params.token);
    render(req, res, 'auth/choose-password', { title: t('auth.choosePasswordTitle'), token: req.params.token, account, passwordMin: PASSWORD_MIN_LENGTH });
  });

  router.post('/mot-de-passe/:token', async (req, res) => {
    const ctx = serviceContext(req);
    try {
      await setPasswordWithLink(ctx, req.params.token, req.body);
      flash(req, 'success', t('auth.passwordSet'));
      redirectAfterPost(res, '/login');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const account = await describePasswordLink(ctx, req.params.token);
      renderInvalid(req, res, 'auth/choose-password', { title: t('auth.choosePasswordTitle'), token: req.params.token, account, passwordMin: PASSWORD_MIN_LENGTH }, error.fieldErrors);
    }
  });

  router.get('/mot-de-passe-oublie', (req, res) => {
    render(req, res, 'auth/forgot-password', { title: t('auth.forgotTitle'), values: {} });
  });

  router.post('/mot-de-passe-oublie', async (req, res) => {
    try {
      await requestPasswordReset(serviceContext(req), req.body, deps(req).throttle);
      flash(req, 'info', t('auth.forgotSent'));
      redirectAfterPost(res, '/login');
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      renderInvalid(req, res, 'auth/forgot-password', { title: t('auth.forgotTitle'), values: { email: req.body.email } }, error.fieldErrors);
    }
  });

  return router;
}
