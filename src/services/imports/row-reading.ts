// Reads one imported row (field → cell values) into what the directory's own forms accept
// (organizationSchema, contactSchema: an import never stores what a form would refuse), without
// losing what the file says: an invalid optional cell leaves the row imported without that value
// and with a warning; only a required field or the match key's field refuses the row. Cells with
// several identifiers give several SIRET/UAI; an address in one cell is split into street,
// postcode and town, the postcode as written. Pure functions: what needs the database (kinds,
// users, organisations) is given or looked up by the caller (src/services/import-rows.ts).
import type { z } from 'zod';
import { t } from '../../lib/i18n';
import { emailListField, optionalEmailField, phoneListField, sirenField, siretField, tagListField, uaiListField } from '../../lib/directory-fields';
import { normalizePostalCode, parseFrenchAddress, splitPostcodeFromTown, splitTown } from '../../lib/french-address';
import { isInCapitals, readableCity, readableOrganizationName, readableStreet } from '../../lib/french-case';
import { communeByCode, communesByPostalCode, communesMatching, resolveCommune, searchKey, type Commune } from '../../lib/geography';
import { digitsOnly, isValidSiren, isValidSiret, normalizeUai, sirenOfSiret, splitSiretList, splitUaiList } from '../../lib/identifiers';
import { CIVILITIES, LEGAL_BASES, ORGANIZATION_STATUSES, type ImportOptions, type ImportRowWarning } from '../../models/schema';
import { contactSchema, type ContactInput } from '../contacts.service';
import { organizationSchema, type OrganizationInput } from '../organizations.service';
import { headerKey } from './fields';
import { isoDate, resolveKind, splitFullName, type EmployerReference, type KindChoice, type RowValues } from './row-conversion';

/** Import field key → French message; `_row` for what concerns the whole row. */
export type RowErrors = Record<string, string>;

export type RowReading<T> =
  | { ok: true; input: T; warnings: ImportRowWarning[]; ownerEmail?: string; employer?: EmployerReference | null }
  | { ok: false; errors: RowErrors; warnings: ImportRowWarning[] };

export interface RowReadingContext {
  kinds: KindChoice[];
  options: ImportOptions;
}

export type { EmployerReference, KindChoice, RowValues };

// ── Cells ────────────────────────────────────────────────────────────────────────────────────


function first(values: RowValues, field: string): string {
  return values.get(field)?.find((cell) => cell.trim())?.trim() ?? '';
}

/** Every cell of a field (several columns may feed it), as written. */
function cells(values: RowValues, field: string): string[] {
  return (values.get(field) ?? []).map((cell) => cell.trim()).filter(Boolean);
}

/** Items of the cells of a list field ("a, b; c"), deduplicated. */
function itemsOf(values: RowValues, field: string, separator: RegExp): string[] {
  return [...new Set(cells(values, field).flatMap((cell) => cell.split(separator)).map((item) => item.trim()).filter(Boolean))];
}

/** The form field's reading of `value`: its output, or its message when the form refuses it. */
function judged(schema: z.ZodType, value: unknown): { ok: true; output: unknown } | { ok: false; message: string } {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, output: parsed.data } : { ok: false, message: parsed.error.issues[0]?.message ?? t('validation.invalidValue') };
}

/** The form field's message for `value`, or null when the form accepts it. */
function refusal(schema: z.ZodType, value: unknown): string | null {
  const result = judged(schema, value);
  return result.ok ? null : result.message;
}

/** The form's field schemas, built once: each list item of a cell is checked on its own. */
const SIRET_ITEM = siretField();
const SIREN_ITEM = sirenField();
const UAI_ITEM = uaiListField();
const EMAIL_ITEM = optionalEmailField();
const EMAIL_LIST_ITEM = emailListField();
const PHONE_ITEM = phoneListField();
const TAG_ITEM = tagListField();

