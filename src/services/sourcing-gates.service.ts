// Stage gates (« Comité de sourcing », docs/sourcing-gates.md): starting a committee on a case (the
// owner chooses at least two evaluators; the challenge's sponsor decides), scorecards (hidden until
// every evaluator has submitted; conflict of interest → recused and replaced), the sponsor's go /
// no-go / complément, the run's outcome moving the case (moveCaseStage by 'gate'), the decision log.
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { formatDate } from '../lib/format';
import { t } from '../lib/i18n';
import type { Database } from '../models/database';
import {
  findCaseLabels,
  findGate,
  findGateOfRun,
  findScorecardOfStep,
  insertGate,
  insertScorecards,
  listDecidedGatesOfChallenge,
  listGatesOfCase,
  listScorecardsOfGate,
  listScorecardsOfGates,
  listUserNames,
  lockGate,
  updateGate,
  updateScorecard,
} from '../models/sourcing-gates.model';
import { findCase } from '../models/sourcing-cases.model';
import { lastPilotOfCase } from '../models/sourcing-pilots.model';
import { findChallenge } from '../models/sourcing-challenges.model';
import type { CaseStage, CriterionScore, GateStatus, GateTarget, Role, SourcingCase, SourcingGate, SourcingScorecard, WorkflowRun, WorkflowStep } from '../models/schema';
import { GATE_TARGETS } from '../models/schema';
import { type Person, findActivePerson, findRun, findStep, insertNotifications, listPeopleWithRole, listStepHistory, listStepsOfRun } from '../models/workflows.model';
import { DEFAULT_SOURCING_CIRCUIT_KEY, SOURCING_CIRCUIT_KEYS } from '../workflows/definitions';
import { SCORECARD_FORM, SPONSOR_DECISION_FORM } from '../workflows/definitions/sourcing-committee.workflow';
import { MAX_SCORE, MIN_EVALUATORS, MIN_SCORE, type ScorecardInput, allSubmitted, gateCriteria, toX100, visibleAggregate, weightedMean } from '../workflows/sourcing-scorecard';
import { checkCaseMove } from '../workflows/sourcing-transitions';
import { recordAudit } from './audit.service';
import { type Actor, type ServiceContext, inTransaction, requireActor } from './context';
import { journaled } from './export-journal';
import { queueEmail } from './mail.service';
import { PERMISSIONS, can, hasRole } from './permissions';
import { canEditCase, canReadCase, moveCaseStage } from './sourcing-cases.service';
import { canDecideStep, decideStepInTransaction, formOfStep, onStatusChange, reassignStepInTransaction, registerStepForm, resubmitRun, startRun, stepFormLink } from './workflows.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TEXT_MAX = 4000;

const text = (value: unknown, max = TEXT_MAX) => (typeof value === 'string' ? value.trim().slice(0, max) : '');
const idList = (value: unknown): string[] => (Array.isArray(value) ? value : value === undefined || value === null || value === '' ? [] : [value]).filter((id): id is string => typeof id === 'string' && id !== '');

function personOf(actor: Actor): Person {
  return { id: actor.id, email: actor.email, displayName: actor.displayName, roles: actor.roles, unitIds: actor.unitIds };
}

/** Active people holding one of the roles of a permission, by name. */
async function peopleWithPermission(db: Database, permission: 'sourcing.evaluate' | 'sourcing.sponsor'): Promise<Person[]> {
  const seen = new Map<string, Person>();
  for (const role of PERMISSIONS[permission] as readonly Role[]) {
    for (const person of await listPeopleWithRole(db, role, null)) if (!seen.has(person.id)) seen.set(person.id, person);
  }
  return [...seen.values()].sort((a, b) => a.displayName.localeCompare(b.displayName, 'fr'));
}

const holds = (person: Person, permission: 'sourcing.evaluate' | 'sourcing.sponsor') => person.roles.some((role) => (PERMISSIONS[permission] as readonly Role[]).includes(role));

const gateTitle = (labels: { startupName: string; challengeTitle: string | null } | undefined) =>
  labels ? (labels.challengeTitle ? `${labels.startupName} — ${labels.challengeTitle}` : labels.startupName) : '';

const targetOf = (value: unknown): GateTarget | null => (typeof value === 'string' && (GATE_TARGETS as readonly string[]).includes(value) ? (value as GateTarget) : null);

/** Scorecard rows as the pure aggregation reads them. */
function inputsOf(rows: Array<{ scorecard: SourcingScorecard; evaluatorName: string | null }>): ScorecardInput[] {
  return rows.map(({ scorecard, evaluatorName }) => ({
    evaluatorId: scorecard.evaluatorId,
    evaluatorName: evaluatorName ?? '—',
    scores: scorecard.scores,
    overallComment: scorecard.overallComment,
    conflictDeclared: scorecard.conflictDeclared,
    submittedAt: scorecard.submittedAt,
  }));
}

/** Who may see a gate's scores once all have submitted: the case's editors, its evaluators, the sponsor, sponsors' roles, admins. */
function maySeeScores(actor: Actor, row: SourcingCase, gate: SourcingGate): boolean {
  return canEditCase(actor, row) || gate.evaluatorIds.includes(actor.id) || gate.sponsorId === actor.id || can(actor, 'sourcing.sponsor');
}

// ── starting a gate ───────────────────────────────────────────────────────────────────────
/**
 * From « expérimentation », contracting waits for the pilot's closing decision « déployer »: a
 * pilot still open, or whose last decision is another, blocks the contractualisation gate. From
 * « évaluée » (no pilot) it is open; a case in expérimentation that never had a pilot is not blocked.
 */
