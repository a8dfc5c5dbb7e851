// Demo exchanges and tasks (`npm run seed`, issue 12): the innovation team's start-up meetings
// over the last twelve months (about sixty, by three people of the DDPSI, with the fictional
// EdTech start-ups), follow-up calls with universities, a visit to a CREPS, a few confidential
// exchanges, meetings planned in the coming days, and tasks overdue, due today, coming and done.
// Every date is relative to the seed's reference time, so the dashboard is alive whatever the
// day the seed runs. People are the demo accounts and the invented demo contacts only.
// Idempotent: each exchange and task has a source_ref; one already present is left untouched.
import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { addDays } from '../lib/convention-dates';
import { isoDateInParis, startOfParisDay } from '../lib/format';
import type { Database } from '../models/database';
import { touchLastActivity } from '../models/last-activity.model';
import {
  type ExchangeKind,
  type ExchangeOutcome,
  type NewExchange,
  type NewTask,
  type TaskPriority,
  contacts,
  exchangeContacts,
  exchangeOrganizations,
  exchangeParticipants,
  exchangeUnits,
  exchanges,
  organizationUnits,
  organizations,
  tasks,
  units,
  users,
} from '../models/schema';
import type { SeedOrganization } from './reference-data';

const NADIA = 'nadia.ferreira@passerelle.example'; // chargée, DDPSI (innovation)
const BASTIEN = 'bastien.lefebvre@passerelle.example'; // manager, DDPSI
const HELOISE = 'heloise.marchand@passerelle.example'; // admin, DDPSI
const YANNICK = 'yannick.legoff@passerelle.example'; // chargé, UO-SUP (universities)

/**
 * More fictional EdTech start-ups met by the innovation team (the sourcing pipeline's six are
 * in demo-organizations.ts). Invented names, `.example` websites.
 */
/** A fictional start-up in one line: its slug (source_ref, website), name, town, postcode, department, region, pitch. */
export type DemoStartupLine = [slug: string, name: string, city: string, postalCode: string, departmentCode: string, regionCode: string, pitch: string];

/** The directory record of a fictional start-up (the demo organisations' shape). */
export function demoStartup([slug, name, city, postalCode, departmentCode, regionCode, pitch]: DemoStartupLine): SeedOrganization {
  return {
    sourceRef: `seed:startup-${slug}`,
    name,
    kindCode: 'startup',
    status: 'prospect',
    website: `https://${slug}.example`,
    postalCode,
    city,
    departmentCode,
    regionCode,
    description: `Start-up fictive : ${pitch}.`,
  };
}

const SOURCED_STARTUPS: DemoStartupLine[] = [
  ['lexiplume', 'Lexiplume', 'Rennes', '35000', '35', '53', 'correction formative de l’écrit assistée par l’analyse des erreurs fréquentes'],
  ['numeclasse', 'Numéclasse', 'Strasbourg', '67000', '67', '44', 'tableaux de bord de classe pour les enseignants du secondaire'],
  ['poche-savoirs', 'Poche-Savoirs', 'Montpellier', '34000', '34', '76', 'micro-leçons sur téléphone pour les apprenants en mobilité'],
  ['pedagonaute', 'Pédagonaute', 'Grenoble', '38000', '38', '84', 'scénarisation de parcours hybrides pour les formateurs'],
  ['orbitutor', 'Orbitutor', 'Toulouse', '31000', '31', '76', 'tutorat en ligne par des étudiants de master'],
  ['campus-nomade-lab', 'Campus Nomade Lab', 'Clermont-Ferrand', '63000', '63', '84', 'salles de cours mobiles connectées pour les territoires ruraux'],
  ['amphi-clair', 'Amphi Clair', 'Lille', '59000', '59', '32', 'sous-titrage en direct des cours pour les apprenants sourds et malentendants'],
  ['eveil-octet', 'Éveil Octet', 'Nancy', '54000', '54', '44', 'initiation à la programmation pour les collégiens'],
  ['microbadge', 'Microbadge', 'Paris', '75011', '75', '11', 'certification de micro-compétences par badges numériques ouverts'],
  ['parlandia', 'Parlandia', 'Nice', '06000', '06', '93', 'conversation en langue étrangère avec des locuteurs natifs en visio'],
  ['tangramme', 'Tangramme', 'Dijon', '21000', '21', '27', 'jeux de logique pour la remédiation en mathématiques'],
  ['scoledata', 'Scolédata', 'Nantes', '44000', '44', '52', 'analyse des traces d’apprentissage respectueuse de la vie privée'],
  ['recrealab', 'Récréalab', 'Angers', '49000', '49', '52', 'ateliers de fabrication numérique pour les écoles primaires'],
  ['didactopus', 'Didactopus', 'Brest', '29200', '29', '53', 'banque de ressources pédagogiques co-construites par des enseignants'],
  ['memorielle', 'Mémorielle', 'Tours', '37000', '37', '24', 'révisions espacées fondées sur les sciences cognitives'],
  ['cap-savoir-faire', 'Cap Savoir-Faire', 'Limoges', '87000', '87', '75', 'valorisation des compétences des apprentis auprès des employeurs'],
  ['pixel-preau', 'Pixel Préau', 'Besançon', '25000', '25', '27', 'création de jeux sérieux par les élèves eux-mêmes'],
  ['tutorama', 'Tutorama', 'Caen', '14000', '14', '28', 'vidéos d’explication courtes produites par des enseignants'],
  ['kairoscope', 'Kairoscope', 'Orléans', '45000', '45', '24', 'planification des révisions pour les étudiants en première année'],
  ['semaphore-etudes', 'Sémaphore Études', 'Reims', '51100', '51', '44', 'détection précoce du décrochage en formation à distance'],
  ['inclusiva-lab', 'Inclusiva Lab', 'Rouen', '76000', '76', '28', 'adaptation automatique des supports pour les élèves à besoins particuliers'],
  ['chronoquiz', 'Chronoquiz', 'Metz', '57000', '57', '44', 'quiz d’histoire et de géographie sur frise chronologique interactive'],
  ['fabricours', 'Fabricours', 'Poitiers', '86000', '86', '75', 'outil auteur de cours en ligne accessibles'],
  ['cartable-leger', 'Cartable Léger', 'Pau', '64000', '64', '75', 'manuels numériques hors connexion pour les zones mal desservies'],
];

