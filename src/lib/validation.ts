import { z } from 'zod';
import { ValidationError, type FieldErrors } from './errors';
import { t } from './i18n';
import { PASSWORD_MIN_LENGTH } from './passwords';

/** Parses input with a zod schema; failures become a ValidationError with one French message per field. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.infer<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '_form';
    fieldErrors[field] ??= issue.message;
  }
  throw new ValidationError(fieldErrors, t('validation.formHasErrors'));
}

/** Form fields arrive as strings; an empty one means "not given". */
export const trimmed = (max = 200) =>
  z
    .string({ error: t('validation.required') })
    .trim()
    .max(max, t('validation.tooLong', { max }));

export const requiredText = (max = 200) => trimmed(max).min(1, t('validation.required'));

export const emailField = () =>
  z
    .string({ error: t('validation.required') })
    .trim()
    .toLowerCase()
    .min(1, t('validation.required'))
    .pipe(z.email({ error: t('validation.email') }).max(254, t('validation.tooLong', { max: 254 })));

// Long passphrases are welcome; the upper bound only protects the hashing cost.
export const passwordField = () =>
  z
    .string({ error: t('validation.required') })
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
  z
    .string()
    .trim()
    .max(max, t('validation.tooLong', { max }))
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
