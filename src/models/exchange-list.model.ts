// SQL of the exchanges list (/echanges), its exports, the retention review and the exchanges
// section of a contact's GDPR export. Every statement filters with exchangeVisibleTo(viewer):
// a confidential exchange — and its count — never reaches someone outside its circle.
//
// Scale (bench: 1,000,000 exchanges). A page reads at most `limit + 1` rows in the order of an
// index — occurred_at (exchanges_occurred_idx), (kind, occurred_at) — and the names shown
// beside them (organisations, author) only for those rows. The count stops at COUNT_CAP:
// « plus de 1 000 échanges » costs a bounded read, where count(*) would read every match.
// Exports read page after page by keyset (never a deep OFFSET).
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';
import {
  type ExchangeKind,
  type ExchangeOutcome,
  contacts,
  exchangeContacts,
  exchangeOrganizations,
  exchangeParticipants,
  exchangeUnits,
  exchanges,
  organizations,
  units,
  users,
} from './schema';

export const EXCHANGE_LIST_SORTS = ['date', 'kind', 'outcome'] as const;
export type ExchangeListSort = (typeof EXCHANGE_LIST_SORTS)[number];

/** Counting stops here: beyond, the page says « plus de 1 000 ». */
export const COUNT_CAP = 1000;

export interface ExchangeListFilters {
  /** Full text (French stemming, accents ignored) on summary, tags and notes: websearch syntax (« "mot exact" », « -exclu »). */
  q?: string;
  kind?: ExchangeKind;
  /** occurred_at ≥ from */
  from?: Date;
  /** occurred_at < to */
  to?: Date;
  unitId?: string;
  authorId?: string;
  participantId?: string;
  /** organization_kinds.code of one of its organisations. */
  orgKind?: string;
  outcome?: ExchangeOutcome;
  tag?: string;
  organizationId?: string;
  sort: ExchangeListSort;
  direction: 'asc' | 'desc';
}

export type ExchangeListRow = {
  id: string;
  occurredAt: Date;
  kind: ExchangeKind;
  summary: string;
  outcome: ExchangeOutcome | null;
  tags: string[];
  confidential: boolean;
  authorName: string | null;
};

/** A row's position, for keyset reading (exports). */
export interface ExchangeKeyset {
  kind: string;
  outcome: string;
  occurredAt: string;
  id: string;
}

function uuidArray(ids: readonly string[]): SQL {
  return ids.length === 0 ? sql`'{}'::uuid[]` : sql`array[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::uuid[]`;
}

/** The filters as SQL conditions over the unaliased `exchanges` table, visibility first. */
export function exchangeListConditions(viewer: ExchangeViewer, filters: Omit<ExchangeListFilters, 'sort' | 'direction'>): SQL[] {
  const conditions: SQL[] = [exchangeVisibleTo(viewer)];
  if (filters.q) conditions.push(sql`${exchanges.searchDocument} @@ websearch_to_tsquery('fr_unaccent', ${filters.q})`);
  if (filters.kind) conditions.push(eq(exchanges.kind, filters.kind));
  if (filters.from) conditions.push(sql`${exchanges.occurredAt} >= ${filters.from.toISOString()}::timestamptz`);
  if (filters.to) conditions.push(sql`${exchanges.occurredAt} < ${filters.to.toISOString()}::timestamptz`);
  if (filters.authorId) conditions.push(eq(exchanges.authorId, filters.authorId));
  if (filters.outcome) conditions.push(eq(exchanges.outcome, filters.outcome));
  if (filters.tag) conditions.push(sql`${exchanges.tags} @> array[${filters.tag}]::text[]`);
  if (filters.unitId) {
    conditions.push(sql`exists (select 1 from ${exchangeUnits} where ${exchangeUnits.exchangeId} = ${exchanges.id} and ${exchangeUnits.unitId} = ${filters.unitId})`);
  }
  if (filters.participantId) {
    conditions.push(
      sql`exists (select 1 from ${exchangeParticipants} where ${exchangeParticipants.exchangeId} = ${exchanges.id} and ${exchangeParticipants.userId} = ${filters.participantId})`,
    );
  }
  if (filters.organizationId) {
    conditions.push(
      sql`exists (select 1 from ${exchangeOrganizations} where ${exchangeOrganizations.exchangeId} = ${exchanges.id} and ${exchangeOrganizations.organizationId} = ${filters.organizationId})`,
    );
  }
  if (filters.orgKind) {
    conditions.push(
      sql`exists (select 1 from ${exchangeOrganizations} join ${organizations} on ${organizations.id} = ${exchangeOrganizations.organizationId}
                  where ${exchangeOrganizations.exchangeId} = ${exchanges.id} and ${organizations.kindCode} = ${filters.orgKind})`,
    );
  }
  return conditions;
}

