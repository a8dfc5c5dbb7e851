// Readable French case (src/lib/french-case.ts) with its dictionary (src/lib/french-words.ts),
// checked on the real public files of src/seed/data/ (universities, INSEE régions and
// départements, the AMUE network of CFA: a few hundred names, streets and towns) and on a table
// of establishment names checked by hand.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isInCapitals, parseFrenchAddress, readableCity, readableOrganizationName, readableStreet } from '../../src/lib/french-case';
import { ACCENTED_WORDS, ACCENTS, COMMON_WORDS, accentlessKey } from '../../src/lib/french-words';

const DATA = path.join(__dirname, '..', '..', 'src', 'seed', 'data');

function rows(file: string, separator: string): string[][] {
  return readFileSync(path.join(DATA, file), 'utf8')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(separator));
}

/** What a register makes of an accented name: capitals, no accents. */
const shout = (text: string) => accentlessKey(text.toLocaleLowerCase('fr')).toLocaleUpperCase('fr');
/** Wikidata labels carry an invisible left-to-right mark now and then. */
const clean = (text: string) => text.replace(/\u200e/g, '').trim();

const cfa = rows('cfa-reseau-amue.csv', ';');
const departments = rows('cog_departements.csv', ',').map((row) => ({ capitals: row[4] ?? '', label: row[6] ?? '' }));
const regions = rows('cog_regions.csv', ',').map((row) => ({ capitals: row[3] ?? '', label: row[5] ?? '' }));
const universities = [...new Set(rows('universites-francaises.csv', ',').map((row) => clean(row[1] ?? '')))];
const academies = [...new Set(cfa.map((row) => row[8] ?? '').filter(Boolean))];

/** Every text of the files in capitals, with the function that makes it readable. */
const corpus: Array<{ raw: string; readable: (raw: string) => string }> = [
  ...cfa.flatMap((row) => [row[2], row[3]].filter((name): name is string => Boolean(name)).map((raw) => ({ raw, readable: readableOrganizationName }))),
  ...cfa.map((row) => ({ raw: row[7] ?? '', readable: (raw: string) => Object.values(parseFrenchAddress(raw) ?? {}).join(' ') })),
  ...departments.map(({ capitals }) => ({ raw: capitals, readable: readableCity })),
  ...regions.map(({ capitals }) => ({ raw: capitals, readable: readableCity })),
  ...universities.map((label) => ({ raw: shout(label), readable: readableOrganizationName })),
  ...academies.map((label) => ({ raw: shout(label), readable: readableCity })),
];