class Notes {
  readonly warnings: ImportRowWarning[] = [];
  readonly errors: RowErrors = {};
  warn(field: string, value: string, message: string): void {
    if (!this.warnings.some((warning) => warning.field === field && warning.value === value)) this.warnings.push({ field, value, message });
  }
  refuse(field: string, message: string): void {
    this.errors[field] ??= message;
  }
}

/**
 * The items of a list cell the form accepts, one by one: a bad item is a warning (or, for the
 * match key's field when no item is good, the row's error), the good ones are kept.
 */
function validItems(items: string[], field: string, schema: z.ZodType, notes: Notes, isKey: boolean): string[] {
  const kept: string[] = [];
  const refused: Array<{ item: string; message: string }> = [];
  for (const item of items) {
    const result = judged(schema, item);
    if (!result.ok) refused.push({ item, message: result.message });
    else {
      // The form's own normal form (E.164 phone, digits-only SIRET): cheaper to check again.
      const output = Array.isArray(result.output) ? result.output[0] : result.output;
      const normal = typeof output === 'string' ? output : item;
      if (!kept.includes(normal)) kept.push(normal);
    }
  }
  for (const { item, message } of refused) {
    if (isKey && kept.length === 0) notes.refuse(field, message);
    else notes.warn(field, item, message);
  }
  return kept;
}

// ── Enumerated columns ───────────────────────────────────────────────────────────────────────

export type EnumeratedField = 'kind' | 'status' | 'civility' | 'legalBasis';

/** File words (headerKey: lower case, no accents, punctuation as spaces) → status. */
const STATUS_WORDS: Record<string, (typeof ORGANIZATION_STATUSES)[number]> = {
  prospect: 'prospect',
  'a contacter': 'prospect',
  piste: 'prospect',
  actif: 'actif',
  active: 'actif',
  ouvert: 'actif',
  ouverte: 'actif',
  'en activite': 'actif',
  partenaire: 'actif',
  en_sommeil: 'en_sommeil',
  'en sommeil': 'en_sommeil',
  sommeil: 'en_sommeil',
  inactif: 'en_sommeil',
  inactive: 'en_sommeil',
  suspendu: 'en_sommeil',
  ancien: 'ancien',
  ancienne: 'ancien',
  'ancien partenaire': 'ancien',
  ferme: 'ancien',
  fermee: 'ancien',
  cesse: 'ancien',
  radie: 'ancien',
};

const CIVILITY_WORDS: Record<string, (typeof CIVILITIES)[number]> = {
  m: 'M.',
  mr: 'M.',
  monsieur: 'M.',
  homme: 'M.',
  h: 'M.',
  mme: 'Mme',
  madame: 'Mme',
  mlle: 'Mme',
  melle: 'Mme',
  mademoiselle: 'Mme',
  mrs: 'Mme',
  ms: 'Mme',
  femme: 'Mme',
  f: 'Mme',
};

const LEGAL_BASIS_WORDS: Record<string, (typeof LEGAL_BASES)[number]> = {
  'interet legitime': 'interet_legitime',
  interet_legitime: 'interet_legitime',
  'legitimate interest': 'interet_legitime',
  consentement: 'consentement',
  consent: 'consentement',
  contrat: 'contrat',
  contract: 'contrat',
  contractuel: 'contrat',
  'mission d interet public': 'mission_interet_public',
  'mission interet public': 'mission_interet_public',
  'mission de service public': 'mission_interet_public',
  'interet public': 'mission_interet_public',
  mission_interet_public: 'mission_interet_public',
};

/**
 * Words of a kind column (the registers' own labels: « Grand établissement », « Autre
 * établissement », « École d'ingénieurs », « EPSCP ») → kind code, tried in this order.
 */
