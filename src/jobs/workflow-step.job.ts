// workflow.step-reminder / workflow.step-due: a step's timers (DESIGN.md §5.4). Both re-read
// the step under the run lock: a decided, cancelled or already handled step ignores its timer,
// so a replay, the sweeper or a second worker never sends anything twice.
import type { Job } from 'bullmq';
import type { Database } from '../models/database';
import { listPendingDeadlines } from '../models/workflows.model';
import { remindStep, stepDeadlineReached } from '../services/workflows.service';
import { JOB_NAMES, stepJobId, type WorkflowStepPayload } from '../workflows/queues';
import type { Queue } from 'bullmq';
import { addOrRetry } from './requeue';

export function workflowStepProcessor(db: Database) {
  return async (job: Job<WorkflowStepPayload>) => {
    if (job.name === JOB_NAMES.workflowStepReminder) return remindStep(db, job.data.stepId);
    if (job.name === JOB_NAMES.workflowStepDue) return stepDeadlineReached(db, job.data.stepId);
    throw new Error(`unknown job ${job.name} on the workflows queue`);
  };
}

/**
 * Sweeper part: every reminder and deadline PostgreSQL says is not handled gets its job again,
 * delayed to its time, under the same deterministic id (an existing job makes the add a no-op;
 * one that failed all its attempts gets another round).
 */
export async function requeueWorkflowDeadlines(db: Database, queue: Queue, now = new Date()): Promise<number> {
  const steps = await listPendingDeadlines(db, 1_000);
  let added = 0;
  for (const step of steps) {
    const timers: Array<['reminder' | 'due', Date | null]> = [];
    if (step.kind === 'approval' && !step.remindedAt) timers.push(['reminder', step.remindAt]);
    if (!step.escalatedAt) timers.push(['due', step.dueAt]);
    for (const [kind, at] of timers) {
      if (!at) continue;
      const jobId = stepJobId(step.id, kind);
      const payload: WorkflowStepPayload = { stepId: step.id, jobId };
      const name = kind === 'reminder' ? JOB_NAMES.workflowStepReminder : JOB_NAMES.workflowStepDue;
      if ((await addOrRetry(queue, name, payload, { jobId, delay: Math.max(0, at.getTime() - now.getTime()) })) !== 'present') added += 1;
    }
  }
  return added;
}
