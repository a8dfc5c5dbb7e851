// SQL of the exchanges list (/echanges), its exports, the retention review and the exchanges
// section of a contact's GDPR export. Every statement filters with exchangeVisibleTo(viewer):
// a confidential exchange — and its count — never reaches someone outside its circle.
//
// Scale (bench: 1,000,000 exchanges). A page reads at most `limit + 1` rows in the order of an
// index — occurred_at (exchanges_occurred_idx), (kind, occurred_at) — and the names shown
// beside them (organisations, author) only for those rows. The count stops at COUNT_CAP:
// « plus de 1 000 échanges » costs a bounded read, where count(*) would read every match.
// Exports read page after page by keyset (never a deep OFFSET).
import { asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';
import {
  EXCHANGE_OUTCOMES,
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
import { uuidArray } from './sql-arrays';

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
  /** Internal: one outcome (or none) at a time, for the outcome sort (see outcomeArms). */
  outcomeArm?: ExchangeOutcome | 'none';
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


/**
 * The link table a filter on one organisation, participant or unit reads first: its index
 * (record, occurred_at, exchange_id) lists that record's exchanges in date order, so a page
 * (and the capped count) reads only those — not the whole table, semi-joined. The period is
 * applied to the link's copy of occurred_at, inside that index range.
 */
interface Driver {
  table: typeof exchangeOrganizations | typeof exchangeParticipants | typeof exchangeUnits;
  key: SQL;
  occurredAt: SQL;
  exchangeId: SQL;
}

function driverOf(filters: Omit<ExchangeListFilters, 'sort' | 'direction'>): Driver | null {
  if (filters.organizationId) {
    const t = exchangeOrganizations;
    return { table: t, key: sql`${t.organizationId} = ${filters.organizationId}`, occurredAt: sql`${t.occurredAt}`, exchangeId: sql`${t.exchangeId}` };
  }
  if (filters.participantId) {
    const t = exchangeParticipants;
    return { table: t, key: sql`${t.userId} = ${filters.participantId}`, occurredAt: sql`${t.occurredAt}`, exchangeId: sql`${t.exchangeId}` };
  }
  if (filters.unitId) {
    const t = exchangeUnits;
    return { table: t, key: sql`${t.unitId} = ${filters.unitId}`, occurredAt: sql`${t.occurredAt}`, exchangeId: sql`${t.exchangeId}` };
  }
  return null;
}

/** FROM, WHERE (visibility first) and the date column to order on, for these filters. */
function statementParts(viewer: ExchangeViewer, filters: Omit<ExchangeListFilters, 'sort' | 'direction'>) {
  const driver = driverOf(filters);
  const date = driver ? driver.occurredAt : sql`${exchanges.occurredAt}`;
  const id = driver ? driver.exchangeId : sql`${exchanges.id}`;
  const from = driver ? sql`${driver.table} join ${exchanges} on ${exchanges.id} = ${driver.exchangeId}` : sql`${exchanges}`;
  const conditions: SQL[] = [exchangeVisibleTo(viewer)];
  if (driver) conditions.push(driver.key);
  if (filters.q) conditions.push(sql`${exchanges.searchDocument} @@ websearch_to_tsquery('fr_unaccent', ${filters.q})`);
  if (filters.kind) conditions.push(sql`${exchanges.kind} = ${filters.kind}`);
  if (filters.from) conditions.push(sql`${date} >= ${filters.from.toISOString()}::timestamptz`);
  if (filters.to) conditions.push(sql`${date} < ${filters.to.toISOString()}::timestamptz`);
  if (filters.authorId) conditions.push(sql`${exchanges.authorId} = ${filters.authorId}`);
  if (filters.outcome) conditions.push(sql`${exchanges.outcome} = ${filters.outcome}`);
  if (filters.outcomeArm) conditions.push(filters.outcomeArm === 'none' ? sql`${exchanges.outcome} is null` : sql`${exchanges.outcome} = ${filters.outcomeArm}`);
  if (filters.tag) conditions.push(sql`${exchanges.tags} @> array[${filters.tag}]::text[]`);
  // The link filters the driver does not serve.
  if (filters.unitId && driver?.table !== exchangeUnits) {
    conditions.push(sql`exists (select 1 from ${exchangeUnits} where ${exchangeUnits.exchangeId} = ${exchanges.id} and ${exchangeUnits.unitId} = ${filters.unitId})`);
  }
  if (filters.participantId && driver?.table !== exchangeParticipants) {
    conditions.push(
      sql`exists (select 1 from ${exchangeParticipants} where ${exchangeParticipants.exchangeId} = ${exchanges.id} and ${exchangeParticipants.userId} = ${filters.participantId})`,
    );
  }
  if (filters.orgKind) {
    conditions.push(
      sql`exists (select 1 from ${exchangeOrganizations} join ${organizations} on ${organizations.id} = ${exchangeOrganizations.organizationId}
                  where ${exchangeOrganizations.exchangeId} = ${exchanges.id} and ${organizations.kindCode} = ${filters.orgKind})`,
    );
  }
  return { from, where: sql.join(conditions, sql` and `), date, id };
}

/**
 * ORDER BY of each sort, ending with the id (a total order). Kind: then the date in the same
 * direction, so the (kind, occurred_at) index reads it in order (a mixed direction would sort
 * every match). Outcome has no index (none may be added in issue 12): then the most recent first.
 */
function orderOf(sort: ExchangeListSort, direction: 'asc' | 'desc', date: SQL, id: SQL): SQL {
  const dir = direction === 'asc' ? sql`asc` : sql`desc`;
  switch (sort) {
    case 'date':
      return sql`${date} ${dir}, ${id} ${dir}`;
    case 'kind':
      return sql`${exchanges.kind} ${dir}, ${date} ${dir}, ${id} ${dir}`;
    case 'outcome':
      return sql`coalesce(${exchanges.outcome}, '') ${dir}, ${date} desc, ${id} desc`;
  }
}

/** Rows after `key` in the order of orderOf(sort, direction). */
function afterKeyset(sort: ExchangeListSort, direction: 'asc' | 'desc', key: ExchangeKeyset, date: SQL, id: SQL): SQL {
  const at = sql`${key.occurredAt}::timestamptz`;
  const keyId = sql`${key.id}::uuid`;
  const beyond = direction === 'asc' ? sql`>` : sql`<`;
  if (sort === 'date') return sql`(${date}, ${id}) ${beyond} (${at}, ${keyId})`;
  if (sort === 'kind') return sql`(${exchanges.kind}, ${date}, ${id}) ${beyond} (${key.kind}, ${at}, ${keyId})`;
  const outcome = sql`coalesce(${exchanges.outcome}, '')`;
  return sql`(${outcome} ${beyond} ${key.outcome} or (${outcome} = ${key.outcome} and (${date}, ${id}) < (${at}, ${keyId})))`;
}

const LIST_COLUMNS = sql`${exchanges.id} as "id", ${exchanges.occurredAt} as "occurredAt", ${exchanges.kind} as "kind", ${exchanges.summary} as "summary",
  ${exchanges.outcome} as "outcome", ${exchanges.tags} as "tags", ${exchanges.confidential} as "confidential", ${users.displayName} as "authorName"`;

/** A raw statement's timestamps may come back as text (driver-dependent): one type for callers. */
function withDates<Row extends { occurredAt: Date | string }>(rows: Row[]): Array<Row & { occurredAt: Date }> {
  return rows.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) }));
}

