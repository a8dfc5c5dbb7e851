// Maps errors to responses, once: domain errors to French pages (or to an alert in #flash for
// htmx requests), CSRF failures to 403, an unreachable database to a 503 that keeps the
// session, PostgreSQL's refusals of bad data to 422/409 (a last line of defence: input is
// validated before it gets there), everything else to a 500 with a request id.
import type { NextFunction, Request, Response } from 'express';
import { DomainError, NotFoundError, RateLimitedError, ValidationError, sqlStateOf } from '../lib/errors';
import { t } from '../lib/i18n';
import { logger } from '../lib/logger';

const STATUS_BY_KIND: Record<DomainError['kind'], number> = {
  not_found: 404,
  forbidden: 403,
  unauthenticated: 401,
  validation: 422,
  conflict: 409,
  rate_limited: 429,
};

const TITLE_BY_STATUS: Record<number, string> = {
  401: 'auth.loginRequired',
  403: 'errors.forbiddenTitle',
  404: 'errors.notFoundTitle',
  409: 'errors.conflictTitle',
  413: 'errors.payloadTooLarge',
  422: 'validation.formHasErrors',
  429: 'errors.rateLimitedTitle',
};

function isCsrfError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: string }).code === 'EBADCSRFTOKEN';
}

/** The error and its causes (Drizzle wraps the driver's error in `cause`). */
function chainOf(error: unknown): Array<{ code?: unknown; message?: unknown }> {
  const chain: Array<{ code?: unknown; message?: unknown }> = [];
  for (let current = error; typeof current === 'object' && current !== null && chain.length < 5; current = (current as { cause?: unknown }).cause) {
    chain.push(current as { code?: unknown; message?: unknown });
  }
  return chain;
}

// The session store's wrapper (src/web/session.ts) and the network errors of the driver.
const UNAVAILABLE_CODES = new Set(['ESESSIONSTORE', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);
// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections, invalid_catalog_name
// (the database is gone or renamed); class 08 (connection exceptions) is matched by its prefix.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|database .* does not exist|is not currently accepting connections/i;

/** True when the database cannot be reached at all: nothing the user did, so a 503. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return chainOf(error).some(
    (link) =>
      (typeof link.code === 'string' && (UNAVAILABLE_CODES.has(link.code) || UNAVAILABLE_STATES.has(link.code) || link.code.startsWith('08'))) ||
      (typeof link.message === 'string' && UNAVAILABLE_MESSAGE.test(link.message)),
  );
}

/** Seconds a browser is told to wait before retrying while the database is unreachable. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

function httpStatusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export function notFoundHandler(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError());
}

export function errorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(error);

  let status = 500;
  let title = t('errors.serverTitle');
  let message = t('errors.server', { requestId: String(req.id) });

  if (error instanceof DomainError) {
    status = STATUS_BY_KIND[error.kind];
    title = t(TITLE_BY_STATUS[status] ?? 'errors.conflictTitle');
    message = status === 403 && error.kind === 'forbidden' ? error.message || t('errors.forbidden') : error.message;
    if (error instanceof ValidationError && error.fieldErrors._form) message = error.fieldErrors._form;
    if (error instanceof RateLimitedError) res.set('Retry-After', String(error.retryAfterSeconds));
  } else if (isCsrfError(error)) {
    status = 403;
    title = t('errors.csrfTitle');
    message = t('errors.csrf');
  } else if (isDatabaseUnavailable(error)) {
    // The session cookie is left alone (no store write happens on this path): once the database
    // is back, the same session carries on.
    status = 503;
    title = t('errors.unavailableTitle');
    message = t('errors.unavailable');
    res.set('Retry-After', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
  } else if (sqlStateOf(error)?.startsWith('22')) {
    // data_exception (NUL byte 22021, untranslatable character 22P05, bad uuid text 22P02…).
    status = 422;
    title = t('validation.formHasErrors');
    message = t('errors.badValue');
  } else if (sqlStateOf(error) === '23505') {
    status = 409;
    title = t('errors.conflictTitle');
    message = t('errors.duplicateValue');
  } else if (httpStatusOf(error)) {
    // body-parser and friends: malformed or oversized bodies are the client's problem.
    status = httpStatusOf(error) ?? 400;
    title = t(TITLE_BY_STATUS[status] ?? 'errors.conflictTitle');
    message = status === 413 ? t('errors.payloadTooLarge') : t('validation.formHasErrors');
  }

  const log = req.log ?? logger;
  if (status >= 500) log.error({ err: error }, 'request failed');
  else log.warn({ status, err: error instanceof Error ? error.message : String(error) }, 'request refused');

  res.status(status);
  if (req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json') {
    res.json({ error: { status, title, message } });
    return;
  }
  if (req.isHtmx && !req.isBoosted) {
    // Show the problem in the flash region instead of swapping an error page into a fragment.
    res.set('HX-Retarget', '#flash').set('HX-Reswap', 'innerHTML');
    res.render('partials/ui/flash-messages', { layout: false, flash: [{ type: 'error', message: `${title}${message ? ' : ' + message : ''}` }] });
    return;
  }
  // While the database is unreachable the actor could not be read: the page must not look signed out.
  res.render('pages/errors/error', { status, title, message, requestId: String(req.id), unavailable: status === 503 });
}
