// Phone numbers: parsed and validated with libphonenumber-js (French numbers by default),
// stored in E.164 (+33612345678), shown in the national format for French numbers.
//
// Overseas France: the départements and collectivités of the Antilles, Guyane, La Réunion,
// Mayotte, Saint-Pierre-et-Miquelon, Saint-Barthélemy and Saint-Martin share the French
// national numbering plan (0262…, 0590…, 0508…), but have their own country calling codes
// (+262, +590, +594, +596, +508). French files write them nationally or with the metropolitan
// code (« +33 262 … », « 0033 590 … »), which libphonenumber rejects (or, for 0269/0263/0508,
// takes for metropolitan numbers): they are stored under the territory's own code, so that one
// number has one E.164 form whichever way it was typed.
import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export type ParsedPhone = { ok: true; e164: string; national: string; international: string } | { ok: false };

/**
 * French national significant numbers (without the leading 0) that belong to an overseas
 * territory: ARCEP's ranges for fixed lines and mobiles. `strip`: the range prefix is not part
 * of the territory's own number (Saint-Pierre-et-Miquelon: 0508 41 23 45 is +508 41 23 45).
 */
const OVERSEAS_RANGES: ReadonlyArray<{ prefix: RegExp; callingCode: string; strip: boolean }> = [
  { prefix: /^(262|263|269|639|692|693)/, callingCode: '262', strip: false }, // La Réunion, Mayotte
  { prefix: /^(590|690|691)/, callingCode: '590', strip: false }, // Guadeloupe, Saint-Barthélemy, Saint-Martin
  { prefix: /^(594|694)/, callingCode: '594', strip: false }, // Guyane
  { prefix: /^(596|696|697)/, callingCode: '596', strip: false }, // Martinique
  { prefix: /^508/, callingCode: '508', strip: true }, // Saint-Pierre-et-Miquelon
];

/**
 * Territories outside the French numbering plan (Nouvelle-Calédonie, Polynésie française,
 * Wallis-et-Futuna): « +33 689 40 … » is their own code behind a wrong +33, but only when the
 * number is no metropolitan one (06 87…, 06 89…, 06 81… are metropolitan mobiles).
 */
const PACIFIC_CALLING_CODES = /^(687|689|681)/;

/** Every calling code of overseas France, for digits typed without « + » (« 262262938080 »). */
const OVERSEAS_CALLING_CODES = /^(262|590|594|596|508|687|689|681)/;

/** Territories whose numbers are shown nationally, as in France (« 0262 93 80 80 »). */
const NATIONAL_DISPLAY = new Set<string>(['FR', 'RE', 'YT', 'GP', 'BL', 'MF', 'GF', 'MQ']);

function valid(text: string, defaultCountry?: CountryCode): PhoneNumber | undefined {
  const phone = parsePhoneNumberFromString(text, defaultCountry);
  return phone?.isValid() ? phone : undefined;
}

/** The overseas number behind a French-written one (« 0262… », « +33 262… »), if it is one. */
function overseasNumber(text: string, defaultCountry: CountryCode): PhoneNumber | undefined {
  const french = parsePhoneNumberFromString(text, defaultCountry);
  if (!french || french.countryCallingCode !== '33') return undefined;
  const significant = french.nationalNumber as string;
  if (significant.length === 9) {
    for (const range of OVERSEAS_RANGES) {
      if (!range.prefix.test(significant)) continue;
      const phone = valid(`+${range.callingCode}${range.strip ? significant.slice(3) : significant}`);
      if (phone) return phone;
    }
  }
  if (PACIFIC_CALLING_CODES.test(significant) && !french.isValid()) {
    const phone = valid(`+${significant}`);
    if (phone && phone.country !== 'FR') return phone;
  }
  return undefined;
}

export function parsePhone(input: string, defaultCountry: CountryCode = 'FR'): ParsedPhone {
  const text = input.trim();
  if (!text || text.length > 40) return { ok: false };
  // "0033 …" is a common way to type the international prefix.
  const normalised = text.replace(/^00(?=[1-9])/, '+');
  const digits = normalised.replace(/[\s.\-/()]/g, '');
  const phone =
    overseasNumber(normalised, defaultCountry) ??
    valid(normalised, defaultCountry) ??
    // "262262938080": an overseas calling code whose « + » was lost (spreadsheets drop it).
    (/^\d+$/.test(digits) && OVERSEAS_CALLING_CODES.test(digits) ? valid(`+${digits}`) : undefined);
  if (!phone) return { ok: false };
  return { ok: true, e164: phone.number, national: nationalForm(phone), international: phone.formatInternational() };
}

/** How a French user reads and dials the number. */
function nationalForm(phone: PhoneNumber): string {
  if (phone.country && NATIONAL_DISPLAY.has(phone.country)) return phone.formatNational();
  // Saint-Pierre-et-Miquelon is dialled 0508 + six digits from the rest of France.
  if (phone.country === 'PM') return `0508 ${(phone.nationalNumber as string).replace(/(\d{2})(?=\d)/g, '$1 ')}`;
  return phone.formatInternational();
}

/**
 * "+33612345678" → "06 12 34 56 78", "+262262938080" → "0262 93 80 80" (overseas France as
 * dialled from France); other countries in international format. A number stored before the
 * overseas rule under +33 (Mayotte's +33269…, +33508…) is shown as its territory's.
 */
export function formatPhone(e164: string): string {
  const parsed = parsePhone(e164);
  if (parsed.ok) return parsed.national;
  const phone = parsePhoneNumberFromString(e164);
  return phone ? nationalForm(phone) : e164;
}
