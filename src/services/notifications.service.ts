// /notifications and the header's bell: one's own notifications (workflow notices, reminders),
// a page at a time, unread ones or all; marking one or all read. A notification belongs to one
// person: nobody else reads it or marks it (another's id is « not found »).
import { z } from 'zod';
import { NotFoundError } from '../lib/errors';
import { t } from '../lib/i18n';
import { countNotifications, findNotificationOf, listNotifications, markNotificationRead, markNotificationsRead, type NotificationFilter } from '../models/notifications.model';
import type { Notification } from '../models/schema';
import { type ServiceContext, requireActor } from './context';
import { assertCan } from './permissions';

export const NOTIFICATIONS_PAGE_SIZE = 25;

const listSchema = z.object({
  statut: z.enum(['non_lues', 'toutes']).default('non_lues').catch('non_lues'),
  tri: z.enum(['recentes', 'anciennes']).default('recentes').catch('recentes'),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});
export type NotificationListQuery = z.infer<typeof listSchema>;

export interface NotificationView extends Notification {
  /** Its workflow step was decided since: nothing left to do (shown greyed, « traitée »). */
  done: boolean;
  read: boolean;
  /** Opening it marks it read, then goes to its link (a same-site path, or none). */
  target: string | null;
  /** « Validation », « Relance »… */
  kindLabel: string;
}

/** The family of a notification from its kind (`workflow.assignment`, `reminder.task.due_today`…). */
function kindLabelOf(kind: string): string {
  const family = kind.split('.')[0] ?? '';
  return t(`notificationCenter.kinds.${['workflow', 'reminder'].includes(family) ? family : 'other'}`);
}

/** Links are written by the app (« /validations/etapes/… »): only a path of this site is followed. */
const isSitePath = (link: string | null): link is string => typeof link === 'string' && /^\/(?![/\\])/.test(link) && !/[\\\s]/.test(link);

function viewOf(row: Notification): NotificationView {
  return { ...row, done: row.doneAt !== null, read: row.readAt !== null, target: isSitePath(row.link) ? row.link : null, kindLabel: kindLabelOf(row.kind) };
}

function ownerOf(ctx: ServiceContext): string {
  const actor = requireActor(ctx);
  assertCan(actor, 'notifications.read');
  return actor.id;
}

/** The bell's figure. */
export async function countMyUnreadNotifications(ctx: ServiceContext): Promise<number> {
  return countNotifications(ctx.db, { userId: ownerOf(ctx), unreadOnly: true });
}

/** /notifications: unread ones by default (« toutes » shows those read too), newest first, by pages. */
export async function listMyNotifications(ctx: ServiceContext, rawQuery: unknown = {}) {
  const userId = ownerOf(ctx);
  const query = listSchema.parse(rawQuery ?? {});
  const filter: NotificationFilter = { userId, unreadOnly: query.statut === 'non_lues', oldestFirst: query.tri === 'anciennes' };
  const [total, unreadCount] = await Promise.all([countNotifications(ctx.db, filter), countNotifications(ctx.db, { userId, unreadOnly: true })]);
  const pageCount = Math.max(1, Math.ceil(total / NOTIFICATIONS_PAGE_SIZE));
  const page = Math.min(query.page, pageCount);
  const rows = await listNotifications(ctx.db, filter, { limit: NOTIFICATIONS_PAGE_SIZE, offset: (page - 1) * NOTIFICATIONS_PAGE_SIZE });
  // The URL's own choices, without the defaults (links and pagination keep them short).
  const urlQuery: Record<string, string> = { ...(query.statut === 'toutes' ? { statut: 'toutes' } : {}), ...(query.tri === 'anciennes' ? { tri: 'anciennes' } : {}) };
  const search = new URLSearchParams({ ...urlQuery, ...(page > 1 ? { page: String(page) } : {}) }).toString();
  return {
    items: rows.map(viewOf),
    query: { ...query, page },
    urlQuery,
    /** This page's address: where the no-JS « marquer comme lue » comes back to. */
    backUrl: search ? `/notifications?${search}` : '/notifications',
    unreadOnly: filter.unreadOnly,
    total,
    unreadCount,
    page,
    pageCount,
  };
}
export type NotificationsPage = Awaited<ReturnType<typeof listMyNotifications>>;

/** Marks one of mine read; returns it (read). */
export async function markMyNotificationRead(ctx: ServiceContext, id: string): Promise<NotificationView> {
  const userId = ownerOf(ctx);
  const row = await findNotificationOf(ctx.db, userId, id);
  if (!row) throw new NotFoundError();
  await markNotificationRead(ctx.db, userId, id, ctx.now);
  return viewOf({ ...row, readAt: row.readAt ?? ctx.now });
}

/** Marks all of mine read; returns how many were unread. */
export async function markAllMyNotificationsRead(ctx: ServiceContext): Promise<number> {
  return markNotificationsRead(ctx.db, ownerOf(ctx), ctx.now);
}
