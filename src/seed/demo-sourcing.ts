// Demo innovation sourcing pipeline (`npm run seed`, issue 14): three challenges drawn from the
// institution's needs, 60 fictional EdTech start-ups' cases spread over the stages over the last
// two years with their stage history (the funnel reads it), a gate decided « go » with three
// submitted scorecards — run through the real committee (startGate, submitScorecard, decideGate
// of sourcing-gates.service.ts on the seed's transaction) —, a gate waiting for two evaluators (in
// their « Mes validations »), a pilot under way with criteria and milestones (tasks), and a pilot
// past its end date without a decision. Dates are relative to the seed's reference time.
// Idempotent: challenges, cases and pilots have a source_ref; a case already present is left as it
// is (its gates and pilots too).
import { and, eq, inArray } from 'drizzle-orm';
import { addParisDays, atParisTime, parisDayOf } from '../lib/paris-time';
import type { Database } from '../models/database';
import {
  type CaseSource,
  type CaseStage,
  type ScorecardCriterion,
  organizationUnits,
  organizations,
  sourcingCases,
  sourcingChallengeUnits,
  sourcingChallenges,
  sourcingPilotCriteria,
  sourcingPilotMilestones,
  sourcingPilots,
  sourcingScorecards,
  tasks,
  units,
  users,
  workflowSteps,
} from '../models/schema';
import { insertSeedCaseWithHistory } from '../models/sourcing-cases.model';
import { actorOf } from '../services/auth.service';
import type { ServiceContext } from '../services/context';
import { decideGate, startGate, submitScorecard } from '../services/sourcing-gates.service';
import { DEFAULT_CRITERIA } from '../workflows/sourcing-scorecard';
import { type DemoStartupLine, demoStartup } from './demo-exchanges';
import type { SeedOrganization } from './reference-data';

const HELOISE = 'heloise.marchand@passerelle.example'; // admin, DDPSI
const BASTIEN = 'bastien.lefebvre@passerelle.example'; // manager, DDPSI: sponsor of the three challenges
const NADIA = 'nadia.ferreira@passerelle.example'; // chargée, DDPSI (innovation)
const YANNICK = 'yannick.legoff@passerelle.example'; // chargé, UO-SUP
const AGATHE = 'agathe.rousseau@passerelle.example'; // juriste, DAJ
const KARIM = 'karim.benali@passerelle.example'; // finance, DAF