export const DEMO_SOURCED_STARTUPS: readonly SeedOrganization[] = SOURCED_STARTUPS.map(demoStartup);

/** The pipeline's start-ups (demo-organizations.ts) and the others met, with a contact when the demo has one. */
const PIPELINE: Array<{ ref: string; name: string; contactRef?: string; theme: string }> = [
  { ref: 'seed:startup-quizotope', name: 'Quizotope', contactRef: 'seed:contact:quizotope-ceo', theme: 'évaluation' },
  { ref: 'seed:startup-mentorelle', name: 'Mentorelle', contactRef: 'seed:contact:mentorelle-cto', theme: 'mentorat' },
  { ref: 'seed:startup-parcours-boussole', name: 'Parcours Boussole', theme: 'orientation' },
  { ref: 'seed:startup-voxaclasse', name: 'Voxaclasse', contactRef: 'seed:contact:voxaclasse-ceo', theme: 'classe virtuelle' },
  { ref: 'seed:startup-ergonote', name: 'Ergonote', theme: 'accessibilité' },
  { ref: 'seed:startup-tableau-vivant-lab', name: 'Tableau Vivant Lab', theme: 'réalité virtuelle' },
  ...SOURCED_STARTUPS.map(([slug, name]) => ({ ref: `seed:startup-${slug}`, name, theme: 'sourcing' })),
];

interface DemoExchange {
  sourceRef: string;
  kind: ExchangeKind;
  /** Days from the reference day (negative: past) and the Paris time of day. */
  day: number;
  time: string;
  durationMinutes?: number;
  place?: string;
  visioUrl?: string;
  organizationRefs: string[];
  contactRefs?: string[];
  authorEmail: string;
  participantEmails?: string[];
  unitCodes: string[];
  summary: string;
  notes?: string;
  outcome?: ExchangeOutcome;
  tags: string[];
  confidential?: boolean;
}

const MEETING_KINDS: ExchangeKind[] = ['rendez_vous', 'visio', 'salon', 'rendez_vous', 'visite', 'visio'];
const MEETING_AUTHORS = [NADIA, NADIA, BASTIEN, HELOISE, NADIA];
const OUTCOMES: ExchangeOutcome[] = ['positive', 'a_relancer', 'neutre', 'positive', 'sans_suite', 'a_relancer'];
const SUMMARIES = [
  (name: string) => `Présentation de ${name} et de son produit ; intérêt pour un pilote avec nos apprenants à distance.`,
  (name: string) => `Démonstration de ${name} : parcours apprenant, tableau de bord formateur, hébergement des données.`,
  (name: string) => `Rencontre sur le stand de ${name} ; échange rapide sur leurs références dans l’enseignement supérieur.`,
  (name: string) => `Point d’étape avec ${name} sur les conditions d’un pilote (durée, public, évaluation).`,
  (name: string) => `Visite des locaux de ${name} et atelier avec leur équipe pédagogique.`,
  (name: string) => `Échange avec ${name} sur l’accessibilité (RGAA) et l’interopérabilité avec notre plateforme.`,
];

