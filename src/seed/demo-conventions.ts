// Demo conventions (`npm run seed`): a convention-cadre with the CREPS and conventions signed
// under it, FNCDG (signed 24 November 2022, renewed by avenant), DGDDI (December 2022), Logis
// Hôtels, universities, and one convention ending within the next weeks. Dates relative to "now"
// keep the expiring one expiring whenever the seed runs.
// Conventions under review went through the approval circuit for real (the engine, as the demo
// users who hold the roles, at dates a few days back): « Mes validations » and the convention
// pages show coherent runs and step histories.
// Idempotent: each convention has a source_ref; one already present is left untouched (its
// circuit included).
import { eq, inArray } from 'drizzle-orm';
import { addDays, addMonths, formatConventionReference, noticeDeadline } from '../lib/convention-dates';
import type { Database } from '../models/database';
import { isoDateInParis } from '../lib/format';
import { findConventionById, findConventionBySourceRef, insertConvention, replaceParties, replacePayments, takeReferenceNumber } from '../models/conventions.model';
import { type ConventionKind, type ConventionStatus, type MoneyDirection, type WorkflowDecision, organizations, units, users } from '../models/schema';
import { findOpenRunForSubject, listStepsOfRun } from '../models/workflows.model';
import { actorOf } from '../services/auth.service';
import { submitConvention } from '../services/convention-circuit';
import type { ServiceContext } from '../services/context';
import { decideStep } from '../services/workflows.service';

/** One event of a demo convention's circuit, played through the engine `daysAgo` days before the seed runs. */
export type DemoCircuitEvent =
  | { daysAgo: number; by: string; submit: true }
  | { daysAgo: number; by: string; step: string; decision: WorkflowDecision; comment?: string };

interface DemoConvention {
  sourceRef: string;
  title: string;
  kind: ConventionKind;
  status: ConventionStatus;
  parentRef?: string;
  isRenewal?: boolean;
  /** Organisation source_refs, in signing order, with their role. */
  parties: Array<{ ref: string; role?: string }>;
  object?: string;
  programmes?: string;
  signedOn?: string;
  startsOn?: string;
  /** A day, or a number of days from today. */
  endsOn?: string | number;
  noticeMonths?: number;
  /**
   * The notice deadline this many days from today (the end date follows: deadline + noticeMonths;
   * a deadline on the 29th–31st may land up to 3 days earlier, as months are clamped).
   */
  noticeInDays?: number;
  tacitRenewal?: boolean;
  amountCents?: number;
  moneyDirection?: MoneyDirection;
  payments?: Array<{ dueOn: string; amountCents: number; label: string }>;
  clauses?: Array<'clauseGdpr' | 'clauseIntellectualProperty' | 'clauseExclusivity' | 'clauseCommunication'>;
  terminatedOn?: string;
  terminationReason?: string;
  ownerEmail?: string;
  unitCode?: string;
  /**
   * Played through the approval circuit (the convention is created as a brouillon first): the
   * resulting status must be `status`. Conventions signed before Passerelle have none.
   */
  circuit?: DemoCircuitEvent[];
}

const NADIA = 'nadia.ferreira@passerelle.example';
const YANNICK = 'yannick.legoff@passerelle.example';
const AGATHE = 'agathe.rousseau@passerelle.example'; // juriste
const KARIM = 'karim.benali@passerelle.example'; // finance
const BASTIEN = 'bastien.lefebvre@passerelle.example'; // manager, DDPSI