/** More fictional EdTech start-ups for the pipeline (with demo-organizations.ts's six and demo-exchanges.ts's 24: 60). */
const PIPELINE_STARTUPS: DemoStartupLine[] = [
  ['evalink', 'Évalink', 'Lyon', '69002', '69', '84', 'évaluation par compétences en situation professionnelle simulée'],
  ['proctorea', 'Proctoréa', 'Bordeaux', '33000', '33', '75', 'surveillance d’examens en ligne respectueuse de la vie privée'],
  ['skillmap-edu', 'Skillmap Édu', 'Nantes', '44000', '44', '52', 'cartographie des compétences des apprenants en formation continue'],
  ['oralix', 'Oralix', 'Marseille', '13001', '13', '93', 'évaluation de l’oral en langues par reconnaissance vocale'],
  ['badgeo', 'Badgéo', 'Rennes', '35000', '35', '53', 'open badges reconnus par les employeurs de la région'],
  ['portfolio-vif', 'Portfolio Vif', 'Toulouse', '31000', '31', '76', 'e-portfolios d’apprentissage pour la validation des acquis'],
  ['quiz-equinoxe', 'Équinoxe Quiz', 'Lille', '59000', '59', '32', 'quiz de positionnement en début de formation'],
  ['testamina', 'Testamina', 'Grenoble', '38000', '38', '84', 'banques d’items calibrés pour les tests à distance'],
  ['lisibilis', 'Lisibilis', 'Paris', '75010', '75', '11', 'simplification de textes en « facile à lire et à comprendre »'],
  ['audiocours', 'Audiocours', 'Strasbourg', '67000', '67', '44', 'lecture audio synchronisée des supports de cours'],
  ['signes-en-classe', 'Signes en Classe', 'Montpellier', '34000', '34', '76', 'vidéos en langue des signes française pour les cours'],
  ['contrasto', 'Contrasto', 'Nancy', '54000', '54', '44', 'vérification du contraste et de la structure des documents (RGAA)'],
  ['dyspraxie-lab', 'Dyspraxie Lab', 'Lyon', '69007', '69', '84', 'outils de géométrie adaptés aux élèves dyspraxiques'],
  ['braille-num', 'Braille Num', 'Angers', '49000', '49', '52', 'transcription braille des manuels numériques'],
  ['calme-classe', 'Calme Classe', 'Tours', '37000', '37', '24', 'outils d’accompagnement des élèves avec un trouble de l’attention'],
  ['sous-titreur', 'Sous-Titreur', 'Nice', '06000', '06', '93', 'sous-titrage automatique des vidéos pédagogiques'],
  ['tuteuria', 'TuteurIA', 'Paris', '75013', '75', '11', 'assistant conversationnel de révision aligné sur les programmes'],
  ['mentorbot', 'Mentorbot', 'Bordeaux', '33000', '33', '75', 'accompagnement méthodologique des étudiants de première année'],
  ['coachlingo', 'Coachlingo', 'Lyon', '69003', '69', '84', 'entraînement à l’expression orale en langues avec retour immédiat'],
  ['adaptiva', 'Adaptiva', 'Antibes', '06600', '06', '93', 'parcours adaptatifs par apprentissage automatique'],
  ['questia', 'Questia', 'Rouen', '76000', '76', '28', 'génération de questions de révision à partir des cours'],
  ['feedbacky', 'Feedbacky', 'Lille', '59000', '59', '32', 'retours formatifs automatiques sur les devoirs écrits'],
  ['orientia', 'Orientia', 'Clermont-Ferrand', '63000', '63', '84', 'orientation assistée par IA avec des conseillers humains'],
  ['vigie-parcours', 'Vigie Parcours', 'Metz', '57000', '57', '44', 'signaux faibles de décrochage en formation à distance'],
  ['correctia', 'Correctia', 'Dijon', '21000', '21', '27', 'aide à la correction de copies pour les enseignants'],
  ['lumen-tutor', 'Lumen Tutor', 'Caen', '14000', '14', '28', 'tuteur de mathématiques qui explique ses étapes'],
  ['studia', 'Studia', 'Brest', '29200', '29', '53', 'fiches de révision générées à partir des notes des étudiants'],
  ['explicia', 'Explicia', 'Poitiers', '86000', '86', '75', 'explications pas à pas en sciences pour le lycée'],
  ['lectoria', 'Lectoria', 'Besançon', '25000', '25', '27', 'aide à la lecture par IA pour les faibles lecteurs'],
  ['planifia', 'Planifia', 'Limoges', '87000', '87', '75', 'organisation du travail personnel des étudiants'],
];

/** Inserted with the other demo organisations (seed.ts, insertOrganizations). */
export const DEMO_PIPELINE_STARTUPS: readonly SeedOrganization[] = PIPELINE_STARTUPS.map(demoStartup);

interface DemoChallenge {
  sourceRef: string;
  title: string;
  problemStatement: string;
  expectedBenefits: string;
  ownerEmail: string;
  unitCodes: string[];
  budget: [number, number];
  /** Days from the reference day. */
  starts: number;
  ends: number;
  status: 'ouvert' | 'en_sourcing';
  /** Weights of the default grid, in its order. */
  weights: number[];
  tags: string[];
}

const CHALLENGES: readonly DemoChallenge[] = [
  {
    sourceRef: 'seed:challenge-evaluation-distance',
    title: 'Évaluation des compétences à distance',
    problemStatement:
      'Les unités de formation à distance évaluent encore les compétences par des devoirs corrigés à la main et des examens sur table. Il faut des solutions fiables pour évaluer à distance, en situation, avec des garanties d’équité et de protection des données.',
    expectedBenefits: 'Des évaluations plus fréquentes et plus formatives, des délais de correction réduits, des certifications reconnues par les employeurs.',
    ownerEmail: NADIA,
    unitCodes: ['DDPSI', 'UO-SUP'],
    budget: [20_000, 80_000],
    starts: -700,
    ends: 180,
    status: 'en_sourcing',
    weights: [3, 2, 3, 2, 3, 2, 1, 1],
    tags: ['évaluation'],
  },
  {
    sourceRef: 'seed:challenge-accessibilite-contenus',
    title: 'Accessibilité des contenus pour les élèves à besoins particuliers',
    problemStatement:
      'Une part croissante des inscrits a un handicap ou un trouble des apprentissages. Les cours, vidéos et documents doivent être accessibles (RGAA) et adaptables : lecture audio, sous-titres, langue des signes, mises en page adaptées.',
    expectedBenefits: 'Des contenus conformes au RGAA, moins d’adaptations faites à la main, une meilleure réussite des élèves à besoins particuliers.',
    ownerEmail: NADIA,
    unitCodes: ['DDPSI'],
    budget: [15_000, 60_000],
    starts: -660,
    ends: 240,
    status: 'en_sourcing',
    weights: [3, 2, 2, 5, 2, 1, 1, 1],
    tags: ['accessibilité'],
  },
  {
    sourceRef: 'seed:challenge-ia-accompagnement',
    title: 'IA d’accompagnement des apprenants',
    problemStatement:
      'Les apprenants à distance manquent d’accompagnement entre deux regroupements. Des assistants fondés sur l’IA pourraient répondre aux questions, proposer des révisions et repérer le décrochage, sous le contrôle des tuteurs et dans le respect du RGPD.',
    expectedBenefits: 'Moins d’abandons, des tuteurs déchargés des questions répétitives, un accompagnement le soir et le week-end.',
    ownerEmail: YANNICK,
    unitCodes: ['UO-SUP', 'DDPSI'],
    budget: [30_000, 120_000],
    starts: -690,
    ends: 300,
    status: 'ouvert',
    weights: [3, 2, 3, 2, 4, 1, 2, 1],
    tags: ['IA'],
  },
];

