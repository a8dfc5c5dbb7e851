// Domain errors carry no HTTP status: the error middleware (src/web/error-handler.ts) maps them.

export abstract class DomainError extends Error {
  abstract readonly kind: 'not_found' | 'forbidden' | 'validation' | 'conflict' | 'unauthenticated' | 'rate_limited';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(message = 'La page ou l’élément demandé n’existe pas.') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  constructor(message = 'Vous n’avez pas les droits nécessaires pour cette action.') {
    super(message);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
  constructor(message = 'Veuillez vous connecter.') {
    super(message);
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
}

export class RateLimitedError extends DomainError {
  readonly kind = 'rate_limited';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** Field name → French message; `_form` holds a message about the form as a whole. */
export type FieldErrors = Record<string, string>;

export class ValidationError extends DomainError {
  readonly kind = 'validation';
  constructor(readonly fieldErrors: FieldErrors, message = 'Le formulaire contient des erreurs.') {
    super(message);
  }
}

/** SQLSTATE of a PostgreSQL error, whether the driver's own or wrapped by Drizzle (`cause`). */
export function sqlStateOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The constraint a unique violation (23505) hit, or undefined for any other error. */
export function uniqueViolationOf(error: unknown): string | undefined {
  if (sqlStateOf(error) !== '23505') return undefined;
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const constraint = (current as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string') return constraint;
  }
  return '';
}
