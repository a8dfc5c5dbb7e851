// The French words that src/lib/french-case.ts needs to turn a register's capitals without
// accents (« LYCEE PROFESSIONNEL HONORE BARADAT ») back into French (« Lycée professionnel Honoré
// Baradat »). Built from the names of the public files the team imports (src/seed/data/: the
// universities, INSEE regions and départements, the AMUE network of CFA) and the usual words of
// French establishment names (lycées, écoles, chambres consulaires, collectivités, fédérations).
//
// Only words whose spelling without accents is not itself a common French word go in
// ACCENTED_WORDS: « a » (à), « ou » (où), « des » (dès), « du » (dû), « sur » (sûr), « marche »
// (marché), « pres » (près) and « ete » (été) are left out on purpose, and a key may not stand for
// two spellings (côte/côté): tests/unit/french-case.test.ts checks it.

const list = (text: string): string[] => text.trim().split(/\s+/);

/** Accented (or ligatured) spellings, in lower case. */
export const ACCENTED_WORDS: readonly string[] = [
  // Establishments, education and training.
  ...list(`
    lycée lycées école écoles collège collèges université universités académie académies fédération fédérations
    confédération conférence éducation éducatif éducative éducatifs éducatives rééducation étude études étudiant étudiants
    étudiante étudiantes élève élèves élémentaire élémentaires supérieur supérieure supérieurs supérieures
    général générale généraux générales régional régionale régionaux régionales région régions départemental
    départementale départementaux départementales département départements métier métiers privé privée privés
    privées spécialisé spécialisée spécialisés spécialisées spécialité spécialités pédagogique pédagogiques pédagogie
    établissement établissements diplôme diplômes maîtrise réussite pôle pôles présidence préfecture ministère
    ministères république état sénat métropole métropoles métropolitain métropolitaine communauté communautés
    comité comités développement compétence compétences évaluation expérimentation expérimental expérimentale
    intégration interprétation médiation sélection qualité mobilité solidarité solidarités coopération coopérative
    coopératives société sociétés mutualité prévention prévoyance sécurité sûreté santé médical médicale médicaux
    médicales médecine médico paramédical paramédicale paramédicaux pharmaceutique thérapeutique vétérinaire
    vétérinaires hôpital hôpitaux hôtel hôtellerie hôtelier hôtelière hôteliers hôtelières pâtisserie boulangerie
    pêche forêt forêts forestière forestières élevage génie génétique génomique géographie géographique géologie
    géométrie écologie écologique économie économique économiques énergie énergies énergétique électricité
    électrique électriques électronique électroniques électrotechnique mécanique mécaniques mécatronique ingénieur
    ingénieurs ingénierie ingénieure bâtiment bâtiments négoce télécommunications télécom télévision numérique
    numériques réseau réseaux système systèmes données matériau matériaux matériel matériels procédés mathématiques
    aéronautique aéronautiques aérospatial aérospatiale aéroport stratégie stratégique stratégiques
    théâtre théâtres musée musées muséum opéra cinéma cinématographique création créations créatif créative
    littéraire littéraires littérature modèle modèles activité activités échange échanges édition éditions
    équipement équipements équitation européen européenne européens européennes méditerranée méditerranéen
    méditerranéenne étranger étrangère étrangers étrangères extérieur extérieure extérieurs intérieur intérieure
    intérêt propriété référence règlement télé vidéo âge rôle fête fêtes mère père frère frères sœur sœurs
    cœur œuvre œuvres abbé évêque épée chrétien chrétienne chrétiens réformé réformée
    `),
  // Given names and surnames that establishments bear.
  ...list(`
    honoré hélène rené renée andré andrée josé joséphine frédéric frédérique gérard hervé jérôme jérémie léon
    léonard léonie léopold léa mélanie michèle noël noëlle raphaël raphaëlle joël joëlle gaël gaëlle maël maëlle
    anaïs loïc héloïse aimé aimée amédée benoît clément clémence céline cécile cédric désiré désirée édith édouard
    élisabeth élise émile émilie étienne eugène eugénie évariste félix geneviève grégoire grégory irène médéric
    rémi rémy sébastien séverine stéphane stéphanie thérèse valéry valérie véronique zoé noémie amélie éléonore
    françois françoise jaurès ampère fénelon molière méliès cézanne géricault bréguet sévigné mérimée prévert
    mendès sédar exupéry césaire éboué éluard chénier récamier lumière panthéon curé
    `),
  // Places: régions, départements, towns, territories.
  ...list(`
    île îles côte côtes vallée réunion polynésie calédonie guadeloupéen martiniquais française français
    françaises ardèche ariège corrèze drôme dôme finistère hérault isère lozère nièvre pyrénées rhône saône sèvres
    vendée comté béarn périgord cévennes besançon orléans nîmes évry créteil chambéry périgueux béthune alençon
    alès angoulême béziers brétigny briançon châlons château châteaux châteauroux châtellerault châtenay châtillon
    compiègne épernay épinal épinay évian évreux étampes fécamp fougères fréjus gérardmer guéret hénin hyères
    liévin mâcon mérignac mézières montbéliard montélimar pézenas ploërmel sélestat sète vitré vénissieux écully
    élancourt nouméa sénart hères étain tréfilerie liberté bibliothèque bibliothèques présidentiel
    `),
];

/** Accent-less lower-case key of a word: « élève » → "eleve", « cœur » → "coeur". */
export function accentlessKey(word: string): string {
  return word
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}