/** [start-up slug, challenge index, stage now, source, days ago the case was « repérée », tag, the stage it left for veille/abandon, reason]. */
type CaseSpec = [slug: string, challenge: number, stage: CaseStage, source: CaseSource, startedDaysAgo: number, tag: string, from?: CaseStage, reason?: string];

/** The gate decided « go » (Quizotope), the gate waiting for evaluators (Ergonote), the pilot past its end date (Voxaclasse). */
const GATE_GO = 'quizotope';
const GATE_WAITING = 'ergonote';
const PILOT_OVERDUE = 'voxaclasse';
const PILOT_PREPARING = 'inclusiva-lab';

const CASES: readonly CaseSpec[] = [
  // Évaluation des compétences à distance (22)
  ['quizotope', 0, 'evaluee', 'salon', 560, 'quiz adaptatifs'],
  ['microbadge', 0, 'contractualisation', 'concours_ilab', 700, 'badges numériques'],
  ['evalink', 0, 'deployee', 'incubateur', 720, 'mise en situation'],
  ['proctorea', 0, 'rencontree', 'salon', 200, 'surveillance'],
  ['skillmap-edu', 0, 'qualifiee', 'veille', 90, 'compétences'],
  ['oralix', 0, 'evaluee', 'recommandation', 300, 'langues'],
  ['badgeo', 0, 'reperee', 'veille', 30, 'badges numériques'],
  ['portfolio-vif', 0, 'abandonnee', 'candidature_spontanee', 400, 'portfolio', 'rencontree', 'Hébergement des données hors de l’Union européenne, sans alternative proposée.'],
  ['quiz-equinoxe', 0, 'reperee', 'salon', 15, 'positionnement'],
  ['testamina', 0, 'en_veille', 'veille', 500, 'banque d’items', 'qualifiee', 'Solution prometteuse mais encore en développement : à revoir dans un an.'],
  ['chronoquiz', 0, 'qualifiee', 'concours_ilab', 120, 'quiz adaptatifs'],
  ['memorielle', 0, 'rencontree', 'recommandation', 260, 'sciences cognitives'],
  ['kairoscope', 0, 'reperee', 'veille', 45, 'révisions'],
  ['cap-savoir-faire', 0, 'rencontree', 'incubateur', 330, 'apprentissage'],
  ['tangramme', 0, 'evaluee', 'salon', 380, 'mathématiques'],
  ['lexiplume', 0, 'qualifiee', 'candidature_spontanee', 75, 'écrit'],
  ['numeclasse', 0, 'reperee', 'veille', 20, 'tableaux de bord'],
  ['scoledata', 0, 'abandonnee', 'veille', 610, 'traces d’apprentissage', 'qualifiee', 'Doublon avec l’outil d’analyse déjà déployé par la DSI.'],
  ['pixel-preau', 0, 'en_veille', 'salon', 450, 'jeux sérieux', 'rencontree', 'Hors du périmètre du défi pour l’instant ; intéressant pour le primaire.'],
  ['pedagonaute', 0, 'rencontree', 'recommandation', 150, 'parcours hybrides'],
  ['tutorama', 0, 'reperee', 'candidature_spontanee', 10, 'vidéo'],
  ['poche-savoirs', 0, 'qualifiee', 'salon', 60, 'mobilité'],
  // Accessibilité des contenus (20)
  ['ergonote', 1, 'evaluee', 'recommandation', 420, 'dyslexie'],
  ['inclusiva-lab', 1, 'experimentation', 'concours_ilab', 600, 'adaptation des supports'],
  ['amphi-clair', 1, 'contractualisation', 'concours_ilab', 650, 'sous-titrage'],
  ['fabricours', 1, 'evaluee', 'salon', 340, 'outil auteur'],
  ['lisibilis', 1, 'rencontree', 'incubateur', 220, 'FALC'],
  ['audiocours', 1, 'qualifiee', 'veille', 110, 'audio'],
  ['signes-en-classe', 1, 'rencontree', 'recommandation', 280, 'LSF'],
  ['contrasto', 1, 'reperee', 'veille', 25, 'RGAA'],
  ['dyspraxie-lab', 1, 'qualifiee', 'candidature_spontanee', 95, 'dyspraxie'],
  ['braille-num', 1, 'reperee', 'salon', 40, 'braille'],
  ['calme-classe', 1, 'en_veille', 'veille', 380, 'TDAH', 'qualifiee', 'Pas encore d’étude d’impact : à revoir après la publication de leurs résultats.'],
  ['sous-titreur', 1, 'abandonnee', 'salon', 480, 'sous-titrage', 'rencontree', 'Redondant avec Amphi Clair, retenu pour la contractualisation.'],
  ['cartable-leger', 1, 'rencontree', 'concours_ilab', 190, 'hors connexion'],
  ['didactopus', 1, 'reperee', 'recommandation', 12, 'ressources'],
  ['recrealab', 1, 'abandonnee', 'veille', 530, 'fabrication numérique', 'reperee', 'Public du primaire uniquement : hors du périmètre de l’établissement.'],
  ['eveil-octet', 1, 'en_veille', 'salon', 600, 'programmation', 'rencontree', 'Version accessible annoncée pour l’an prochain.'],
  ['campus-nomade-lab', 1, 'qualifiee', 'incubateur', 130, 'territoires ruraux'],
  ['parlandia', 1, 'reperee', 'veille', 8, 'langues'],
  ['orbitutor', 1, 'reperee', 'candidature_spontanee', 35, 'tutorat'],
  ['tableau-vivant-lab', 1, 'evaluee', 'salon', 360, 'réalité virtuelle'],
  // IA d'accompagnement des apprenants (18)
  ['voxaclasse', 2, 'experimentation', 'salon', 520, 'classe virtuelle'],
  ['mentorelle', 2, 'evaluee', 'recommandation', 410, 'mentorat'],
  ['parcours-boussole', 2, 'abandonnee', 'concours_ilab', 690, 'orientation', 'evaluee', 'Comité de sourcing : no-go, modèle économique incompatible avec la commande publique.'],
  ['tuteuria', 2, 'rencontree', 'salon', 170, 'assistant conversationnel'],
  ['mentorbot', 2, 'qualifiee', 'veille', 85, 'méthodologie'],
  ['coachlingo', 2, 'reperee', 'candidature_spontanee', 18, 'langues'],
  ['adaptiva', 2, 'rencontree', 'incubateur', 240, 'parcours adaptatifs'],
  ['questia', 2, 'reperee', 'veille', 28, 'révisions'],
  ['feedbacky', 2, 'qualifiee', 'salon', 70, 'rétroaction'],
  ['orientia', 2, 'en_veille', 'recommandation', 470, 'orientation', 'rencontree', 'Attente de l’avis du délégué à la protection des données sur le modèle utilisé.'],
  ['vigie-parcours', 2, 'rencontree', 'concours_ilab', 210, 'décrochage'],
  ['correctia', 2, 'reperee', 'veille', 22, 'correction'],
  ['lumen-tutor', 2, 'qualifiee', 'candidature_spontanee', 55, 'mathématiques'],
  ['studia', 2, 'abandonnee', 'veille', 560, 'fiches de révision', 'qualifiee', 'L’équipe a cessé son activité.'],
  ['explicia', 2, 'reperee', 'salon', 5, 'sciences'],
  ['lectoria', 2, 'en_veille', 'veille', 330, 'lecture', 'qualifiee', 'À revoir quand la solution fonctionnera sans envoi des textes à un service américain.'],
  ['planifia', 2, 'qualifiee', 'incubateur', 100, 'organisation'],
  ['semaphore-etudes', 2, 'reperee', 'recommandation', 50, 'décrochage'],
];

