// The agenda (issue 13): /agenda as a month or a list, the personal iCal feed behind a signed
// secret URL, and the .ics of one exchange or event. One set of items feeds all three: exchanges
// the person wrote or takes part in (through exchangeVisibleTo), events they own or take part
// in, their open tasks' due days, the deadlines of their units' conventions in force — or, for a
// manager's « Mes unités », the same for their units. Nothing confidential leaves in a calendar
// file: never an exchange's notes; a confidential exchange shows its kind only in the feed.
import { z } from 'zod';
import { DateTime, Info } from 'luxon';
import { NotFoundError } from '../lib/errors';
import { t } from '../lib/i18n';
import { formatDate, formatLongDate, isoDateInParis, isoTimeInParis } from '../lib/format';
import { buildCalendar, icsUid, type IcsItem } from '../lib/ical';
import { PARIS_ZONE, addParisDays, atParisTime, startOfParisDayInstant } from '../lib/paris-time';
import { signToken, verifyToken } from '../lib/signed-tokens';
import { isUuid } from '../lib/validation';
import {
  type AgendaConventionRow,
  type AgendaEventRow,
  type AgendaExchangeRow,
  type AgendaPeriod,
  type AgendaScope,
  type AgendaTaskRow,
  deactivateCalendarFeed,
  findAgendaEvent,
  findCalendarFeed,
  findVisibleAgendaExchange,
  listAgendaConventions,
  listAgendaEvents,
  listAgendaExchanges,
  listAgendaTasks,
  lockCalendarFeed,
  renewCalendarFeed,
  touchCalendarFeed,
} from '../models/agenda.model';
import type { Database } from '../models/database';
import { signingKey } from '../models/signing-key.model';
import { recordAudit } from './audit.service';
import { loadActiveActor } from './auth.service';
import { type Actor, type ServiceContext, inTransaction, requireActor } from './context';
import { assertCan, can, hasRole } from './permissions';

/** At most this many items of one type in a month (a manager's units may log a lot). */
export const AGENDA_LIMIT_PER_TYPE = 500;
/** A day cell of the month shows this many items, then « + N autres » (the day in the list view). */
const ITEMS_PER_CELL = 5;
/** The feed: from three months back to a year ahead, at most this many items of one type. */
const FEED_DAYS_BACK = 92;
const FEED_DAYS_AHEAD = 366;
const FEED_LIMIT_PER_TYPE = 2_000;
/** Calendar apps are asked to read the feed again every hour. */
const FEED_REFRESH_SECONDS = 3_600;

export const AGENDA_TYPES = ['echange', 'evenement', 'tache', 'convention'] as const;
export type AgendaType = (typeof AGENDA_TYPES)[number];
const VIEWS = ['mois', 'liste'] as const;
const SCOPES = ['moi', 'unites'] as const;
const ORDERS = ['asc', 'desc'] as const;

// ── Items ────────────────────────────────────────────────────────────────────────────────────

/** One line of the agenda, on one Paris day. */
export interface AgendaItem {
  type: AgendaType;
  typeLabel: string;
  /** Paris day (YYYY-MM-DD) it is shown on. */
  day: string;
  /** Sort key within the period: the instant, or the day's midnight for dated items (first of their day). */
  sortKey: number;
  /** 'HH:MM' for timed items; null for a day's items (tasks without a time, deadlines). */
  time: string | null;
  label: string;
  detail: string | null;
  href: string;
  /** A .ics of this one item (exchanges and events). */
  icsHref: string | null;
  cancelled: boolean;
  confidential: boolean;
}

function exchangeItem(row: AgendaExchangeRow): AgendaItem {
  return {
    type: 'echange',
    typeLabel: t(`exchanges.kinds.${row.kind}`),
    day: isoDateInParis(row.occurredAt),
    sortKey: row.occurredAt.getTime(),
    time: isoTimeInParis(row.occurredAt),
    label: row.summary,
    detail: [row.organizationNames, row.place].filter(Boolean).join(' · ') || null,
    href: `/echanges/${row.id}`,
    icsHref: `/agenda/echanges/${row.id}.ics`,
    cancelled: false,
    confidential: row.confidential,
  };
}