const KIND_WORDS: Array<[RegExp, string[]]> = [
  [/\bcampus connecte\b|\btiers lieu\b|\bdigitale academie\b|\bfab ?lab\b/, ['tiers_lieu']],
  [/\bcreps\b|\bcentre sportif\b/, ['creps']],
  [/\bcfa\b|\bcentre de formation d apprentis\b|\bapprentissage\b/, ['cfa']],
  [/\bopco\b|\boperateur de competences\b/, ['opco']],
  [/\blycee\b/, ['lycee']],
  [/\buniversite\b|\buniversity\b|\bcomue\b|\bcommunaute d universites\b|\betablissement public experimental\b|\bepscp\b/, ['universite']],
  [/\bfederation sportive\b|\bligue\b|\bclub\b|\bsport/, ['federation_sportive']],
  [/\bgrand etablissement\b|\becole\b|\binstitut\b|\bconservatoire\b|\binp\b|\bens\b|\bautre etablissement\b|\betablissement d enseignement\b|\benseignement superieur\b/, ['ecole']],
  [/\bstart ?up\b|\bjeune pousse\b|\bjei\b/, ['startup']],
  [/\bentreprise\b|\bsociete\b|\bsas\b|\bsarl\b|\bsa\b|\bpme\b|\beti\b|\bgroupe\b/, ['entreprise']],
  [/\bcollectivite\b|\bregion\b|\bdepartement\b|\bcommune\b|\bmairie\b|\bmetropole\b|\bagglomeration\b|\bconseil (regional|departemental)\b/, ['collectivite']],
  [/\bministere\b|\bagence\b|\boperateur\b|\betablissement public\b|\brectorat\b|\bacademie\b|\bprefecture\b|\bservice de l etat\b/, ['institution_publique']],
  [/\bassociation\b|\breseau\b|\bfederation\b|\bchambre\b|\bcci\b|\bcma\b/, ['reseau_association']],
];

function labelledChoices(field: EnumeratedField, kinds: KindChoice[]): KindChoice[] {
  switch (field) {
    case 'kind':
      return kinds;
    case 'status':
      return ORGANIZATION_STATUSES.map((code) => ({ code, label: t(`organizations.statuses.${code}`) }));
    case 'civility':
      return CIVILITIES.map((code) => ({ code, label: code }));
    case 'legalBasis':
      return LEGAL_BASES.map((code) => ({ code, label: t(`contacts.legalBases.${code}`) }));
  }
}

/** A choice whose code or label is the text (case, accents and punctuation aside). */
function exactChoice(text: string, choices: KindChoice[]): string | null {
  const key = headerKey(text);
  if (!key) return null;
  return choices.find((choice) => headerKey(choice.code) === key || headerKey(choice.label) === key)?.code ?? null;
}

/**
 * The target suggested for a distinct value of an enumerated column (the wizard's value-mapping
 * step): a code or label written as such, else the usual words of registers (« Grand
 * établissement » → ecole, « Mr » → M., « Fermé » → ancien), else null (the person chooses).
 * `choices` are the targets offered (the active kinds for `kind`); only one of them is returned.
 */
export function suggestValueTarget(field: EnumeratedField | string, fileValue: string, choices: KindChoice[]): string | null {
  const exact = exactChoice(fileValue, choices);
  if (exact) return exact;
  const key = headerKey(fileValue);
  if (!key) return null;
  const available = new Set(choices.map((choice) => choice.code));
  const offered = (code: string | undefined) => (code && available.has(code) ? code : null);
  switch (field) {
    case 'kind': {
      for (const [pattern, codes] of KIND_WORDS) {
        if (pattern.test(key)) {
          const code = codes.find((candidate) => available.has(candidate));
          if (code) return code;
        }
      }
      // A label of the choices inside the value (« Lycée agricole » → Lycée).
      const inside = choices.find((choice) => headerKey(choice.label).length >= 3 && key.includes(headerKey(choice.label)));
      return inside?.code ?? null;
    }
    case 'status':
      return offered(STATUS_WORDS[key]);
    case 'civility':
      return offered(CIVILITY_WORDS[key.replace(/\s+/g, '')]);
    case 'legalBasis':
      return offered(LEGAL_BASIS_WORDS[key]);
    default:
      return null;
  }
}