const PIPELINE_ORDER: readonly CaseStage[] = ['reperee', 'qualifiee', 'rencontree', 'evaluee', 'experimentation', 'contractualisation', 'deployee'];

/** The stages a case went through to reach `stage` (en veille / abandonnée after `from`). */
function pathOf(stage: CaseStage, from?: CaseStage): CaseStage[] {
  if (stage === 'en_veille' || stage === 'abandonnee') return [...pathOf(from ?? 'reperee'), stage];
  return PIPELINE_ORDER.slice(0, PIPELINE_ORDER.indexOf(stage) + 1);
}

const NEXT_STEPS: Partial<Record<CaseStage, string>> = {
  reperee: 'Premier appel de qualification',
  qualifiee: 'Organiser une démonstration avec l’unité',
  rencontree: 'Envoyer la grille d’évaluation et demander les références',
  evaluee: 'Préparer le dossier du comité de sourcing',
  experimentation: 'Point d’étape avec les enseignants du pilote',
  contractualisation: 'Relire le projet de convention avec la DAJ',
};

export interface SourcingSeedReport {
  challenges: { inserted: number; alreadyPresent: number };
  cases: { inserted: number; alreadyPresent: number };
}

function scoresFor(criteria: readonly ScorecardCriterion[], base: number, comments: string): Record<string, string> {
  const form: Record<string, string> = {};
  criteria.forEach((criterion, index) => {
    form[`score_${criterion.key}`] = String(Math.min(5, Math.max(1, base + (index % 3) - 1)));
    form[`comment_${criterion.key}`] = `${criterion.label} : ${comments}`;
  });
  return form;
}