function eventItem(row: AgendaEventRow, period: { fromDay: string }): AgendaItem {
  const startDay = isoDateInParis(row.startsAt);
  const endDay = isoDateInParis(new Date(row.endsAt.getTime() - 1));
  // An event that began before the period shows on its first day inside it.
  const day = startDay < period.fromDay ? period.fromDay : startDay;
  return {
    type: 'evenement',
    typeLabel: t(`events.kinds.${row.kind}`),
    day,
    sortKey: Math.max(row.startsAt.getTime(), startOfParisDayInstant(day).getTime()),
    time: day === startDay ? isoTimeInParis(row.startsAt) : null,
    label: row.title,
    detail: [endDay !== startDay ? t('agenda.until', { date: formatDate(endDay) }) : `${isoTimeInParis(row.startsAt)} – ${isoTimeInParis(row.endsAt)}`, row.place].filter(Boolean).join(' · '),
    href: `/evenements/${row.id}`,
    icsHref: `/agenda/evenements/${row.id}.ics`,
    cancelled: row.status === 'annule',
    confidential: false,
  };
}

function taskItem(row: AgendaTaskRow, showAssignee: boolean): AgendaItem {
  const time = row.dueTime ? row.dueTime.slice(0, 5) : null;
  return {
    type: 'tache',
    typeLabel: t('agenda.typeOne.tache'),
    day: row.dueOn,
    sortKey: (time ? atParisTime(row.dueOn, time) : startOfParisDayInstant(row.dueOn)).getTime(),
    time,
    label: row.title,
    detail: showAssignee && row.assigneeName ? t('agenda.items.taskAssignee', { name: row.assigneeName }) : null,
    href: `/taches/${row.id}`,
    icsHref: null,
    cancelled: false,
    confidential: false,
  };
}

function conventionItems(row: AgendaConventionRow, period: { fromDay: string; toDay: string }): AgendaItem[] {
  const items: AgendaItem[] = [];
  const inside = (day: string | null): day is string => day !== null && day >= period.fromDay && day <= period.toDay;
  const base = { type: 'convention' as const, typeLabel: t('agenda.typeOne.convention'), time: null, href: `/conventions/${row.id}`, icsHref: null, cancelled: false, confidential: false };
  if (inside(row.noticeDeadline)) {
    items.push({ ...base, day: row.noticeDeadline, sortKey: startOfParisDayInstant(row.noticeDeadline).getTime(), label: t('agenda.items.conventionNotice', { reference: row.reference, title: row.title }), detail: row.tacitRenewal ? t('agenda.items.conventionTacit') : null });
  }
  if (inside(row.endsOn)) {
    items.push({ ...base, day: row.endsOn, sortKey: startOfParisDayInstant(row.endsOn).getTime(), label: t('agenda.items.conventionEnd', { reference: row.reference, title: row.title }), detail: row.tacitRenewal ? t('agenda.items.conventionTacit') : null });
  }
  return items;
}

interface AgendaRows {
  exchanges: AgendaExchangeRow[];
  events: AgendaEventRow[];
  tasks: AgendaTaskRow[];
  conventions: AgendaConventionRow[];
}

/** The rows of a scope in a period, for the chosen types, side by side (never inside a transaction). */
async function readRows(db: Database, viewer: Actor, scope: AgendaScope, period: AgendaPeriod, types: readonly AgendaType[], limit: number): Promise<AgendaRows> {
  const wants = (type: AgendaType) => types.includes(type);
  const [exchanges, events, tasks, conventions] = await Promise.all([
    wants('echange') ? listAgendaExchanges(db, viewer, scope, period, limit) : [],
    wants('evenement') ? listAgendaEvents(db, scope, period, limit) : [],
    wants('tache') ? listAgendaTasks(db, scope, period, limit) : [],
    wants('convention') ? listAgendaConventions(db, scope, period, limit) : [],
  ]);
  return { exchanges, events, tasks, conventions };
}

/** The scope of « Mon agenda »: my items, and my units' convention deadlines. */
function personalScope(actor: Actor): AgendaScope {
  return { kind: 'person', userId: actor.id, unitIds: actor.unitIds };
}

function periodOf(fromDay: string, toDay: string): AgendaPeriod {
  return { fromDay, toDay, from: startOfParisDayInstant(fromDay), to: startOfParisDayInstant(addParisDays(toDay, 1)) };
}

// ── The page ─────────────────────────────────────────────────────────────────────────────────

const MONTH = /^(19\d{2}|2\d{3})-(0[1-9]|1[0-2])$/;