/** The values step keeps a file value's first 200 characters as its key (src/services/imports.service.ts). */
const VALUE_KEY_LENGTH = 200;

/** The file's value in the wizard's value map (trimmed, case aside), if there. */
function mappedValue(options: ImportOptions, field: string, text: string): string | undefined {
  const map = options.valueMaps?.[field];
  if (!map) return undefined;
  const key = text.slice(0, VALUE_KEY_LENGTH);
  if (Object.hasOwn(map, key)) return map[key];
  const lower = key.toLocaleLowerCase('fr');
  for (const [fileValue, target] of Object.entries(map)) {
    if (fileValue.trim().toLocaleLowerCase('fr') === lower) return target;
  }
  return undefined;
}

const UNKNOWN_MESSAGE: Record<EnumeratedField, string> = {
  kind: 'imports.rowWarnings.unknownKind',
  status: 'imports.rowWarnings.unknownStatus',
  civility: 'imports.rowWarnings.unknownCivility',
  legalBasis: 'imports.rowWarnings.unknownLegalBasis',
};

/**
 * The code of an enumerated cell: the wizard's value map (file value → code), else a code or
 * label written as such (and the usual words), else the default chosen in the wizard for
 * unmapped values, else the import's default with a warning. Never a row error. Empty text →
 * undefined (the caller's default for an empty cell).
 */
function enumeratedCode(field: EnumeratedField, text: string, context: RowReadingContext, fallback: string, notes: Notes): string | undefined {
  if (!text) return undefined;
  const choices = labelledChoices(field, context.kinds);
  // A civility may be left empty on purpose (the values step offers « leave empty »).
  const valid = (code: string | undefined) => code !== undefined && (choices.some((choice) => choice.code === code) || (code === '' && field === 'civility'));
  const mapped = mappedValue(context.options, field, text);
  if (valid(mapped)) return mapped;
  const known = exactChoice(text, choices) ?? (field === 'kind' ? null : suggestValueTarget(field, text, choices));
  if (known) return known;
  const chosenDefault = context.options.valueDefaults?.[field];
  if (valid(chosenDefault)) return chosenDefault;
  notes.warn(field, text, t(UNKNOWN_MESSAGE[field], { value: text }));
  return fallback;
}

// ── Parsing leniently ────────────────────────────────────────────────────────────────────────

/**
 * Parses `raw` with a form schema; an issue on a field that is neither required nor the match
 * key blanks that field (the row is imported without it) and becomes a warning; any other
 * issue refuses the row. `fieldOf` names the import field a schema key comes from.
 */
function parseLeniently<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
  rejecting: Set<string>,
  fieldOf: (key: string) => string,
  notes: Notes,
): z.infer<S> | undefined {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    let blanked = false;
    for (const issue of parsed.error.issues) {
      const key = issue.path.length > 0 ? String(issue.path[0]) : '_row';
      const value = raw[key];
      const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
      if (key === '_row' || rejecting.has(key) || empty) {
        notes.refuse(key === '_row' ? '_row' : fieldOf(key), issue.message);
        continue;
      }
      notes.warn(fieldOf(key), Array.isArray(value) ? value.join(', ') : String(value), issue.message);
      raw[key] = Array.isArray(value) ? [] : '';
      blanked = true;
    }
    if (Object.keys(notes.errors).length > 0 || !blanked) return undefined;
  }
  return undefined;
}

// ── Addresses ────────────────────────────────────────────────────────────────────────────────

interface AddressColumns {
  addressLine: string;
  postalCode: string;
  city: string;
  communeCode: string;
}

/** Display form of a town cell: readable when typed in capitals, its CEDEX kept. */
function townText(town: string, cedex: string): string {
  const name = isInCapitals(town) ? readableCity(town) : town;
  return [name, cedex].filter(Boolean).join(' ');
}