/**
 * Common nouns and adjectives of establishment names, written in lower case after the first
 * word (French usage: « Lycée professionnel », « École nationale supérieure des sciences de
 * l'information », « Chambre de commerce et d'industrie »). Words not listed are taken for
 * proper names and capitalised. Place words that are parts of names (Haute, Mont, Sud, Pays,
 * Centre) and titles (Maréchal, Docteur) are not common here.
 */
export const COMMON_WORDS: ReadonlySet<string> = new Set(
  list(`
    national nationale nationaux nationales supérieur supérieure supérieurs supérieures études étude politiques
    politique sciences science information informatique bibliothèques bibliothèque histoire naturelle naturelles
    langues civilisations orientales universitaire universitaires professionnel professionnelle professionnels
    professionnelles polyvalent polyvalente général générale généraux générales technologique technologiques
    technique techniques technologie technologies régional régionale régionaux régionales région départemental
    départementale départementaux départementales intercommunal intercommunale intercommunaux intercommunales
    municipal municipale métiers métier commerce commerces industrie industries industriel industrielle artisanat
    agriculture agricole agricoles agronomique agronomie agroalimentaire alimentation privé privée privés privées
    public publique publics publiques catholique enseignement enseignements formation formations apprentis
    apprentissage éducation éducatif éducative santé sécurité société sociétés coopérative coopératives économie
    économique économiques européen européenne européens européennes électronique électroniques ingénieur
    ingénieurs ingénierie mécanique mécaniques bâtiment bâtiments travaux négoce innovation innovations
    numérique numériques théâtre musée musées muséum médical médicale médicaux médicales médecine pédagogique
    pédagogiques création spécialisé spécialisée spécialisés spécialisées scientifique scientifiques systèmes
    système télécommunications réseau réseaux activités activité écologie géographie modèle musique arts art
    lettres droit hôtellerie hôtelier hôtelière restauration tourisme hospitalier hospitalière hospitaliers
    recherche recherches aéronautique espace énergie énergies électricité énergétique physique chimie biologie
    mathématiques management gestion administration commerciale commercial commerciaux communication design
    architecture urbanisme paysage environnement développement durable durables maritime maritimes mer marine
    aérospatial aérospatiale transports transport logistique sport sports sportif sportive sportives culture
    culturel culturelle patrimoine danse cinéma audiovisuel audiovisuelle journalisme philosophie psychologie
    sociologie social sociale sociaux sociales solidaire solidaires familiale familiales familial rural rurale
    rurales maison groupe scolaire maternelle élémentaire adapté adaptée centrale centrales normale normales
    pratique pratiques appliquées appliquée hautes français française françaises franco allemand allemande
    polytechnique médico socio psycho international internationale internationaux internationales lycée collège école académie chambre conseil
    communauté agglomération communes syndicat association fondation institut office agence mutuelle caisse
    banque fédération confédération union ligue comité électrotechnique agglomération coiffure esthétique vocation
    multiple chemins fer continue continu groupement intérêt génie industriels industrielles formation adulte adultes
    emploi insertion orientation apprentissage jeunesse jeunes handicap handicapés personnes âgées enfance famille
    familles parents élèves étudiants ingénieurs techniciens maîtres artisans commerçants entreprises entreprise
    professions libérales libéral libérale métallurgie chimique plasturgie textile habillement automobile
    automobiles cycles motocycles aéronautique navale nautique nautiques horticole horticulture viticulture
    viticole paysagère forestier forestière forêt bois ameublement imprimerie graphique graphiques arts appliqués
    beaux tertiaire services service hôtellerie restauration alimentation boulangerie pâtisserie boucherie
    charcuterie traiteur coopération appliquées sociales humaines humaine lettres langues modernes ancien
    ancienne anciens élèves mutuelle assurance assurances crédit agricole rurales
  `),
);

/** Lower-case accent-less word → its French spelling (the common words of names included). */
export const ACCENTS: ReadonlyMap<string, string> = new Map(
  [...COMMON_WORDS, ...ACCENTED_WORDS].filter((word) => accentlessKey(word) !== word).map((word) => [accentlessKey(word), word]),
);

/**
 * Place names of several words, hyphenated in French (INSEE's spelling of the régions and
 * départements of src/seed/data/ and frequent towns), that registers write with spaces:
 * « CCI PARIS ILE DE FRANCE » → « CCI Paris Île-de-France ».
 */
export const COMPOUND_PLACE_NAMES: readonly string[] = list(`
  île-de-france hauts-de-france auvergne-rhône-alpes bourgogne-franche-comté nouvelle-aquitaine franche-comté
  rhône-alpes provence-alpes-côte champagne-ardenne nord-pas-de-calais languedoc-roussillon midi-pyrénées
  poitou-charentes basse-normandie haute-normandie alpes-de-haute-provence hautes-alpes alpes-maritimes
  bouches-du-rhône charente-maritime côte-d'or côtes-d'armor corse-du-sud haute-corse haute-garonne ille-et-vilaine
  indre-et-loire loir-et-cher haute-loire loire-atlantique lot-et-garonne maine-et-loire haute-marne
  meurthe-et-moselle pas-de-calais puy-de-dôme pyrénées-atlantiques hautes-pyrénées pyrénées-orientales bas-rhin
  haut-rhin haute-saône saône-et-loire haute-savoie seine-maritime seine-et-marne deux-sèvres tarn-et-garonne
  haute-vienne seine-saint-denis val-de-marne hauts-de-seine val-d'oise eure-et-loir nouvelle-calédonie
  cergy-pontoise clermont-ferrand aix-en-provence boulogne-sur-mer châlons-en-champagne fort-de-france
  pointe-à-pitre marne-la-vallée saint-quentin-en-yvelines sophia-antipolis
`);