/** About sixty start-up meetings over the last twelve months, a few days apart. */
function startupMeetings(): DemoExchange[] {
  const meetings: DemoExchange[] = [];
  let others = 0;
  for (let index = 0; index < 60; index += 1) {
    // The six start-ups of the pipeline are met again and again (one meeting in three); the others once or twice.
    const position = index % 3 === 0 ? (index / 3) % 6 : 6 + (others++ % (PIPELINE.length - 6));
    const startup = PIPELINE[position];
    if (!startup) continue;
    // A start-up met again is met differently (the summary goes with the kind).
    const variant = (index + Math.floor(index / 18)) % MEETING_KINDS.length;
    const kind = MEETING_KINDS[variant] as ExchangeKind;
    const author = MEETING_AUTHORS[index % MEETING_AUTHORS.length] as string;
    const colleague = author === NADIA ? BASTIEN : NADIA;
    meetings.push({
      sourceRef: `seed:exchange:startup-${String(index + 1).padStart(2, '0')}`,
      kind,
      day: -(2 + index * 6),
      time: `${9 + (index % 8)}:${index % 2 === 0 ? '00' : '30'}`,
      durationMinutes: kind === 'salon' ? 20 : kind === 'visite' ? 120 : 60,
      place: kind === 'salon' ? 'Salon de l’innovation pédagogique, Paris' : kind === 'visite' ? `Locaux de ${startup.name}` : kind === 'rendez_vous' ? 'Siège, salle Condorcet' : undefined,
      visioUrl: kind === 'visio' ? 'https://visio.passerelle.example/innovation' : undefined,
      organizationRefs: [startup.ref],
      contactRefs: startup.contactRef ? [startup.contactRef] : [],
      authorEmail: author,
      participantEmails: index % 4 === 0 ? [author, colleague] : [author],
      unitCodes: ['DDPSI'],
      summary: (SUMMARIES[variant] as (name: string) => string)(startup.name),
      notes: index % 5 === 0 ? `Prochaine étape proposée : un pilote de trois mois.\nDocumentation : https://${startup.ref.replace('seed:startup-', '')}.example/presentation` : undefined,
      outcome: OUTCOMES[index % OUTCOMES.length],
      tags: ['edtech', startup.theme],
      // Talks about fund-raising and prices stay within the team.
      confidential: index % 13 === 5,
    });
  }
  return meetings;
}

