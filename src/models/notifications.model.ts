// In-app notifications (the header's bell and /notifications): workflow notices and reminders.
// Rows are written by the workflow engine (workflows.model.ts insertNotifications, in the
// transaction of a transition) and by the reminder dispatcher; this file reads them and marks
// them read. Every query is by user: the (user_id, created_at) index serves the list, the
// partial index on unread rows serves the bell's count.
import { and, asc, count, desc, eq, isNull } from 'drizzle-orm';
import type { Database } from './database';
import { type Notification, notifications } from './schema';

export interface NotificationFilter {
  userId: string;
  unreadOnly: boolean;
  oldestFirst?: boolean;
}

const whereOf = (filter: NotificationFilter) => and(eq(notifications.userId, filter.userId), filter.unreadOnly ? isNull(notifications.readAt) : undefined);

/** One page of a person's notifications, newest first (or oldest first). */
export async function listNotifications(db: Database, filter: NotificationFilter, page: { limit: number; offset: number }): Promise<Notification[]> {
  const order = filter.oldestFirst ? [asc(notifications.createdAt), asc(notifications.id)] : [desc(notifications.createdAt), desc(notifications.id)];
  return db.select().from(notifications).where(whereOf(filter)).orderBy(...order).limit(page.limit).offset(page.offset);
}

export async function countNotifications(db: Database, filter: NotificationFilter): Promise<number> {
  const [row] = await db.select({ value: count() }).from(notifications).where(whereOf(filter));
  return Number(row?.value ?? 0);
}

export async function findNotificationOf(db: Database, userId: string, id: string): Promise<Notification | undefined> {
  const [row] = await db.select().from(notifications).where(and(eq(notifications.id, id), eq(notifications.userId, userId)));
  return row;
}

/** Marks one of a person's notifications read (once: the first reading time is kept). */
export async function markNotificationRead(db: Database, userId: string, id: string, now: Date): Promise<void> {
  await db
    .update(notifications)
    .set({ readAt: now })
    .where(and(eq(notifications.id, id), eq(notifications.userId, userId), isNull(notifications.readAt)));
}

/** Marks every unread notification of a person read; returns how many. */
export async function markNotificationsRead(db: Database, userId: string, now: Date): Promise<number> {
  const rows = await db
    .update(notifications)
    .set({ readAt: now })
    .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return rows.length;
}
