// Conventions in their approval circuit: the default (convention-approval.workflow.ts) or the one
// an admin chose for the convention's kind (convention_kind_circuits; CONVENTION_CIRCUIT_KEYS lists
// the choices, all ending with the action that sets « à signer »). The chargé submits (or
// resubmits after « modifications demandées »), and every change of the run moves the
// convention's status in the same transaction. registerConventionCircuit() installs that status
// mapping; the composition root (src/boot.ts configureProcess) calls it in every role, since
// decisions are taken in web requests and timers and waits advance runs in workers.
import { ConflictError, DomainError, NotFoundError, ValidationError, type FieldErrors } from '../lib/errors';
import { t } from '../lib/i18n';
import { logger } from '../lib/logger';
import type { Database } from '../models/database';
import { findCircuitKeyOfKind, listConventionKindCircuits, lockConventionKindCircuits, upsertConventionKindCircuit } from '../models/convention-kind-circuits.model';
import { lockConventionById } from '../models/conventions.model';
import { findOpenRunForSubject } from '../models/workflows.model';
import { CONVENTION_KINDS, type Convention, type ConventionKind, type ConventionStatus } from '../models/schema';
import { CONVENTION_CIRCUIT_KEYS, DEFAULT_CONVENTION_CIRCUIT_KEY, definitionForStart } from '../workflows/definitions';
import type { WorkflowDefinition } from '../workflows/definitions/types';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction, requireActor } from './context';
import { createConvention, getConventionForEdit, moveConventionStatus } from './conventions.service';
import { assertCan } from './permissions';
import { listRunsOfSubject, onStatusChange, resubmitRun, startRun } from './workflows.service';

/**
 * Run status (or the status an action step sets) → convention status. `approved` and
 * `completed` change nothing: the circuit's last step already set « à signer », and signing
 * is the chargé's upload of the signed PDF (conventions.service addConventionDocument).
 */
