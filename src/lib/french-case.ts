// Readable French case for the ALL-CAPS, accent-less labels of administrative files
// (SIRENE-style names and addresses): "UNIVERSITE DE PAU ET DES PAYS DE L'ADOUR" →
// "Université de Pau et des Pays de l'Adour". Not a general-purpose library: the accent
// dictionary covers the words of the files in src/seed/data/.

/** Lower-case accent-less word → its accented spelling. */
const ACCENTS: Record<string, string> = {
  bibliotheques: 'bibliothèques',
  besancon: 'besançon',
  chambery: 'chambéry',
  chateau: 'château',
  clement: 'clément',
  comte: 'comté',
  cote: 'côte',
  ecole: 'école',
  etain: 'étain',
  etienne: 'étienne',
  etudes: 'études',
  evry: 'évry',
  francois: 'françois',
  freres: 'frères',
  heres: 'hères',
  leopold: 'léopold',
  liberte: 'liberté',
  lumiere: 'lumière',
  medecine: 'médecine',
  museum: 'muséum',
  nimes: 'nîmes',
  orleans: 'orléans',
  pantheon: 'panthéon',
  presidence: 'présidence',
  rene: 'rené',
  republique: 'république',
  reunion: 'réunion',
  superieure: 'supérieure',
  trefilerie: 'tréfilerie',
  universite: 'université',
  valery: 'valéry',
};

/** Always lower case, except as the first word. */
const SMALL_WORDS = new Set(['de', 'des', 'du', 'et', 'en', 'à', 'au', 'aux', 'sur', 'sous', 'lez', 'lès', 'pour', 'par']);
/** Articles: lower case after a preposition ("rue de la Paix"), kept in names ("Henri Le Moal"). */
const ARTICLES = new Set(['le', 'la', 'les']);
const PREPOSITIONS = new Set(['de', 'à', 'sur', 'sous', 'lez', 'en', 'par', 'pour']);
/** Place names whose article is part of the name: "Université de La Réunion". */
const NAMES_WITH_ARTICLE = new Set(['réunion', 'rochelle', 'mans', 'havre', 'garde']);
/** Common nouns and adjectives of institution names, lower case after the first word (French usage). */
const COMMON_IN_NAMES = new Set([
  'national', 'nationale', 'nationaux', 'nationales', 'supérieur', 'supérieure', 'études', 'politiques',
  'sciences', 'information', 'bibliothèques', 'histoire', 'naturelle', 'langues', 'civilisations',
  'orientales', 'universitaire',
]);
/** Acronyms kept in capitals. */
const ACRONYMS = new Set(['cy', 'ufr', 'iut', 'cfa', 'jf']);
/** Roman numerals of numbered universities (I to XIII…); L, C, D, M are left out on purpose. */
const ROMAN = /^(x{0,3})(ix|iv|v?i{0,3})$/;

function accent(word: string): string {
  return ACCENTS[word] ?? word;
}

function capitalise(word: string): string {
  return word.charAt(0).toLocaleUpperCase('fr') + word.slice(1);
}

interface CaseOptions {
  /** Lower-case the common nouns of COMMON_IN_NAMES (organisation names, not streets or towns). */
  institutionName?: boolean;
}

/** One word without spaces or hyphens, already lower case and accented. */
function caseWord(word: string, first: boolean, previous: string | undefined, next: string | undefined, options: CaseOptions): string {
  if (word === '') return word;
  // Elision: d'études, l'université.
  const elision = /^([dl])'(.+)$/.exec(word);
  if (elision) {
    const [, letter = '', rest = ''] = elision;
    const prefix = first ? `${letter.toLocaleUpperCase('fr')}'` : `${letter}'`;
    return prefix + caseWord(rest, false, undefined, undefined, options);
  }
  if (!first) {
    if (SMALL_WORDS.has(word)) return word;
    if (ARTICLES.has(word) && previous !== undefined && PREPOSITIONS.has(previous) && !(next && NAMES_WITH_ARTICLE.has(next))) {
      return word;
    }
    if (options.institutionName && COMMON_IN_NAMES.has(word)) return word;
  }
  if (ACRONYMS.has(word)) return word.toLocaleUpperCase('fr');
  // Street numbers with a suffix: 1C, 12B.
  if (/^\d+[a-d]$/.test(word)) return word.toLocaleUpperCase('fr');
  if (word.length > 0 && ROMAN.test(word)) return word.toLocaleUpperCase('fr');
  return capitalise(word);
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
  return joined.map((word) =>
    word
      .split('-')
      .map((part) => {
        const elided = /^([dl]')(.+)$/.exec(part);
        return elided ? `${elided[1] ?? ''}${accent(elided[2] ?? '')}` : accent(part);
      })
      .join('-'),
  );
}

function caseWords(words: string[], options: CaseOptions): string {
  return words
    .map((word, index) => {
      const parts = word.split('-');
      return parts
        .map((part, partIndex) => {
          const first = index === 0 && partIndex === 0;
          const previous = partIndex > 0 ? parts[partIndex - 1] : words[index - 1]?.split('-').at(-1);
          const next = partIndex < parts.length - 1 ? parts[partIndex + 1] : words[index + 1]?.split('-')[0];
          return caseWord(part, first, previous, next, options);
        })
        .join('-');
    })
    .join(' ');
}

/** An organisation name: "INSTITUT D'ETUDES POLITIQUES DE TOULOUSE" → "Institut d'études politiques de Toulouse". */
export function readableOrganizationName(raw: string): string {
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
