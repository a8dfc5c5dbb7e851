// reminders.sweep (BullMQ job scheduler, every minute): re-plans, plans and dispatches the
// reminders (src/services/reminders.service.ts). Every step is idempotent in PostgreSQL: a sweep
// killed half-way, run twice, or run by two workers at once plans and sends each reminder once;
// the digest at 08:00 Paris is one of its rules, not a cron of its own.
import type { Database } from '../models/database';
import { logSweep, runReminderSweep, type SweepReport } from '../services/reminders.service';

export async function runReminderSweepJob(db: Database, options: { baseUrl: string; dispatchOutbox?: () => void }): Promise<SweepReport> {
  const report = await runReminderSweep(db, { baseUrl: options.baseUrl, dispatchOutbox: options.dispatchOutbox });
  logSweep(report);
  return report;
}