export const DEMO_CONVENTIONS: readonly DemoConvention[] = [
  {
    sourceRef: 'seed:conv-cadre-creps',
    title: 'Convention-cadre avec le réseau des CREPS',
    kind: 'cadre',
    status: 'en_vigueur',
    parties: [
      { ref: 'seed:creps-toulouse', role: 'CREPS signataire' },
      { ref: 'seed:creps-montpellier', role: 'CREPS signataire' },
      { ref: 'seed:creps-reims', role: 'CREPS signataire' },
      { ref: 'seed:creps-poitiers', role: 'CREPS signataire' },
    ],
    object: 'Cadre commun de coopération pour la formation des sportifs de haut niveau et des encadrants.',
    programmes: 'Double projet sportif, BPJEPS',
    signedOn: '2024-01-15',
    startsOn: '2024-01-15',
    endsOn: '2027-12-31',
    noticeMonths: 6,
    tacitRenewal: true,
    clauses: ['clauseGdpr', 'clauseCommunication'],
  },
  {
    sourceRef: 'seed:conv-creps-toulouse',
    title: 'Convention d’application — CREPS de Toulouse',
    kind: 'application',
    status: 'en_vigueur',
    parentRef: 'seed:conv-cadre-creps',
    parties: [{ ref: 'seed:creps-toulouse', role: 'Établissement d’accueil' }],
    programmes: 'Double projet sportif',
    signedOn: '2024-03-04',
    startsOn: '2024-03-04',
    endsOn: '2027-06-30',
    noticeMonths: 3,
    amountCents: 2_400_000,
    moneyDirection: 'depense',
    payments: [
      { dueOn: '2025-09-30', amountCents: 1_200_000, label: 'Année 2025-2026' },
      { dueOn: '2026-09-30', amountCents: 1_200_000, label: 'Année 2026-2027' },
    ],
    clauses: ['clauseGdpr', 'clauseCommunication'],
  },
  {
    sourceRef: 'seed:conv-creps-reims',
    title: 'Convention d’application — CREPS de Reims',
    kind: 'application',
    status: 'a_signer',
    parentRef: 'seed:conv-cadre-creps',
    parties: [{ ref: 'seed:creps-reims', role: 'Établissement d’accueil' }],
    startsOn: '2027-01-01',
    endsOn: '2027-12-31',
    clauses: ['clauseGdpr', 'clauseCommunication'],
    // Every approval given: legal, financial, then the manager of the DDPSI.
    circuit: [
      { daysAgo: 21, by: NADIA, submit: true },
      { daysAgo: 19, by: AGATHE, step: 'legal', decision: 'approve', comment: 'Conforme à la convention-cadre.' },
      { daysAgo: 18, by: KARIM, step: 'finance', decision: 'approve' },
      { daysAgo: 15, by: BASTIEN, step: 'direction', decision: 'approve', comment: 'Bon pour signature.' },
    ],
  },
  {
    sourceRef: 'seed:conv-fncdg',
    title: 'Convention de partenariat avec la FNCDG',
    kind: 'partenariat',
    status: 'renouvelee',
    parties: [{ ref: 'seed:fncdg', role: 'Partenaire national' }],
    object: 'Promotion des métiers de la fonction publique territoriale et des concours auprès des publics formés.',
    signedOn: '2022-11-24',
    startsOn: '2022-11-24',
    endsOn: '2028-11-23',
    noticeMonths: 3,
    clauses: ['clauseGdpr', 'clauseCommunication'],
  },
  {
    sourceRef: 'seed:conv-fncdg-avenant-1',
    title: 'Avenant n° 1 de renouvellement — FNCDG',
    kind: 'avenant',
    status: 'signee',
    parentRef: 'seed:conv-fncdg',
    isRenewal: true,
    parties: [{ ref: 'seed:fncdg', role: 'Partenaire national' }],
    signedOn: '2025-10-02',
    startsOn: '2025-11-24',
    endsOn: '2028-11-23',
    clauses: ['clauseGdpr', 'clauseCommunication'],
  },
  {
    sourceRef: 'seed:conv-dgddi',
    title: 'Accord de partenariat avec la DGDDI',
    kind: 'accord',
    status: 'en_vigueur',
    parties: [{ ref: 'seed:dgddi', role: 'Administration partenaire' }],
    object: 'Formation aux métiers de la douane et du commerce international ; accueil de stagiaires.',
    programmes: 'BTS Commerce international',
    signedOn: '2022-12-15',
    startsOn: '2023-01-01',
    endsOn: '2026-12-31',
    noticeMonths: 3,
    tacitRenewal: true,
    clauses: ['clauseGdpr', 'clauseIntellectualProperty'],
  },
  {
    sourceRef: 'seed:conv-logis-hotels',
    title: 'Co-construction du titre « Gestionnaire d’hôtel indépendant » avec Logis Hôtels',
    kind: 'co_construction',
    status: 'en_revue',
    parties: [
      { ref: 'seed:logis-hotels', role: 'Partenaire professionnel' },
      { ref: 'seed:lycee-hotelier-la-rochelle', role: 'Établissement de formation' },
    ],
    programmes: 'Hôtellerie-restauration',
    startsOn: '2026-09-01',
    endsOn: '2029-08-31',
    noticeMonths: 6,
    amountCents: 1_500_000,
    moneyDirection: 'recette',
    payments: [
      { dueOn: '2026-10-15', amountCents: 750_000, label: 'Premier versement' },
      { dueOn: '2027-10-15', amountCents: 750_000, label: 'Solde' },
    ],
    clauses: ['clauseIntellectualProperty', 'clauseCommunication'],
    // Waiting for the legal and financial reviews (the juriste's and finance's « Mes validations »).
    circuit: [{ daysAgo: 1, by: NADIA, submit: true }],
  },
  {
    sourceRef: 'seed:conv-lyon2',
    title: 'Convention de partenariat avec l’Université Lumière Lyon 2',
    kind: 'partenariat',
    status: 'en_vigueur',
    parties: [{ ref: 'wikidata:Q4041', role: 'Établissement porteur' }],
    programmes: 'Cordées de la réussite',
    signedOn: '2023-06-12',
    startsOn: '2023-09-01',
    endsOn: 45,
    noticeMonths: 1,
    clauses: ['clauseGdpr'],
    unitCode: 'UO-SUP',
    ownerEmail: YANNICK,
  },
  {
    sourceRef: 'seed:conv-poitiers-alternance',
    title: 'Convention d’alternance — Université de Poitiers et CFA académique',
    kind: 'stage_alternance',
    status: 'brouillon',
    parties: [
      { ref: 'wikidata:Q661056', role: 'Université' },
      { ref: 'seed:cfa-academique-poitiers', role: 'CFA' },
    ],
    startsOn: '2026-09-01',
    endsOn: '2028-08-31',
    unitCode: 'UO-SUP',
    ownerEmail: YANNICK,
  },
  {
    sourceRef: 'seed:conv-o2-mecenat',
    title: 'Mécénat O2 pour les bourses d’études de l’Université Grenoble Alpes',
    kind: 'mecenat',
    // « Validée » has no circuit step of its own (the circuits go from review to « à signer »):
    // this one is under review, both reviews given, waiting for the manager's validation.
    status: 'en_revue',
    parties: [
      { ref: 'seed:o2', role: 'Mécène' },
      { ref: 'wikidata:Q945876', role: 'Bénéficiaire' },
    ],
    startsOn: '2026-01-01',
    endsOn: '2026-12-31',
    amountCents: 3_000_000,
    moneyDirection: 'recette',
    payments: [
      { dueOn: '2026-02-15', amountCents: 1_500_000, label: 'Premier semestre' },
      { dueOn: '2026-08-15', amountCents: 1_500_000, label: 'Second semestre' },
    ],
    clauses: ['clauseCommunication', 'clauseExclusivity'],
    circuit: [
      { daysAgo: 4, by: NADIA, submit: true },
      { daysAgo: 2, by: AGATHE, step: 'legal', decision: 'approve', comment: 'Clause d’exclusivité limitée à la communication : acceptable.' },
      { daysAgo: 1, by: KARIM, step: 'finance', decision: 'approve', comment: 'Échéancier conforme au reçu fiscal prévu.' },
    ],
  },
  {
    sourceRef: 'seed:conv-paris1',
    title: 'Convention de partenariat avec l’Université Paris 1 Panthéon-Sorbonne',
    kind: 'partenariat',
    status: 'resiliee',
    parties: [{ ref: 'wikidata:Q999763', role: 'Établissement porteur' }],
    signedOn: '2021-09-20',
    startsOn: '2021-10-01',
    endsOn: '2026-09-30',
    noticeMonths: 3,
    terminatedOn: '2025-06-30',
    terminationReason: 'Fin du programme commun décidée d’un commun accord.',
    unitCode: 'UO-SUP',
    ownerEmail: YANNICK,
  },
  {
    sourceRef: 'seed:conv-canope',
    title: 'Accord de partenariat avec Réseau Canopé',
    kind: 'accord',
    status: 'echue',
    parties: [{ ref: 'seed:reseau-canope', role: 'Partenaire' }],
    signedOn: '2022-02-01',
    startsOn: '2022-02-01',
    endsOn: '2025-01-31',
    clauses: ['clauseIntellectualProperty'],
  },
  {
    sourceRef: 'seed:conv-babychou',
    title: 'Convention de partenariat avec Babychou Services',
    kind: 'partenariat',
    status: 'modifications_demandees',
    parties: [{ ref: 'seed:babychou', role: 'Entreprise partenaire' }],
    programmes: 'CAP Accompagnant éducatif petite enfance',
    startsOn: '2026-09-01',
    endsOn: '2028-08-31',
    noticeMonths: 2,
    // Finance approved; the juriste asks for changes: back with the chargée to resubmit.
    circuit: [
      { daysAgo: 6, by: NADIA, submit: true },
      { daysAgo: 5, by: KARIM, step: 'finance', decision: 'approve' },
      {
        daysAgo: 3,
        by: AGATHE,
        step: 'legal',
        decision: 'request_changes',
        comment: 'Ajouter la clause RGPD : l’entreprise traitera les données des apprenant·es accueilli·es en stage.',
      },
    ],
  },
  // Deadlines in 7, 30 and 90 days (issue 13: the dashboard, the agenda and the reminder preview
  // have something to show whatever the day the seed runs): three end dates, three notice deadlines.
  ...[
    { slug: 'campus-nevers', ref: 'seed:campus-connecte-nevers', title: 'Convention Campus connecté de Nevers', endsOn: 7 },
    { slug: 'digitale-montereau', ref: 'seed:digitale-academie-montereau', title: 'Convention Digitale Académie de Montereau', endsOn: 30 },
    { slug: 'lycee-hotelier', ref: 'seed:lycee-hotelier-la-rochelle', title: 'Convention de stages avec le lycée hôtelier de La Rochelle', endsOn: 90 },
    { slug: 'campus-cahors', ref: 'seed:campus-connecte-cahors', title: 'Convention Campus connecté de Cahors', noticeMonths: 3, noticeInDays: 7 },
    { slug: 'digitale-melun', ref: 'seed:digitale-academie-melun', title: 'Convention Digitale Académie de Melun', noticeMonths: 2, noticeInDays: 30 },
    { slug: 'campus-bar-le-duc', ref: 'seed:campus-connecte-bar-le-duc', title: 'Convention Campus connecté de Bar-le-Duc', noticeMonths: 6, noticeInDays: 90 },
  ].map(
    (deadline): DemoConvention => ({
      sourceRef: `seed:conv-echeance-${deadline.slug}`,
      title: deadline.title,
      kind: 'partenariat',
      status: 'en_vigueur',
      parties: [{ ref: deadline.ref, role: 'Partenaire' }],
      programmes: 'Formations à distance',
      signedOn: '2024-06-03',
      startsOn: '2024-07-01',
      endsOn: deadline.endsOn,
      noticeMonths: deadline.noticeMonths,
      noticeInDays: deadline.noticeInDays,
      tacitRenewal: deadline.noticeInDays !== undefined,
      clauses: ['clauseGdpr'],
      unitCode: deadline.slug.startsWith('lycee') ? 'UO-PRO' : 'DDPSI',
    }),
  ),
];