describe('readableOrganizationName: names checked by hand', () => {
  test.each([
    // The issue's example and the registers' usual establishments.
    ['LYCEE PROFESSIONNEL HONORE BARADAT', 'Lycée professionnel Honoré Baradat'],
    ['ECOLE ENSEIGNEMENT SUPERIEUR PRIVE ICN', 'École enseignement supérieur privé ICN'],
    ['CHAMBRE DE COMMERCE ET D INDUSTRIE DE REGION PARIS ILE DE FRANCE', "Chambre de commerce et d'industrie de région Paris Île-de-France"],
    ['CHAMBRE DE METIERS ET DE L ARTISANAT DE LA GIRONDE', "Chambre de métiers et de l'artisanat de la Gironde"],
    ['LYCEE GENERAL ET TECHNOLOGIQUE JEAN JAURES', 'Lycée général et technologique Jean Jaurès'],
    ['LYCEE DES METIERS DE L HOTELLERIE ET DE LA RESTAURATION', "Lycée des métiers de l'hôtellerie et de la restauration"],
    ['FEDERATION NATIONALE DE LA COIFFURE FRANCAISE', 'Fédération nationale de la coiffure française'],
    ['ECOLE NATIONALE SUPERIEURE D ARTS ET METIERS', "École nationale supérieure d'arts et métiers"],
    ['COLLEGE PRIVE SAINTE GENEVIEVE', 'Collège privé Sainte-Geneviève'],
    ['ECOLE SUPERIEURE D INGENIEURS EN ELECTRONIQUE ET ELECTROTECHNIQUE', "École supérieure d'ingénieurs en électronique et électrotechnique"],
    ['INSTITUT MEDICO-EDUCATIF LES PAPILLONS', 'Institut médico-éducatif Les Papillons'],
    ['SOCIETE COOPERATIVE AGRICOLE', 'Société coopérative agricole'],
    ['ECOLE DES HAUTES ETUDES EN SCIENCES SOCIALES', 'École des hautes études en sciences sociales'],
    ['CONSERVATOIRE NATIONAL SUPERIEUR DE MUSIQUE ET DE DANSE DE PARIS', 'Conservatoire national supérieur de musique et de danse de Paris'],
    ['THEATRE NATIONAL DE STRASBOURG', 'Théâtre national de Strasbourg'],
    ['LYCEE POLYVALENT REGIONAL FELIX EBOUE', 'Lycée polyvalent régional Félix Éboué'],
    ['CENTRE HOSPITALIER UNIVERSITAIRE DE NIMES', 'Centre hospitalier universitaire de Nîmes'],
    ['METROPOLE EUROPEENNE DE LILLE', 'Métropole européenne de Lille'],
    ['CONSEIL DEPARTEMENTAL DE L HERAULT', "Conseil départemental de l'Hérault"],
    ['COMMUNAUTE D AGGLOMERATION DE CERGY PONTOISE', "Communauté d'agglomération de Cergy-Pontoise"],
    ['UNIVERSITE DE TECHNOLOGIE DE COMPIEGNE', 'Université de technologie de Compiègne'],
    ['INSTITUT NATIONAL DES SCIENCES APPLIQUEES DE LYON', 'Institut national des sciences appliquées de Lyon'],
    ['LYCEE AGRICOLE PRIVE DE PERIGUEUX', 'Lycée agricole privé de Périgueux'],
    ['ECOLE ELEMENTAIRE ANDRE MALRAUX', 'École élémentaire André Malraux'],
    ['SYNDICAT INTERCOMMUNAL A VOCATION MULTIPLE', 'Syndicat intercommunal à vocation multiple'],
    ['GROUPEMENT D INTERET PUBLIC FORMATION CONTINUE', "Groupement d'intérêt public formation continue"],
    ['LYCEE SAINT EXUPERY', 'Lycée Saint-Exupéry'],
    ['ECOLE D INGENIEURS EN GENIE DES SYSTEMES INDUSTRIELS', "École d'ingénieurs en génie des systèmes industriels"],
    ['CFA DU BATIMENT ET DES TRAVAUX PUBLICS', 'CFA du bâtiment et des travaux publics'],
    ['LYCEE FRANCO-ALLEMAND DE BUC', 'Lycée franco-allemand de Buc'],
    ["L'ECOLE DE DESIGN NANTES ATLANTIQUE", "L'École de design Nantes Atlantique"],
    // The AMUE network file (src/seed/data/cfa-reseau-amue.csv), « Raison sociale » and « Enseigne ».
    ['UNIVERSITE MONTPELLIER III PAUL VALERY', 'Université Montpellier III Paul Valéry'],
    ["INSTITUT D'ETUDES POLITIQUES DE TOULOUSE", "Institut d'études politiques de Toulouse"],
    ['NANTES UNIVERSITE', 'Nantes Université'],
    ['MUSEUM NATIONAL D HISTOIRE NATURELLE', "Muséum national d'histoire naturelle"],
    ["UNIVERSITE COTE D'AZUR", "Université Côte d'Azur"],
    ['UFR SCIENCES DE LA TERRE', 'UFR sciences de la Terre'],
    ["ECOLE NATIONALE SUPERIEURE DES SCIENCES DE L'INFORMATION ET DES BIBLIOTHEQUES", "École nationale supérieure des sciences de l'information et des bibliothèques"],
    ['UNIVERSITE POLYTECHNIQUE HAUTS-DE-FRANCE', 'Université polytechnique Hauts-de-France'],
    ['SORBONNE UNIVERSITE', 'Sorbonne Université'],
    ["UNIVERSITE D'EVRY VAL D'ESSONNE", "Université d'Évry Val d'Essonne"],
    ['UNIVERSITE LUMIERE LYON 2', 'Université Lumière Lyon 2'],
    ['UNIVERSITE JEAN MONNET SAINT ETIENNE', 'Université Jean Monnet Saint-Étienne'],
    ['LA ROCHELLE UNIVERSITE', 'La Rochelle Université'],
    ['UNIVERSITE DE LA REUNION', 'Université de La Réunion'],
    ['CY CERGY PARIS UNIVERSITE', 'CY Cergy Paris Université'],
    ['UNIV PARIS XIII PARIS-NORD VILLETANEUSE', 'Université Paris XIII Paris-Nord Villetaneuse'],
    ['INSTITUT NATIONAL UNIVERSITAIRE JEAN-FRANCOIS CHAMPOLLION', 'Institut national universitaire Jean-François Champollion'],
    ['PRESIDENCE DE L UNIVERSITE', "Présidence de l'Université"],
    ['INSTITUT NATIONAL DES LANGUES ET CIVILISATIONS ORIENTALES', 'Institut national des langues et civilisations orientales'],
    ['UNIVERSITE PARIS 1 PANTHEON-SORBONNE', 'Université Paris 1 Panthéon-Sorbonne'],
    ["UNIVERSITE DE PAU ET DES PAYS DE L'ADOUR", "Université de Pau et des Pays de l'Adour"],
    ['UNIVERSITE D ARTOIS', "Université d'Artois"],
    ["UNIVERSITE D'ORLEANS", "Université d'Orléans"],
    ['UNIVERSITE TOULOUSE III - PAUL SABATIER', 'Université Toulouse III - Paul Sabatier'],
    ['UNIVERSITE DE NIMES', 'Université de Nîmes'],
    ['UNIVERSITE RENNES  II  HAUTE BRETAGNE', 'Université Rennes II Haute Bretagne'],
    ['UNIVERSITE DE BESANCON', 'Université de Besançon'],
    ['UNIVERSITE DE FRANCHE-COMTE', 'Université de Franche-Comté'],
  ])('« %s » → « %s »', (raw, expected) => {
    expect(readableOrganizationName(raw)).toBe(expected);
  });
});

