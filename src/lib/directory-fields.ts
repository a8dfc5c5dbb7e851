// zod field builders for the partner directory's forms (and imports): French identifiers,
// lists typed one per line or comma-separated, phones in E.164. Messages in French.
import { z } from 'zod';
import { t } from './i18n';
import { digitsOnly, isValidSiren, isValidSiret, isValidUai, normalizeWebsite, splitSiretList, splitUaiList } from './identifiers';
import { parsePhone } from './phones';

/** A form value that may be a string, an array of strings (repeated fields) or absent. */
const textOrList = z.union([z.string(), z.array(z.string())]).optional();

function itemsOf(value: string | string[] | undefined, separator: RegExp): string[] {
  const parts = Array.isArray(value) ? value : (value ?? '').split(separator);
  return parts.map((part) => part.trim()).filter(Boolean);
}

export const siretField = () =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      const digits = digitsOnly(value ?? '');
      if (!digits) return null;
      if (!isValidSiret(digits)) {
        context.addIssue({ code: 'custom', message: t('identifiers.invalidSiret') });
        return z.NEVER;
      }
      return digits;
    });

export const sirenField = () =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      const digits = digitsOnly(value ?? '');
      if (!digits) return null;
      if (!isValidSiren(digits)) {
        context.addIssue({ code: 'custom', message: t('identifiers.invalidSiren') });
        return z.NEVER;
      }
      return digits;
    });

export const uaiListField = () =>
  textOrList.transform((value, context) => {
    const codes = Array.isArray(value) ? [...new Set(value.flatMap((item) => splitUaiList(item)))] : splitUaiList(value ?? '');
    const invalid = codes.filter((code) => !isValidUai(code));
    if (invalid.length > 0) {
      context.addIssue({ code: 'custom', message: t('identifiers.invalidUai', { codes: invalid.join(', ') }) });
      return z.NEVER;
    }
    return codes;
  });

/** Other SIRET of an organisation (its other establishments): one per line or separated by commas, each checked. */
export const siretListField = () =>
  textOrList.transform((value, context) => {
    const sirets = [...new Set((Array.isArray(value) ? value : [value ?? '']).flatMap((item) => splitSiretList(item)))];
    const invalid = sirets.filter((siret) => !isValidSiret(siret));
    if (invalid.length > 0) {
      context.addIssue({ code: 'custom', message: t('identifiers.invalidSiretInList', { values: invalid.join(', ') }) });
      return z.NEVER;
    }
    return sirets;
  });

export const phoneListField = () =>
  textOrList.transform((value, context) => {
    const numbers: string[] = [];
    for (const item of itemsOf(value, /[\n;]+/)) {
      const parsed = parsePhone(item, 'FR');
      if (!parsed.ok) {
        context.addIssue({ code: 'custom', message: t('identifiers.invalidPhone', { value: item }) });
        return z.NEVER;
      }
      if (!numbers.includes(parsed.e164)) numbers.push(parsed.e164);
    }
    return numbers;
  });

export const websiteField = () =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      const text = (value ?? '').trim();
      if (!text) return null;
      const url = normalizeWebsite(text);
      try {
        const parsed = new URL(url);
        if (!['http:', 'https:'].includes(parsed.protocol) || !parsed.hostname.includes('.')) throw new Error('not a web address');
      } catch {
        context.addIssue({ code: 'custom', message: t('identifiers.invalidWebsite') });
        return z.NEVER;
      }
      if (url.length > 300) {
        context.addIssue({ code: 'custom', message: t('validation.tooLong', { max: 300 }) });
        return z.NEVER;
      }
      return url;
    });

const emailSchema = z.email();

export const optionalEmailField = () =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      const text = (value ?? '').trim().toLowerCase();
      if (!text) return null;
      if (text.length > 254 || !emailSchema.safeParse(text).success) {
        context.addIssue({ code: 'custom', message: t('validation.email') });
        return z.NEVER;
      }
      return text;
    });

export const emailListField = () =>
  textOrList.transform((value, context) => {
    const emails: string[] = [];
    for (const item of itemsOf(value, /[\n;,]+/)) {
      const email = item.toLowerCase();
      if (email.length > 254 || !emailSchema.safeParse(email).success) {
        context.addIssue({ code: 'custom', message: t('identifiers.invalidEmailInList', { value: item }) });
        return z.NEVER;
      }
      if (!emails.includes(email)) emails.push(email);
    }
    return emails;
  });

/**
 * Longest tag: real registers name networks at length (« Campus des métiers et des
 * qualifications d’excellence Industrie du futur Grand Est » is 84 characters).
 */
export const TAG_MAX_LENGTH = 100;

export const tagListField = () =>
  textOrList.transform((value, context) => {
    const tags: string[] = [];
    for (const item of itemsOf(value, /[,;\n]+/)) {
      if (item.length > TAG_MAX_LENGTH) {
        context.addIssue({ code: 'custom', message: t('identifiers.tagTooLong', { value: item, max: TAG_MAX_LENGTH }) });
        return z.NEVER;
      }
      if (!tags.some((tag) => tag.toLowerCase() === item.toLowerCase())) tags.push(item);
    }
    return tags;
  });

/** `<input type="date">` value (yyyy-mm-dd); empty → null. */
export const dateField = () =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      const text = (value ?? '').trim();
      if (!text) return null;
      const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : null;
      if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
        context.addIssue({ code: 'custom', message: t('identifiers.invalidDate') });
        return z.NEVER;
      }
      return text;
    });