const OTHER_EXCHANGES: DemoExchange[] = [
  // Follow-up calls with universities (UO-SUP).
  ...[
    { ref: 'wikidata:Q4041', name: 'l’Université Lumière Lyon 2', contactRef: 'seed:contact:lyon2-numerique', day: -4 },
    { ref: 'wikidata:Q945876', name: 'l’Université Grenoble Alpes', contactRef: 'seed:contact:grenoble-partenariats', day: -12 },
    { ref: 'wikidata:Q494247', name: 'l’Université de Rouen Normandie', day: -25 },
    { ref: 'wikidata:Q999763', name: 'l’Université Paris 1 Panthéon-Sorbonne', day: -47 },
    { ref: 'wikidata:Q4032', name: 'l’Université Claude Bernard Lyon 1', day: -63 },
    { ref: 'wikidata:Q459026', name: 'l’Université Rennes 2', day: -88 },
    { ref: 'wikidata:Q661056', name: 'l’Université de Poitiers', day: -120 },
    { ref: 'wikidata:Q4041', name: 'l’Université Lumière Lyon 2', contactRef: 'seed:contact:lyon2-scolarite', day: -150 },
  ].map((university, index): DemoExchange => ({
    sourceRef: `seed:exchange:universite-${index + 1}`,
    kind: index % 3 === 1 ? 'visio' : 'appel',
    day: university.day,
    time: '11:00',
    durationMinutes: 30,
    organizationRefs: [university.ref],
    contactRefs: university.contactRef ? [university.contactRef] : [],
    authorEmail: YANNICK,
    participantEmails: [YANNICK],
    unitCodes: ['UO-SUP'],
    summary: `Appel de suivi avec ${university.name} : calendrier de la co-construction de la licence hybride et places ouvertes à la rentrée.`,
    outcome: index % 2 === 0 ? 'positive' : 'a_relancer',
    tags: ['enseignement supérieur', 'hybridation'],
  })),
  {
    sourceRef: 'seed:exchange:visite-creps-toulouse',
    kind: 'visite',
    day: -40,
    time: '09:30',
    durationMinutes: 180,
    place: 'CREPS de Toulouse',
    organizationRefs: ['seed:creps-toulouse'],
    contactRefs: ['seed:contact:creps-toulouse-direction'],
    authorEmail: BASTIEN,
    participantEmails: [BASTIEN, NADIA],
    unitCodes: ['DDPSI', 'UO-PRO'],
    summary: 'Visite du CREPS de Toulouse : pôle France, salles de cours, besoins des sportifs de haut niveau en formation à distance.',
    notes: 'Rencontre avec la directrice adjointe et deux entraîneurs.\nÀ étudier : un aménagement des calendriers d’examen pendant les compétitions.',
    outcome: 'positive',
    tags: ['sport', 'double projet'],
  },
  {
    sourceRef: 'seed:exchange:edtech-france-salon',
    kind: 'salon',
    day: -75,
    time: '14:00',
    durationMinutes: 240,
    place: 'Rencontres annuelles de la EdTech, Paris',
    organizationRefs: ['seed:edtech-france'],
    contactRefs: ['seed:contact:edtech-france'],
    authorEmail: NADIA,
    participantEmails: [NADIA, HELOISE],
    unitCodes: ['DDPSI'],
    summary: 'Journée des adhérents d’EdTech France : une quinzaine de start-up rencontrées, sélection des plus pertinentes pour le sourcing.',
    outcome: 'positive',
    tags: ['edtech', 'réseau'],
  },
  {
    sourceRef: 'seed:exchange:canope-rendez-vous',
    kind: 'rendez_vous',
    day: -55,
    time: '10:00',
    durationMinutes: 90,
    place: 'Réseau Canopé, Chasseneuil-du-Poitou',
    organizationRefs: ['seed:reseau-canope'],
    contactRefs: ['seed:contact:canope-formation'],
    authorEmail: HELOISE,
    participantEmails: [HELOISE, BASTIEN],
    unitCodes: ['DDPSI'],
    summary: 'Rendez-vous avec Réseau Canopé sur une offre commune de formation des enseignants au numérique.',
    outcome: 'a_relancer',
    tags: ['numérique', 'formation des enseignants'],
  },
  {
    // The only exchange with this network: it falls silent on the dashboard (« sans échange depuis 6 mois »).
    sourceRef: 'seed:exchange:ritles-note',
    kind: 'note',
    day: -270,
    time: '17:00',
    organizationRefs: ['seed:ritles'],
    authorEmail: BASTIEN,
    unitCodes: ['DDPSI'],
    summary: 'Note : le réseau des tiers-lieux d’enseignement supérieur prépare un appel à manifestation d’intérêt ; à suivre.',
    tags: ['tiers-lieux'],
  },
  // Planned in the coming days (« Mes échanges des prochains jours »).
  {
    sourceRef: 'seed:exchange:mentorelle-pilote',
    kind: 'visio',
    day: 2,
    time: '10:30',
    durationMinutes: 45,
    visioUrl: 'https://visio.passerelle.example/innovation',
    organizationRefs: ['seed:startup-mentorelle'],
    contactRefs: ['seed:contact:mentorelle-cto'],
    authorEmail: NADIA,
    participantEmails: [NADIA, BASTIEN],
    unitCodes: ['DDPSI'],
    summary: 'Visio avec Mentorelle : cadrage du pilote de mentorat (public, durée, indicateurs).',
    tags: ['edtech', 'mentorat'],
  },
  {
    sourceRef: 'seed:exchange:edtech-france-comite',
    kind: 'rendez_vous',
    day: 4,
    time: '15:00',
    durationMinutes: 60,
    place: 'EdTech France, Paris',
    organizationRefs: ['seed:edtech-france'],
    contactRefs: ['seed:contact:edtech-france'],
    authorEmail: BASTIEN,
    participantEmails: [BASTIEN, NADIA],
    unitCodes: ['DDPSI'],
    summary: 'Rendez-vous avec EdTech France : programme du prochain comité de sélection des start-up.',
    tags: ['edtech', 'réseau'],
  },
  {
    sourceRef: 'seed:exchange:poitiers-appel',
    kind: 'appel',
    day: 1,
    time: '09:00',
    durationMinutes: 30,
    organizationRefs: ['wikidata:Q661056'],
    authorEmail: YANNICK,
    participantEmails: [YANNICK],
    unitCodes: ['UO-SUP'],
    summary: 'Appel avec l’Université de Poitiers : ouverture des inscriptions en licence hybride.',
    tags: ['enseignement supérieur'],
  },
];