const pageSchema = z.object({
  vue: z.enum(VIEWS).default('mois').catch('mois'),
  mois: z.string().regex(MONTH).optional().catch(undefined),
  portee: z.enum(SCOPES).default('moi').catch('moi'),
  type: z
    .preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(z.enum(AGENDA_TYPES)))
    .optional()
    .catch(undefined),
  ordre: z.enum(ORDERS).default('asc').catch('asc'),
});

/** A manager (or an admin who belongs to units) may look at their units' agenda. */
function mayViewUnits(actor: Actor): boolean {
  return actor.unitIds.length > 0 && (hasRole(actor, 'manager') || hasRole(actor, 'admin'));
}

const monthFormat = (month: DateTime) => month.setLocale('fr').toFormat('LLLL yyyy');

/**
 * /agenda: the month (a grid of weeks, Monday first) or the list of its days, for me or my units,
 * with the types chosen — everything from the URL, so a view is a link.
 */
export async function agendaPage(ctx: ServiceContext, rawQuery: unknown) {
  const actor = requireActor(ctx);
  assertCan(actor, 'agenda.read');
  const parsed = pageSchema.parse(rawQuery ?? {});
  const scopeChoice = parsed.portee === 'unites' && mayViewUnits(actor) ? 'unites' : 'moi';
  const today = isoDateInParis(ctx.now);
  const month = DateTime.fromISO(`${parsed.mois ?? today.slice(0, 7)}-01`, { zone: PARIS_ZONE });
  const monthKey = month.toFormat('yyyy-LL');
  const types = parsed.type && parsed.type.length > 0 ? AGENDA_TYPES.filter((type) => parsed.type?.includes(type)) : [...AGENDA_TYPES];
  const firstDay = month.toISODate() as string;
  const lastDay = month.endOf('month').toISODate() as string;
  // The month view shows whole weeks: from the Monday before the 1st to the Sunday after the last day.
  const gridFrom = month.minus({ days: month.weekday - 1 }).toISODate() as string;
  const monthEnd = month.endOf('month');
  const gridTo = monthEnd.plus({ days: 7 - monthEnd.weekday }).toISODate() as string;
  const period = parsed.vue === 'mois' ? periodOf(gridFrom, gridTo) : periodOf(firstDay, lastDay);
  const scope: AgendaScope = scopeChoice === 'unites' ? { kind: 'units', unitIds: actor.unitIds } : personalScope(actor);

  const rows = await readRows(ctx.db, actor, scope, period, types, AGENDA_LIMIT_PER_TYPE);
  const truncated = Object.values(rows).some((list) => list.length >= AGENDA_LIMIT_PER_TYPE);
  const items = [
    ...rows.exchanges.map(exchangeItem),
    ...rows.events.map((row) => eventItem(row, period)),
    ...rows.tasks.map((row) => taskItem(row, scopeChoice === 'unites')),
    ...rows.conventions.flatMap((row) => conventionItems(row, period)),
  ].sort((a, b) => a.sortKey - b.sortKey || a.label.localeCompare(b.label, 'fr'));
  const byDay = new Map<string, AgendaItem[]>();
  for (const item of items) {
    const list = byDay.get(item.day);
    if (list) list.push(item);
    else byDay.set(item.day, [item]);
  }
  const inMonthCount = items.filter((item) => item.day >= firstDay && item.day <= lastDay).length;

  // The URL's own filters, without the defaults (links keep them short).
  const urlQuery: Record<string, string | string[]> = {};
  if (parsed.vue !== 'mois') urlQuery.vue = parsed.vue;
  if (scopeChoice !== 'moi') urlQuery.portee = scopeChoice;
  if (types.length < AGENDA_TYPES.length) urlQuery.type = types;
  if (parsed.vue === 'liste' && parsed.ordre !== 'asc') urlQuery.ordre = parsed.ordre;
  const monthLabel = monthFormat(month);
  const listParams = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...urlQuery, vue: 'liste', mois: monthKey })) {
    for (const one of Array.isArray(value) ? value : [value]) listParams.append(key, one);
  }
  const dayView = (iso: string) => {
    const date = DateTime.fromISO(iso, { zone: PARIS_ZONE });
    const dayItems = byDay.get(iso) ?? [];
    return {
      iso,
      number: date.day,
      label: formatLongDate(startOfParisDayInstant(iso)),
      weekdayShort: date.setLocale('fr').toFormat('ccc'),
      inMonth: iso >= firstDay && iso <= lastDay,
      isToday: iso === today,
      weekend: date.weekday >= 6,
      items: dayItems,
      cellItems: dayItems.slice(0, ITEMS_PER_CELL),
      moreCount: Math.max(0, dayItems.length - ITEMS_PER_CELL),
      moreHref: `/agenda?${listParams.toString()}#agenda-day-${iso}`,
      summary: t('agenda.dayItems', { day: formatLongDate(startOfParisDayInstant(iso)), count: dayItems.length }),
    };
  };

  const weeks: Array<{ number: number; days: ReturnType<typeof dayView>[] }> = [];
  if (parsed.vue === 'mois') {
    for (let cursor = DateTime.fromISO(gridFrom, { zone: PARIS_ZONE }); (cursor.toISODate() as string) <= gridTo; cursor = cursor.plus({ weeks: 1 })) {
      const days = [];
      for (let offset = 0; offset < 7; offset += 1) days.push(dayView(cursor.plus({ days: offset }).toISODate() as string));
      weeks.push({ number: cursor.weekNumber, days });
    }
  }
  const listDays = parsed.vue === 'liste' ? [...byDay.keys()].sort().map(dayView) : [];
  if (parsed.ordre === 'desc') {
    listDays.reverse();
    for (const day of listDays) day.items = [...day.items].reverse();
  }

  const previous = month.minus({ months: 1 });
  const next = month.plus({ months: 1 });
  return {
    title: scopeChoice === 'unites' ? t('agenda.unitsAgenda') : t('agenda.myAgenda'),
    query: { vue: parsed.vue, mois: monthKey, portee: scopeChoice, type: types, ordre: parsed.ordre },
    urlQuery,
    monthKey,
    monthLabel,
    isMonthView: parsed.vue === 'mois',
    weekdays: Info.weekdays('long', { locale: 'fr' }).map((long, index) => ({ long, short: Info.weekdays('short', { locale: 'fr' })[index] })),
    weeks,
    listDays,
    count: inMonthCount,
    caption: t('agenda.monthCaption', { month: monthLabel, count: inMonthCount }),
    countLabel: t('agenda.count', { count: inMonthCount, month: monthLabel }),
    truncated,
    limit: AGENDA_LIMIT_PER_TYPE,
    filtered: types.length < AGENDA_TYPES.length,
    monthNav: {
      previous: { key: previous.toFormat('yyyy-LL'), label: monthFormat(previous) },
      next: { key: next.toFormat('yyyy-LL'), label: monthFormat(next) },
      current: today.slice(0, 7),
      isCurrent: monthKey === today.slice(0, 7),
    },
    options: {
      views: VIEWS.map((value) => ({ value, label: t(`agenda.views.${value}`) })),
      scopes: mayViewUnits(actor) ? SCOPES.map((value) => ({ value, label: t(`agenda.scopes.${value}`) })) : [],
      types: AGENDA_TYPES.map((value) => ({ value, label: t(`agenda.types.${value}`), checked: types.includes(value) })),
      orders: ORDERS.map((value) => ({ value, label: t(`agenda.order.${value}`) })),
    },
  };
}

