// Phone numbers: parsed and validated with libphonenumber-js (French numbers by default),
// stored in E.164 (+33612345678), shown in the national format for French numbers.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type ParsedPhone = { ok: true; e164: string; national: string; international: string } | { ok: false };

export function parsePhone(input: string, defaultCountry: CountryCode = 'FR'): ParsedPhone {
  const text = input.trim();
  if (!text || text.length > 40) return { ok: false };
  // "0033 …" is a common way to type the international prefix.
  const normalised = text.replace(/^00(?=[1-9])/, '+');
  const phone = parsePhoneNumberFromString(normalised, defaultCountry);
  if (!phone || !phone.isValid()) return { ok: false };
  return { ok: true, e164: phone.number, national: phone.formatNational(), international: phone.formatInternational() };
}

/** "+33612345678" → "06 12 34 56 78"; other countries in international format. */
export function formatPhone(e164: string): string {
  const phone = parsePhoneNumberFromString(e164);
  if (!phone) return e164;
  return phone.country === 'FR' ? phone.formatNational() : phone.formatInternational();
}
