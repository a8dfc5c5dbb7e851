// Binds queues to handlers. The web process only produces (queues + outbox relay nudges);
// a worker process (or the embedded `npm start`) also consumes and runs the job schedulers.
// What the handlers need registered first (how workflow runs move conventions' statuses, the
// workflow settings) is done by the composition root, src/boot.ts configureProcess.
import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Transporter } from 'nodemailer';
import type { Database } from '../models/database';
import { logger } from '../lib/logger';
import { importRunProcessor } from './import-run.job';
import { mailSendProcessor } from './mail-send.job';
import { relayOutbox } from './outbox-relay';
import { runConventionLifecycle } from './convention-lifecycle.job';
import { assertOutsideTransaction } from '../lib/transaction-scope';
import { DEFAULT_JOB_OPTIONS, JOB_NAMES, QUEUE_NAMES, type QueueName, SCHEDULES, jobIdFor } from '../workflows/queues';
import { runDuplicatesScan, runHeartbeat, runSweep } from './system.jobs';
import { workflowStepProcessor } from './workflow-step.job';
import { runReminderSweepJob } from './reminder-sweep.job';

export interface RuntimeOptions {
  db: Database;
  redis: RedisOptions;
  /** Redis key prefix; tests use their own so they never see each other's jobs. */
  prefix?: string;
  worker?: {
    transport: Transporter;
    mailFrom: string;
    concurrency: number;
    heartbeatSeconds: number;
    /** BullMQ lockDuration: a dead worker's active jobs are taken over after this (default 30 s). */
    lockSeconds?: number;
    /** Public URL of the application, for links in reminder e-mails. */
    baseUrl?: string;
    /** Run the reminder sweep (the composition root does; tests only where they ask). */
    reminders?: boolean;
    /** Periods of the recurring jobs (tests shorten them); defaults in SCHEDULES. */
    schedules?: Partial<typeof SCHEDULES>;
  };
}