// ── iCalendar items ──────────────────────────────────────────────────────────────────────────

function linkOf(baseUrl: string, path: string): string {
  return new URL(path, baseUrl).toString();
}

/**
 * An exchange as a calendar entry: its kind and summary, its organisations, place and link —
 * never its notes. `hideConfidential` (the feed, which leaves Passerelle for a calendar service):
 * a confidential exchange keeps its kind and time only.
 */
function exchangeIcs(row: AgendaExchangeRow, baseUrl: string, hideConfidential: boolean): IcsItem {
  const url = linkOf(baseUrl, `/echanges/${row.id}`);
  const kind = t(`exchanges.kinds.${row.kind}`);
  const hidden = hideConfidential && row.confidential;
  return {
    uid: icsUid('exchange', row.id, baseUrl),
    sequence: 0,
    start: row.occurredAt,
    end: row.durationMinutes ? new Date(row.occurredAt.getTime() + row.durationMinutes * 60_000) : null,
    summary: hidden ? t('agenda.items.confidentialExchange', { kind }) : `${kind} — ${row.summary}`,
    description: hidden
      ? t('agenda.ics.openInPasserelle', { url })
      : [
          row.organizationNames ? t('agenda.ics.organizations', { names: row.organizationNames }) : null,
          // The place is the LOCATION; a visio link beside it goes here.
          row.place && row.visioUrl ? row.visioUrl : null,
          t('agenda.ics.openInPasserelle', { url }),
        ]
          .filter(Boolean)
          .join('\n'),
    location: hidden ? null : (row.place ?? row.visioUrl),
    url,
    lastModified: row.updatedAt,
  };
}

