// Moves outbox rows to BullMQ (DESIGN.md §5). The job id is the outbox id, so a retry or a
// second relay running at the same time never enqueues the same job twice. Read, add to Redis,
// then mark: no transaction is open while Redis answers (docs/architecture.md, « One
// connection »). A relay that dies between the add and the mark leaves rows that the next
// relay adds again, which Redis ignores (same job ids).
import type { Queue } from 'bullmq';
import type { Database } from '../models/database';
import { listPendingOutboxRows, markOutboxDispatched } from '../models/messaging.model';
import type { OutboxRow } from '../models/schema';
import { jobIdFor, type QueueName } from '../workflows/queues';

const BATCH_SIZE = 200;

export async function relayOutbox(db: Database, queues: Record<QueueName, Queue>, now = new Date()): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await listPendingOutboxRows(db, BATCH_SIZE);
    const byQueue = new Map<Queue, OutboxRow[]>();
    for (const row of rows) {
      const queue = queues[row.queue as QueueName];
      if (!queue) throw new Error(`outbox row ${row.id} names unknown queue ${row.queue}`);
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), row]);
    }
    // One Redis round trip per queue rather than per row. addBulk runs the same add script
    // as add: an id Redis already holds adds nothing.
    for (const [queue, queued] of byQueue) {
      await queue.addBulk(
        queued.map((row) => ({
          name: row.jobName,
          data: row.payload,
          opts: {
            // A payload may name its own deterministic id (workflow deadlines: the sweeper re-adds the same one).
            jobId: typeof row.payload.jobId === 'string' ? row.payload.jobId : jobIdFor('outbox', row.id),
            delay: Math.max(0, row.runAt.getTime() - now.getTime()),
          },
        })),
      );
    }
    await markOutboxDispatched(db, rows.map((row) => row.id), now);
    total += rows.length;
    if (rows.length < BATCH_SIZE) return total;
  }
}