/** The only communes divided into municipal arrondissements. */
const CITIES_WITH_ARRONDISSEMENTS = new Set(['paris', 'lyon', 'marseille']);

/** The arrondissement « Paris 11 » designates (Paris, Lyon, Marseille). */
function districtCommune(town: string, district: string): Commune | null {
  const key = searchKey(town);
  if (!district || !CITIES_WITH_ARRONDISSEMENTS.has(key)) return null;
  const found = communesMatching(`${key} ${district}e`, 2);
  return found.length === 1 ? (found[0] ?? null) : null;
}

/** Whether a postcode (a CEDEX one included) belongs to the commune's department: 44035 to Nantes. */
function inDepartment(commune: Commune, postalCode: string): boolean {
  const department = /^2[AB]$/.test(commune.departmentCode) ? '20' : commune.departmentCode;
  return postalCode.startsWith(department.length === 3 ? department : department.slice(0, 2));
}

/**
 * The commune of a postcode and town as written, or why there is none. The arrondissement
 * when the town gives one; the postcode narrows, the name decides (src/lib/geography.ts); a
 * CEDEX postcode designates no commune, the town's name does within its department. A name
 * alone that several communes bear (Saint-Denis) designates none: nothing is guessed.
 */
function communeOfAddress(postalCode: string, town: string, district: string): Commune | 'ambiguous' | null {
  // Registers repeat the same towns: a name looked up in the whole list costs a scan of 35,000
  // communes, once per distinct address rather than once per row.
  const cacheKey = `${postalCode}|${town}|${district}`;
  const cached = communeCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const found = findCommuneOfAddress(postalCode, town, district);
  if (communeCache.size >= COMMUNE_CACHE_SIZE) communeCache.clear();
  communeCache.set(cacheKey, found);
  return found;
}

const COMMUNE_CACHE_SIZE = 20_000;
const communeCache = new Map<string, Commune | 'ambiguous' | null>();

function findCommuneOfAddress(postalCode: string, town: string, district: string): Commune | 'ambiguous' | null {
  const arrondissement = districtCommune(town, district);
  if (arrondissement && (!postalCode || arrondissement.postalCodes.includes(postalCode))) return arrondissement;
  const sharing = postalCode ? communesByPostalCode(postalCode) : [];
  if (sharing.length > 0) {
    const commune = resolveCommune({ postalCode, city: town || null });
    // 75011 is Paris's and Paris 11e's: the arrondissement, as the form does (communesMatching).
    const name = commune ? searchKey(commune.name) : '';
    const arrondissements = sharing.filter((other) => searchKey(other.name).startsWith(`${name} `));
    return arrondissements.length === 1 ? (arrondissements[0] ?? null) : commune;
  }
  if (!town) return null;
  const key = searchKey(town);
  const named = communesMatching(town, 50).filter((commune) => searchKey(commune.name) === key && (!postalCode || inDepartment(commune, postalCode)));
  if (named.length > 1) return 'ambiguous';
  return named[0] ?? null;
}

/**
 * Street, postcode, town and commune of the row. The address cell may hold the whole address
 * (« 12 RUE X 75011 PARIS 11 », on one or two lines); separate postcode and town columns win
 * where filled, the cell's parts fill the rest. The postcode is the one written, never the
 * commune's main one; a town that names no known commune is kept as written, with a warning.
 */
