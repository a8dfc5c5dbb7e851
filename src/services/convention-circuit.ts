// Conventions in the approval circuit (src/workflows/definitions/convention-approval.workflow.ts):
// the chargé submits (or resubmits after « modifications demandées »), and every change of the
// run moves the convention's status in the same transaction. Importing this module registers
// the status mapping: src/app.ts (decisions are taken in web requests) and
// src/workflows/runtime.ts (timers and waits advance runs in workers) both import it.
import { ConflictError } from '../lib/errors';
import { t } from '../lib/i18n';
import { logger } from '../lib/logger';
import { findConventionById } from '../models/conventions.model';
import { findOpenRunForSubject } from '../models/workflows.model';
import type { Convention, ConventionStatus } from '../models/schema';
import { CONVENTION_APPROVAL_KEY } from '../workflows/definitions/convention-approval.workflow';
import { type ServiceContext, inTransaction } from './context';
import { getConventionForEdit, setConventionStatus } from './conventions.service';
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
    if (!UUID.test(change.subjectId) || !(await findConventionById(tx, change.subjectId))) {
      logger.warn({ runId: change.runId, subjectId: change.subjectId }, 'workflow run about a convention that does not exist');
      return;
    }
    await setConventionStatus(tx, ctx, change.subjectId, status, t(`conventions.circuitReasons.${change.status}`));
  });
}
registerConventionCircuit();

const SUBMITTABLE: ConventionStatus[] = ['brouillon', 'modifications_demandees'];

/** Starts the circuit, or its next round when changes were requested. Same rights as editing. */
export async function submitConvention(ctx: ServiceContext, id: string): Promise<Convention> {
  const { convention } = await getConventionForEdit(ctx, id);
  if (!SUBMITTABLE.includes(convention.status)) throw new ConflictError(t('conventions.errors.notSubmittable'));
  const context = { title: `${convention.reference} — ${convention.title}`, amount: convention.amountCents === null ? 0 : convention.amountCents / 100 };
  await inTransaction(ctx, async (tx) => {
    const open = await findOpenRunForSubject(tx, 'convention', id);
    if (open?.status === 'changes_requested') await resubmitRun(tx, ctx, { runId: open.id, context });
    else if (open) throw new ConflictError(t('workflows.errors.alreadyRunning'));
    else await startRun(tx, ctx, { definitionKey: CONVENTION_APPROVAL_KEY, subject: { type: 'convention', id, unitId: convention.unitId, context } });
  });
  const { convention: after } = await getConventionForEdit(ctx, id);
  return after;
}

/** The convention's runs and their steps, newest first, for its page. */
export function circuitOfConvention(ctx: ServiceContext, id: string) {
  return listRunsOfSubject(ctx, 'convention', id);
}