/** ORDER BY of each sort: the chosen column, then the most recent first, then the id (a total order). */
function orderOf(sort: ExchangeListSort, direction: 'asc' | 'desc'): SQL[] {
  const dir = direction === 'asc' ? asc : desc;
  switch (sort) {
    case 'date':
      return [dir(exchanges.occurredAt), dir(exchanges.id)];
    case 'kind':
      return [dir(exchanges.kind), desc(exchanges.occurredAt), desc(exchanges.id)];
    case 'outcome':
      return [dir(sql`coalesce(${exchanges.outcome}, '')`), desc(exchanges.occurredAt), desc(exchanges.id)];
  }
}

/** Rows after `key` in the order of orderOf(sort, direction). */
function afterKeyset(sort: ExchangeListSort, direction: 'asc' | 'desc', key: ExchangeKeyset): SQL {
  const at = sql`${key.occurredAt}::timestamptz`;
  const id = sql`${key.id}::uuid`;
  if (sort === 'date') return direction === 'asc' ? sql`(${exchanges.occurredAt}, ${exchanges.id}) > (${at}, ${id})` : sql`(${exchanges.occurredAt}, ${exchanges.id}) < (${at}, ${id})`;
  const column = sort === 'kind' ? sql`${exchanges.kind}` : sql`coalesce(${exchanges.outcome}, '')`;
  const value = sort === 'kind' ? key.kind : key.outcome;
  const beyond = direction === 'asc' ? sql`>` : sql`<`;
  return sql`(${column} ${beyond} ${value} or (${column} = ${value} and (${exchanges.occurredAt}, ${exchanges.id}) < (${at}, ${id})))`;
}

const listColumns = {
  id: exchanges.id,
  occurredAt: exchanges.occurredAt,
  kind: exchanges.kind,
  summary: exchanges.summary,
  outcome: exchanges.outcome,
  tags: exchanges.tags,
  confidential: exchanges.confidential,
  authorName: users.displayName,
};

export interface ExchangeListPage {
  rows: ExchangeListRow[];
  /** Matches counted up to COUNT_CAP + 1: more than COUNT_CAP means « plus de … ». */
  total: number;
  hasMore: boolean;
}

/** One page (offset; the service bounds it) and the capped count, for `viewer`. */
export async function listExchanges(db: Database, viewer: ExchangeViewer, filters: ExchangeListFilters, page: { limit: number; offset: number }): Promise<ExchangeListPage> {
  const where = and(...exchangeListConditions(viewer, filters));
  const [fetched, counted] = await Promise.all([
    db
      .select(listColumns)
      .from(exchanges)
      .leftJoin(users, eq(users.id, exchanges.authorId))
      .where(where)
      .orderBy(...orderOf(filters.sort, filters.direction))
      .limit(page.limit + 1)
      .offset(page.offset),
    db.execute(sql`select count(*)::int as n from (select 1 from ${exchanges} where ${where} limit ${COUNT_CAP + 1}) capped`),
  ]);
  return { rows: fetched.slice(0, page.limit), total: rowsOf<{ n: number }>(counted)[0]?.n ?? 0, hasMore: fetched.length > page.limit };
}

export type ExchangeExportRow = ExchangeListRow & {
  durationMinutes: number | null;
  place: string | null;
  notes: string | null;
};

/** Up to `limit` rows after `after` (keyset), with what an export shows besides the list's columns. */
export async function exchangesAfter(
  db: Database,
  viewer: ExchangeViewer,
  filters: ExchangeListFilters,
  limit: number,
  after?: ExchangeKeyset,
): Promise<ExchangeExportRow[]> {
  const conditions = exchangeListConditions(viewer, filters);
  if (after) conditions.push(afterKeyset(filters.sort, filters.direction, after));
  return db
    .select({ ...listColumns, durationMinutes: exchanges.durationMinutes, place: exchanges.place, notes: exchanges.notes })
    .from(exchanges)
    .leftJoin(users, eq(users.id, exchanges.authorId))
    .where(and(...conditions))
    .orderBy(...orderOf(filters.sort, filters.direction))
    .limit(limit);
}

export function keysetOf(row: Pick<ExchangeListRow, 'kind' | 'outcome' | 'occurredAt' | 'id'>): ExchangeKeyset {
  return { kind: row.kind, outcome: row.outcome ?? '', occurredAt: row.occurredAt.toISOString(), id: row.id };
}

// ── Names beside the rows (read for one page or one export chunk only) ─────────────────────

export interface LinkedName {
  exchangeId: string;
  id: string;
  name: string;
}