function addressOf(values: RowValues, notes: Notes): AddressColumns {
  const cellText = cells(values, 'addressLine').join('\n');
  let postalColumn = normalizePostalCode(first(values, 'postalCode'));
  let cityColumn = first(values, 'city');
  // « 75011 PARIS » or « 44035 CEDEX » in the postcode column: the code, and the town if none is given apart.
  const postalWithTown = /^\d{5}$/.test(postalColumn) ? undefined : splitPostcodeFromTown(postalColumn);
  if (postalWithTown) {
    postalColumn = postalWithTown.postalCode;
    if (!cityColumn && postalWithTown.town) cityColumn = postalWithTown.town;
  }
  const communeColumn = first(values, 'communeCode');

  const parsed = cellText ? parseFrenchAddress(cellText) : undefined;
  let street = parsed ? parsed.street : cellText.split('\n').map((line) => line.trim()).filter(Boolean).join(', ');
  // Postal boxes keep their capitals (« BP 80518 », « CS 70001 »).
  if (isInCapitals(street)) street = readableStreet(street).replace(/\b(bp|cs|tsa)\b/gi, (box) => box.toUpperCase());

  // « 75011 PARIS » in the town column.
  let postalFromCity = '';
  const cityWithCode = cityColumn ? splitPostcodeFromTown(cityColumn) : undefined;
  if (cityWithCode && cityWithCode.town) {
    postalFromCity = cityWithCode.postalCode;
    cityColumn = cityWithCode.town;
  }
  const postalCode = postalColumn || postalFromCity || parsed?.postalCode || '';
  if (parsed?.postalCode && postalCode && parsed.postalCode !== postalCode) {
    notes.warn('addressLine', cellText, t('imports.rowWarnings.postalCodeDiffers', { cell: parsed.postalCode, column: postalCode }));
  }
  const townParts = cityColumn ? splitTown(cityColumn) : parsed ? { town: parsed.town, district: parsed.district, cedex: parsed.cedex } : { town: '', district: '', cedex: '' };
  const city = townText(townParts.town, townParts.cedex);

  let communeCode = '';
  if (communeColumn) {
    if (communeByCode(communeColumn)) communeCode = communeColumn;
    else notes.warn('communeCode', communeColumn, t('imports.rowWarnings.unknownCommuneCode', { value: communeColumn }));
  }
  if (!communeCode && (city || postalCode)) {
    const commune = communeOfAddress(postalCode, townParts.town, townParts.district);
    if (commune && commune !== 'ambiguous') communeCode = commune.code;
    else {
      const message = commune === 'ambiguous' ? t('imports.rowWarnings.communeAmbiguous') : t('imports.rowWarnings.communeNotFound');
      // On the column the town came from, with its cell as written.
      const field = first(values, 'city') ? 'city' : first(values, 'postalCode') ? 'postalCode' : 'addressLine';
      notes.warn(field, field === 'addressLine' ? cellText : first(values, field), message);
    }
  }
  return { addressLine: street, postalCode, city, communeCode };
}

/** The address columns of a row and the warnings they raise (see addressOf). */
export function readAddress(values: RowValues): AddressColumns & { warnings: ImportRowWarning[] } {
  const notes = new Notes();
  return { ...addressOf(values, notes), warnings: notes.warnings };
}

// ── Organisations ────────────────────────────────────────────────────────────────────────────

/** Form schema key → the import field its value comes from. */
const ORGANIZATION_FIELD_OF: Record<string, string> = { kindCode: 'kind', otherSirets: 'siret', communeQuery: 'city' };
/** Never blanked: required by the form, or given by the import itself rather than a cell. */
const ORGANIZATION_REQUIRED = new Set(['name', 'kindCode', 'status', 'unitIds', 'ownerId', 'parentId', 'confirmDuplicates']);
const MATCH_FIELD: Record<string, string> = { siret: 'siret', uai: 'uai', email: 'email', name: 'name' };

/**
 * Several SIRET in one cell, or in several columns: `39779265600019,39779265600027`, or separated
 * by `;`, `/`, spaces or new lines (a SIRET written in groups, « 397 792 656 00019 », stays one).
 */
function siretItems(values: RowValues): string[] {
  return [...new Set(cells(values, 'siret').flatMap((cell) => splitSiretList(cell)).map((siret) => withLeadingZeros(siret, 14, isValidSiret)))];
}

/**
 * A spreadsheet that stored an identifier as a number dropped its leading zeros (SIREN
 * 005 520 135 → 5520135): put back when that makes it valid, and only then.
 */