export interface ExchangeListPage {
  rows: ExchangeListRow[];
  /** Matches counted up to COUNT_CAP + 1: more than COUNT_CAP means « plus de … ». */
  total: number;
  hasMore: boolean;
}

/**
 * The outcome sort, one outcome at a time in sort order (no outcome first when ascending, as
 * coalesce(outcome, '') sorts): outcome has no index, and sorting every match (a million rows:
 * 0.8 s on the bench) for one page is avoided by reading each outcome by the date index.
 */
export function outcomeArms(filters: Pick<ExchangeListFilters, 'outcome' | 'direction'>): Array<ExchangeOutcome | 'none'> {
  if (filters.outcome) return [filters.outcome];
  const arms: Array<ExchangeOutcome | 'none'> = ['none', ...[...EXCHANGE_OUTCOMES].sort()];
  return filters.direction === 'asc' ? arms : arms.reverse();
}

/** The statements of one page (offset; the service bounds it) and of its capped count. */
function exchangeListStatements(viewer: ExchangeViewer, filters: ExchangeListFilters, page: { limit: number; offset: number }): { rows: SQL; count: SQL } {
  const { from, where, date, id } = statementParts(viewer, filters);
  // Each arm reads at most the rows up to the end of the page, by the date index; the union is then small to sort.
  const arms = outcomeArms(filters).map((arm, index) => {
    const part = statementParts(viewer, { ...filters, outcomeArm: arm });
    return sql`(select ${LIST_COLUMNS}, ${index}::int as arm from ${part.from} left join ${users} on ${users.id} = ${exchanges.authorId}
      where ${part.where} order by ${part.date} desc, ${part.id} desc limit ${page.offset + page.limit + 1})`;
  });
  return {
    rows:
      filters.sort === 'outcome'
        ? sql`select "id", "occurredAt", "kind", "summary", "outcome", "tags", "confidential", "authorName"
            from (${sql.join(arms, sql` union all `)}) arms order by arm, "occurredAt" desc, "id" desc limit ${page.limit + 1} offset ${page.offset}`
        : sql`select ${LIST_COLUMNS} from ${from} left join ${users} on ${users.id} = ${exchanges.authorId}
      where ${where} order by ${orderOf(filters.sort, filters.direction, date, id)} limit ${page.limit + 1} offset ${page.offset}`,
    // In date order: for a common word or a wide filter the planner then walks the date index
    // and stops at the cap, instead of building the bitmap of every match first.
    count: sql`select count(*)::int as n from (select 1 from ${from} where ${where} order by ${date} desc, ${id} desc limit ${COUNT_CAP + 1}) capped`,
  };
}

