// The kind of organisation a name suggests (« Lycée… », « Université… », « Fédération française
// de rugby »), for imported rows that have no kind column. Pure: the caller keeps the first
// suggestion that is a kind the database knows, else its default.

/** Lower case, accents and punctuation removed: « Fédération française d’équitation » → "federation francaise d equitation". */
function nameKey(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Sports and words only sport uses. Deliberately not « lutte » (« de lutte contre… »), « course »,
 * « marche » or « échecs », which other federations' names hold.
 */
const SPORT_WORDS = new RegExp(
  '\\b(' +
    [
      'sports?', 'sporti(f|fs|ve|ves)', 'handisport', 'olympiques?', 'paralympiques?', 'football', 'rugby', 'handball', 'hand ball', 'tennis',
      'judo', 'natation', 'athletisme', 'gymnastique', 'cyclisme', 'cyclotourisme', 'ski', 'basket', 'basketball', 'basket ball', 'volley',
      'volleyball', 'volley ball', 'escrime', 'aviron', 'equitation', 'golf', 'voile', 'boxe', 'karate', 'badminton', 'canoe', 'kayak',
      'triathlon', 'escalade', 'halterophilie', 'hockey', 'petanque', 'roller', 'surf', 'taekwondo', 'tir a l arc', 'randonnee pedestre',
      'course d orientation', 'motocyclisme', 'squash', 'baseball', 'rink hockey', 'pelote basque', 'bowling', 'billard',
    ].join('|') +
    ')\\b',
);

/** Words naming a body of sport (a federation, its leagues and committees, clubs). */
const SPORT_BODY_WORDS = /\b(federation|ligue|comite|union|club|association|cercle|stade|entente)\b/;

/** Name words → kind code, most specific first. */
const KIND_HINTS: ReadonlyArray<[(key: string) => boolean, string]> = [
  [(key) => /\bcampus connecte\b|\btiers lieu\b|\bdigitale academie\b/.test(key), 'tiers_lieu'],
  [(key) => /\bcreps\b/.test(key), 'creps'],
  [(key) => /\bcfa\b|\bcentre de formation d apprentis\b/.test(key), 'cfa'],
  [(key) => /\bopco\b/.test(key), 'opco'],
  [(key) => /\blycee\b/.test(key), 'lycee'],
  [(key) => /\buniversite\b|\buniversity\b/.test(key), 'universite'],
  // « Fédération » alone is no sport: « Fédération nationale de la coiffure ».
  [(key) => SPORT_BODY_WORDS.test(key) && SPORT_WORDS.test(key), 'federation_sportive'],
  [(key) => /\becole\b|\binstitut\b|\bgrand etablissement\b|\bconservatoire\b/.test(key), 'ecole'],
  [(key) => /\b(con)?federation\b/.test(key), 'reseau_association'],
];

/** Kind codes the name suggests, most specific first (empty when it says nothing). */
export function kindHintsOf(name: string): string[] {
  const key = nameKey(name);
  return KIND_HINTS.filter(([matches]) => matches(key)).map(([, code]) => code);
}