/**
 * Partnerships in every reciprocity status (issue 13; meetings that count: rendez-vous, visio,
 * visite of the last 12 months; default figures: minimum 2, target 3): the DGDDI is « à jour »
 * (3), the Agence nationale du sport « à surveiller » (2), the Alliance française too but falls
 * behind within a fortnight (its older meeting leaves the window), the Fédération française de
 * tennis « en retard » (1; a call does not count), the Pôle Espoir Handball (followed) and the
 * CREPS de Poitiers (under the convention-cadre) « jamais rencontré ». The followed ones are
 * marked in demo-organizations.ts; the conventions in force in demo-conventions.ts. None of these
 * organisations is in the demo events (demo-events.ts), whose attendance would count too.
 */
const PARTNERSHIP_EXCHANGES: DemoExchange[] = [
  ...[
    { day: -25, kind: 'rendez_vous' as const, summary: 'Rendez-vous avec la DGDDI : accueil des stagiaires du BTS Commerce international au printemps.', place: 'Direction générale des douanes, Montreuil' },
    { day: -110, kind: 'visio' as const, summary: 'Visio avec la DGDDI : bilan des stages de l’année et calendrier des concours de la douane.' },
    { day: -230, kind: 'visite' as const, summary: 'Visite du bureau de douane de Roissy avec deux formateurs du BTS Commerce international.', place: 'Bureau de douane de Roissy-Charles-de-Gaulle' },
  ].map((meeting, index): DemoExchange => ({
    sourceRef: `seed:exchange:reciprocite-dgddi-${index + 1}`,
    kind: meeting.kind,
    day: meeting.day,
    time: '10:00',
    durationMinutes: meeting.kind === 'visite' ? 180 : 60,
    place: meeting.place,
    visioUrl: meeting.kind === 'visio' ? 'https://visio.passerelle.example/partenariats' : undefined,
    organizationRefs: ['seed:dgddi'],
    authorEmail: BASTIEN,
    participantEmails: [BASTIEN],
    unitCodes: ['DDPSI'],
    summary: meeting.summary,
    outcome: 'positive',
    tags: ['partenariat', 'douane'],
  })),
  ...[
    { ref: 'seed:agence-nationale-sport', slug: 'ans', day: -50, kind: 'visio' as const, summary: 'Visio avec l’Agence nationale du sport : financement des aménagements de scolarité des sportifs.' },
    { ref: 'seed:agence-nationale-sport', slug: 'ans', day: -190, kind: 'rendez_vous' as const, summary: 'Rendez-vous à l’Agence nationale du sport : le double projet des athlètes en préparation olympique.' },
    { ref: 'seed:alliance-francaise-paris-idf', slug: 'alliance-francaise', day: -15, kind: 'rendez_vous' as const, summary: 'Rendez-vous avec l’Alliance française : parcours de français langue étrangère pour les apprenants étrangers.' },
    { ref: 'seed:alliance-francaise-paris-idf', slug: 'alliance-francaise', day: -352, kind: 'visio' as const, summary: 'Visio avec l’Alliance française : première présentation de nos formations à distance.' },
    { ref: 'seed:federation-francaise-tennis', slug: 'fft', day: -280, kind: 'rendez_vous' as const, summary: 'Rendez-vous avec la Fédération française de tennis : formations des enseignants de tennis.' },
    { ref: 'seed:federation-francaise-tennis', slug: 'fft', day: -20, kind: 'appel' as const, summary: 'Appel avec la Fédération française de tennis : relance sur le calendrier des formations (un appel ne compte pas comme une rencontre).' },
  ].map((meeting, index): DemoExchange => ({
    sourceRef: `seed:exchange:reciprocite-${meeting.slug}-${index + 1}`,
    kind: meeting.kind,
    day: meeting.day,
    time: '14:30',
    durationMinutes: meeting.kind === 'appel' ? 20 : 60,
    place: meeting.kind === 'rendez_vous' ? 'Siège, salle Condorcet' : undefined,
    visioUrl: meeting.kind === 'visio' ? 'https://visio.passerelle.example/partenariats' : undefined,
    organizationRefs: [meeting.ref],
    authorEmail: index % 2 === 0 ? NADIA : BASTIEN,
    participantEmails: index % 2 === 0 ? [NADIA] : [BASTIEN],
    unitCodes: ['DDPSI', 'UO-PRO'],
    summary: meeting.summary,
    outcome: meeting.kind === 'appel' ? 'a_relancer' : 'positive',
    tags: ['partenariat', 'sport'],
  })),
];

export const DEMO_EXCHANGES: readonly DemoExchange[] = [...startupMeetings(), ...OTHER_EXCHANGES, ...PARTNERSHIP_EXCHANGES];

interface DemoTask {
  sourceRef: string;
  title: string;
  description?: string;
  /** Days from the reference day. */
  dueDay: number;
  dueTime?: string;
  assigneeEmail: string;
  createdByEmail?: string;
  priority?: TaskPriority;
  organizationRef?: string;
  contactRef?: string;
  exchangeRef?: string;
  /** Done this many days before the reference day. */
  doneDaysAgo?: number;
}

