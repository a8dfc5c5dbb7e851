// Readable French case for the ALL-CAPS, accent-less labels of administrative files
// (SIRENE-style names and addresses): "UNIVERSITE DE PAU ET DES PAYS DE L'ADOUR" →
// "Université de Pau et des Pays de l'Adour". Not a general-purpose library: the accent
// dictionary (src/lib/french-words.ts) covers the words of the public files of src/seed/data/
// and the usual words of French establishment names. A text not in capitals is left as typed:
// someone wrote its case on purpose.
import { ACCENTS, COMMON_WORDS, COMPOUND_PLACE_NAMES, accentlessKey } from './french-words';

/** Always lower case, except as the first word. */
const SMALL_WORDS = new Set(['de', 'des', 'du', 'et', 'en', 'à', 'au', 'aux', 'sur', 'sous', 'lez', 'lès', 'pour', 'par']);
/** Articles: lower case after a preposition ("rue de la Paix"), kept in names ("Henri Le Moal"). */
const ARTICLES = new Set(['le', 'la', 'les']);
const PREPOSITIONS = new Set(['de', 'à', 'sur', 'sous', 'lez', 'en', 'par', 'pour']);
/** Place names whose article is part of the name: "Université de La Réunion". */
const NAMES_WITH_ARTICLE = new Set(['réunion', 'rochelle', 'mans', 'havre', 'garde']);
/**
 * Acronyms kept in capitals: establishments, networks, bodies and legal forms of French
 * registers. Words that are also French words or places (« cap », « est », « sa », « Ars », « Drac ») are left out.
 */
const ACRONYMS = new Set([
  'cy', 'ufr', 'iut', 'cfa', 'cfai', 'jf', 'cci', 'cma', 'cnrs', 'inserm', 'inria', 'inrae', 'insa', 'ens', 'ensam', 'iep', 'chu', 'chr',
  'cnam', 'crous', 'creps', 'cio', 'mfr', 'erea', 'segpa', 'iufm', 'inspe', 'espe', 'afpa', 'greta', 'opco', 'btp', 'bts', 'iae', 'esc',
  'essec', 'hec', 'isae', 'imt', 'inp', 'utc', 'utt', 'utbm', 'cea', 'ird', 'cirad', 'ifremer', 'brgm', 'onera', 'cnes', 'sncf', 'ratp',
  'unss', 'cnosf', 'ufolep', 'usep', 'icn', 'isen', 'isep', 'epita', 'esiee', 'ensta', 'enac', 'ensai', 'ensae', 'efrei', 'estp', 'essca',
  'edhec', 'lp', 'lgt', 'legt', 'lpo', 'eplefpa', 'cfppa', 'gip', 'gie', 'epic', 'epscp', 'sas', 'sarl', 'sasu', 'eurl', 'scop', 'scic',
  'ehpad', 'ime', 'itep', 'esat', 'ccas', 'caf', 'cpam', 'urssaf', 'dreets', 'staps', 'miage', 'ensi', 'ensci',
]);
/** Roman numerals of numbered universities (I to XIII…); L, C, D, M are left out on purpose. */
const ROMAN = /^(x{0,3})(ix|iv|v?i{0,3})$/;

function accent(word: string): string {
  return ACCENTS.get(word) ?? word;
}

function capitalise(word: string): string {
  return word.charAt(0).toLocaleUpperCase('fr') + word.slice(1);
}

interface CaseOptions {
  /** Lower-case the common nouns of COMMON_WORDS (organisation names, not streets or towns). */
  institutionName?: boolean;
  /** Inside a hyphenated proper name (« Paris-Sud », « Hauts-de-France »): no common nouns. */
  inProperCompound?: boolean;
}

/** A register's capitals: at least three letters, none of them lower case. */
export function isInCapitals(text: string): boolean {
  const letters = text.replace(/[^\p{L}]/gu, '');
  return letters.length >= 3 && letters === letters.toLocaleUpperCase('fr');
}

