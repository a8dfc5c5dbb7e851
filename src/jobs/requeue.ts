// Re-adding a job PostgreSQL says is still to do, under its deterministic id. BullMQ ignores an
// add whose id exists — including a job that failed all its attempts and sits in the failed set
// (kept 14 days): that one is given a new round of attempts instead, so a lasting failure (SMTP
// down for an hour, say) is retried by the sweeper once the cause is gone.
import type { JobsOptions, Queue } from 'bullmq';

export async function addOrRetry(queue: Queue, name: string, data: object, options: JobsOptions & { jobId: string }): Promise<'added' | 'retried' | 'present'> {
  const existing = await queue.getJob(options.jobId);
  if (existing) {
    if ((await existing.getState()) !== 'failed') return 'present';
    await existing.retry('failed');
    return 'retried';
  }
  await queue.add(name, data, options);
  return 'added';
}
