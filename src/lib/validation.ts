import { z } from 'zod';
import { ValidationError, type FieldErrors } from './errors';
import { t } from './i18n';
import { PASSWORD_MIN_LENGTH } from './passwords';

// zod's own messages (for a check without a custom one) in French too, per parse rather than
// through zod's global configuration.
const FRENCH_MESSAGES = z.locales.fr().localeError;

/**
 * Control characters have no place in a form field: NUL is refused by PostgreSQL (the insert and
 * the audit row would fail), the others are invisible and break exports. Tab, line feed and
 * carriage return stay allowed (multi-line fields).
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS_GLOBAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function hasControlCharacters(value: string): boolean {
  return CONTROL_CHARACTERS.test(value);
}

/** Removes control characters (search boxes and filters, where refusing would only annoy). */
export function withoutControlCharacters(value: string): string {
  return value.replace(CONTROL_CHARACTERS_GLOBAL, '');
}

/** Every string (and key) of a parsed form or query, with its path, depth-limited. */
function* stringsIn(value: unknown, path: string[] = [], depth = 0): Generator<{ path: string[]; text: string }> {
  if (typeof value === 'string') {
    yield { path, text: value };
    return;
  }
  if (depth > 5 || typeof value !== 'object' || value === null) return;
  for (const [key, item] of Object.entries(value)) {
    yield { path: [...path, key], text: key };
    yield* stringsIn(item, [...path, key], depth + 1);
  }
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function fieldName(path: PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '_form';
}

/**
 * Parses input with a zod schema; failures become a ValidationError with one French message per
 * field. Whatever the schema, a control character in any value is refused next to its field, and
 * a list or an object sent where the schema wanted one value says so.
 */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const fieldErrors: FieldErrors = {};
  for (const { path, text } of stringsIn(input)) {
    if (hasControlCharacters(text)) fieldErrors[fieldName(path.slice(0, 1))] ??= t('validation.controlCharacters');
  }
  if (Object.keys(fieldErrors).length > 0) throw new ValidationError(fieldErrors, t('validation.formHasErrors'));
  const result = schema.safeParse(input, { error: FRENCH_MESSAGES });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const field = fieldName(issue.path);
    const received = valueAt(input, issue.path);
    const notScalar =
      issue.code === 'invalid_type' && issue.expected !== 'array' && issue.expected !== 'object' && typeof received === 'object' && received !== null;
    fieldErrors[field] ??= notScalar ? t('validation.notScalar') : issue.message;
  }
  throw new ValidationError(fieldErrors, t('validation.formHasErrors'));
}

/** One value (not a list nor an object, which `field[]=…` or `field[x]=…` would give). */
const scalarString = (requiredMessage?: string) =>
  z.string({
    error: (issue) => (issue.input !== undefined && typeof issue.input === 'object' && issue.input !== null ? t('validation.notScalar') : (requiredMessage ?? t('validation.invalidValue'))),
  });

const printable = <T extends z.ZodString>(schema: T) => schema.refine((value) => !hasControlCharacters(value), t('validation.controlCharacters'));

/** Form fields arrive as strings; an empty one means "not given". */
export const trimmed = (max = 200) => printable(scalarString(t('validation.required')).trim().max(max, t('validation.tooLong', { max })));

export const requiredText = (max = 200) => trimmed(max).min(1, t('validation.required'));

export const emailField = () =>
  printable(scalarString(t('validation.required')))
    .trim()
    .toLowerCase()
    .min(1, t('validation.required'))
    .pipe(z.email({ error: t('validation.email') }).max(254, t('validation.tooLong', { max: 254 })));

// Long passphrases are welcome; the upper bound only protects the hashing cost.
export const passwordField = () =>
  scalarString(t('validation.required'))
    .min(1, t('validation.required'))
    .min(PASSWORD_MIN_LENGTH, t('validation.passwordTooShort', { min: PASSWORD_MIN_LENGTH }))
    .max(256, t('validation.passwordTooLong', { max: 256 }));

/** A checkbox group or multi-select: absent → [], one value → [value]. */
export const stringList = () =>
  z.preprocess((value) => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]), z.array(z.string()));

/** Adds the "typed twice" check to a schema holding `password` and `passwordConfirm`. */
export function withPasswordConfirmation<Schema extends z.ZodType<{ password: string; passwordConfirm: string }>>(schema: Schema) {
  return schema.refine((value) => value.password === value.passwordConfirm, {
    path: ['passwordConfirm'],
    message: t('validation.passwordMismatch'),
  });
}

/** An optional text field: absent or blank → '' (callers map it to null where needed). */
export const optionalTrimmed = (max = 200) =>
  printable(scalarString().trim().max(max, t('validation.tooLong', { max })))
    .optional()
    .transform((value) => value ?? '');

/** An optional reference chosen in a list: absent or blank → null, otherwise a UUID. */
export const optionalId = (message: string) =>
  z
    .union([z.literal(''), z.uuid({ error: message })])
    .optional()
    .transform((value) => value || null);

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the opaque ids of our URLs; anything else never reaches SQL as a uuid. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
