// The sweeper's re-add (src/jobs/requeue.ts) on real Redis: a job that exhausted its
// attempts is not left in the failed set forever once PostgreSQL says it is still to do.
import { randomBytes } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { redisOptionsFromUrl } from '../../src/lib/redis';
import { addOrRetry } from '../../src/jobs/requeue';
import { TEST_REDIS_URL } from '../support/env';
import { eventually } from '../support/harness';

describe('addOrRetry (sweeper re-add)', () => {
  const connection = { ...redisOptionsFromUrl(TEST_REDIS_URL), maxRetriesPerRequest: null } as ConnectionOptions;
  const prefix = `test-requeue-${randomBytes(4).toString('hex')}`;
  const queue = new Queue('requeue', { connection, prefix });
  let worker: Worker | undefined;

  afterAll(async () => {
    await worker?.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  test('adds a missing job, leaves a present one alone, gives a failed one another round', async () => {
    let failing = true;
    const runs: string[] = [];
    worker = new Worker(
      'requeue',
      async (job) => {
        runs.push(String(job.id));
        if (failing) throw new Error('SMTP indisponible');
      },
      { connection, prefix },
    );
    expect(await addOrRetry(queue, 'timer', { n: 1 }, { jobId: 'timer-1', attempts: 1 })).toBe('added');
    await eventually(async () => (await queue.getJob('timer-1'))?.isFailed());
    // While it sits in the failed set, a plain add with the same id would be ignored by BullMQ.
    failing = false;
    expect(await addOrRetry(queue, 'timer', { n: 1 }, { jobId: 'timer-1', attempts: 1 })).toBe('retried');
    await eventually(async () => (await queue.getJob('timer-1'))?.isCompleted());
    expect(runs).toEqual(['timer-1', 'timer-1']);
    // A completed (or waiting, delayed, active) job is present: nothing added, nothing run again.
    expect(await addOrRetry(queue, 'timer', { n: 1 }, { jobId: 'timer-1', attempts: 1 })).toBe('present');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs).toEqual(['timer-1', 'timer-1']);
  });
});
