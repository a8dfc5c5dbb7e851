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
