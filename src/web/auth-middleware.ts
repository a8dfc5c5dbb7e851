// Who is signed in: loads the actor for each request, enforces the absolute session timeout,
// and guards pages that need a signed-in person.
import type { NextFunction, Request, Response } from 'express';
import { activeActorOf, loadActiveActor } from '../services/auth.service';
import { sessionUserRow } from './session';
import { deps, flash, redirectAfterPost, safeNext } from './http';
import { t } from '../lib/i18n';

export function loadActor() {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    req.actor = null;
    const userId = req.session?.userId;
    if (!userId) return next();
    const { config, db } = deps(req);
    const signedInAt = req.session.authenticatedAt ?? 0;
    const absoluteLimitMs = config.SESSION_ABSOLUTE_HOURS * 3600_000;
    if (Date.now() - signedInAt > absoluteLimitMs) {
      await regenerate(req);
      flash(req, 'info', t('auth.sessionExpired'));
      return next();
    }
    // Usually read with the session in the same query (src/web/session.ts); otherwise here.
    const row = sessionUserRow(req);
    req.actor = row && row.id === userId ? activeActorOf(row) : await loadActiveActor(db, userId);
    if (!req.actor) await regenerate(req); // deactivated or deleted meanwhile
    next();
  };
}

export function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((error) => (error ? reject(error) : resolve())));
}


/** Anonymous visitors go to the login page and come back afterwards. */
export function requireLogin(req: Request, res: Response, next: NextFunction): void {
  if (req.actor) return next();
  const loginUrl = `/login?next=${encodeURIComponent(safeNext(req.originalUrl))}`;
  if (req.isHtmx && !req.isBoosted) {
    res.set('HX-Redirect', loginUrl).status(401).end();
    return;
  }
  if (req.method === 'GET') flash(req, 'info', t('auth.loginRequired'));
  redirectAfterPost(res, loginUrl); // saves the flash before the browser follows
}

export { safeNext };