/** One word without spaces or hyphens, already lower case and accented. */
function caseWord(word: string, first: boolean, previous: string | undefined, next: string | undefined, options: CaseOptions): string {
  if (word === '') return word;
  // Elision: d'études, l'université.
  const elision = /^([dl])'(.+)$/.exec(word);
  if (elision) {
    const [, letter = '', rest = ''] = elision;
    const prefix = first ? `${letter.toLocaleUpperCase('fr')}'` : `${letter}'`;
    // « L'École … » at the start keeps its noun capitalised, « d'études » inside a name does not.
    return prefix + caseWord(rest, first, undefined, undefined, options);
  }
  if (!first) {
    if (SMALL_WORDS.has(word)) return word;
    if (ARTICLES.has(word) && previous !== undefined && PREPOSITIONS.has(previous) && !(next && NAMES_WITH_ARTICLE.has(next))) {
      return word;
    }
    if (options.institutionName && !options.inProperCompound && COMMON_WORDS.has(word)) return word;
  }
  if (ACRONYMS.has(word)) return word.toLocaleUpperCase('fr');
  // Street numbers with a suffix: 1C, 12B.
  if (/^\d+[a-d]$/.test(word)) return word.toLocaleUpperCase('fr');
  if (word.length > 0 && ROMAN.test(word)) return word.toLocaleUpperCase('fr');
  return capitalise(word);
}

/** Accent-less key of a compound place name → its words' count. */
const COMPOUND_PLACES = new Map(COMPOUND_PLACE_NAMES.map((name) => [accentlessKey(name), name.split('-').length]));
const SAINTS = new Set(['saint', 'sainte', 'saints', 'saintes']);

/**
 * Joins with hyphens the words of a place or a saint's name written with spaces:
 * « ile de france » → "ile-de-france", « sainte genevieve » → "sainte-genevieve".
 */
function hyphenateNames(words: string[]): string[] {
  const result: string[] = [];
  for (let index = 0; index < words.length; index += 1) {
    let joinedCount = 0;
    for (let count = 5; count >= 2 && joinedCount === 0; count -= 1) {
      const candidate = words.slice(index, index + count);
      if (candidate.length === count && COMPOUND_PLACES.get(accentlessKey(candidate.join('-'))) === count) joinedCount = count;
    }
    if (joinedCount > 0) {
      result.push(words.slice(index, index + joinedCount).join('-'));
      index += joinedCount - 1;
      continue;
    }
    const word = words[index] ?? '';
    const following = words[index + 1];
    if (SAINTS.has(word) && following !== undefined && /^[a-zà-ÿ]{2,}/.test(following) && !SMALL_WORDS.has(following) && !ARTICLES.has(following)) {
      // The saint's name may itself be compound: « saint martin d heres » keeps « d'heres » apart.
      result.push(`${word}-${following}`);
      index += 1;
      continue;
    }
    result.push(word);
  }
  return result;
}

