// Turns one imported row (field → cell values) into the input the directory's own forms take,
// so imported records pass exactly the validation typed ones do. Pure functions: what needs
// the database (kinds, users, organisations) is given by the caller.
import { type CIVILITIES, type LEGAL_BASES, type ORGANIZATION_STATUSES } from '../../models/schema';
import { parseFrenchAddress, readableCity, readableOrganizationName, readableStreet } from '../../lib/french-case';
import { kindHintsOf } from '../../lib/organization-kind-hints';
import { headerKey } from './fields';

/** Field key → the row's values for it (see valuesByField). */
export type RowValues = Map<string, string[]>;

/** A cell typed in capitals ("UNIVERSITE DE MONTPELLIER"), as national registers export them. */
function isShouting(text: string): boolean {
  const letters = text.replace(/[^A-Za-zÀ-ÿ]/g, '');
  return letters.length >= 3 && letters === letters.toUpperCase();
}

function first(values: RowValues, field: string): string {
  return values.get(field)?.[0]?.trim() ?? '';
}

/** Cells of a multi-valued field, each possibly holding a list ("a, b; c"). */
function listOf(values: RowValues, field: string, separator = /[;,|\n]+/): string[] {
  const items = (values.get(field) ?? []).flatMap((cell) => cell.split(separator)).map((item) => item.trim());
  return [...new Set(items.filter(Boolean))];
}

/** "25/03/2022" or "2022-03-25" → "2022-03-25"; anything else is passed on for the form to reject. */
export function isoDate(text: string): string {
  const french = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text.trim());
  if (french) {
    const [, day = '', month = '', year = ''] = french;
    return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  }
  return text.trim();
}

export interface KindChoice {
  code: string;
  label: string;
}

/**
 * The kind of an organisation: the kind column when there is one (code or label, any case or
 * accents), else a hint in its name ("Lycée…", "Université…"), else the import's default.
 * Returns `unknown` with the text when a kind column names nothing known.
 */
export function resolveKind(kindText: string, name: string, kinds: KindChoice[], defaultKind: string): { code: string } | { unknown: string } {
  const available = new Set(kinds.map((kind) => kind.code));
  if (kindText) {
    const key = headerKey(kindText);
    const match = kinds.find((kind) => headerKey(kind.code) === key || headerKey(kind.label) === key);
    return match ? { code: match.code } : { unknown: kindText };
  }
  for (const code of kindHintsOf(name)) {
    if (available.has(code)) return { code };
  }
  return { code: defaultKind };
}

const STATUS_WORDS: Record<string, (typeof ORGANIZATION_STATUSES)[number]> = {
  prospect: 'prospect',
  actif: 'actif',
  active: 'actif',
  en_sommeil: 'en_sommeil',
  'en sommeil': 'en_sommeil',
  sommeil: 'en_sommeil',
  ancien: 'ancien',
  ancienne: 'ancien',
  inactif: 'en_sommeil',
};

/** The organisation form's input for this row, and the owner e-mail to look up. */
export function organizationInputOf(
  values: RowValues,
  context: { kinds: KindChoice[]; defaultKindCode: string; defaultStatus: string; unitIds: string[] },
): { input: Record<string, unknown>; ownerEmail: string; kindProblem?: string; statusProblem?: string } {
  const rawName = first(values, 'name');
  const name = isShouting(rawName) ? readableOrganizationName(rawName) : rawName;
  const kind = resolveKind(first(values, 'kind'), rawName, context.kinds, context.defaultKindCode);
  const statusText = first(values, 'status');
  const status = statusText ? STATUS_WORDS[headerKey(statusText)] ?? STATUS_WORDS[statusText.toLowerCase()] : context.defaultStatus;

  let addressLine = first(values, 'addressLine');
  let postalCode = first(values, 'postalCode');
  let city = first(values, 'city');
  // "RTE DE MENDE 34090 MONTPELLIER" in one cell: split when no separate columns say otherwise.
  if (addressLine && !postalCode && !city) {
    const parsed = parseFrenchAddress(addressLine);
    if (parsed) {
      addressLine = parsed.addressLine ?? '';
      postalCode = parsed.postalCode;
      city = parsed.city;
    }
  }
  if (isShouting(addressLine)) addressLine = readableStreet(addressLine);
  if (isShouting(city)) city = readableCity(city);

  return {
    input: {
      name,
      acronym: first(values, 'acronym'),
      kindCode: 'code' in kind ? kind.code : '',
      status: status ?? '',
      siren: first(values, 'siren'),
      siret: first(values, 'siret'),
      uai: listOf(values, 'uai', /[\s;,|]+/).join(' '),
      website: first(values, 'website'),
      email: first(values, 'email').toLowerCase(),
      phone: first(values, 'phone'),
      addressLine,
      communeCode: first(values, 'communeCode'),
      postalCode,
      city,
      tags: listOf(values, 'tags').join(', '),
      ownerId: '',
      unitIds: context.unitIds,
      parentId: '',
      description: first(values, 'description'),
      confirmDuplicates: true,
    },
    ownerEmail: first(values, 'ownerEmail').toLowerCase(),
    kindProblem: 'unknown' in kind ? kind.unknown : undefined,
    statusProblem: statusText && !status ? statusText : undefined,
  };
}