export const DEMO_TASKS: readonly DemoTask[] = [
  // Nadia Ferreira (chargée, innovation): overdue, today, this week, later, done.
  { sourceRef: 'seed:task:quizotope-grille', title: 'Envoyer la grille d’évaluation du pilote à Quizotope', dueDay: -3, assigneeEmail: NADIA, priority: 'haute', organizationRef: 'seed:startup-quizotope', contactRef: 'seed:contact:quizotope-ceo', exchangeRef: 'seed:exchange:startup-01' },
  { sourceRef: 'seed:task:voxaclasse-relance', title: 'Relancer Voxaclasse sur la démonstration en classe', dueDay: -9, assigneeEmail: NADIA, organizationRef: 'seed:startup-voxaclasse', contactRef: 'seed:contact:voxaclasse-ceo' },
  { sourceRef: 'seed:task:mentorelle-rappel', title: 'Rappeler Mentorelle pour caler le pilote', dueDay: 0, dueTime: '14:30', assigneeEmail: NADIA, organizationRef: 'seed:startup-mentorelle', contactRef: 'seed:contact:mentorelle-cto', exchangeRef: 'seed:exchange:startup-04' },
  { sourceRef: 'seed:task:synthese-sourcing', title: 'Préparer la synthèse trimestrielle du sourcing EdTech', dueDay: 0, assigneeEmail: NADIA, createdByEmail: BASTIEN },
  { sourceRef: 'seed:task:pilote-daj', title: 'Transmettre le projet de convention de pilote à la DAJ', dueDay: 3, assigneeEmail: NADIA, organizationRef: 'seed:startup-ergonote' },
  { sourceRef: 'seed:task:bilan-ergonote', title: 'Faire le bilan du test d’Ergonote avec les formateurs', dueDay: 20, assigneeEmail: NADIA, priority: 'basse', organizationRef: 'seed:startup-ergonote' },
  { sourceRef: 'seed:task:compte-rendu-salon', title: 'Diffuser le compte rendu de la journée EdTech France', dueDay: -70, assigneeEmail: NADIA, organizationRef: 'seed:edtech-france', exchangeRef: 'seed:exchange:edtech-france-salon', doneDaysAgo: 72 },
  { sourceRef: 'seed:task:boussole-comite', title: 'Inviter Parcours Boussole au comité de sélection', dueDay: -30, assigneeEmail: NADIA, organizationRef: 'seed:startup-parcours-boussole', doneDaysAgo: 31 },
  // Bastien Lefebvre (manager).
  { sourceRef: 'seed:task:comite-liste', title: 'Valider la liste des start-up du comité innovation', dueDay: -2, assigneeEmail: BASTIEN, priority: 'haute' },
  { sourceRef: 'seed:task:edtech-france-preparation', title: 'Préparer le rendez-vous avec EdTech France', dueDay: 1, assigneeEmail: BASTIEN, organizationRef: 'seed:edtech-france', exchangeRef: 'seed:exchange:edtech-france-comite' },
  { sourceRef: 'seed:task:creps-compte-rendu', title: 'Rédiger le compte rendu de la visite du CREPS', dueDay: -38, assigneeEmail: BASTIEN, organizationRef: 'seed:creps-toulouse', contactRef: 'seed:contact:creps-toulouse-direction', exchangeRef: 'seed:exchange:visite-creps-toulouse', doneDaysAgo: 37 },
  { sourceRef: 'seed:task:canope-relance', title: 'Relancer Réseau Canopé sur l’offre commune', dueDay: 0, assigneeEmail: BASTIEN, organizationRef: 'seed:reseau-canope', exchangeRef: 'seed:exchange:canope-rendez-vous' },
  // Yannick Le Goff (chargé, universities).
  { sourceRef: 'seed:task:grenoble-calendrier', title: 'Relancer l’Université Grenoble Alpes sur le calendrier', dueDay: -5, assigneeEmail: YANNICK, organizationRef: 'wikidata:Q945876', contactRef: 'seed:contact:grenoble-partenariats', exchangeRef: 'seed:exchange:universite-2' },
  { sourceRef: 'seed:task:lyon2-programme', title: 'Envoyer le programme de la licence hybride à Lyon 2', dueDay: 0, assigneeEmail: YANNICK, organizationRef: 'wikidata:Q4041', contactRef: 'seed:contact:lyon2-numerique', exchangeRef: 'seed:exchange:universite-1' },
  { sourceRef: 'seed:task:synthese-universites', title: 'Rédiger la note de synthèse des échanges avec les universités', dueDay: -21, assigneeEmail: YANNICK, doneDaysAgo: 20 },
  // Héloïse Marchand (admin).
  { sourceRef: 'seed:task:parametres', title: 'Vérifier la durée de conservation des échanges avec le DPO', dueDay: 6, assigneeEmail: HELOISE },
];