async function pilotBlocksContractualisation(db: Database, row: SourcingCase, to: GateTarget): Promise<boolean> {
  if (to !== 'contractualisation' || row.stage !== 'experimentation') return false;
  const pilot = await lastPilotOfCase(db, row.id);
  return pilot !== undefined && (pilot.status !== 'clos' || pilot.decision !== 'deployer');
}

async function startableCase(ctx: ServiceContext, caseId: unknown, target: unknown) {
  const actor = requireActor(ctx);
  if (typeof caseId !== 'string' || !UUID.test(caseId)) throw new NotFoundError(t('sourcingCases.notFound'));
  const row = await findCase(ctx.db, caseId);
  if (!row || !canReadCase(actor, row)) throw new NotFoundError(t('sourcingCases.notFound'));
  if (!canEditCase(actor, row)) throw new ForbiddenError(t('sourcingGates.errors.notEditor'));
  const to = targetOf(target);
  if (!to) throw new ValidationError({ target: t('sourcingGates.errors.target') }, t('sourcingGates.errors.target'));
  if (checkCaseMove(row.stage, to, { by: 'person', roles: actor.roles, inUnit: true }) !== 'gate') {
    throw new ConflictError(t('sourcingGates.errors.notGated', { from: t(`sourcingCases.stages.${row.stage}`), to: t(`sourcingCases.stages.${to}`) }));
  }
  if (await pilotBlocksContractualisation(ctx.db, row, to)) throw new ConflictError(t('sourcingGates.errors.pilotNotDeployed'));
  const challenge = row.challengeId ? await findChallenge(ctx.db, row.challengeId) : undefined;
  const labels = await findCaseLabels(ctx.db, row.id);
  return { actor, row, to, challenge, labels };
}

/** The « Lancer le comité » form: the case, the target, the sponsor (fixed by the challenge or to choose), the people who may evaluate. */
export async function gateFormOptions(ctx: ServiceContext, caseId: unknown, target: unknown) {
  const { row, to, challenge, labels } = await startableCase(ctx, caseId, target);
  const sponsor = challenge?.sponsorId ? await findActivePerson(ctx.db, challenge.sponsorId) : undefined;
  const evaluators = (await peopleWithPermission(ctx.db, 'sourcing.evaluate')).filter((person) => person.id !== sponsor?.id);
  const sponsors = sponsor ? [] : await peopleWithPermission(ctx.db, 'sourcing.sponsor');
  const circuitKey = challenge?.circuitKey && SOURCING_CIRCUIT_KEYS.includes(challenge.circuitKey) ? challenge.circuitKey : DEFAULT_SOURCING_CIRCUIT_KEY;
  return {
    case: row,
    target: to,
    targetLabel: t(`sourcingGates.targets.${to}`),
    title: gateTitle(labels),
    criteria: gateCriteria(challenge?.criteria),
    sponsor: sponsor ?? null,
    sponsorOptions: sponsors.map((person) => ({ value: person.id, label: person.displayName })),
    evaluatorOptions: evaluators.map((person) => ({ value: person.id, label: person.displayName })),
    circuitKey,
    minEvaluators: MIN_EVALUATORS,
  };
}

/**
 * Starts a committee: the gate, one empty scorecard per evaluator, the run (one evaluation step
 * per evaluator, then the sponsor), each scorecard linked to its step — one transaction, journaled.
 */