/** An event as a calendar entry: the same UID and SEQUENCE as its invitations, so a client merges them. */
function eventIcs(row: AgendaEventRow, baseUrl: string): IcsItem {
  const url = linkOf(baseUrl, `/evenements/${row.id}`);
  return {
    uid: icsUid('event', row.id, baseUrl),
    sequence: row.icsSequence,
    start: row.startsAt,
    end: row.endsAt,
    summary: row.title,
    description: [row.description, row.visioUrl && row.place ? row.visioUrl : null, t('agenda.ics.openInPasserelle', { url })].filter(Boolean).join('\n\n'),
    location: row.place ?? row.visioUrl,
    url,
    status: row.status === 'annule' ? 'CANCELLED' : 'CONFIRMED',
    lastModified: row.updatedAt,
  };
}

function taskIcs(row: AgendaTaskRow, baseUrl: string): IcsItem {
  const url = linkOf(baseUrl, `/taches/${row.id}`);
  const time = row.dueTime ? row.dueTime.slice(0, 5) : null;
  return {
    uid: icsUid('task', row.id, baseUrl),
    sequence: 0,
    start: startOfParisDayInstant(row.dueOn),
    end: null,
    allDay: true,
    summary: `${t('agenda.typeOne.tache')} : ${row.title}${time ? ` (${t('agenda.items.taskAt', { time })})` : ''}`,
    description: t('agenda.ics.openInPasserelle', { url }),
    url,
    lastModified: row.updatedAt,
  };
}

function conventionIcs(row: AgendaConventionRow, baseUrl: string, period: { fromDay: string; toDay: string }): IcsItem[] {
  const url = linkOf(baseUrl, `/conventions/${row.id}`);
  const items: IcsItem[] = [];
  const inside = (day: string | null): day is string => day !== null && day >= period.fromDay && day <= period.toDay;
  const base = { sequence: 0, end: null, allDay: true, url, description: t('agenda.ics.renewOrTerminate', { url }), lastModified: row.updatedAt };
  if (inside(row.noticeDeadline)) {
    items.push({ ...base, uid: icsUid('convention-notice', row.id, baseUrl), start: startOfParisDayInstant(row.noticeDeadline), summary: t('agenda.items.conventionNotice', { reference: row.reference, title: row.title }) });
  }
  if (inside(row.endsOn)) {
    items.push({ ...base, uid: icsUid('convention-end', row.id, baseUrl), start: startOfParisDayInstant(row.endsOn), summary: t('agenda.items.conventionEnd', { reference: row.reference, title: row.title }) });
  }
  return items;
}

export interface IcsFile {
  fileName: string;
  body: string;
}

/** The .ics of one exchange the actor may read (NotFound otherwise: an outsider learns nothing). */
export async function exchangeIcsFile(ctx: ServiceContext, id: string): Promise<IcsFile> {
  const actor = requireActor(ctx);
  assertCan(actor, 'exchanges.read');
  const row = isUuid(id) ? await findVisibleAgendaExchange(ctx.db, actor, id) : undefined;
  if (!row) throw new NotFoundError(t('exchanges.notFound'));
  const item = exchangeIcs(row, ctx.baseUrl, false);
  return {
    fileName: t('agenda.ics.fileName', { kind: 'echange', date: isoDateInParis(row.occurredAt) }),
    body: buildCalendar({ name: item.summary, items: [item] }),
  };
}

/** The .ics of one event (every signed-in person reads events). */
export async function eventIcsFile(ctx: ServiceContext, id: string): Promise<IcsFile> {
  const actor = requireActor(ctx);
  assertCan(actor, 'events.read');
  const row = isUuid(id) ? await findAgendaEvent(ctx.db, id) : undefined;
  if (!row) throw new NotFoundError();
  return {
    fileName: t('agenda.ics.fileName', { kind: 'evenement', date: isoDateInParis(row.startsAt) }),
    body: buildCalendar({ name: row.title, items: [eventIcs(row, ctx.baseUrl)] }),
  };
}

// ── The personal feed ────────────────────────────────────────────────────────────────────────