export async function seedSourcing(db: Database, now: Date, baseUrl: string): Promise<SourcingSeedReport> {
  const today = parisDayOf(now);
  const dayAt = (days: number, hour = 10) => atParisTime(addParisDays(today, days), `${String(hour).padStart(2, '0')}:00`);
  const isoDay = (days: number) => addParisDays(today, days);
  // One after the other: `db` is the seed's transaction.
  const people = new Map((await db.select().from(users).where(inArray(users.email, [HELOISE, BASTIEN, NADIA, YANNICK, AGATHE, KARIM]))).map((user) => [user.email, user]));
  const unitIds = new Map((await db.select({ code: units.code, id: units.id }).from(units)).map((row) => [row.code, row.id]));
  const sponsor = people.get(BASTIEN);
  if (!sponsor) return { challenges: { inserted: 0, alreadyPresent: 0 }, cases: { inserted: 0, alreadyPresent: 0 } };

  // Challenges.
  const existingChallenges = new Map(
    (await db.select({ ref: sourcingChallenges.sourceRef, id: sourcingChallenges.id }).from(sourcingChallenges).where(inArray(sourcingChallenges.sourceRef, CHALLENGES.map((challenge) => challenge.sourceRef)))).map((row) => [row.ref, row.id]),
  );
  const challengeIds: string[] = [];
  let challengesInserted = 0;
  for (const demo of CHALLENGES) {
    const known = existingChallenges.get(demo.sourceRef);
    if (known) {
      challengeIds.push(known);
      continue;
    }
    const owner = people.get(demo.ownerEmail);
    const [row] = await db
      .insert(sourcingChallenges)
      .values({
        title: demo.title,
        problemStatement: demo.problemStatement,
        expectedBenefits: demo.expectedBenefits,
        ownerId: owner?.id ?? null,
        sponsorId: sponsor.id,
        budgetMinCents: demo.budget[0] * 100,
        budgetMaxCents: demo.budget[1] * 100,
        startsOn: isoDay(demo.starts),
        endsOn: isoDay(demo.ends),
        criteria: DEFAULT_CRITERIA.map((criterion, index) => ({ ...criterion, weight: demo.weights[index] ?? criterion.weight })),
        status: demo.status,
        createdById: owner?.id ?? null,
        updatedById: owner?.id ?? null,
        sourceRef: demo.sourceRef,
        createdAt: dayAt(demo.starts),
        updatedAt: dayAt(demo.starts),
      })
      .returning({ id: sourcingChallenges.id });
    if (!row) throw new Error('challenge not inserted');
    const links = demo.unitCodes.flatMap((code, position) => {
      const unitId = unitIds.get(code);
      return unitId ? [{ challengeId: row.id, unitId, position }] : [];
    });
    if (links.length > 0) await db.insert(sourcingChallengeUnits).values(links);
    challengeIds.push(row.id);
    challengesInserted += 1;
  }

  // Start-ups of the pipeline belong to the innovation unit too (rows added only when missing).
  const slugs = CASES.map(([slug]) => `seed:startup-${slug}`);
  const organizationIds = new Map((await db.select({ ref: organizations.sourceRef, id: organizations.id }).from(organizations).where(inArray(organizations.sourceRef, slugs))).map((row) => [row.ref, row.id]));
  const innovation = unitIds.get('DDPSI');
  if (innovation) {
    const links = [...organizationIds.values()].map((organizationId) => ({ organizationId, unitId: innovation }));
    if (links.length > 0) await db.insert(organizationUnits).values(links).onConflictDoNothing();
  }

  // Cases with their history.
  const caseRef = (slug: string) => `seed:case-${slug}`;
  const existingCases = new Set((await db.select({ ref: sourcingCases.sourceRef }).from(sourcingCases).where(inArray(sourcingCases.sourceRef, CASES.map(([slug]) => caseRef(slug))))).map((row) => row.ref));
  const caseIds = new Map<string, string>();
  let casesInserted = 0;
  for (const [index, [slug, challengeIndex, stage, source, startedDaysAgo, tag, from, reason]] of CASES.entries()) {
    if (existingCases.has(caseRef(slug))) continue;
    const organizationId = organizationIds.get(`seed:startup-${slug}`);
    const challengeId = challengeIds[challengeIndex];
    const demo = CHALLENGES[challengeIndex];
    if (!organizationId || !challengeId || !demo) continue;
    const owner = people.get(demo.ownerEmail);
    const path = pathOf(stage, from);
    // Stages spread from the day it was spotted to a few days ago; the gated cases leave room for their committee.
    const lastDay = slug === GATE_GO ? -60 : slug === GATE_WAITING ? -20 : -Math.max(2, Math.round(startedDaysAgo / (path.length + 1)));
    const span = startedDaysAgo + lastDay;
    const history = path.map((step, position) => ({
      stage: step,
      enteredAt: dayAt(-startedDaysAgo + (path.length > 1 ? Math.round((span * position) / (path.length - 1)) : 0), 9 + (position % 6)),
      reason: position === path.length - 1 && reason ? reason : null,
    }));
    const open = stage !== 'en_veille' && stage !== 'abandonnee' && stage !== 'deployee';
    // Next steps: one case in three overdue, one in three coming, the others none.
    const nextKind = index % 3;
    const row = await insertSeedCaseWithHistory(
      db,
      {
        organizationId,
        challengeId,
        unitId: unitIds.get(demo.unitCodes[0] ?? '') ?? null,
        ownerId: owner?.id ?? null,
        source,
        summary: `Piste fictive de démonstration (${tag}).`,
        tags: [...demo.tags, tag],
        estimatedBudgetCents: PIPELINE_ORDER.indexOf(path[path.length - 1] ?? 'reperee') >= 2 || from ? (10 + ((index * 7) % 60)) * 1_000 * 100 : null,
        nextStep: open && nextKind !== 2 ? (NEXT_STEPS[stage] ?? null) : null,
        nextStepOn: open && nextKind !== 2 ? isoDay(nextKind === 0 ? -3 - (index % 9) : 4 + (index % 20)) : null,
        createdById: owner?.id ?? null,
        updatedById: owner?.id ?? null,
        sourceRef: caseRef(slug),
      },
      history,
      owner?.id ?? null,
    );
    caseIds.set(slug, row.id);
    casesInserted += 1;
  }

  // Gates through the real committee, for the cases added now (a case already there keeps its gates).
  const ctxOf = async (email: string, days: number): Promise<ServiceContext> => {
    const user = people.get(email);
    if (!user) throw new Error(`demo account ${email} missing`);
    return { db, actor: await actorOf(db, user), now: dayAt(days, 11), baseUrl };
  };
  const goCaseId = caseIds.get(GATE_GO);
  if (goCaseId) await seedDecidedGate(db, goCaseId, { ctxOf, dayAt, isoDay, people });
  const waitingCaseId = caseIds.get(GATE_WAITING);
  if (waitingCaseId) await seedWaitingGate(db, waitingCaseId, { ctxOf, people });
  const overdueCaseId = caseIds.get(PILOT_OVERDUE);
  if (overdueCaseId) {
    await insertPilot(db, overdueCaseId, {
      sourceRef: 'seed:pilot-voxaclasse',
      status: 'en_cours',
      startsOn: isoDay(-180),
      endsOn: isoDay(-12),
      decisionOwnerId: sponsor.id,
      unitIds: [unitIds.get('UO-SUP')].filter((id): id is string => !!id),
      learnersCount: 240,
      staffCount: 12,
      budgetCents: 18_000_00,
      createdById: people.get(YANNICK)?.id ?? null,
    }, [
      ['Assiduité aux classes virtuelles', 'taux de présence des apprenants inscrits', '≥ 75 %'],
      ['Satisfaction des tuteurs', 'enquête de fin de pilote (1 à 5)', '≥ 4'],
    ], [], null);
  }
  const preparingCaseId = caseIds.get(PILOT_PREPARING);
  if (preparingCaseId) {
    await insertPilot(db, preparingCaseId, {
      sourceRef: 'seed:pilot-inclusiva-lab',
      status: 'en_preparation',
      startsOn: isoDay(10),
      endsOn: isoDay(100),
      decisionOwnerId: sponsor.id,
      unitIds: innovation ? [innovation] : [],
      learnersCount: 60,
      staffCount: 8,
      budgetCents: 9_500_00,
      createdById: people.get(NADIA)?.id ?? null,
    }, [['Supports adaptés automatiquement', 'part des supports du module adaptés sans retouche', '≥ 80 %']], [], null);
  }
  return { challenges: { inserted: challengesInserted, alreadyPresent: CHALLENGES.length - challengesInserted }, cases: { inserted: casesInserted, alreadyPresent: CASES.length - casesInserted } };
}

