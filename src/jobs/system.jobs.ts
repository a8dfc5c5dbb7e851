// Recurring housekeeping on the `system` queue. Every handler is safe to run twice.
import os from 'node:os';
import type { Queue } from 'bullmq';
import type { Database } from '../models/database';
import { deleteDispatchedOutboxRowsBefore, listStalePendingEmails, recordHeartbeat } from '../models/messaging.model';
import { scanOrganizationNames } from '../models/duplicates.model';
import { listStalledImportBatches } from '../models/imports.model';
import { deleteExpiredSessions } from '../models/sessions.model';
import { JOB_NAMES, jobIdFor, type ImportRunPayload, type MailSendPayload } from '../workflows/queues';
import { addOrRetry } from './requeue';
import { requeueWorkflowDeadlines } from './workflow-step.job';

export async function runHeartbeat(db: Database, now = new Date()): Promise<void> {
  await recordHeartbeat(db, JOB_NAMES.heartbeat, now, { hostname: os.hostname(), pid: process.pid });
}

const STALE_EMAIL_MS = 2 * 60_000;
/** An import commits a chunk every second or so: two minutes without progress means its job was lost. */
const STALLED_IMPORT_MS = 2 * 60_000;
const OUTBOX_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Rebuilds from PostgreSQL what Redis may have lost (after a flush or a restart): every email
 * still pending gets a job again, under a deterministic id so the sweep never doubles one.
 */
export async function runSweep(
  db: Database,
  mailQueue: Queue,
  importsQueue?: Queue,
  now = new Date(),
  workflowsQueue?: Queue,
  options: { afterRedisLoss?: boolean } = {},
): Promise<{ emailsRequeued: number; sessionsDeleted: number; importsRequeued: number; workflowTimers: number }> {
  // Usually only emails pending for a while (their job may still be on its way); right after
  // Redis lost its data, every pending one (their jobs are certainly gone).
  const stale = await listStalePendingEmails(db, new Date(now.getTime() - (options.afterRedisLoss ? 0 : STALE_EMAIL_MS)), 500);
  for (const email of stale) {
    const payload: MailSendPayload = { emailId: email.id };
    // A job that failed all its attempts (SMTP down for long) gets another round.
    await addOrRetry(mailQueue, JOB_NAMES.mailSend, payload, { jobId: jobIdFor('mail', email.id) });
  }
  // The id names the resume point: sweeping again before it moves adds nothing.
  const stalled = importsQueue ? await listStalledImportBatches(db, new Date(now.getTime() - STALLED_IMPORT_MS), 50) : [];
  for (const batch of stalled) {
    const payload: ImportRunPayload = { batchId: batch.id };
    await importsQueue?.add(JOB_NAMES.importRun, payload, { jobId: jobIdFor('import', `${batch.id}-${batch.processedRows}`) });
  }
  // Workflow reminders and deadlines not handled yet (same job ids as when they were scheduled).
  const workflowTimers = workflowsQueue ? await requeueWorkflowDeadlines(db, workflowsQueue, now) : 0;
  const sessionsDeleted = await deleteExpiredSessions(db, now);
  await deleteDispatchedOutboxRowsBefore(db, new Date(now.getTime() - OUTBOX_RETENTION_MS));
  await recordHeartbeat(db, JOB_NAMES.sweep, now, { emailsRequeued: stale.length, sessionsDeleted });
  return { emailsRequeued: stale.length, sessionsDeleted, importsRequeued: stalled.length, workflowTimers };
}

/** Organisations compared per transaction, and how long one job may keep scanning. */
const DUPLICATES_SCAN_BATCH = 200;
const DUPLICATES_SCAN_BUDGET_MS = 20_000;

/**
 * Compares organisations changed since the last pass with the whole table (similar names), a
 * batch per transaction, for at most 20 s; the next run (every minute) goes on where it stopped.
 */
export async function runDuplicatesScan(db: Database, budgetMs = DUPLICATES_SCAN_BUDGET_MS): Promise<{ scanned: number; pairs: number }> {
  const deadline = Date.now() + budgetMs;
  const total = { scanned: 0, pairs: 0 };
  while (Date.now() < deadline) {
    const pass = await scanOrganizationNames(db, DUPLICATES_SCAN_BATCH);
    total.scanned += pass.scanned;
    total.pairs += pass.pairs;
    if (pass.scanned < DUPLICATES_SCAN_BATCH) break;
  }
  return total;
}