/** The feed's secret: HMAC of (user, version); a new version makes every older URL fail. */
function feedToken(key: Buffer, userId: string, version: number): string {
  return signToken(key, { purpose: 'calendar-feed', subject: `${userId}.${version}` });
}

const FEED_SUBJECT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([1-9]\d{0,8})$/i;

/**
 * /agenda/<token>.ics: the calendar of the token's owner, or null when the token is forged, of an
 * older version, revoked, or its owner may no longer sign in (the route answers 404 alike).
 */
export async function calendarFeedBody(ctx: ServiceContext, token: string): Promise<string | null> {
  const check = verifyToken(await signingKey(ctx.db), token, 'calendar-feed', ctx.now);
  if (!check.ok) return null;
  const match = FEED_SUBJECT.exec(check.subject);
  if (!match) return null;
  const userId = match[1] as string;
  const version = Number(match[2]);
  const feed = await findCalendarFeed(ctx.db, userId);
  if (!feed || !feed.active || feed.version !== version) return null;
  const owner = await loadActiveActor(ctx.db, userId);
  if (!owner || !can(owner, 'agenda.read')) return null;

  const today = isoDateInParis(ctx.now);
  const period = periodOf(addParisDays(today, -FEED_DAYS_BACK), addParisDays(today, FEED_DAYS_AHEAD));
  const rows = await readRows(ctx.db, owner, personalScope(owner), period, AGENDA_TYPES, FEED_LIMIT_PER_TYPE);
  const items = [
    ...rows.exchanges.map((row) => exchangeIcs(row, ctx.baseUrl, true)),
    ...rows.events.map((row) => eventIcs(row, ctx.baseUrl)),
    ...rows.tasks.map((row) => taskIcs(row, ctx.baseUrl)),
    ...rows.conventions.flatMap((row) => conventionIcs(row, ctx.baseUrl, period)),
  ];
  await touchCalendarFeed(ctx.db, userId, ctx.now);
  return buildCalendar({ name: t('agenda.feed.calendarName', { name: owner.displayName }), items, refreshSeconds: FEED_REFRESH_SECONDS });
}

/** The « Flux iCal » section of /compte. */
export async function calendarFeedSection(ctx: ServiceContext) {
  const actor = requireActor(ctx);
  const feed = await findCalendarFeed(ctx.db, actor.id);
  const state = !feed ? 'none' : feed.active ? 'active' : 'revoked';
  let url: string | null = null;
  let webcalUrl: string | null = null;
  if (feed?.active) {
    url = linkOf(ctx.baseUrl, `/agenda/${feedToken(await signingKey(ctx.db), actor.id, feed.version)}.ics`);
    webcalUrl = url.replace(/^https?:/, 'webcal:');
  }
  return {
    state,
    none: state === 'none',
    active: state === 'active',
    revoked: state === 'revoked',
    url,
    webcalUrl,
    lastFetchedAt: feed?.active ? feed.lastFetchedAt : null,
    mayUse: can(actor, 'agenda.read'),
  };
}

/** « Créer » / « Régénérer » (and reactivating a revoked feed): a new version, journaled. */
export async function renewMyCalendarFeed(ctx: ServiceContext): Promise<'created' | 'regenerated'> {
  const actor = requireActor(ctx);
  assertCan(actor, 'agenda.read');
  return inTransaction(ctx, async (tx) => {
    const before = await lockCalendarFeed(tx, actor.id);
    const after = await renewCalendarFeed(tx, actor.id);
    const action = before ? 'calendar_feed.regenerated' : 'calendar_feed.created';
    await recordAudit(tx, ctx, {
      action,
      entityType: 'user',
      entityId: actor.id,
      metadata: { version: after.version },
    });
    return before ? 'regenerated' : 'created';
  });
}

/** « Révoquer »: the URL stops working at once, journaled. Revoking what is not active changes nothing. */
export async function revokeMyCalendarFeed(ctx: ServiceContext): Promise<boolean> {
  const actor = requireActor(ctx);
  assertCan(actor, 'agenda.read');
  return inTransaction(ctx, async (tx) => {
    const before = await lockCalendarFeed(tx, actor.id);
    if (!before?.active) return false;
    await deactivateCalendarFeed(tx, actor.id);
    await recordAudit(tx, ctx, {
      action: 'calendar_feed.revoked',
      entityType: 'user',
      entityId: actor.id,
      metadata: { version: before.version },
    });
    return true;
  });
}