interface GateHelpers {
  ctxOf: (email: string, days: number) => Promise<ServiceContext>;
  people: Map<string, { id: string }>;
}

async function scorecardStepOf(db: Database, gateId: string, evaluatorId: string): Promise<string> {
  const [row] = await db.select({ stepId: sourcingScorecards.stepId }).from(sourcingScorecards).where(and(eq(sourcingScorecards.gateId, gateId), eq(sourcingScorecards.evaluatorId, evaluatorId)));
  if (!row?.stepId) throw new Error('scorecard step missing');
  return row.stepId;
}

/** Quizotope: three evaluators score, the sponsor says « go »: the case enters « expérimentation », its pilot gets under way. */
async function seedDecidedGate(
  db: Database,
  caseId: string,
  helpers: GateHelpers & { dayAt: (days: number, hour?: number) => Date; isoDay: (days: number) => string },
): Promise<void> {
  const { ctxOf, people, isoDay } = helpers;
  const evaluators = [HELOISE, YANNICK, AGATHE];
  const gate = await startGate(await ctxOf(NADIA, -45), caseId, 'experimentation', {
    evaluatorIds: evaluators.map((email) => people.get(email)?.id ?? ''),
    documentsSeen: 'Dossier de présentation, démonstration du 12 du mois dernier, analyse d’impact RGPD fournie par la start-up, devis.',
    note: 'Pilote proposé sur deux modules de la licence professionnelle à distance.',
  });
  const opinions: Array<[string, number, string]> = [
    [HELOISE, 4, 'solution solide, bien adaptée au besoin'],
    [YANNICK, 4, 'les enseignants de l’UO-SUP sont demandeurs'],
    [AGATHE, 3, 'contrat de traitement des données à compléter avant le pilote'],
  ];
  for (const [position, [email, base, comment]] of opinions.entries()) {
    const person = people.get(email);
    if (!person) continue;
    const stepId = await scorecardStepOf(db, gate.id, person.id);
    await submitScorecard(await ctxOf(email, -42 + position * 2), stepId, { ...scoresFor(gate.criteria, base, comment), overallComment: `Avis favorable : ${comment}.` });
  }
  const [sponsorStep] = await db
    .select({ id: workflowSteps.id })
    .from(workflowSteps)
    .where(and(eq(workflowSteps.runId, gate.runId ?? ''), eq(workflowSteps.stepKey, 'sponsor'), eq(workflowSteps.status, 'active')));
  if (!sponsorStep) throw new Error('sponsor step missing');
  await decideGate(await ctxOf(BASTIEN, -35), sponsorStep.id, {
    decision: 'go',
    rationale: 'Go pour une expérimentation de trois mois sur deux modules, sous réserve de la signature du contrat de traitement des données.',
  });
  // The pilot the case's entry in « expérimentation » opened (sourcing-pilots.service), or one written here.
  const [opened] = await db.select().from(sourcingPilots).where(and(eq(sourcingPilots.caseId, caseId), inArray(sourcingPilots.status, ['en_preparation', 'en_cours'])));
  const values = {
    status: 'en_cours' as const,
    startsOn: isoDay(-28),
    endsOn: isoDay(62),
    decisionOwnerId: people.get(BASTIEN)?.id ?? null,
    learnersCount: 180,
    staffCount: 6,
    budgetCents: 24_000_00,
    createdById: people.get(NADIA)?.id ?? null,
  };
  const criteria: Array<[string, string, string]> = [
    ['Taux de complétion des quiz', 'part des apprenants ayant fait au moins 80 % des quiz', '≥ 70 %'],
    ['Progression mesurée', 'écart de score entre le test initial et le test final', '+15 points'],
    ['Accessibilité', 'audit RGAA du parcours par la mission handicap', 'aucune non-conformité bloquante'],
  ];
  const milestones: Array<[string, number]> = [
    ['Point à un mois avec les enseignants', 2],
    ['Bilan intermédiaire des résultats', 30],
    ['Bilan final et préparation de la décision', 60],
  ];
  await insertPilot(db, caseId, { ...values, sourceRef: 'seed:pilot-quizotope', unitIds: [] }, criteria, milestones, opened?.id ?? null);
}