function withLeadingZeros(digits: string, length: number, valid: (text: string) => boolean): string {
  if (!/^\d+$/.test(digits) || digits.length >= length || length - digits.length > 2) return digits;
  const padded = digits.padStart(length, '0');
  return valid(padded) ? padded : digits;
}

export function readOrganizationRow(values: RowValues, context: RowReadingContext): RowReading<OrganizationInput> {
  const { options } = context;
  const notes = new Notes();
  const keyField = MATCH_FIELD[options.matchKey] ?? '';

  const rawName = first(values, 'name');
  const name = isInCapitals(rawName) ? readableOrganizationName(rawName) : rawName;

  const kindText = first(values, 'kind');
  let kindCode = enumeratedCode('kind', kindText, context, options.defaultKindCode, notes);
  if (!kindCode) {
    const hinted = resolveKind('', rawName, context.kinds, options.valueDefaults?.kind ?? options.defaultKindCode);
    kindCode = 'code' in hinted ? hinted.code : options.defaultKindCode;
  }
  const status = enumeratedCode('status', first(values, 'status'), context, options.defaultStatus, notes) ?? options.defaultStatus;

  const sirets = validItems(siretItems(values), 'siret', SIRET_ITEM, notes, keyField === 'siret');
  const uais = validItems(
    [...new Set(cells(values, 'uai').flatMap((cell) => splitUaiList(cell)))],
    'uai',
    UAI_ITEM,
    notes,
    keyField === 'uai',
  );
  // One e-mail and one phone on an organisation: the first good one; the others are reported.
  const emails = validItems(itemsOf(values, 'email', /[\s;,|]+/), 'email', EMAIL_ITEM, notes, keyField === 'email');
  for (const extra of emails.slice(1)) notes.warn('email', extra, t('imports.rowWarnings.extraValue'));
  const phones = validItems(itemsOf(values, 'phone', /[;,|\n]+|\s+\/\s+/), 'phone', PHONE_ITEM, notes, false);
  for (const extra of phones.slice(1)) notes.warn('phone', extra, t('imports.rowWarnings.extraValue'));
  const tags = validItems(itemsOf(values, 'tags', /[;,|\n]+/), 'tags', TAG_ITEM, notes, false);

  let siren = withLeadingZeros(digitsOnly(first(values, 'siren')), 9, isValidSiren);
  if (siren && refusal(SIREN_ITEM, siren)) {
    notes.warn('siren', first(values, 'siren'), refusal(SIREN_ITEM, siren) as string);
    siren = '';
  }
  const mainSiret = sirets[0] ?? '';
  if (siren && mainSiret && sirenOfSiret(mainSiret) !== siren) {
    notes.warn('siren', siren, t('organizations.sirenMismatch'));
    siren = '';
  }
  const address = addressOf(values, notes);

  const raw: Record<string, unknown> = {
    name,
    acronym: first(values, 'acronym'),
    kindCode,
    status,
    siren,
    siret: mainSiret,
    otherSirets: sirets.slice(1),
    uai: uais,
    website: first(values, 'website'),
    email: emails[0] ?? '',
    phone: phones[0] ?? '',
    addressLine: address.addressLine,
    communeCode: address.communeCode,
    communeQuery: '',
    postalCode: address.postalCode,
    city: address.city,
    tags,
    ownerId: '',
    unitIds: options.unitIds,
    parentId: '',
    description: first(values, 'description'),
    confirmDuplicates: true,
  };
  const rejecting = new Set(ORGANIZATION_REQUIRED);
  if (keyField === 'email') rejecting.add('email');
  const input = Object.keys(notes.errors).length > 0 ? undefined : parseLeniently(organizationSchema, raw, rejecting, (key) => ORGANIZATION_FIELD_OF[key] ?? key, notes);
  if (!input) return { ok: false, errors: notes.errors, warnings: notes.warnings };
  return { ok: true, input, warnings: notes.warnings, ownerEmail: first(values, 'ownerEmail').toLowerCase() || undefined };
}