const CIVILITY_WORDS: Record<string, (typeof CIVILITIES)[number]> = {
  m: 'M.',
  mr: 'M.',
  monsieur: 'M.',
  mme: 'Mme',
  madame: 'Mme',
  mlle: 'Mme',
  mademoiselle: 'Mme',
};

const LEGAL_BASIS_WORDS: Record<string, (typeof LEGAL_BASES)[number]> = {
  'interet legitime': 'interet_legitime',
  interet_legitime: 'interet_legitime',
  consentement: 'consentement',
  consent: 'consentement',
  contrat: 'contrat',
  contract: 'contrat',
  'mission d interet public': 'mission_interet_public',
  'mission interet public': 'mission_interet_public',
};

/** "DUPONT Marie" → Marie / DUPONT; "Marie Dupont" → Marie / Dupont. */
export function splitFullName(full: string): { firstName: string; lastName: string } {
  const words = full.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return { firstName: '', lastName: words[0] ?? '' };
  const capitals = words.filter((word) => isShouting(word));
  if (capitals.length > 0 && capitals.length < words.length) {
    return { lastName: capitals.join(' '), firstName: words.filter((word) => !isShouting(word)).join(' ') };
  }
  return { firstName: words[0] ?? '', lastName: words.slice(1).join(' ') };
}

export interface EmployerReference {
  name: string;
  siret: string;
  uai: string;
}

/** The contact form's input for this row, and how to find the organisation it works for. */
export function contactInputOf(
  values: RowValues,
  context: { unitIds: string[] },
): { input: Record<string, unknown>; employer: EmployerReference | null; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  let firstName = first(values, 'firstName');
  let lastName = first(values, 'lastName');
  const fullName = first(values, 'fullName');
  if (!firstName && !lastName && fullName) ({ firstName, lastName } = splitFullName(fullName));

  const civilityText = first(values, 'civility');
  const civility = civilityText ? CIVILITY_WORDS[headerKey(civilityText)] : '';
  if (civilityText && !civility) problems.civility = civilityText;
  const basisText = first(values, 'legalBasis');
  const legalBasis = basisText ? LEGAL_BASIS_WORDS[headerKey(basisText)] : 'interet_legitime';
  if (basisText && !legalBasis) problems.legalBasis = basisText;

  const employerName = first(values, 'organizationName');
  const employerSiret = first(values, 'organizationSiret');
  const employerUai = first(values, 'organizationUai');
  return {
    input: {
      civility: civility ?? '',
      firstName,
      lastName,
      jobTitle: first(values, 'jobTitle'),
      emails: listOf(values, 'email').map((email) => email.toLowerCase()),
      phones: listOf(values, 'phone', /[;|\n]+/),
      linkedinUrl: first(values, 'linkedinUrl'),
      ownerId: '',
      unitIds: context.unitIds,
      tags: listOf(values, 'tags').join(', '),
      notes: first(values, 'notes'),
      legalBasis: legalBasis ?? '',
      source: 'import',
      consentDate: isoDate(first(values, 'consentDate')),
      emailOptOut: false,
      confirmDuplicates: true,
      role: first(values, 'role'),
      startDate: isoDate(first(values, 'startDate')),
    },
    employer: employerName || employerSiret || employerUai ? { name: isShouting(employerName) ? readableOrganizationName(employerName) : employerName, siret: employerSiret, uai: employerUai } : null,
    problems,
  };
}