/** Ergonote: a committee started six days ago, one scorecard in, two evaluators still to score (« Mes validations »). */
async function seedWaitingGate(db: Database, caseId: string, helpers: GateHelpers): Promise<void> {
  const { ctxOf, people } = helpers;
  const gate = await startGate(await ctxOf(NADIA, -6), caseId, 'experimentation', {
    evaluatorIds: [HELOISE, YANNICK, KARIM].map((email) => people.get(email)?.id ?? ''),
    documentsSeen: 'Dossier de présentation, retour d’usage de deux académies, grille tarifaire.',
  });
  const heloise = people.get(HELOISE);
  if (heloise) {
    const stepId = await scorecardStepOf(db, gate.id, heloise.id);
    await submitScorecard(await ctxOf(HELOISE, -3), stepId, { ...scoresFor(gate.criteria, 4, 'conforme aux attentes du défi'), overallComment: 'Avis favorable, à confirmer par les deux autres évaluateurs.' });
  }
}

/**
 * A pilot with its criteria and milestones (each milestone's check a task of the decision owner).
 * `existingId`: the pilot opened by the case's entry in « expérimentation », completed here.
 */
async function insertPilot(
  db: Database,
  caseId: string,
  values: {
    sourceRef: string;
    status: 'en_preparation' | 'en_cours';
    startsOn: string;
    endsOn: string;
    decisionOwnerId: string | null;
    unitIds: string[];
    learnersCount: number;
    staffCount: number;
    budgetCents: number;
    createdById: string | null;
  },
  criteria: Array<[label: string, measure: string, target: string]>,
  milestones: Array<[label: string, days: number]>,
  existingId: string | null,
): Promise<void> {
  const [already] = await db.select({ id: sourcingPilots.id }).from(sourcingPilots).where(eq(sourcingPilots.sourceRef, values.sourceRef));
  if (already) return;
  const [caseRow] = await db.select({ organizationId: sourcingCases.organizationId, unitId: sourcingCases.unitId }).from(sourcingCases).where(eq(sourcingCases.id, caseId));
  const pilotValues = { ...values, unitIds: values.unitIds.length > 0 ? values.unitIds : caseRow?.unitId ? [caseRow.unitId] : [], originalEndsOn: values.endsOn };
  let pilotId: string;
  if (existingId) {
    await db.update(sourcingPilots).set(pilotValues).where(eq(sourcingPilots.id, existingId));
    pilotId = existingId;
  } else {
    const [row] = await db.insert(sourcingPilots).values({ caseId, ...pilotValues }).returning({ id: sourcingPilots.id });
    if (!row) throw new Error('pilot not inserted');
    pilotId = row.id;
  }
  if (criteria.length > 0) {
    await db.insert(sourcingPilotCriteria).values(criteria.map(([label, measure, target], position) => ({ pilotId, position, label, measure, target })));
  }
  const startDay = values.startsOn;
  for (const [label, days] of milestones) {
    const checkOn = addParisDays(startDay, days);
    const [task] = values.decisionOwnerId
      ? await db
          .insert(tasks)
          .values({
            title: `Pilote : ${label}`,
            dueOn: checkOn,
            assigneeId: values.decisionOwnerId,
            organizationId: caseRow?.organizationId ?? null,
            sourcingCaseId: caseId,
            createdById: values.createdById,
            sourceRef: `${values.sourceRef}:${days}`,
          })
          .returning({ id: tasks.id })
      : [];
    await db.insert(sourcingPilotMilestones).values({ pilotId, label, checkOn, taskId: task?.id ?? null });
  }
}

/** For tests and the docs: the stage each seeded case is at (the go gate's case ends in « expérimentation »). */
export function demoCaseStages(): Map<string, CaseStage> {
  return new Map(CASES.map(([slug, , stage]) => [slug, slug === GATE_GO ? 'experimentation' : stage]));
}

/** The seeded cases whose gates and pilots tests look at. */
export const DEMO_SOURCING_REFS = {
  decidedGateCase: `seed:case-${GATE_GO}`,
  waitingGateCase: `seed:case-${GATE_WAITING}`,
  overduePilotCase: `seed:case-${PILOT_OVERDUE}`,
  waitingEvaluators: [YANNICK, KARIM],
  decidedEvaluators: [HELOISE, YANNICK, AGATHE],
} as const;