/**
 * The page first; the count only when the page does not already tell it (a last page, or the
 * only one, counts itself): narrow filters — the usual case — cost one statement.
 */
async function pageAndCount(db: Database, statements: { rows: SQL; count: SQL }, page: { limit: number; offset: number }): Promise<ExchangeListPage> {
  const rows = withDates(rowsOf<ExchangeListRow>(await db.execute(statements.rows)));
  const hasMore = rows.length > page.limit;
  const known = !hasMore && (rows.length > 0 || page.offset === 0);
  const total = known ? page.offset + rows.length : (rowsOf<{ n: number }>(await db.execute(statements.count))[0]?.n ?? 0);
  return { rows: rows.slice(0, page.limit), total, hasMore };
}

/** One page and the capped count, for `viewer`. */
export function listExchanges(db: Database, viewer: ExchangeViewer, filters: ExchangeListFilters, page: { limit: number; offset: number }): Promise<ExchangeListPage> {
  return pageAndCount(db, exchangeListStatements(viewer, filters, page), page);
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
  const { from, where, date, id } = statementParts(viewer, filters);
  const conditions = after ? sql`${where} and ${afterKeyset(filters.sort, filters.direction, after, date, id)}` : where;
  const rows = rowsOf<ExchangeExportRow>(
    await db.execute(sql`select ${LIST_COLUMNS}, ${exchanges.durationMinutes} as "durationMinutes", ${exchanges.place} as "place", ${exchanges.notes} as "notes"
      from ${from} left join ${users} on ${users.id} = ${exchanges.authorId}
      where ${conditions} order by ${orderOf(filters.sort, filters.direction, date, id)} limit ${limit}`),
  );
  return withDates(rows);
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
export function listExchangesBefore(db: Database, viewer: ExchangeViewer, cutoff: Date, page: { limit: number; offset: number }): Promise<ExchangeListPage> {
  const where = sql`${exchangeVisibleTo(viewer)} and ${exchanges.occurredAt} < ${cutoff.toISOString()}::timestamptz`;
  return pageAndCount(
    db,
    {
      rows: sql`select ${LIST_COLUMNS} from ${exchanges} left join ${users} on ${users.id} = ${exchanges.authorId}
        where ${where} order by ${exchanges.occurredAt} asc, ${exchanges.id} asc limit ${page.limit + 1} offset ${page.offset}`,
      count: sql`select count(*)::int as n from (select 1 from ${exchanges} where ${where} order by ${exchanges.occurredAt}, ${exchanges.id} limit ${COUNT_CAP + 1}) capped`,
    },
    page,
  );
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
