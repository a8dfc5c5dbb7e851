// Maps errors to responses, once: domain errors to French pages (or to an alert in #flash for
// htmx requests), CSRF failures to 403, everything else to a 500 with a request id.
import type { NextFunction, Request, Response } from 'express';
import { DomainError, NotFoundError, RateLimitedError, ValidationError } from '../lib/errors';
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
  res.render('pages/errors/error', { status, title, message, requestId: String(req.id) });
}