/** Organisations of these exchanges, by name. */
export async function organizationsOfExchanges(db: Database, exchangeIds: string[]): Promise<LinkedName[]> {
  if (exchangeIds.length === 0) return [];
  return db
    .select({ exchangeId: exchangeOrganizations.exchangeId, id: organizations.id, name: organizations.name })
    .from(exchangeOrganizations)
    .innerJoin(organizations, eq(organizations.id, exchangeOrganizations.organizationId))
    .where(inArray(exchangeOrganizations.exchangeId, exchangeIds))
    .orderBy(organizations.name);
}

/**
 * Contacts present, as « Prénom Nom »; an erased person shows `erasedLabel` (« contact
 * supprimé », as the exchange's page): the link stays, the person does not.
 */
export async function contactsOfExchanges(db: Database, exchangeIds: string[], erasedLabel: string): Promise<LinkedName[]> {
  if (exchangeIds.length === 0) return [];
  return db
    .select({
      exchangeId: exchangeContacts.exchangeId,
      id: contacts.id,
      name: sql<string>`case when ${contacts.erasedAt} is not null then ${erasedLabel}::text else trim(${contacts.firstName} || ' ' || ${contacts.lastName}) end`,
    })
    .from(exchangeContacts)
    .innerJoin(contacts, eq(contacts.id, exchangeContacts.contactId))
    .where(inArray(exchangeContacts.exchangeId, exchangeIds))
    .orderBy(contacts.lastName, contacts.firstName);
}

export async function participantsOfExchanges(db: Database, exchangeIds: string[]): Promise<LinkedName[]> {
  if (exchangeIds.length === 0) return [];
  return db
    .select({ exchangeId: exchangeParticipants.exchangeId, id: users.id, name: users.displayName })
    .from(exchangeParticipants)
    .innerJoin(users, eq(users.id, exchangeParticipants.userId))
    .where(inArray(exchangeParticipants.exchangeId, exchangeIds))
    .orderBy(users.displayName);
}

export async function unitsOfExchanges(db: Database, exchangeIds: string[]): Promise<LinkedName[]> {
  if (exchangeIds.length === 0) return [];
  return db
    .select({ exchangeId: exchangeUnits.exchangeId, id: units.id, name: units.name })
    .from(exchangeUnits)
    .innerJoin(units, eq(units.id, exchangeUnits.unitId))
    .where(inArray(exchangeUnits.exchangeId, exchangeIds))
    .orderBy(units.name);
}

/** Names grouped by exchange id. */
export function byExchange(names: LinkedName[]): Map<string, Array<{ id: string; name: string }>> {
  const grouped = new Map<string, Array<{ id: string; name: string }>>();
  for (const { exchangeId, id, name } of names) {
    const list = grouped.get(exchangeId) ?? [];
    list.push({ id, name });
    grouped.set(exchangeId, list);
  }
  return grouped;
}

// ── Retention review ─────────────────────────────────────────────────────────────────────────

/** Exchanges that happened before `cutoff`, oldest first (offset page, capped count). */
export async function listExchangesBefore(db: Database, viewer: ExchangeViewer, cutoff: Date, page: { limit: number; offset: number }): Promise<ExchangeListPage> {
  const where = and(exchangeVisibleTo(viewer), sql`${exchanges.occurredAt} < ${cutoff.toISOString()}::timestamptz`);
  const [fetched, counted] = await Promise.all([
    db
      .select(listColumns)
      .from(exchanges)
      .leftJoin(users, eq(users.id, exchanges.authorId))
      .where(where)
      .orderBy(asc(exchanges.occurredAt), asc(exchanges.id))
      .limit(page.limit + 1)
      .offset(page.offset),
    db.execute(sql`select count(*)::int as n from (select 1 from ${exchanges} where ${where} limit ${COUNT_CAP + 1}) capped`),
  ]);
  return { rows: fetched.slice(0, page.limit), total: rowsOf<{ n: number }>(counted)[0]?.n ?? 0, hasMore: fetched.length > page.limit };
}

// ── GDPR access export ───────────────────────────────────────────────────────────────────────

/** The exchanges where one of these contact records is present (all of them: the export is for an admin or the DPO), oldest first. */
export async function exchangesWithContacts(db: Database, contactIds: string[]) {
  if (contactIds.length === 0) return [];
  return db
    .select({
      id: exchanges.id,
      occurredAt: exchanges.occurredAt,
      kind: exchanges.kind,
      place: exchanges.place,
      summary: exchanges.summary,
      notes: exchanges.notes,
      outcome: exchanges.outcome,
      confidential: exchanges.confidential,
      authorName: users.displayName,
    })
    .from(exchanges)
    .leftJoin(users, eq(users.id, exchanges.authorId))
    .where(sql`${exchanges.id} in (select ${exchangeContacts.exchangeId} from ${exchangeContacts} where ${exchangeContacts.contactId} = any(${uuidArray(contactIds)}))`)
    .orderBy(asc(exchanges.occurredAt), asc(exchanges.id));
}
