// Demo contacts for `npm run seed`: invented people (never the real people named in the
// institution's documents) at the demo partner organisations, with positions over time,
// GDPR data and varied activity dates so the lists, filters and "to review" page have life.
import type { ContactSource, LegalBasis } from '../models/schema';

export interface DemoContact {
  sourceRef: string;
  civility: 'M.' | 'Mme';
  firstName: string;
  lastName: string;
  jobTitle: string;
  emailLocal: string;
  /** Domain of the organisation's (fictional) mail: `.example` so no real address is used. */
  phone?: string;
  tags: string[];
  legalBasis: LegalBasis;
  source: ContactSource;
  /** Months since the last activity (undefined: never). */
  activityMonthsAgo?: number;
  ownerEmail: string;
  positions: Array<{ organizationRef: string; role: string; start: string; end?: string; primary?: boolean }>;
}

const CHARGE = 'bastien.lefebvre@passerelle.example';
const MANAGER = 'heloise.marchand@passerelle.example';

/** Organisation → concerned units, for edit rights in the demo (codes of migration 0002). */
export const DEMO_ORGANIZATION_UNITS: Record<string, string[]> = {
  'wikidata:Q4041': ['UO-SUP', 'DDPSI'],
  'wikidata:Q4027': ['UO-SUP'],
  'wikidata:Q945876': ['UO-SUP'],
  'wikidata:Q494247': ['UO-SUP'],
  'wikidata:Q999763': ['UO-SUP'],
  'wikidata:Q4032': ['UO-SUP'],
  'wikidata:Q459026': ['UO-SUP'],
  'wikidata:Q661056': ['UO-SUP'],
  'seed:reseau-canope': ['DDPSI', 'DFOR'],
  'seed:creps-toulouse': ['UO-PRO'],
  'seed:creps-montpellier': ['UO-PRO'],
  'seed:creps-reims': ['UO-PRO'],
  'seed:creps-poitiers': ['UO-PRO'],
  'seed:federation-francaise-tennis': ['UO-PRO', 'DCOM'],
  'seed:pole-espoir-handball-hdf': ['DDPSI'],
  'seed:cfa-academique-poitiers': ['UO-PRO'],
  'seed:logis-hotels': ['DCOM'],
  'seed:o2': ['DCOM'],
  'seed:babychou': ['DCOM'],
  'seed:ritles': ['DDPSI'],
  'seed:edtech-france': ['DDPSI'],
  'seed:startup-quizotope': ['DDPSI'],
  'seed:startup-mentorelle': ['DDPSI'],
  'seed:startup-parcours-boussole': ['DDPSI'],
  'seed:startup-voxaclasse': ['DDPSI'],
  'seed:startup-ergonote': ['DDPSI'],
  'seed:startup-tableau-vivant-lab': ['DDPSI'],
};

/** Tags and months since the last activity for some demo organisations. */
export const DEMO_ORGANIZATION_FOLLOW_UP: Record<string, { tags: string[]; activityMonthsAgo?: number }> = {
  'wikidata:Q4041': { tags: ['enseignement supérieur', 'hybridation'], activityMonthsAgo: 1 },
  'wikidata:Q4027': { tags: ['enseignement supérieur'], activityMonthsAgo: 5 },
  'wikidata:Q945876': { tags: ['enseignement supérieur', 'numérique'], activityMonthsAgo: 14 },
  'seed:reseau-canope': { tags: ['numérique', 'formation des enseignants'], activityMonthsAgo: 2 },
  'seed:creps-toulouse': { tags: ['sport', 'sportifs de haut niveau'], activityMonthsAgo: 3 },
  'seed:creps-reims': { tags: ['sport'], activityMonthsAgo: 26 },
  'seed:federation-francaise-tennis': { tags: ['sport', 'double projet'], activityMonthsAgo: 8 },
  'seed:cfa-academique-poitiers': { tags: ['apprentissage'], activityMonthsAgo: 4 },
  'seed:edtech-france': { tags: ['edtech', 'réseau'], activityMonthsAgo: 1 },
  'seed:startup-quizotope': { tags: ['edtech', 'évaluation'], activityMonthsAgo: 0 },
  'seed:startup-mentorelle': { tags: ['edtech', 'orientation'], activityMonthsAgo: 7 },
  'seed:startup-voxaclasse': { tags: ['edtech', 'oral'], activityMonthsAgo: 40 },
  'seed:logis-hotels': { tags: ['formation professionnelle', 'hôtellerie'], activityMonthsAgo: 15 },
};

