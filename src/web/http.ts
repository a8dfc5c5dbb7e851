// The thin glue between Express and the services: the service context of a request, htmx
// detection, flash messages and rendering a whole page or just the fragment htmx asked for.
import querystring from 'node:querystring';
import type { NextFunction, Request, Response } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { Actor, ServiceContext } from '../services/context';
import type { LoginThrottle } from '../services/login-throttle';
import type { Database } from '../models/database';
import type { FieldErrors } from '../lib/errors';
import type { FlashMessage } from './session';
import { logger } from '../lib/logger';
import { withoutControlCharacters } from '../lib/validation';

/** What the web layer needs from the running process. */
export interface AppDeps {
  db: Database;
  config: Config;
  redis: Redis;
  throttle: LoginThrottle;
  sessionSecret: string;
  /** `sink` = embedded SMTP server whose mail is readable at /admin/courriels. */
  mailMode: 'sink' | 'smtp';
  dispatchOutbox?: () => void;
  /** The BullMQ queues, for the admin dashboard at /admin/files (absent: no dashboard). */
  queues?: Record<string, Queue>;
}

declare module 'express-serve-static-core' {
  interface Request {
    isHtmx: boolean;
    /** A boosted link or form: htmx wants the whole page. */
    isBoosted: boolean;
    actor: Actor | null;
  }
}

export function deps(req: Request): AppDeps {
  return req.app.locals.deps as AppDeps;
}

export function serviceContext(req: Request): ServiceContext {
  const { db, config, dispatchOutbox } = deps(req);
  return { db, actor: req.actor, now: new Date(), baseUrl: config.baseUrl, requestId: String(req.id), ip: req.ip, dispatchOutbox };
}

/**
 * The app's query-string parser (Express's "simple" one, then cleaned): query parameters are
 * search boxes, filters and return paths, so control characters (NUL included, which
 * PostgreSQL refuses) are dropped rather than refused, and a page never fails on them.
 */
export function parseQueryString(text: string): Record<string, string | string[]> {
  const parsed = querystring.parse(text);
  // No prototype, like querystring's own result: `?__proto__=…` is just a key.
  const clean = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    clean[withoutControlCharacters(key)] = Array.isArray(value) ? value.map(withoutControlCharacters) : withoutControlCharacters(value);
  }
  return clean;
}

const LOCAL_ORIGIN = 'http://passerelle.invalid';

/**
 * A return path (`?next=` after signing in) that stays on this site, or `/`. Browsers read `/\\host`
 * and `/\t/host` as another host, so the value is resolved like a browser would (against the base
 * URL) and kept only when it is a plain path of the same origin: no scheme, no `//`, no
 * backslash and no control character, raw or percent-encoded.
 */
export function safeNext(value: unknown, baseUrl: string = LOCAL_ORIGIN): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return '/';
  }
  // eslint-disable-next-line no-control-regex
  const suspicious = (text: string) => !text.startsWith('/') || text.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(text);
  if (suspicious(value) || suspicious(decoded)) return '/';
  let base: URL;
  let resolved: URL;
  try {
    base = new URL(baseUrl);
    resolved = new URL(value, base);
  } catch {
    return '/';
  }
  if (resolved.origin !== base.origin || resolved.username || resolved.password) return '/';
  // What is returned is checked again: dot segments normalise « /.//evil.example » into
  // « //evil.example », which a browser reads as another host.
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  return suspicious(path) ? '/' : path;
}

export function htmxMiddleware(req: Request, res: Response, next: NextFunction): void {
  req.isHtmx = req.get('HX-Request') === 'true';
  req.isBoosted = req.get('HX-Boosted') === 'true';
  // One URL serves a page or a fragment: caches must key on the header.
  res.vary('HX-Request');
  next();
}

export function flash(req: Request, type: FlashMessage['type'], message: string): void {
  req.session.flash = [...(req.session.flash ?? []), { type, message }];
}

export function takeFlash(req: Request): FlashMessage[] {
  const messages = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  return messages;
}

/**
 * POST → 303 → GET, for plain forms and boosted ones alike.
 *
 * The session is saved before the redirect is sent: express-session would otherwise send the
 * status line and headers first and save afterwards, and a browser follows a 303 as soon as it
 * reads the headers — the next GET could then load the session without the sign-in or the
 * flash message this request just stored.
 */
export function redirectAfterPost(res: Response, location: string): void {
  const session = res.req.session;
  if (!session) {
    res.redirect(303, location);
    return;
  }
  session.save((error: unknown) => {
    if (error) logger.error({ err: error }, 'session could not be saved before a redirect');
    res.redirect(303, location);
  });
}

export interface RenderOptions {
  /** Partial rendered alone when htmx targets this element id (e.g. a table refreshed by filters). */
  fragment?: { target: string; partial: string };
  status?: number;
}

export function render(req: Request, res: Response, view: string, data: Record<string, unknown> = {}, options: RenderOptions = {}): void {
  if (options.status) res.status(options.status);
  const fragment = options.fragment;
  if (fragment && req.isHtmx && !req.isBoosted && req.get('HX-Target') === fragment.target) {
    res.render(`partials/${fragment.partial}`, { ...data, layout: false });
    return;
  }
  res.render(`pages/${view}`, { ...data, flash: takeFlash(req) });
}

/** Re-renders a form with the submitted values and a message next to each invalid field. */
export function renderInvalid(req: Request, res: Response, view: string, data: Record<string, unknown>, errors: FieldErrors): void {
  render(req, res, view, { ...data, errors, errorSummary: Object.keys(errors).length > 0 }, { status: 422 });
}