describe('readableStreet and readableCity: checked by hand', () => {
  test.each([
    ['1 C AV DES FRERES LUMIERE', '1C avenue des Frères Lumière'],
    ['21 RUE DE L ECOLE DE MEDECINE', "21 rue de l'École de Médecine"],
    ['60 RUE DU PLAT D ETAIN', "60 rue du Plat d'Étain"],
    ['AV DU CHATEAU DE LA SOURCE', 'Avenue du Château de la Source'],
    ['12 RUE DE LA REPUBLIQUE', '12 rue de la République'],
    ['3 PL DE L HOTEL DE VILLE', "3 place de l'Hôtel de Ville"],
  ])('street « %s » → « %s »', (raw, expected) => {
    expect(readableStreet(raw)).toBe(expected);
  });

  test.each([
    ['POINTE A PITRE', 'Pointe-à-Pitre'],
    ['BETHUNE', 'Béthune'],
    ['SEVRES', 'Sèvres'],
    ['CERGY PONTOISE', 'Cergy-Pontoise'],
    ['CHALONS EN CHAMPAGNE', 'Châlons-en-Champagne'],
    ["SAINT MARTIN D'HERES", "Saint-Martin-d'Hères"],
    ['EVRY COURCOURONNES', 'Évry-Courcouronnes'],
    ['MARNE LA VALLEE', 'Marne-la-Vallée'],
    ['LE PORT', 'Le Port'],
    ['PARIS 5', 'Paris'],
  ])('town « %s » → « %s »', (raw, expected) => {
    expect(readableCity(raw)).toBe(expected);
  });
});