export interface ExchangeSeedCounts {
  exchanges: { inserted: number; alreadyPresent: number };
  tasks: { inserted: number; alreadyPresent: number };
}

/** The UTC instant of `time` (Paris) on the day `days` after the reference day. */
function instantOf(referenceDay: string, days: number, time: string): Date {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return new Date(startOfParisDay(addDays(referenceDay, days)).getTime() + (hours * 60 + minutes) * 60_000);
}

function idsBy(rows: Array<{ key: string | null; id: string }>): Map<string, string> {
  return new Map(rows.flatMap((row) => (row.key ? [[row.key, row.id] as [string, string]] : [])));
}

const BATCH_SIZE = 200;

/**
 * Inserts the demo exchanges (with their organisations, contacts, participants and units) and
 * tasks missing from the database, moves the last activity of the records met, and attaches the
 * sourced start-ups to the innovation unit. `now` is the seed's reference time.
 */
export async function seedExchangesAndTasks(db: Database, now: Date): Promise<ExchangeSeedCounts> {
  const today = isoDateInParis(now);
  const organizationRefs = [...new Set([...DEMO_EXCHANGES.flatMap((exchange) => exchange.organizationRefs), ...DEMO_SOURCED_STARTUPS.map((startup) => startup.sourceRef)])];
  const contactRefs = [...new Set([...DEMO_EXCHANGES.flatMap((exchange) => exchange.contactRefs ?? []), ...DEMO_TASKS.flatMap((task) => (task.contactRef ? [task.contactRef] : []))])];
  // One after the other: `db` is the seed's transaction (one connection; pg refuses overlapping queries on it).
  const organizationIds = idsBy(await db.select({ key: organizations.sourceRef, id: organizations.id }).from(organizations).where(inArray(organizations.sourceRef, organizationRefs)));
  const contactIds = idsBy(await db.select({ key: contacts.sourceRef, id: contacts.id }).from(contacts).where(inArray(contacts.sourceRef, contactRefs)));
  const userIds = idsBy(await db.select({ key: users.email, id: users.id }).from(users).where(inArray(users.email, [NADIA, BASTIEN, HELOISE, YANNICK])));
  const unitIds = idsBy(await db.select({ key: units.code, id: units.id }).from(units));

  // The sourced start-ups belong to the innovation unit (rows added only when missing).
  const innovation = unitIds.get('DDPSI');
  if (innovation) {
    const links = DEMO_SOURCED_STARTUPS.flatMap((startup) => {
      const organizationId = organizationIds.get(startup.sourceRef);
      return organizationId ? [{ organizationId, unitId: innovation }] : [];
    });
    if (links.length > 0) await db.insert(organizationUnits).values(links).onConflictDoNothing();
  }

  // Exchanges: ids chosen here so their links go in with them, in a few multi-row statements.
  const existing = new Set(
    (await db.select({ ref: exchanges.sourceRef }).from(exchanges).where(inArray(exchanges.sourceRef, DEMO_EXCHANGES.map((exchange) => exchange.sourceRef)))).map((row) => row.ref),
  );
  const planned = DEMO_EXCHANGES.filter((exchange) => !existing.has(exchange.sourceRef)).map((demo) => ({ demo, id: randomUUID(), occurredAt: instantOf(today, demo.day, demo.time) }));
  let insertedExchanges = 0;
  const lastActivity = new Map<string, Date>();
  const contactActivity = new Map<string, Date>();
  for (const batch of chunks(planned, BATCH_SIZE)) {
    const rows: NewExchange[] = batch.map(({ demo, id, occurredAt }) => ({
      id,
      kind: demo.kind,
      occurredAt,
      durationMinutes: demo.durationMinutes ?? null,
      place: demo.place ?? null,
      visioUrl: demo.visioUrl ?? null,
      summary: demo.summary,
      notes: demo.notes ?? null,
      outcome: demo.outcome ?? null,
      tags: demo.tags,
      confidential: demo.confidential ?? false,
      authorId: userIds.get(demo.authorEmail) ?? null,
      sourceRef: demo.sourceRef,
    }));
    const inserted = new Set((await db.insert(exchanges).values(rows).onConflictDoNothing({ target: exchanges.sourceRef }).returning({ id: exchanges.id })).map((row) => row.id));
    insertedExchanges += inserted.size;
    const kept = batch.filter(({ id }) => inserted.has(id));
    const links = <T>(pick: (entry: (typeof kept)[number]) => T[]) => kept.flatMap(pick);
    const organizationLinks = links(({ demo, id, occurredAt }) =>
      demo.organizationRefs.flatMap((ref) => (organizationIds.get(ref) ? [{ exchangeId: id, organizationId: organizationIds.get(ref) as string, occurredAt }] : [])),
    );
    const contactLinks = links(({ demo, id, occurredAt }) =>
      (demo.contactRefs ?? []).flatMap((ref) => (contactIds.get(ref) ? [{ exchangeId: id, contactId: contactIds.get(ref) as string, occurredAt }] : [])),
    );
    const participantLinks = links(({ demo, id, occurredAt }) =>
      (demo.participantEmails ?? []).flatMap((email) => (userIds.get(email) ? [{ exchangeId: id, userId: userIds.get(email) as string, occurredAt }] : [])),
    );
    const unitLinks = links(({ demo, id, occurredAt }) => demo.unitCodes.flatMap((code) => (unitIds.get(code) ? [{ exchangeId: id, unitId: unitIds.get(code) as string, occurredAt }] : [])));
    if (organizationLinks.length > 0) await db.insert(exchangeOrganizations).values(organizationLinks).onConflictDoNothing();
    if (contactLinks.length > 0) await db.insert(exchangeContacts).values(contactLinks).onConflictDoNothing();
    if (participantLinks.length > 0) await db.insert(exchangeParticipants).values(participantLinks).onConflictDoNothing();
    if (unitLinks.length > 0) await db.insert(exchangeUnits).values(unitLinks).onConflictDoNothing();
    // A meeting planned for next week is not activity yet.
    for (const link of organizationLinks) if (link.occurredAt <= now && (lastActivity.get(link.organizationId) ?? new Date(0)) < link.occurredAt) lastActivity.set(link.organizationId, link.occurredAt);
    for (const link of contactLinks) if (link.occurredAt <= now && (contactActivity.get(link.contactId) ?? new Date(0)) < link.occurredAt) contactActivity.set(link.contactId, link.occurredAt);
  }
  // One statement per distinct date (touchLastActivity never moves a date backwards).
  const byDate = new Map<number, { organizationIds: string[]; contactIds: string[] }>();
  const groupOf = (at: Date) => {
    const group = byDate.get(at.getTime()) ?? { organizationIds: [], contactIds: [] };
    byDate.set(at.getTime(), group);
    return group;
  };
  for (const [organizationId, at] of lastActivity) groupOf(at).organizationIds.push(organizationId);
  for (const [contactId, at] of contactActivity) groupOf(at).contactIds.push(contactId);
  for (const [time, records] of byDate) await touchLastActivity(db, records, new Date(time));

  // Tasks, linked to their exchange when it is one of the demo's.
  const exchangeIds = await db
    .select({ key: exchanges.sourceRef, id: exchanges.id })
    .from(exchanges)
    .where(inArray(exchanges.sourceRef, DEMO_TASKS.flatMap((task) => (task.exchangeRef ? [task.exchangeRef] : []))))
    .then(idsBy);
  const taskRows: NewTask[] = DEMO_TASKS.flatMap((demo) => {
    const assigneeId = userIds.get(demo.assigneeEmail);
    if (!assigneeId) return [];
    const done = demo.doneDaysAgo !== undefined;
    return [
      {
        title: demo.title,
        description: demo.description ?? null,
        dueOn: addDays(today, demo.dueDay),
        dueTime: demo.dueTime ?? null,
        assigneeId,
        priority: demo.priority ?? 'normale',
        status: done ? 'faite' : 'a_faire',
        organizationId: demo.organizationRef ? (organizationIds.get(demo.organizationRef) ?? null) : null,
        contactId: demo.contactRef ? (contactIds.get(demo.contactRef) ?? null) : null,
        exchangeId: demo.exchangeRef ? (exchangeIds.get(demo.exchangeRef) ?? null) : null,
        createdById: userIds.get(demo.createdByEmail ?? demo.assigneeEmail) ?? null,
        doneAt: done ? instantOf(today, -(demo.doneDaysAgo ?? 0), '17:00') : null,
        doneById: done ? assigneeId : null,
        sourceRef: demo.sourceRef,
      },
    ];
  });
  const insertedTasks = taskRows.length === 0 ? [] : await db.insert(tasks).values(taskRows).onConflictDoNothing({ target: tasks.sourceRef }).returning({ id: tasks.id });

  return {
    exchanges: { inserted: insertedExchanges, alreadyPresent: DEMO_EXCHANGES.length - insertedExchanges },
    tasks: { inserted: insertedTasks.length, alreadyPresent: DEMO_TASKS.length - insertedTasks.length },
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}
