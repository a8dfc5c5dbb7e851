// Queue names, job names and default job options: the one place that knows them.
import type { DefaultJobOptions } from 'bullmq';

export const QUEUE_NAMES = {
  system: 'system',
  mail: 'mail',
  imports: 'imports',
  workflows: 'workflows',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Job names are `<domain>.<action>`. */
export const JOB_NAMES = {
  heartbeat: 'system.heartbeat',
  outboxRelay: 'system.outbox-relay',
  sweep: 'system.sweep',
  duplicatesScan: 'system.duplicates-scan',
  conventionLifecycle: 'convention.lifecycle',
  reminderSweep: 'reminders.sweep',
  mailSend: 'mail.send',
  importRun: 'import.run',
  workflowStepReminder: 'workflow.step-reminder',
  workflowStepDue: 'workflow.step-due',
} as const;
export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];

export const DEFAULT_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 6,
  // 2 s, 4 s, 8 s… with jitter so retries from many jobs do not line up.
  backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5_000 },
};

/** Recurring jobs, registered as BullMQ job schedulers (idempotent upserts). */
export const SCHEDULES = {
  outboxRelayEveryMs: 5_000,
  sweepEveryMs: 60_000,
  duplicatesScanEveryMs: 60_000,
  /** Statuses follow Paris days; hourly keeps a change within the hour after midnight. */
  conventionLifecycleEveryMs: 3_600_000,
  /** Reminders: plan, re-plan and send what is due (the digest is one of its rules). */
  reminderSweepEveryMs: 60_000,
  /** How often each worker checks the schedulers above are still in Redis (see runtime.ts). */
  schedulersCheckMs: 30_000,
};

export interface ImportRunPayload {
  batchId: string;
}

export interface MailSendPayload {
  emailId: string;
}

/** A step's deadline jobs; `jobId` makes the outbox relay and the sweeper use the same id. */
export interface WorkflowStepPayload {
  stepId: string;
  jobId: string;
}

export function stepJobId(stepId: string, kind: 'reminder' | 'due'): string {
  return `step-${stepId}-${kind}`;
}

/** BullMQ job ids may not contain ':'; ours are derived from entity ids so a replay adds nothing. */
export function jobIdFor(kind: string, id: string): string {
  return `${kind}-${id}`.replace(/:/g, '-');
}