describe('on every name of the public files', () => {
  test('the corpus holds a few hundred texts in capitals', () => {
    expect(corpus.length).toBeGreaterThan(300);
    for (const { raw } of corpus) expect(isInCapitals(raw)).toBe(true);
  });

  test('no word is left without its accent when the dictionary knows it', () => {
    for (const { raw, readable } of corpus) {
      const words = readable(raw).toLocaleLowerCase('fr').split(/[\s\-']+/).filter(Boolean);
      for (const word of words) {
        const known = ACCENTS.get(accentlessKey(word));
        if (known) expect(`${raw}: ${word}`).toBe(`${raw}: ${known}`);
      }
    }
  });

  test('making a readable text readable again changes nothing', () => {
    for (const { raw, readable } of corpus) {
      const once = readable(raw);
      expect(readable(once)).toBe(once);
    }
  });

  test('a name not in capitals is left as typed', () => {
    const typed = [...universities, ...departments.map(({ label }) => label), ...regions.map(({ label }) => label), ...academies, 'Lycée professionnel Honoré Baradat', 'ICN Business School'];
    for (const name of typed) {
      expect(readableOrganizationName(name)).toBe(name);
      expect(readableCity(name)).toBe(name);
      expect(readableStreet(name)).toBe(name);
    }
  });

  test('the universities, written in capitals without accents, get their accents and hyphens back', () => {
    // Wikidata's labels begin in lower case (« université de Nantes »): compared without case.
    for (const label of universities) {
      expect(readableOrganizationName(shout(label)).toLocaleLowerCase('fr')).toBe(label.toLocaleLowerCase('fr'));
    }
  });

  test('the départements and régions come back as INSEE writes them', () => {
    // Régions whose name INSEE does not hyphenate as a commune would be.
    const exceptions = new Set(['Territoire de Belfort', 'Centre-Val de Loire', 'Grand Est', 'Pays de la Loire', "Provence-Alpes-Côte d'Azur"]);
    const places = [...departments, ...regions].filter(({ label }) => !exceptions.has(label));
    expect(places.length).toBe(departments.length + regions.length - exceptions.size);
    for (const { capitals, label } of places) expect(readableCity(capitals)).toBe(label);
    for (const label of academies) expect(readableCity(shout(label))).toBe(label);
  });
});

describe('the dictionary', () => {
  test('one accent-less key stands for one spelling only', () => {
    const spellings = new Map<string, Set<string>>();
    for (const word of [...ACCENTED_WORDS, ...COMMON_WORDS]) {
      const key = accentlessKey(word);
      if (key === word) continue;
      spellings.set(key, (spellings.get(key) ?? new Set()).add(word));
    }
    const ambiguous = [...spellings].filter(([, words]) => words.size > 1).map(([key]) => key);
    expect(ambiguous).toEqual([]);
  });

  test('words that are French without accents are not "corrected"', () => {
    for (const word of ['a', 'ou', 'la', 'des', 'du', 'sur', 'marche', 'pres', 'ete', 'mais']) expect(ACCENTS.has(word)).toBe(false);
  });

  test('holds the words of establishment names the registers write without accents', () => {
    const expected = ['lycée', 'école', 'université', 'fédération', 'collège', 'régional', 'supérieur', 'métiers', 'académie', 'éducation', 'énergie', 'études', 'privé', 'général', 'hôtellerie', 'métropole', 'santé', 'sécurité', 'société', 'économie', 'européen', 'électronique', 'ingénieur', 'ingénierie', 'mécanique', 'bâtiment', 'négoce', 'numérique', 'théâtre', 'musée', 'médical', 'pédagogique', 'création', 'spécialisé', 'systèmes', 'télécommunications', 'réseau', 'activités', 'écologie', 'géographie', 'modèle', 'honoré', 'hérault', 'sèvres', 'besançon', 'orléans', 'nîmes', 'évry', 'périgueux', 'béthune', 'régionale', 'supérieure', 'privée', 'générale', 'européenne', 'ingénieurs', 'médicale', 'spécialisée', 'réseaux', 'sociétés', 'départemental', 'coopérative', 'électronique'];
    for (const word of expected) expect(ACCENTS.get(accentlessKey(word))).toBe(word);
    // Common nouns and adjectives, written in lower case after a name's first word.
    const common = ['professionnel', 'professionnelle', 'technologique', 'intercommunal', 'départemental', 'chambre', 'commerce', 'industrie', 'artisanat', 'agricole', 'coopérative', 'innovation', 'scientifique', 'musique', 'régional', 'supérieur', 'métiers', 'société', 'européen', 'numérique'];
    for (const word of common) expect(COMMON_WORDS.has(word)).toBe(true);
  });
});
