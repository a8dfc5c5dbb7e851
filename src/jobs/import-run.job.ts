// import.run: runs or resumes one import batch (src/services/import-run.service.ts). Running it
// twice is harmless: the batch's resume point and row lock decide who does which rows.
import type { Job } from 'bullmq';
import type { Database } from '../models/database';
import { t } from '../lib/i18n';
import { markImportFailed, runImportBatch } from '../services/import-run.service';
import type { ImportRunPayload } from '../workflows/queues';

export function importRunProcessor(db: Database) {
  return async (job: Job<ImportRunPayload>) => {
    try {
      return await runImportBatch(db, job.data.batchId);
    } catch (error) {
      // BullMQ retries with backoff; after the last attempt the batch shows as failed and resumable.
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        const reason = error instanceof Error ? error.message : String(error);
        await markImportFailed(db, job.data.batchId, t('imports.failures.jobFailed', { reason }));
      }
      throw error;
    }
  };
}