export interface Runtime {
  queues: Record<QueueName, Queue>;
  /** Relays outbox rows now (coalesced: many calls in a burst make one relay pass). */
  dispatchOutbox(): void;
  /** Resolves once pending relay passes are done (tests and shutdown). */
  flushOutbox(): Promise<void>;
  /**
   * Stops consuming, lets the jobs in hand finish for at most `drainMs` (default: no limit),
   * then closes without waiting for the rest: a job abandoned that way is taken over by a
   * worker after its lock expires (handlers are idempotent).
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Adding a job is Redis I/O: from inside a database transaction it would hold the transaction
 * (and embedded PGlite's only connection) while Redis answers. Services write outbox rows instead.
 */
function refuseInsideTransactions(queue: Queue): Queue {
  for (const method of ['add', 'addBulk'] as const) {
    const original = queue[method].bind(queue) as (...args: unknown[]) => unknown;
    (queue as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      assertOutsideTransaction(`adding a job to the ${queue.name} queue (Redis)`);
      return original(...args);
    };
  }
  return queue;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  // BullMQ declares its own (structurally looser) option type for the same ioredis options.
  const connection = { ...options.redis, maxRetriesPerRequest: null } as ConnectionOptions;
  const prefix = options.prefix ?? 'bull';
  const queues = Object.fromEntries(
    Object.values(QUEUE_NAMES).map((name) => [name, refuseInsideTransactions(new Queue(name, { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS }))]),
  ) as Record<QueueName, Queue>;

  let relaying: Promise<void> | null = null;
  let again = false;
  const relayLoop = async (): Promise<void> => {
    do {
      again = false;
      try {
        await relayOutbox(options.db, queues);
      } catch (error) {
        // The periodic relay job will pick the rows up: nothing is lost.
        logger.warn({ err: error }, 'outbox relay failed');
      }
    } while (again);
  };
  const dispatchOutbox = () => {
    if (relaying) {
      again = true;
      return;
    }
    relaying = relayLoop().finally(() => {
      relaying = null;
    });
  };

  const workers: Worker[] = [];
  let schedulersWatchdog: NodeJS.Timeout | undefined;
  if (options.worker) {
    const { transport, mailFrom, concurrency, heartbeatSeconds } = options.worker;
    // A job whose lock is not renewed in lockDuration is "stalled": the stalled-jobs check, run
    // every half lock, moves it back to waiting for any live worker. Handlers are idempotent, so
    // a job that half ran in a killed process is simply run again.
    const lockDuration = (options.worker.lockSeconds ?? 30) * 1000;
    const lockOptions = { lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: 3 };
    const systemWorker = new Worker(
      QUEUE_NAMES.system,
      async (job: Job) => {
        switch (job.name) {
          case JOB_NAMES.heartbeat:
            return runHeartbeat(options.db);
          case JOB_NAMES.outboxRelay:
            return relayOutbox(options.db, queues);
          case JOB_NAMES.sweep:
            return runSweep(options.db, queues.mail, queues.imports, new Date(), queues.workflows, { afterRedisLoss: job.data?.afterRedisLoss === true });
          case JOB_NAMES.duplicatesScan:
            return runDuplicatesScan(options.db);
          case JOB_NAMES.conventionLifecycle:
            return runConventionLifecycle(options.db);
          case JOB_NAMES.reminderSweep:
            return runReminderSweepJob(options.db, { baseUrl: options.worker?.baseUrl ?? 'http://localhost:3000', dispatchOutbox });
          default:
            throw new Error(`unknown job ${job.name} on queue ${QUEUE_NAMES.system}`);
        }
      },
      { connection, prefix, concurrency: 1, ...lockOptions },
    );
    const mailWorker = new Worker(QUEUE_NAMES.mail, mailSendProcessor({ db: options.db, transport, from: mailFrom }), { connection, prefix, concurrency, ...lockOptions });
    // One import at a time per worker process: an import is long and already batches its writes.
    const importWorker = new Worker(QUEUE_NAMES.imports, importRunProcessor(options.db), { connection, prefix, concurrency: 1, ...lockOptions });
    const workflowsWorker = new Worker(QUEUE_NAMES.workflows, workflowStepProcessor(options.db), { connection, prefix, concurrency, ...lockOptions });
    for (const worker of [systemWorker, mailWorker, importWorker, workflowsWorker]) {
      worker.on('failed', (job, error) => logger.warn({ queue: worker.name, job: job?.name, jobId: job?.id, err: error.message }, 'job failed'));
      worker.on('error', (error) => logger.error({ queue: worker.name, err: error }, 'worker error'));
      workers.push(worker);
    }
    // Job schedulers are upserts: every worker process may declare them, Redis keeps one of each.
    const every = { ...SCHEDULES, ...options.worker.schedules };
    const declareSchedulers = async () => {
      await queues.system.upsertJobScheduler(JOB_NAMES.heartbeat, { every: heartbeatSeconds * 1000 }, { name: JOB_NAMES.heartbeat });
      await queues.system.upsertJobScheduler(JOB_NAMES.outboxRelay, { every: every.outboxRelayEveryMs }, { name: JOB_NAMES.outboxRelay });
      await queues.system.upsertJobScheduler(JOB_NAMES.sweep, { every: every.sweepEveryMs }, { name: JOB_NAMES.sweep });
      await queues.system.upsertJobScheduler(JOB_NAMES.duplicatesScan, { every: every.duplicatesScanEveryMs }, { name: JOB_NAMES.duplicatesScan });
      await queues.system.upsertJobScheduler(JOB_NAMES.conventionLifecycle, { every: every.conventionLifecycleEveryMs }, { name: JOB_NAMES.conventionLifecycle });
      if (options.worker?.reminders === true) {
        await queues.system.upsertJobScheduler(JOB_NAMES.reminderSweep, { every: every.reminderSweepEveryMs }, { name: JOB_NAMES.reminderSweep });
      }
    };
    await declareSchedulers();
    // The schedulers live in Redis: a FLUSHALL, or a restart of a Redis that keeps nothing on
    // disk, loses them — and with them the sweeper that rebuilds everything else from
    // PostgreSQL. Each worker checks they are still there and declares them again if not.
    let checking = false;
    schedulersWatchdog = setInterval(() => {
      if (checking) return;
      checking = true;
      queues.system
        .getJobScheduler(JOB_NAMES.sweep)
        .then(async (present) => {
          if (present) return;
          logger.warn('job schedulers missing from Redis (flushed or restarted without persistence): declaring them again');
          await declareSchedulers();
          await queues.system.add(JOB_NAMES.sweep, { afterRedisLoss: true }, { jobId: jobIdFor('sweep-after-loss', String(Date.now())) });
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'job schedulers check failed'))
        .finally(() => {
          checking = false;
        });
    }, every.schedulersCheckMs);
    schedulersWatchdog.unref();
  }

  return {
    queues,
    dispatchOutbox,
    flushOutbox: async () => {
      while (relaying) await relaying;
    },
    close: async ({ drainMs }: { drainMs?: number } = {}) => {
      clearInterval(schedulersWatchdog);
      // Workers first (they finish the jobs in hand, within the drain time), then the producers.
      if (drainMs === undefined) {
        await Promise.all(workers.map((worker) => worker.close()));
      } else {
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([
          Promise.all(workers.map((worker) => worker.pause())).then(() => true),
          new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), drainMs);
          }),
        ]);
        clearTimeout(timer);
        if (!drained) logger.warn({ drainMs }, 'jobs still running after the drain time: closing without waiting for them');
        await Promise.all(workers.map((worker) => worker.close(!drained)));
      }
      const relayed = (async () => {
        while (relaying) await relaying;
      })();
      await (drainMs === undefined ? relayed : Promise.race([relayed, new Promise((resolve) => setTimeout(resolve, drainMs).unref())]));
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
    },
  };
}
