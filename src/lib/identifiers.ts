// French identifiers of organisations: SIREN/SIRET (INSEE, Luhn key) and UAI (education
// establishments, 7 digits + key letter), plus website normalisation for duplicate checks.

/** Keeps the digits only: people type "180 000 011 00019", "180.000.011" or with NBSP. */
export function digitsOnly(input: string): string {
  return input.replace(/\D+/g, '');
}

/** Luhn checksum (mod 10) over a string of digits. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function isValidSiren(input: string): boolean {
  const digits = digitsOnly(input);
  return digits.length === 9 && luhnValid(digits);
}

/** La Poste's establishments share one SIREN and follow their own rule (digit sum multiple of 5). */
const LA_POSTE_SIREN = '356000000';

export function isValidSiret(input: string): boolean {
  const digits = digitsOnly(input);
  if (digits.length !== 14) return false;
  if (digits.startsWith(LA_POSTE_SIREN) && digits !== `${LA_POSTE_SIREN}00048`) {
    const sum = [...digits].reduce((total, digit) => total + Number(digit), 0);
    return sum % 5 === 0;
  }
  return luhnValid(digits) && luhnValid(digits.slice(0, 9));
}

export function sirenOfSiret(siret: string): string {
  return digitsOnly(siret).slice(0, 9);
}

/** The 23 key letters of the UAI (no I, O or Q, which look like digits). */
const UAI_KEY_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

export function normalizeUai(input: string): string {
  return input.trim().toUpperCase().replace(/\s+/g, '');
}

/** UAI (ex-RNE): 7 digits then the letter at (number mod 23) in the key alphabet. */
export function isValidUai(input: string): boolean {
  const uai = normalizeUai(input);
  const match = /^(\d{7})([A-Z])$/.exec(uai);
  if (!match) return false;
  return UAI_KEY_LETTERS[Number(match[1]) % 23] === match[2];
}

/** Several UAI in one cell ("0861234A, 0861235B" or "0861234A / 0861235B"): normalised, deduplicated. */
export function splitUaiList(input: string): string[] {
  return [...new Set(input.split(/[\s,;/|]+/).map(normalizeUai).filter(Boolean))];
}

/**
 * Several SIRET in one cell: `39779265600019,39779265600027`, or separated by `;`, `/`, `|`,
 * spaces or new lines. A SIRET written in groups (« 397 792 656 00019 ») stays one: groups of
 * digits are joined until they make 14 digits. Returns the items as digits (invalid ones too,
 * for the caller to report), deduplicated.
 */
export function splitSiretList(input: string): string[] {
  const items: string[] = [];
  for (const part of input.split(/[,;/|\n]+/)) {
    let pending = '';
    for (const token of part.trim().split(/[\s.\u00a0\u202f-]+/).filter(Boolean)) {
      const digits = digitsOnly(token);
      if (!digits) continue;
      if (digits.length >= 14) {
        if (pending) items.push(pending);
        pending = '';
        items.push(digits);
        continue;
      }
      pending += digits;
      if (pending.length >= 14) {
        items.push(pending);
        pending = '';
      }
    }
    if (pending) items.push(pending);
  }
  return [...new Set(items)];
}

/** Adds https:// when the scheme is missing ("www.univ-lyon2.fr" → "https://www.univ-lyon2.fr"). */
export function normalizeWebsite(input: string): string {
  const trimmed = input.trim();
  if (!trimmed) return '';
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/** Host without "www.", lowercase — the same rule as organizations.website_domain in SQL. */
export function websiteDomain(url: string): string | null {
  const match = /^([a-zA-Z]+:\/\/)?(www\.)?([^/:?#]+)/.exec(url.trim());
  const host = match?.[3]?.toLowerCase() ?? '';
  return host || null;
}