const DAY_MS = 24 * 60 * 60 * 1000;
const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

/**
 * Plays a demo convention's circuit through the engine (submitConvention, decideStep), each event
 * as its demo user at its date, and checks the convention ends in the demo's status.
 */
async function playCircuit(tx: Database, conventionId: string, demo: DemoConvention, now: Date, baseUrl: string): Promise<void> {
  const events = demo.circuit ?? [];
  for (const event of events) {
    const [user] = await tx.select().from(users).where(eq(users.email, event.by));
    if (!user) throw new Error(`seed: compte de démonstration absent (${event.by}) pour le circuit de ${demo.sourceRef}`);
    const ctx: ServiceContext = { db: tx, actor: await actorOf(tx, user), now: daysBefore(now, event.daysAgo), baseUrl };
    if ('submit' in event) {
      await submitConvention(ctx, conventionId);
      continue;
    }
    const run = await findOpenRunForSubject(tx, 'convention', conventionId);
    const step = run ? (await listStepsOfRun(tx, run.id)).find((candidate) => candidate.stepKey === event.step && candidate.status === 'active') : undefined;
    if (!step) throw new Error(`seed: aucune étape « ${event.step} » à décider dans le circuit de ${demo.sourceRef}`);
    await decideStep(ctx, step.id, { decision: event.decision, comment: event.comment ?? '' });
  }
  const played = await findConventionById(tx, conventionId);
  if (played?.status !== demo.status) throw new Error(`seed: ${demo.sourceRef} finit son circuit « ${played?.status} » au lieu de « ${demo.status} »`);
}