export const DEMO_CONTACTS: DemoContact[] = [
  {
    sourceRef: 'seed:contact:lyon2-numerique',
    civility: 'Mme',
    firstName: 'Solène',
    lastName: 'Garnier-Démo',
    jobTitle: 'Vice-présidente déléguée au numérique',
    emailLocal: 'solene.garnier',
    phone: '+33478000101',
    tags: ['numérique', 'gouvernance'],
    legalBasis: 'mission_interet_public',
    source: 'recommandation',
    activityMonthsAgo: 1,
    ownerEmail: MANAGER,
    positions: [{ organizationRef: 'wikidata:Q4041', role: 'Vice-présidente numérique', start: '2023-09-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:lyon2-scolarite',
    civility: 'M.',
    firstName: 'Théo',
    lastName: 'Renaud-Démo',
    jobTitle: 'Responsable de la scolarité à distance',
    emailLocal: 'theo.renaud',
    tags: ['scolarité'],
    legalBasis: 'interet_legitime',
    source: 'evenement',
    activityMonthsAgo: 5,
    ownerEmail: CHARGE,
    positions: [
      { organizationRef: 'wikidata:Q4027', role: 'Chargé de scolarité', start: '2019-01-07', end: '2023-06-30' },
      { organizationRef: 'wikidata:Q4041', role: 'Responsable scolarité à distance', start: '2023-07-01', primary: true },
    ],
  },
  {
    sourceRef: 'seed:contact:grenoble-partenariats',
    civility: 'Mme',
    firstName: 'Inès',
    lastName: 'Morel-Démo',
    jobTitle: 'Directrice des partenariats',
    emailLocal: 'ines.morel',
    phone: '+33476000202',
    tags: ['partenariats'],
    legalBasis: 'interet_legitime',
    source: 'salon',
    activityMonthsAgo: 14,
    ownerEmail: CHARGE,
    positions: [{ organizationRef: 'wikidata:Q945876', role: 'Directrice des partenariats', start: '2021-03-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:canope-formation',
    civility: 'M.',
    firstName: 'Hugo',
    lastName: 'Lambert-Démo',
    jobTitle: 'Responsable de l’offre de formation',
    emailLocal: 'hugo.lambert',
    phone: '+33549000303',
    tags: ['formation des enseignants'],
    legalBasis: 'mission_interet_public',
    source: 'prospection',
    activityMonthsAgo: 2,
    ownerEmail: MANAGER,
    positions: [{ organizationRef: 'seed:reseau-canope', role: 'Responsable offre de formation', start: '2020-09-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:creps-toulouse-direction',
    civility: 'Mme',
    firstName: 'Laura',
    lastName: 'Fabre-Démo',
    jobTitle: 'Directrice adjointe',
    emailLocal: 'laura.fabre',
    phone: '+33561000404',
    tags: ['sport', 'double projet'],
    legalBasis: 'interet_legitime',
    source: 'recommandation',
    activityMonthsAgo: 3,
    ownerEmail: CHARGE,
    positions: [{ organizationRef: 'seed:creps-toulouse', role: 'Directrice adjointe', start: '2022-01-03', primary: true }],
  },
  {
    sourceRef: 'seed:contact:creps-reims-sportifs',
    civility: 'M.',
    firstName: 'Mathis',
    lastName: 'Caron-Démo',
    jobTitle: 'Responsable du suivi des sportifs',
    emailLocal: 'mathis.caron',
    tags: ['sport'],
    legalBasis: 'interet_legitime',
    source: 'evenement',
    activityMonthsAgo: 41,
    ownerEmail: CHARGE,
    positions: [{ organizationRef: 'seed:creps-reims', role: 'Suivi des sportifs de haut niveau', start: '2018-09-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:fft-double-projet',
    civility: 'Mme',
    firstName: 'Clara',
    lastName: 'Duval-Démo',
    jobTitle: 'Chargée du double projet',
    emailLocal: 'clara.duval',
    phone: '+33147000505',
    tags: ['sport', 'double projet'],
    legalBasis: 'contrat',
    source: 'prospection',
    activityMonthsAgo: 8,
    ownerEmail: MANAGER,
    positions: [{ organizationRef: 'seed:federation-francaise-tennis', role: 'Double projet des joueurs', start: '2021-11-15', primary: true }],
  },
  {
    sourceRef: 'seed:contact:cfa-poitiers',
    civility: 'M.',
    firstName: 'Nathan',
    lastName: 'Girard-Démo',
    jobTitle: 'Directeur délégué aux formations',
    emailLocal: 'nathan.girard',
    tags: ['apprentissage'],
    legalBasis: 'mission_interet_public',
    source: 'site_web',
    activityMonthsAgo: 4,
    ownerEmail: CHARGE,
    positions: [
      { organizationRef: 'seed:lycee-nelson-mandela-poitiers', role: 'Directeur délégué aux formations', start: '2016-09-01', end: '2022-08-31' },
      { organizationRef: 'seed:cfa-academique-poitiers', role: 'Directeur délégué', start: '2022-09-01', primary: true },
    ],
  },
  {
    sourceRef: 'seed:contact:edtech-france',
    civility: 'Mme',
    firstName: 'Léa',
    lastName: 'Bertin-Démo',
    jobTitle: 'Responsable des relations institutionnelles',
    emailLocal: 'lea.bertin',
    phone: '+33180000606',
    tags: ['edtech', 'réseau'],
    legalBasis: 'interet_legitime',
    source: 'salon',
    activityMonthsAgo: 1,
    ownerEmail: CHARGE,
    positions: [{ organizationRef: 'seed:edtech-france', role: 'Relations institutionnelles', start: '2024-02-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:quizotope-ceo',
    civility: 'M.',
    firstName: 'Rayan',
    lastName: 'Lemaire-Démo',
    jobTitle: 'Cofondateur et président',
    emailLocal: 'rayan',
    phone: '+33612000707',
    tags: ['edtech', 'évaluation'],
    legalBasis: 'consentement',
    source: 'salon',
    activityMonthsAgo: 0,
    ownerEmail: CHARGE,
    positions: [{ organizationRef: 'seed:startup-quizotope', role: 'Président', start: '2023-04-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:mentorelle-cto',
    civility: 'Mme',
    firstName: 'Jade',
    lastName: 'Mercier-Démo',
    jobTitle: 'Directrice technique',
    emailLocal: 'jade',
    phone: '+33698000808',
    tags: ['edtech', 'orientation'],
    legalBasis: 'consentement',
    source: 'evenement',
    activityMonthsAgo: 7,
    ownerEmail: CHARGE,
    positions: [{ organizationRef: 'seed:startup-mentorelle', role: 'CTO', start: '2022-10-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:voxaclasse-ceo',
    civility: 'M.',
    firstName: 'Adam',
    lastName: 'Roche-Démo',
    jobTitle: 'Fondateur',
    emailLocal: 'adam',
    tags: ['edtech', 'oral'],
    legalBasis: 'interet_legitime',
    source: 'salon',
    activityMonthsAgo: 40,
    ownerEmail: CHARGE,
    positions: [{ organizationRef: 'seed:startup-voxaclasse', role: 'Fondateur', start: '2020-01-01', primary: true }],
  },
  {
    sourceRef: 'seed:contact:logis-formation',
    civility: 'Mme',
    firstName: 'Chloé',
    lastName: 'Perrot-Démo',
    jobTitle: 'Responsable formation du réseau',
    emailLocal: 'chloe.perrot',
    tags: ['formation professionnelle', 'hôtellerie'],
    legalBasis: 'interet_legitime',
    source: 'recommandation',
    activityMonthsAgo: 15,
    ownerEmail: MANAGER,
    positions: [{ organizationRef: 'seed:logis-hotels', role: 'Responsable formation', start: '2019-05-01', primary: true }],
  },
];

/** The e-mail domain of a demo person's organisation: always under `.example`. */
export function demoEmail(contact: DemoContact): string {
  const organization = contact.positions.find((position) => position.primary) ?? contact.positions[0];
  const slug = (organization?.organizationRef ?? 'partenaire').replace(/^.*:/, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return `${contact.emailLocal}@${slug}.example`;
}