// ── Contacts ─────────────────────────────────────────────────────────────────────────────────

const CONTACT_FIELD_OF: Record<string, string> = { emails: 'email', phones: 'phone', organizationId: 'organizationName' };
const CONTACT_REQUIRED = new Set(['lastName', 'legalBasis', 'unitIds', 'ownerId', 'source', 'emailOptOut', 'confirmDuplicates', 'organizationId']);

export function readContactRow(values: RowValues, context: RowReadingContext): RowReading<ContactInput> {
  const { options } = context;
  const notes = new Notes();
  const keyField = options.matchKey === 'email' ? 'email' : '';

  let firstName = first(values, 'firstName');
  let lastName = first(values, 'lastName');
  const fullName = first(values, 'fullName');
  if (!firstName && !lastName && fullName) ({ firstName, lastName } = splitFullName(fullName));

  const civility = enumeratedCode('civility', first(values, 'civility'), context, '', notes) ?? '';
  const basisDefault = options.valueDefaults?.legalBasis && (LEGAL_BASES as readonly string[]).includes(options.valueDefaults.legalBasis) ? options.valueDefaults.legalBasis : 'interet_legitime';
  const legalBasis = enumeratedCode('legalBasis', first(values, 'legalBasis'), context, 'interet_legitime', notes) ?? basisDefault;

  const emails = validItems(itemsOf(values, 'email', /[\s;,|]+/).map((email) => email.toLowerCase()), 'email', EMAIL_LIST_ITEM, notes, keyField === 'email');
  const phones = validItems(itemsOf(values, 'phone', /[;|\n]+|\s+\/\s+/), 'phone', PHONE_ITEM, notes, false);
  const tags = validItems(itemsOf(values, 'tags', /[;,|\n]+/), 'tags', TAG_ITEM, notes, false);

  const raw: Record<string, unknown> = {
    civility,
    firstName,
    lastName,
    jobTitle: first(values, 'jobTitle'),
    emails,
    phones,
    linkedinUrl: first(values, 'linkedinUrl'),
    ownerId: '',
    unitIds: options.unitIds,
    tags,
    notes: first(values, 'notes'),
    legalBasis,
    source: 'import',
    consentDate: isoDate(first(values, 'consentDate')),
    emailOptOut: false,
    confirmDuplicates: true,
    role: first(values, 'role'),
    startDate: isoDate(first(values, 'startDate')),
  };
  // "Nom" is what people see missing when only a full-name column was given.
  const nameField = !values.has('lastName') && values.has('fullName') ? 'fullName' : 'lastName';
  const input = Object.keys(notes.errors).length > 0 ? undefined : parseLeniently(contactSchema, raw, CONTACT_REQUIRED, (key) => (key === 'lastName' ? nameField : (CONTACT_FIELD_OF[key] ?? key)), notes);
  if (!input) return { ok: false, errors: notes.errors, warnings: notes.warnings };
  return { ok: true, input, warnings: notes.warnings, employer: employerOf(values, notes) };
}

/** The organisation a contact works for: its name, and identifiers the form would accept. */
function employerOf(values: RowValues, notes: Notes): EmployerReference | null {
  const rawName = first(values, 'organizationName');
  const name = isInCapitals(rawName) ? readableOrganizationName(rawName) : rawName;
  const siretText = first(values, 'organizationSiret');
  const siret = splitSiretList(siretText).find((item) => !refusal(SIRET_ITEM, item)) ?? '';
  if (siretText && !siret) notes.warn('organizationSiret', siretText, t('identifiers.invalidSiret'));
  const uaiText = first(values, 'organizationUai');
  const uai = splitUaiList(uaiText).map(normalizeUai).find((item) => !refusal(UAI_ITEM, item)) ?? '';
  if (uaiText && !uai) notes.warn('organizationUai', uaiText, t('identifiers.invalidUai', { codes: uaiText }));
  return name || siret || uai ? { name, siret, uai } : null;
}