export async function startGate(ctx: ServiceContext, caseId: unknown, target: unknown, input: Record<string, unknown>): Promise<SourcingGate> {
  const { actor, row, to, challenge, labels } = await startableCase(ctx, caseId, target);
  const errors: Record<string, string> = {};
  const evaluatorIds = [...new Set(idList(input.evaluatorIds))];
  const documentsSeen = text(input.documentsSeen, 8000);
  const note = text(input.note);
  if (documentsSeen.length > TEXT_MAX) errors.documentsSeen = t('sourcingGates.errors.documentsTooLong');
  const sponsorId = challenge?.sponsorId ?? (typeof input.sponsorId === 'string' ? input.sponsorId : '');
  const sponsor = UUID.test(sponsorId) ? await findActivePerson(ctx.db, sponsorId) : undefined;
  if (!sponsor || (!challenge?.sponsorId && !holds(sponsor, 'sourcing.sponsor'))) errors.sponsorId = t('sourcingGates.errors.sponsorRequired');
  if (evaluatorIds.length < MIN_EVALUATORS) errors.evaluatorIds = t('sourcingGates.errors.evaluatorsMin', { min: MIN_EVALUATORS });
  else if (sponsor && evaluatorIds.includes(sponsor.id)) errors.evaluatorIds = t('sourcingGates.errors.evaluatorIsSponsor');
  else {
    for (const id of evaluatorIds) {
      const person = UUID.test(id) ? await findActivePerson(ctx.db, id) : undefined;
      if (!person || !holds(person, 'sourcing.evaluate')) {
        errors.evaluatorIds = t('sourcingGates.errors.evaluatorUnknown');
        break;
      }
    }
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  const criteria = gateCriteria(challenge?.criteria);
  const definitionKey = challenge?.circuitKey && SOURCING_CIRCUIT_KEYS.includes(challenge.circuitKey) ? challenge.circuitKey : DEFAULT_SOURCING_CIRCUIT_KEY;
  const title = gateTitle(labels);
  return inTransaction(ctx, async (tx) => {
    const gate = await insertGate(tx, {
      caseId: row.id,
      targetStage: to,
      fromStage: row.stage,
      status: 'en_cours',
      evaluatorIds,
      sponsorId: sponsor?.id ?? null,
      criteria,
      documentsSeen: documentsSeen || null,
      startedById: actor.id,
    }).catch((error: unknown) => {
      if (isUniqueViolation(error)) throw new ConflictError(t('sourcingGates.errors.alreadyOpen'));
      throw error;
    });
    const scorecards = await insertScorecards(
      tx,
      evaluatorIds.map((evaluatorId) => ({ gateId: gate.id, evaluatorId })),
    );
    const run = await startRun(tx, ctx, {
      definitionKey,
      subject: { type: 'sourcing_case', id: row.id, unitId: row.unitId, context: { title, evaluatorIds, sponsorId: sponsor?.id ?? null, gateId: gate.id, note: note || undefined } },
    });
    const linked = await updateGate(tx, gate.id, { runId: run.id });
    await linkScorecardsToSteps(tx, run.id, scorecards);
    await recordAudit(tx, ctx, {
      action: 'sourcing_gate.started',
      entityType: 'sourcing_case',
      entityId: row.id,
      after: { targetStage: to, fromStage: row.stage, evaluatorIds, sponsorId: sponsor?.id ?? null },
      metadata: { gateId: gate.id, runId: run.id, circuit: definitionKey, organizationId: row.organizationId, challengeId: row.challengeId, ...(note ? { note } : {}) },
    });
    return linked;
  });
}

/** Each scorecard gets the active evaluation step assigned to its evaluator. */
async function linkScorecardsToSteps(tx: Database, runId: string, scorecards: SourcingScorecard[]): Promise<void> {
  const steps = (await listStepsOfRun(tx, runId)).filter((step) => step.status === 'active' && step.stepKey.startsWith('evaluation'));
  for (const scorecard of scorecards) {
    const step = steps.find((candidate) => candidate.assigneeUserId === scorecard.evaluatorId);
    if (step && step.id !== scorecard.stepId) await updateScorecard(tx, scorecard.id, { stepId: step.id });
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (value: unknown) => (typeof value === 'object' && value !== null ? (value as { code?: unknown }).code : undefined);
  return code(error) === '23505' || code((error as { cause?: unknown } | null)?.cause) === '23505';
}

// ── a step of the committee ───────────────────────────────────────────────────────────────
async function committeeStep(ctx: ServiceContext, stepId: string, form: string) {
  const actor = requireActor(ctx);
  if (!UUID.test(stepId)) throw new NotFoundError(t('sourcingGates.errors.notFound'));
  const step = await findStep(ctx.db, stepId);
  const run = step && (await findRun(ctx.db, step.runId));
  if (!step || !run || run.subjectType !== 'sourcing_case') throw new NotFoundError(t('sourcingGates.errors.notFound'));
  if (formOfStep(run, step) !== form) throw new NotFoundError(t(form === SCORECARD_FORM ? 'sourcingGates.errors.notScorecardStep' : 'sourcingGates.errors.notDecisionStep'));
  const gate = await findGateOfRun(ctx.db, run.id);
  const row = gate && (await findCase(ctx.db, gate.caseId));
  if (!gate || !row) throw new NotFoundError(t('sourcingGates.errors.notFound'));
  const { canDecide, decidingForName } = await canDecideStep(ctx.db, personOf(actor), step, ctx.now);
  return { actor, step, run, gate, case: row, canDecide, decidingForName, labels: await findCaseLabels(ctx.db, row.id) };
}

/** The scorecard page: only the step's assignee (or their delegate) fills it; after submitting they see their own scores. */
export async function getScorecardPage(ctx: ServiceContext, stepId: string) {
  const found = await committeeStep(ctx, stepId, SCORECARD_FORM);
  const { actor, step, gate } = found;
  const scorecard = await findScorecardOfStep(ctx.db, step.id);
  const own = scorecard && (scorecard.evaluatorId === actor.id || found.canDecide);
  if (!found.canDecide && !own) throw new ForbiddenError(t('sourcingGates.errors.notAssignee'));
  const values: Record<string, string> = {};
  for (const score of scorecard?.scores ?? []) {
    values[`score_${score.key}`] = String(score.score);
    values[`comment_${score.key}`] = score.comment;
  }
  values.overallComment = scorecard?.overallComment ?? '';
  const taken = new Set([...gate.evaluatorIds, gate.sponsorId ?? '']);
  const replacements = (await peopleWithPermission(ctx.db, 'sourcing.evaluate')).filter((person) => !taken.has(person.id));
  return {
    ...found,
    title: gateTitle(found.labels),
    scorecard: scorecard ?? null,
    submitted: Boolean(scorecard?.submittedAt),
    open: found.canDecide && step.status === 'active' && !scorecard?.submittedAt && !scorecard?.conflictDeclared,
    criteria: gate.criteria.map((criterion) => ({ ...criterion, scoreOptions: scoreOptions() })),
    values,
    replacementOptions: replacements.map((person) => ({ value: person.id, label: person.displayName })),
    note: typeof found.run.context.note === 'string' ? found.run.context.note : '',
  };
}

const scoreOptions = () => Array.from({ length: MAX_SCORE - MIN_SCORE + 1 }, (_, index) => String(MIN_SCORE + index));

/** Reads the form: every criterion scored 1–5 with a comment, an overall comment. French messages per field. */
function parseScorecard(criteria: SourcingGate['criteria'], input: Record<string, unknown>): { scores: CriterionScore[]; overallComment: string } {
  const errors: Record<string, string> = {};
  const scores: CriterionScore[] = [];
  for (const criterion of criteria) {
    const raw = String(input[`score_${criterion.key}`] ?? '').trim();
    const score = /^\d$/.test(raw) ? Number(raw) : Number.NaN;
    const comment = text(input[`comment_${criterion.key}`], 2000);
    if (!(score >= MIN_SCORE && score <= MAX_SCORE)) errors[`score_${criterion.key}`] = t('sourcingGates.errors.scoreRequired');
    if (comment === '') errors[`comment_${criterion.key}`] = t('sourcingGates.errors.commentRequired');
    scores.push({ key: criterion.key, label: criterion.label, weight: criterion.weight, score, comment });
  }
  const overallComment = text(input.overallComment);
  if (overallComment === '') errors.overallComment = t('sourcingGates.errors.overallRequired');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return { scores, overallComment };
}

/** Submits a scorecard and decides its step (approve, « Grille soumise ») in one transaction. No score goes into the journal. */
export async function submitScorecard(ctx: ServiceContext, stepId: string, input: Record<string, unknown>): Promise<SourcingScorecard> {
  const found = await committeeStep(ctx, stepId, SCORECARD_FORM);
  if (!found.canDecide) throw new ForbiddenError(t('sourcingGates.errors.notAssignee'));
  const { scores, overallComment } = parseScorecard(found.gate.criteria, input);
  return inTransaction(ctx, async (tx) => {
    const gate = await lockGate(tx, found.gate.id);
    if (!gate || gate.status !== 'en_cours') throw new ConflictError(t('sourcingGates.errors.gateClosed'));
    const scorecard = await findScorecardOfStep(tx, stepId);
    if (!scorecard || scorecard.conflictDeclared) throw new ConflictError(t('sourcingGates.errors.stepClosed'));
    if (scorecard.submittedAt) throw new ConflictError(t('sourcingGates.errors.alreadySubmitted'));
    const saved = await updateScorecard(tx, scorecard.id, { scores, overallComment, weightedMean: toX100(weightedMean(scores)), submittedAt: ctx.now });
    await decideStepInTransaction(tx, ctx, stepId, { decision: 'approve', comment: 'Grille soumise' }, { form: SCORECARD_FORM });
    await recordAudit(tx, ctx, {
      action: 'sourcing_gate.scorecard_submitted',
      entityType: 'sourcing_case',
      entityId: gate.caseId,
      metadata: { gateId: gate.id, stepId, evaluatorId: scorecard.evaluatorId },
    });
    return saved;
  });
}

/** Swaps an evaluator who has not submitted for another: scorecard marked, gate's list, new scorecard, step reassigned. */
async function replaceInTransaction(
  tx: Database,
  ctx: ServiceContext,
  gateId: string,
  scorecardId: string,
  replacementId: string,
  conflict: { note: string } | null,
): Promise<{ replacement: Person }> {
  const gate = await lockGate(tx, gateId);
  if (!gate || gate.status !== 'en_cours') throw new ConflictError(t('sourcingGates.errors.gateClosed'));
  const rows = await listScorecardsOfGate(tx, gate.id);
  const scorecard = rows.find((entry) => entry.scorecard.id === scorecardId)?.scorecard;
  if (!scorecard || scorecard.conflictDeclared || !scorecard.stepId) throw new ConflictError(t('sourcingGates.errors.stepClosed'));
  if (scorecard.submittedAt) throw new ConflictError(t('sourcingGates.errors.alreadySubmitted'));
  const replacement = UUID.test(replacementId) ? await findActivePerson(tx, replacementId) : undefined;
  if (!replacement || !holds(replacement, 'sourcing.evaluate') || gate.evaluatorIds.includes(replacement.id) || replacement.id === gate.sponsorId) {
    throw new ValidationError({ replacementId: t('sourcingGates.errors.replacementRequired') }, t('sourcingGates.errors.replacementRequired'));
  }
  await updateScorecard(tx, scorecard.id, { conflictDeclared: true, conflictNote: conflict?.note ?? null, replacedById: replacement.id });
  const evaluatorIds = gate.evaluatorIds.map((id) => (id === scorecard.evaluatorId ? replacement.id : id));
  await updateGate(tx, gate.id, { evaluatorIds, updatedAt: ctx.now });
  await insertScorecards(tx, [{ gateId: gate.id, evaluatorId: replacement.id, stepId: scorecard.stepId }]);
  await reassignStepInTransaction(tx, ctx, scorecard.stepId, replacement.id);
  await recordAudit(tx, ctx, {
    action: conflict ? 'sourcing_gate.evaluator_recused' : 'sourcing_gate.evaluator_replaced',
    entityType: 'sourcing_case',
    entityId: gate.caseId,
    before: { evaluatorId: scorecard.evaluatorId },
    after: { evaluatorId: replacement.id },
    metadata: { gateId: gate.id, stepId: scorecard.stepId, ...(conflict ? { note: conflict.note } : {}) },
  });
  return { replacement };
}

/** The evaluator declares a conflict of interest and names who scores instead. */
export async function declareConflict(ctx: ServiceContext, stepId: string, input: Record<string, unknown>): Promise<{ replacement: Person }> {
  const found = await committeeStep(ctx, stepId, SCORECARD_FORM);
  if (!found.canDecide) throw new ForbiddenError(t('sourcingGates.errors.notAssignee'));
  const note = text(input.conflictNote);
  const replacementId = typeof input.replacementId === 'string' ? input.replacementId : '';
  const errors: Record<string, string> = {};
  if (note === '') errors.conflictNote = t('sourcingGates.errors.conflictNoteRequired');
  if (!UUID.test(replacementId)) errors.replacementId = t('sourcingGates.errors.replacementRequired');
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  const scorecard = await findScorecardOfStep(ctx.db, stepId);
  if (!scorecard) throw new ConflictError(t('sourcingGates.errors.stepClosed'));
  return inTransaction(ctx, (tx) => replaceInTransaction(tx, ctx, found.gate.id, scorecard.id, replacementId, { note }));
}

/** The case's owner replaces an evaluator who has not submitted (gate page). */
export async function replaceEvaluator(ctx: ServiceContext, gateId: string, input: Record<string, unknown>): Promise<{ replacement: Person }> {
  const actor = requireActor(ctx);
  const gate = UUID.test(gateId) ? await findGate(ctx.db, gateId) : undefined;
  const row = gate && (await findCase(ctx.db, gate.caseId));
  if (!gate || !row) throw new NotFoundError(t('sourcingGates.errors.notFound'));
  if (!canEditCase(actor, row)) throw new ForbiddenError(t('sourcingGates.errors.notEditor'));
  const scorecardId = typeof input.scorecardId === 'string' && UUID.test(input.scorecardId) ? input.scorecardId : '';
  const replacementId = typeof input.replacementId === 'string' ? input.replacementId : '';
  if (!scorecardId) throw new ValidationError({ scorecardId: t('sourcingGates.errors.stepClosed') });
  return inTransaction(ctx, (tx) => replaceInTransaction(tx, ctx, gate.id, scorecardId, replacementId, null));
}

// ── the sponsor's decision ────────────────────────────────────────────────────────────────
const SPONSOR_DECISIONS = { go: 'approve', no_go: 'reject', complement: 'request_changes' } as const;
type SponsorDecision = keyof typeof SPONSOR_DECISIONS;

/** A gate's scorecards in the order the evaluators were chosen (those recused after). */
async function scorecardsInOrder(db: Database, gate: SourcingGate) {
  const rows = await listScorecardsOfGate(db, gate.id);
  const rank = (evaluatorId: string | null) => {
    const index = evaluatorId ? gate.evaluatorIds.indexOf(evaluatorId) : -1;
    return index === -1 ? gate.evaluatorIds.length : index;
  };
  return rows.map((row, index) => ({ row, index })).sort((a, b) => rank(a.row.scorecard.evaluatorId) - rank(b.row.scorecard.evaluatorId) || a.index - b.index).map(({ row }) => row);
}

async function aggregateOfGate(db: Database, gate: SourcingGate) {
  const rows = await scorecardsInOrder(db, gate);
  const inputs = inputsOf(rows);
  return { rows, inputs, aggregate: visibleAggregate(gate.criteria, inputs) };
}

export async function getDecisionPage(ctx: ServiceContext, stepId: string) {
  const found = await committeeStep(ctx, stepId, SPONSOR_DECISION_FORM);
  if (!found.canDecide && found.gate.sponsorId !== found.actor.id && !hasRole(found.actor, 'admin')) throw new ForbiddenError(t('sourcingGates.errors.notSponsor'));
  const { aggregate } = await aggregateOfGate(ctx.db, found.gate);
  return {
    ...found,
    title: gateTitle(found.labels),
    aggregate: aggregate && presentAggregate(aggregate),
    open: found.canDecide && found.step.status === 'active',
    decisionOptions: (Object.keys(SPONSOR_DECISIONS) as SponsorDecision[]).map((value) => ({ value, label: t(`sourcingGates.decisions.${value}`) })),
  };
}

/** go / no-go / complément with a required rationale: the gate's decision fields and the step's decision in one transaction. */
export async function decideGate(ctx: ServiceContext, stepId: string, input: Record<string, unknown>): Promise<{ gate: SourcingGate; decision: SponsorDecision }> {
  const found = await committeeStep(ctx, stepId, SPONSOR_DECISION_FORM);
  if (!found.canDecide) throw new ForbiddenError(t('sourcingGates.errors.notSponsor'));
  const decision = typeof input.decision === 'string' && input.decision in SPONSOR_DECISIONS ? (input.decision as SponsorDecision) : null;
  const rationale = text(input.rationale);
  const errors: Record<string, string> = {};
  if (!decision) errors.decision = t('sourcingGates.errors.decisionRequired');
  if (rationale === '') errors.rationale = t('sourcingGates.errors.rationaleRequired');
  if (!decision || Object.keys(errors).length > 0) throw new ValidationError(errors);
  return inTransaction(ctx, async (tx) => {
    const gate = await lockGate(tx, found.gate.id);
    if (!gate || gate.status !== 'en_cours') throw new ConflictError(t('sourcingGates.errors.gateClosed'));
    const inputs = inputsOf(await listScorecardsOfGate(tx, gate.id));
    const aggregate = visibleAggregate(gate.criteria, inputs);
    await updateGate(tx, gate.id, { rationale, decidedById: ctx.actor?.id ?? null, decidedAt: ctx.now, weightedMean: toX100(aggregate?.overall ?? null), updatedAt: ctx.now });
    await recordAudit(tx, ctx, {
      action: 'sourcing_gate.decided',
      entityType: 'sourcing_case',
      entityId: gate.caseId,
      after: { decision, rationale },
      metadata: { gateId: gate.id, targetStage: gate.targetStage, weightedMean: aggregate?.overall ?? null },
    });
    // The status handler below sets the gate's status and moves the case, in this transaction.
    await decideStepInTransaction(tx, ctx, stepId, { decision: SPONSOR_DECISIONS[decision], comment: rationale }, { form: SPONSOR_DECISION_FORM });
    return { gate: (await findGate(tx, gate.id)) as SourcingGate, decision };
  });
}

/** After « complément d'information »: the owner says what was added; the sponsor decides again. */
export async function resubmitGate(ctx: ServiceContext, gateId: string, input: Record<string, unknown>): Promise<SourcingGate> {
  const actor = requireActor(ctx);
  const gate = UUID.test(gateId) ? await findGate(ctx.db, gateId) : undefined;
  const row = gate && (await findCase(ctx.db, gate.caseId));
  if (!gate || !row) throw new NotFoundError(t('sourcingGates.errors.notFound'));
  if (!canEditCase(actor, row)) throw new ForbiddenError(t('sourcingGates.errors.notEditor'));
  const complement = text(input.complement);
  if (complement === '') throw new ValidationError({ complement: t('sourcingGates.errors.complementRequired') }, t('sourcingGates.errors.complementRequired'));
  return inTransaction(ctx, async (tx) => {
    const locked = await lockGate(tx, gate.id);
    if (!locked || locked.status !== 'complement' || !locked.runId) throw new ConflictError(t('sourcingGates.errors.notComplement'));
    const documentsSeen = [locked.documentsSeen, `${t('sourcingGates.fields.complement')} (${formatDate(ctx.now)}) : ${complement}`].filter(Boolean).join('\n');
    await updateGate(tx, locked.id, { documentsSeen, rationale: null, decidedAt: null, decidedById: null, updatedAt: ctx.now });
    await recordAudit(tx, ctx, { action: 'sourcing_gate.resubmitted', entityType: 'sourcing_case', entityId: locked.caseId, after: { complement }, metadata: { gateId: locked.id } });
    await resubmitRun(tx, ctx, { runId: locked.runId, context: { evaluatorIds: locked.evaluatorIds } });
    // When the evaluations' stage starts again (the juriste of the legal variant asked for changes), each
    // scorecard follows its evaluator's new step and is scored anew (the previous scores pre-fill the form).
    const steps = (await listStepsOfRun(tx, locked.runId)).filter((step) => step.status === 'active' && step.stepKey.startsWith('evaluation'));
    for (const { scorecard } of steps.length > 0 ? await listScorecardsOfGate(tx, locked.id) : []) {
      const step = steps.find((candidate) => candidate.assigneeUserId === scorecard.evaluatorId);
      if (step && !scorecard.conflictDeclared) await updateScorecard(tx, scorecard.id, { stepId: step.id, submittedAt: null });
    }
    return (await findGate(tx, locked.id)) as SourcingGate;
  });
}

// ── the run's outcome ─────────────────────────────────────────────────────────────────────
const OUTCOMES: Record<string, GateStatus> = { approved: 'go', rejected: 'no_go', changes_requested: 'complement', cancelled: 'annule', running: 'en_cours' };

async function onCommitteeStatus(tx: Database, ctx: ServiceContext, change: { runId: string; status: string }): Promise<void> {
  const status = OUTCOMES[change.status];
  if (!status) return;
  // At start the run exists before the gate knows its id: nothing to do then.
  const gate = await findGateOfRun(tx, change.runId);
  if (!gate || gate.status === status) return;
  await updateGate(tx, gate.id, { status, updatedAt: ctx.now });
  // Resubmitted: resubmitGate relinks the scorecards once the stage's new steps exist.
  if (status === 'en_cours') return;
  if (status === 'go') await moveCaseStage(tx, ctx, { caseId: gate.caseId, to: gate.targetStage as CaseStage, by: 'gate', reason: gate.rationale });
  if (status === 'annule') await recordAudit(tx, ctx, { action: 'sourcing_gate.cancelled', entityType: 'sourcing_case', entityId: gate.caseId, metadata: { gateId: gate.id } });
  await notifyOwner(tx, ctx, gate, status);
}

/** The case's owner (else who started the gate) hears of each outcome: a notification and an e-mail. */
async function notifyOwner(tx: Database, ctx: ServiceContext, gate: SourcingGate, status: GateStatus): Promise<void> {
  const row = await findCase(tx, gate.caseId);
  const ownerId = row?.ownerId ?? gate.startedById;
  const owner = ownerId ? await findActivePerson(tx, ownerId) : undefined;
  if (!owner || !row) return;
  const labels = await findCaseLabels(tx, row.id);
  const title = gateTitle(labels);
  const notice = t(`sourcingGates.notice.${status}`, { title });
  const link = `/sourcing/comites/${gate.id}`;
  await insertNotifications(tx, [{ userId: owner.id, kind: 'workflow.notice', title: notice, link }]);
  await queueEmail(tx, {
    to: owner.email,
    template: 'workflow_notice',
    data: { displayName: owner.displayName, stepLabel: notice, circuit: t('sourcingGates.committee'), subject: title, message: gate.rationale ?? '', link: `${ctx.baseUrl}${link}` },
    idempotencyKey: `sourcing-gate-${gate.id}-${status}-${ctx.now.getTime()}`,
  });
}

/** Registers the committee's status handler (onStatusChange('sourcing_case')) and its two step forms. */
let registered = false;
export function registerSourcingGates(): void {
  registerStepForm(SCORECARD_FORM, (_run, step) => `/sourcing/comites/etapes/${step.id}/evaluation`);
  registerStepForm(SPONSOR_DECISION_FORM, (_run, step) => `/sourcing/comites/etapes/${step.id}/decision`);
  if (registered) return;
  registered = true;
  onStatusChange('sourcing_case', (tx, ctx, change) => onCommitteeStatus(tx, ctx, change));
}

// ── reading: the gate page, the case panel ───────────────────────────────────────────────
function presentAggregate(aggregate: NonNullable<ReturnType<typeof visibleAggregate>>) {
  const fmt = (value: number | null, digits = 2) => (value === null ? '—' : value.toLocaleString('fr-FR', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  return {
    overall: fmt(aggregate.overall),
    count: aggregate.count,
    evaluators: aggregate.evaluators.map((entry) => ({ ...entry, mean: fmt(entry.weightedMean) })),
    criteria: aggregate.criteria.map((row) => ({
      ...row,
      meanText: fmt(row.mean),
      spreadText: row.min === null ? '—' : `${row.min}–${row.max}`,
      stddevText: fmt(row.stddev),
      scores: row.scores.map((entry) => ({ ...entry, scoreText: entry.score === null ? '—' : String(entry.score) })),
    })),
  };
}

/** The gate page: status, evaluators' states (never a score before all have submitted), the run's steps, the aggregate when visible, the decision. */
/** The DSFR badge tone of a gate's status on its page. */
const GATE_STATUS_TONES: Partial<Record<SourcingGate['status'], string>> = { go: 'success', no_go: 'error', complement: 'warning' };

export async function getGatePage(ctx: ServiceContext, gateId: string) {
  const actor = requireActor(ctx);
  const gate = UUID.test(gateId) ? await findGate(ctx.db, gateId) : undefined;
  const row = gate && (await findCase(ctx.db, gate.caseId));
  if (!gate || !row || !canReadCase(actor, row, gate.evaluatorIds.includes(actor.id))) throw new NotFoundError(t('sourcingGates.errors.notFound'));
  const labels = await findCaseLabels(ctx.db, row.id);
  const { rows, inputs, aggregate } = await aggregateOfGate(ctx.db, gate);
  const names = await listUserNames(ctx.db, [gate.sponsorId, gate.decidedById, gate.startedById].filter((id): id is string => Boolean(id)));
  const run: WorkflowRun | undefined = gate.runId ? await findRun(ctx.db, gate.runId) : undefined;
  const history = run ? await listStepHistory(ctx.db, run.id) : [];
  const canEdit = canEditCase(actor, row);
  const evaluators = rows.map(({ scorecard, evaluatorName }) => ({
    id: scorecard.id,
    name: evaluatorName ?? '—',
    state: scorecard.conflictDeclared ? 'recused' : scorecard.submittedAt ? 'submitted' : 'waiting',
    stateLabel: t(`sourcingGates.evaluatorStates.${scorecard.conflictDeclared ? 'recused' : scorecard.submittedAt ? 'submitted' : 'waiting'}`),
    stateTone: scorecard.conflictDeclared ? 'info' : scorecard.submittedAt ? 'success' : null,
    submittedAt: scorecard.submittedAt,
    replaceable: canEdit && gate.status === 'en_cours' && !scorecard.conflictDeclared && !scorecard.submittedAt && scorecard.stepId !== null,
    isMe: scorecard.evaluatorId === actor.id,
    stepId: scorecard.stepId,
  }));
  const taken = new Set([...gate.evaluatorIds, gate.sponsorId ?? '']);
  const replacementOptions = canEdit && evaluators.some((entry) => entry.replaceable) ? (await peopleWithPermission(ctx.db, 'sourcing.evaluate')).filter((person) => !taken.has(person.id)).map((person) => ({ value: person.id, label: person.displayName })) : [];
  // The comment of the step that asked for more (the sponsor's complément, or the juriste's changes).
  const askedBy = history.filter((entry) => entry.step.status === 'changes_requested').at(-1)?.step;
  const active = history.filter((entry) => entry.step.status === 'active');
  return {
    gate,
    case: row,
    title: gateTitle(labels),
    statusLabel: t(`sourcingGates.statuses.${gate.status}`),
    statusTone: GATE_STATUS_TONES[gate.status] ?? null,
    awaitingComplement: gate.status === 'complement',
    targetLabel: t(`sourcingGates.targets.${gate.targetStage}`),
    fromLabel: t(`sourcingCases.stages.${gate.fromStage}`),
    sponsorName: gate.sponsorId ? (names.get(gate.sponsorId) ?? '—') : '—',
    decidedByName: gate.decidedById ? (names.get(gate.decidedById) ?? '—') : null,
    startedByName: gate.startedById ? (names.get(gate.startedById) ?? '—') : '—',
    evaluators,
    submittedCount: inputs.filter((input) => !input.conflictDeclared && input.submittedAt).length,
    activeCount: inputs.filter((input) => !input.conflictDeclared).length,
    aggregate: aggregate && maySeeScores(actor, row, gate) ? presentAggregate(aggregate) : null,
    scoresComplete: allSubmitted(inputs),
    run: run ?? null,
    history,
    canEdit,
    replacementOptions,
    complementOpen: canEdit && gate.status === 'complement',
    complementComment: gate.status === 'complement' ? (askedBy?.comment ?? gate.rationale ?? '') : null,
    decided: gate.status === 'go' || gate.status === 'no_go',
    myStep: myStepLink(run, active.find((entry) => entry.step.assigneeUserId === actor.id)?.step),
    note: typeof run?.context.note === 'string' ? run.context.note : '',
  };
}

/** Where the person acts on their active step of the gate: its form, or the generic step page. */
function myStepLink(run: WorkflowRun | undefined, step: WorkflowStep | undefined) {
  if (!run || !step) return null;
  return { href: stepFormLink(run, step) ?? `/validations/etapes/${step.id}`, label: t(step.stepKey === 'sponsor' ? 'sourcingGates.page.openDecision' : 'sourcingGates.page.openForm') };
}

/** The case page's block (B1 includes partials/sourcing/gates/case-panel): the open gate, past decisions, the « Lancer le comité » buttons. */
export async function gatesPanelOfCase(ctx: ServiceContext, caseId: string) {
  const actor = requireActor(ctx);
  const row = UUID.test(caseId) ? await findCase(ctx.db, caseId) : undefined;
  if (!row) throw new NotFoundError(t('sourcingCases.notFound'));
  const gates = await listGatesOfCase(ctx.db, row.id);
  const names = await listUserNames(ctx.db, gates.map((gate) => gate.decidedById).filter((id): id is string => Boolean(id)));
  const present = (gate: SourcingGate) => ({
    id: gate.id,
    status: gate.status,
    statusLabel: t(`sourcingGates.statuses.${gate.status}`),
    targetLabel: t(`sourcingGates.targets.${gate.targetStage}`),
    rationale: gate.rationale,
    decidedAt: gate.decidedAt,
    decidedByName: gate.decidedById ? (names.get(gate.decidedById) ?? '—') : null,
    weightedMean: gate.weightedMean === null ? null : (gate.weightedMean / 100).toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
  });
  const open = gates.find((gate) => gate.status === 'en_cours' || gate.status === 'complement');
  const canEdit = canEditCase(actor, row);
  const gated = !open && canEdit ? GATE_TARGETS.filter((target) => checkCaseMove(row.stage, target, { by: 'person', roles: actor.roles, inUnit: true }) === 'gate') : [];
  const blocked = gated.includes('contractualisation') && (await pilotBlocksContractualisation(ctx.db, row, 'contractualisation'));
  const launch = gated
    .filter((target) => !(blocked && target === 'contractualisation'))
    .map((target) => ({
      target,
      label: t('sourcingGates.launchTo', { target: t(`sourcingGates.targets.${target}`) }),
      href: `/sourcing/comites/nouveau?piste=${row.id}&vers=${target}`,
    }));
  return { caseId: row.id, open: open ? present(open) : null, past: gates.filter((gate) => gate !== open).map(present), launch };
}

// ── the decision log ──────────────────────────────────────────────────────────────────────
export interface DecisionLogRow extends Record<string, unknown> {
  gateId: string;
  decidedAt: Date | null;
  startupName: string;
  target: string;
  decision: string;
  decider: string;
  rationale: string;
  weightedMean: string;
  evaluatorMeans: string;
  documentsSeen: string;
}

const meanText = (x100: number | null) => (x100 === null ? '—' : (x100 / 100).toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

/** Every decided gate of a challenge's cases readable by the actor (confidential ones only for who reads them). */
export async function decisionLog(ctx: ServiceContext, challengeId: unknown) {
  const actor = requireActor(ctx);
  if (typeof challengeId !== 'string' || !UUID.test(challengeId)) throw new NotFoundError(t('sourcingGates.errors.challengeRequired'));
  const challenge = await findChallenge(ctx.db, challengeId);
  if (!challenge) throw new NotFoundError(t('sourcingGates.errors.challengeRequired'));
  const gates = (await listDecidedGatesOfChallenge(ctx.db, challenge.id)).filter((entry) => canReadCase(actor, { ownerId: entry.ownerId, unitId: entry.unitId, confidential: entry.confidential }, entry.gate.evaluatorIds.includes(actor.id)));
  const cards = await listScorecardsOfGates(ctx.db, gates.map((entry) => entry.gate.id));
  const rows: DecisionLogRow[] = gates.map(({ gate, startupName, deciderName }) => ({
    gateId: gate.id,
    decidedAt: gate.decidedAt,
    startupName,
    target: t(`sourcingGates.targets.${gate.targetStage}`),
    decision: gate.status === 'go' || gate.status === 'no_go' || gate.status === 'complement' ? t(`sourcingGates.decisions.${gate.status}`) : t(`sourcingGates.statuses.${gate.status}`),
    decider: deciderName ?? '—',
    rationale: gate.rationale ?? '',
    weightedMean: meanText(gate.weightedMean),
    evaluatorMeans: cards
      .filter((entry) => entry.scorecard.gateId === gate.id && !entry.scorecard.conflictDeclared && entry.scorecard.submittedAt)
      .map((entry) => `${entry.evaluatorName ?? '—'} : ${meanText(entry.scorecard.weightedMean)}`)
      .join(' ; '),
    documentsSeen: gate.documentsSeen ?? '',
  }));
  return { challenge, rows, canExport: can(actor, 'sourcing.export') };
}

export const DECISION_LOG_COLUMNS = [
  { key: 'decidedAt', label: t('sourcingGates.log.date'), type: 'datetime' as const },
  { key: 'startupName', label: t('sourcingGates.log.startup') },
  { key: 'target', label: t('sourcingGates.log.target') },
  { key: 'decision', label: t('sourcingGates.log.decision') },
  { key: 'decider', label: t('sourcingGates.log.decider') },
  { key: 'rationale', label: t('sourcingGates.log.rationale') },
  { key: 'weightedMean', label: t('sourcingGates.log.mean') },
  { key: 'evaluatorMeans', label: t('sourcingGates.log.evaluatorMeans') },
  { key: 'documentsSeen', label: t('sourcingGates.log.documents') },
];

/** The log's rows for an export ('sourcing.export'), journaled (entity 'sourcing_gate', the challenge's id) once read. */
export async function decisionLogExport(ctx: ServiceContext, challengeId: unknown, format: 'csv' | 'pdf') {
  const actor = requireActor(ctx);
  if (!can(actor, 'sourcing.export')) throw new ForbiddenError(t('sourcingGates.errors.noExport'));
  const log = await decisionLog(ctx, challengeId);
  async function* rows() {
    yield* log.rows;
  }
  return { challenge: log.challenge, columns: DECISION_LOG_COLUMNS, rows: journaled(ctx, 'sourcing_gate', { challengeId: log.challenge.id, title: log.challenge.title }, format, rows(), log.challenge.id) };
}