/** Lower case, accents restored, elisions written with an apostrophe ("D ARTOIS" → "d'artois"). */
function normaliseWords(text: string): string[] {
  const words = text
    .normalize('NFC')
    .replace(/[’`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLocaleLowerCase('fr')
    .split(' ');
  const joined: string[] = [];
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index] ?? '';
    const following = words[index + 1];
    // "D HISTOIRE", "L ECOLE": an elision whose apostrophe was lost.
    if ((word === 'd' || word === 'l') && following !== undefined && /^[a-zà-ÿ]/.test(following)) {
      joined.push(`${word}'${following}`);
      index += 1;
      continue;
    }
    joined.push(word);
  }
  return hyphenateNames(joined).map((word, index, all) => {
    // « A » between two words is « à »: « POINTE A PITRE », « LYCEE A … ».
    if (word === 'a' && index > 0 && index < all.length - 1) return 'à';
    return word
      .split('-')
      .map((part, partIndex) => {
        if (part === 'a' && partIndex > 0) return 'à';
        const elided = /^([dl]')(.+)$/.exec(part);
        return elided ? `${elided[1] ?? ''}${accent(elided[2] ?? '')}` : accent(part);
      })
      .join('-');
  });
}

/** « médico-éducatif » is a common compound; « Paris-Sud », « Hauts-de-France » are names. */
function isCommonCompound(parts: string[]): boolean {
  return parts.every((part) => SMALL_WORDS.has(part) || ARTICLES.has(part) || COMMON_WORDS.has(part.replace(/^[dl]'/, '')));
}

function caseWords(words: string[], options: CaseOptions): string {
  return words
    .map((word, index) => {
      const parts = word.split('-');
      const partOptions = parts.length > 1 ? { ...options, inProperCompound: !isCommonCompound(parts) } : options;
      return parts
        .map((part, partIndex) => {
          // Articles inside a compound name: « Marne-la-Vallée », « Mantes-la-Jolie ».
          if (partIndex > 0 && ARTICLES.has(part)) return part;
          const first = index === 0 && partIndex === 0;
          const previous = partIndex > 0 ? parts[partIndex - 1] : words[index - 1]?.split('-').at(-1);
          const next = partIndex < parts.length - 1 ? parts[partIndex + 1] : words[index + 1]?.split('-')[0];
          return caseWord(part, first, previous, next, partOptions);
        })
        .join('-');
    })
    .join(' ');
}

/** An organisation name: "INSTITUT D'ETUDES POLITIQUES DE TOULOUSE" → "Institut d'études politiques de Toulouse". */
export function readableOrganizationName(raw: string): string {
  if (!isInCapitals(raw)) return raw;
  const words = normaliseWords(raw);
  if (words[0] === 'univ') words[0] = 'université';
  return caseWords(words, { institutionName: true });
}

const STREET_TYPES: Record<string, string> = {
  all: 'allée',
  av: 'avenue',
  bd: 'boulevard',
  che: 'chemin',
  crs: 'cours',
  esplanade: 'esplanade',
  imp: 'impasse',
  pl: 'place',
  quai: 'quai',
  rte: 'route',
  rue: 'rue',
};

/** A street line: "1 C AV DES FRERES LUMIERE" → "1C avenue des Frères Lumière". */
export function readableStreet(raw: string): string {
  if (!isInCapitals(raw)) return raw;
  const words = normaliseWords(raw.replace(/^(\d+)\s+(BIS|TER|[A-C])\s+/i, '$1$2 '));
  const typeIndex = /^\d/.test(words[0] ?? '') ? 1 : 0;
  const type = STREET_TYPES[words[typeIndex] ?? ''];
  const cased = caseWords(words, {}).split(' ');
  if (type) {
    // Street type in lower case after a number ("12 place du Panthéon"), capitalised at the start.
    cased[typeIndex] = typeIndex === 0 ? capitalise(type) : type;
  }
  return cased.join(' ');
}

/**
 * A commune name: "SAINT MARTIN D'HERES" → "Saint-Martin-d'Hères", "PARIS 5" → "Paris",
 * "LA GARDE" → "La Garde". Words are hyphenated except after a leading article (INSEE style).
 */
export function readableCity(raw: string): string {
  if (!isInCapitals(raw)) return raw;
  const withoutDistrict = raw.replace(/\s+\d{1,2}\s*(E|EME|ER)?$/i, '').trim();
  const words = normaliseWords(withoutDistrict);
  const [head, ...rest] = words;
  if (head === undefined) return '';
  const hyphenate = (parts: string[]) => parts.join('-');
  const joined = ARTICLES.has(head) && rest.length > 0 ? [head, hyphenate(rest)] : [hyphenate(words)];
  return caseWords(joined, {});
}

/** "163 RUE AUGUSTE BROUSSONNET 34090 MONTPELLIER" → street, postal code, city. */
export function parseFrenchAddress(raw: string): { addressLine?: string; postalCode: string; city: string } | undefined {
  const match = /^(.*?)\s*\b(\d{5})\s+(.+)$/.exec(raw.replace(/\s+/g, ' ').trim());
  if (!match) return undefined;
  const [, street = '', postalCode = '', city = ''] = match;
  return {
    addressLine: street === '' ? undefined : readableStreet(street),
    postalCode,
    city: readableCity(city),
  };
}
