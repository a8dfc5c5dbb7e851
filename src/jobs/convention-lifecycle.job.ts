// `convention.lifecycle` (system queue, hourly): convention statuses that follow the calendar.
// The service re-reads the database and only changes what is due, so a replay does nothing.
import type { Database } from '../models/database';
import { recordHeartbeat } from '../models/messaging.model';
import { applyConventionCalendar, type CalendarResult } from '../services/convention-lifecycle.service';
import { JOB_NAMES } from '../workflows/queues';

export async function runConventionLifecycle(db: Database, now = new Date()): Promise<CalendarResult> {
  const result = await applyConventionCalendar(db, now);
  await recordHeartbeat(db, JOB_NAMES.conventionLifecycle, now, { ...result });
  return result;
}