const CONVENTION_STATUS_OF_RUN: Record<string, ConventionStatus> = {
  running: 'en_revue',
  changes_requested: 'modifications_demandees',
  a_signer: 'a_signer',
  rejected: 'brouillon',
  cancelled: 'brouillon',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let registered = false;
export function registerConventionCircuit(): void {
  if (registered) return;
  registered = true;
  onStatusChange('convention', async (tx, ctx, change) => {
    const status = CONVENTION_STATUS_OF_RUN[change.status];
    if (!status) return;
    // A run whose convention no longer exists (deleted draft) still completes its decisions.
    // moveConventionStatus locks the row first and finds it missing before writing anything: no
    // separate read beforehand (this runs in every transition that moves the convention). A move
    // the transition table refuses (a convention terminated meanwhile) refuses the decision (409).
    try {
      if (!UUID.test(change.subjectId)) throw new NotFoundError();
      await moveConventionStatus(tx, ctx, { id: change.subjectId, to: status, by: 'circuit', reason: t(`conventions.circuitReasons.${change.status}`) });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      logger.warn({ runId: change.runId, subjectId: change.subjectId }, 'workflow run about a convention that does not exist');
    }
  });
}

const SUBMITTABLE: ConventionStatus[] = ['brouillon', 'modifications_demandees'];

/**
 * Starts the circuit configured for the convention's kind, or the next round of the open run
 * after changes were requested (that run keeps the circuit it started with, whatever the kind's
 * circuit is now). Same rights as editing.
 */
export async function submitConvention(ctx: ServiceContext, id: string): Promise<Convention> {
  const { convention } = await getConventionForEdit(ctx, id);
  if (!SUBMITTABLE.includes(convention.status)) throw new ConflictError(t('conventions.errors.notSubmittable'));
  const context = { title: `${convention.reference} — ${convention.title}`, amount: convention.amountCents === null ? 0 : convention.amountCents / 100 };
  await inTransaction(ctx, async (tx) => {
    // The convention's row lock serialises two submissions: the unique index on open runs is per
    // circuit, and two circuits could otherwise start side by side if the kind's circuit changed.
    const locked = await lockConventionById(tx, id);
    if (!locked) throw new NotFoundError(t('conventions.notFound'));
    if (!SUBMITTABLE.includes(locked.status)) throw new ConflictError(t('conventions.errors.notSubmittable'));
    const open = await findOpenRunForSubject(tx, 'convention', id);
    if (open?.status === 'changes_requested') await resubmitRun(tx, ctx, { runId: open.id, context });
    else if (open) throw new ConflictError(t('workflows.errors.alreadyRunning'));
    else {
      const definitionKey = await circuitKeyOfKind(tx, locked.kind);
      await startRun(tx, ctx, { definitionKey, subject: { type: 'convention', id, unitId: locked.unitId, context } });
    }
  });
  const { convention: after } = await getConventionForEdit(ctx, id);
  return after;
}

// ── which circuit each kind starts (/admin/circuits-des-conventions) ──────────────────────

/** The circuit a new submission of this kind starts: the stored choice, or the default. */
export async function circuitKeyOfKind(db: Database, kind: ConventionKind): Promise<string> {
  const stored = await findCircuitKeyOfKind(db, kind);
  if (stored === undefined) return DEFAULT_CONVENTION_CIRCUIT_KEY;
  if (CONVENTION_CIRCUIT_KEYS.includes(stored)) return stored;
  // A circuit removed from the code: submissions must still work; the admin page shows the default.
  logger.warn({ kind, definitionKey: stored }, t('workflows.kindCircuits.unknownStored', { key: stored, kind }));
  return DEFAULT_CONVENTION_CIRCUIT_KEY;
}

/** « Revues juridique et financière → Validation direction → … → À signer », settings resolved now. */
function stagesSummary(definition: WorkflowDefinition): string {
  return definition.stages
    .map((stage) => {
      const threshold = stage.when?.kind === 'contextAbove' ? definition.settings[stage.when.setting] : undefined;
      return threshold === undefined ? stage.label : t('workflows.kindCircuits.above', { label: stage.label, amount: threshold.toLocaleString('fr-FR') });
    })
    .join(' → ');
}

export interface ConventionCircuitOption {
  key: string;
  name: string;
  stages: string;
  isDefault: boolean;
}

export function conventionCircuitOptions(): ConventionCircuitOption[] {
  return CONVENTION_CIRCUIT_KEYS.flatMap((key) => {
    const definition = definitionForStart(key);
    return definition ? [{ key, name: definition.name, stages: stagesSummary(definition), isDefault: key === DEFAULT_CONVENTION_CIRCUIT_KEY }] : [];
  });
}

/**
 * For the convention page: the circuit a submission would start today (the one chosen for its
 * kind); null when it cannot be submitted or while a run is open (a resubmission continues that
 * run, whatever its circuit).
 */
export async function nextCircuitOf(
  ctx: ServiceContext,
  convention: Pick<Convention, 'kind' | 'status'>,
  runs: Array<{ run: { status: string } }>,
): Promise<(ConventionCircuitOption & { kindLabel: string }) | null> {
  if (!SUBMITTABLE.includes(convention.status)) return null;
  if (runs.some(({ run }) => run.status === 'running' || run.status === 'changes_requested')) return null;
  const key = await circuitKeyOfKind(ctx.db, convention.kind);
  const options = conventionCircuitOptions();
  const option = options.find((candidate) => candidate.key === key) ?? (options[0] as ConventionCircuitOption);
  return { ...option, kindLabel: t(`conventions.kinds.${convention.kind}`) };
}

/** Every convention kind with its circuit and who chose it last (admins). */
export async function listConventionKindCircuitsForAdmin(ctx: ServiceContext) {
  assertCan(ctx.actor, 'workflows.admin');
  const stored = new Map((await listConventionKindCircuits(ctx.db)).map((row) => [row.kind, row]));
  const names = new Map(conventionCircuitOptions().map((option) => [option.key, option.name]));
  return Promise.all(
    CONVENTION_KINDS.map(async (kind) => {
      const row = stored.get(kind);
      const definitionKey = await circuitKeyOfKind(ctx.db, kind);
      return {
        kind,
        label: t(`conventions.kinds.${kind}`),
        definitionKey,
        circuitName: names.get(definitionKey) ?? definitionKey,
        updatedAt: row?.updatedById ? row.updatedAt : null,
        updatedByName: row?.updatedById ? row.updatedByName : null,
      };
    }),
  );
}

/**
 * Saves the circuit of each kind present in the form (field name = kind, value = circuit key).
 * Only real changes are written and audited, one journal row per kind. Returns how many changed.
 */
export async function saveConventionKindCircuits(ctx: ServiceContext, input: unknown): Promise<number> {
  const actor = requireActor(ctx);
  assertCan(actor, 'workflows.admin');
  const body = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
  const wanted = new Map<ConventionKind, string>();
  const errors: FieldErrors = {};
  for (const kind of CONVENTION_KINDS) {
    const value = body[kind];
    if (value === undefined) continue;
    if (typeof value === 'string' && CONVENTION_CIRCUIT_KEYS.includes(value)) wanted.set(kind, value);
    else errors[kind] = t('workflows.kindCircuits.invalid');
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
  return inTransaction(ctx, async (tx) => {
    const current = new Map((await lockConventionKindCircuits(tx)).map((row) => [row.kind, row.definitionKey]));
    let changed = 0;
    for (const [kind, definitionKey] of wanted) {
      const before = current.get(kind) ?? DEFAULT_CONVENTION_CIRCUIT_KEY;
      if (before === definitionKey) continue;
      await upsertConventionKindCircuit(tx, { kind, definitionKey, updatedById: actor.id, updatedAt: ctx.now });
      await recordAudit(tx, ctx, {
        action: 'conventionCircuit.changed',
        entityType: 'convention_kind',
        entityId: kind,
        before: { definitionKey: before },
        after: { definitionKey },
      });
      changed += 1;
    }
    return changed;
  });
}

/**
 * « Créer et soumettre au circuit » (a renewal avenant's usual path): the convention is saved
 * first, then submitted. A refused submission leaves it a saved draft and says why, so nothing
 * typed is lost; bad input refuses the creation itself (ValidationError), as createConvention does.
 */
export async function createAndSubmitConvention(ctx: ServiceContext, input: unknown): Promise<{ convention: Convention; submissionRefused: string | null }> {
  const created = await createConvention(ctx, input);
  try {
    return { convention: await submitConvention({ ...ctx, now: new Date() }, created.id), submissionRefused: null };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { convention: created, submissionRefused: error.message };
  }
}

/** The convention's runs and their steps, newest first, for its page. */
export function circuitOfConvention(ctx: ServiceContext, id: string) {
  return listRunsOfSubject(ctx, 'convention', id);
}