export interface ConventionSeedCount {
  inserted: number;
  alreadyPresent: number;
  /** Demo conventions put through the approval circuit by this run / already present with theirs. */
  circuits: { inserted: number; alreadyPresent: number };
}

/**
 * Inserts the demo conventions whose organisations exist, and plays the circuit of those under
 * review; returns how many were added / present. `baseUrl` goes into the runs' email links.
 */
export async function seedConventions(tx: Database, now: Date, baseUrl: string): Promise<ConventionSeedCount> {
  const refs = [...new Set(DEMO_CONVENTIONS.flatMap((convention) => convention.parties.map((party) => party.ref)))];
  const organizationRows = await tx.select({ id: organizations.id, sourceRef: organizations.sourceRef }).from(organizations).where(inArray(organizations.sourceRef, refs));
  const organizationIds = new Map(organizationRows.map((row) => [row.sourceRef, row.id]));
  const unitRows = await tx.select({ id: units.id, code: units.code }).from(units);
  const unitIds = new Map(unitRows.map((row) => [row.code, row.id]));
  const today = isoDateInParis(now);
  const year = Number(today.slice(0, 4));
  const conventionIds = new Map<string, string>();
  let inserted = 0;
  let alreadyPresent = 0;
  const circuits = { inserted: 0, alreadyPresent: 0 };
  for (const demo of DEMO_CONVENTIONS) {
    const existing = await findConventionBySourceRef(tx, demo.sourceRef);
    if (existing) {
      conventionIds.set(demo.sourceRef, existing.id);
      alreadyPresent += 1;
      if (demo.circuit) circuits.alreadyPresent += 1;
      continue;
    }
    const parties = demo.parties.filter((party) => organizationIds.has(party.ref));
    const parentId = demo.parentRef ? conventionIds.get(demo.parentRef) : null;
    if (parties.length === 0 || parentId === undefined) continue;
    const [owner] = await tx.select({ id: users.id }).from(users).where(eq(users.email, demo.ownerEmail ?? NADIA));
    const endsOn =
      demo.noticeInDays !== undefined && demo.noticeMonths !== undefined
        ? addMonths(addDays(today, demo.noticeInDays), demo.noticeMonths)
        : typeof demo.endsOn === 'number'
          ? addDays(today, demo.endsOn)
          : (demo.endsOn ?? null);
    const number = await takeReferenceNumber(tx, year);
    const convention = await insertConvention(tx, {
      reference: formatConventionReference(year, number),
      sourceRef: demo.sourceRef,
      title: demo.title,
      kind: demo.kind,
      // A convention with a circuit starts as a draft: the engine gives it its status.
      status: demo.circuit ? 'brouillon' : demo.status,
      parentId,
      isRenewal: demo.isRenewal ?? false,
      ownerId: owner?.id ?? null,
      unitId: unitIds.get(demo.unitCode ?? 'DDPSI') ?? null,
      object: demo.object ?? null,
      programmes: demo.programmes ?? null,
      signedOn: demo.signedOn ?? null,
      startsOn: demo.startsOn ?? null,
      endsOn,
      noticeMonths: demo.noticeMonths ?? null,
      tacitRenewal: demo.tacitRenewal ?? false,
      noticeDeadline: noticeDeadline(endsOn, demo.noticeMonths),
      amountCents: demo.amountCents ?? null,
      moneyDirection: demo.moneyDirection ?? 'sans_flux',
      clauseGdpr: demo.clauses?.includes('clauseGdpr') ?? false,
      clauseIntellectualProperty: demo.clauses?.includes('clauseIntellectualProperty') ?? false,
      clauseExclusivity: demo.clauses?.includes('clauseExclusivity') ?? false,
      clauseCommunication: demo.clauses?.includes('clauseCommunication') ?? false,
      terminatedOn: demo.terminatedOn ?? null,
      terminationReason: demo.terminationReason ?? null,
      createdById: owner?.id ?? null,
      updatedById: owner?.id ?? null,
      // Drafted the day before its submission, so the page's history reads in order.
      ...(demo.circuit?.[0] ? { createdAt: daysBefore(now, demo.circuit[0].daysAgo + 1) } : {}),
    });
    conventionIds.set(demo.sourceRef, convention.id);
    await replaceParties(
      tx,
      convention.id,
      parties.map((party) => ({ organizationId: organizationIds.get(party.ref) as string, role: party.role ?? null, signatoryContactId: null })),
    );
    await replacePayments(tx, convention.id, demo.payments ?? []);
    inserted += 1;
    if (demo.circuit) {
      await playCircuit(tx, convention.id, demo, now, baseUrl);
      circuits.inserted += 1;
    }
  }
  return { inserted, alreadyPresent, circuits };
}
