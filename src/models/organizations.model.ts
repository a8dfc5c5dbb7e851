// SQL for the organisations of the partner directory. Lists use keyset pagination (stable and
// fast at any depth on 50,000 rows); every query leaves out merged records, and archived ones
// unless asked.
import { and, count, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import { type ReciprocityListFilter, reciprocityFilterCondition } from './reciprocity.model';
import {
  type NewOrganization,
  type Organization,
  type OrganizationStatus,
  affiliations,
  contacts,
  organizationKinds,
  organizationUnits,
  organizations,
  units,
  users,
} from './schema';

export async function countActiveOrganizations(db: Database): Promise<number> {
  const [row] = await db
    .select({ value: count() })
    .from(organizations)
    .where(and(isNull(organizations.archivedAt), isNull(organizations.mergedIntoId)));
  return row?.value ?? 0;
}

export const ORGANIZATION_SORTS = ['name', 'updated', 'created', 'activity'] as const;
export type OrganizationSort = (typeof ORGANIZATION_SORTS)[number];

export interface OrganizationListFilters {
  q?: string;
  kind?: string;
  status?: OrganizationStatus;
  region?: string;
  department?: string;
  unitId?: string;
  ownerId?: string;
  tag?: string;
  /** Only records with no activity (or, lacking any, no creation) for this many months. */
  inactiveMonths?: number;
  /** Reciprocity status of the active partnerships (issue 13), resolved by resolveReciprocityFilter. */
  reciprocity?: ReciprocityListFilter;
  archived: 'exclude' | 'only';
  sort: OrganizationSort;
  direction: 'asc' | 'desc';
}

/** Position in a sorted list: the sort key and id of the row at the page's edge. */
export interface ListCursor {
  key: string;
  id: string;
}

// A type alias (not an interface) so rows fit Record<string, unknown> for the exporters.
export type OrganizationListRow = {
  id: string;
  name: string;
  acronym: string | null;
  kindLabel: string;
  status: OrganizationStatus;
  city: string | null;
  departmentCode: string | null;
  regionCode: string | null;
  tags: string[];
  ownerName: string | null;
  updatedAt: Date;
  lastActivityAt: Date | null;
  archivedAt: Date | null;
  contactCount: number;
  sortKey: string;
};

/** The expression each sort orders by, as text so one cursor format fits all. */
function sortKeyOf(sort: OrganizationSort): SQL<string> {
  switch (sort) {
    case 'name':
      return sql<string>`lower(${organizations.name})`;
    case 'updated':
      return sql<string>`to_char(${organizations.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    case 'created':
      return sql<string>`to_char(${organizations.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
    case 'activity':
      return sql<string>`to_char(coalesce(${organizations.lastActivityAt}, '1900-01-01'::timestamptz) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`;
  }
}

/** The same ordering on the indexed column itself (the text key above is only for cursors). */
function sortColumnOf(sort: OrganizationSort): SQL {
  switch (sort) {
    case 'name':
      return sql`lower(${organizations.name})`;
    case 'updated':
      return sql`${organizations.updatedAt}`;
    case 'created':
      return sql`${organizations.createdAt}`;
    case 'activity':
      return sql`coalesce(${organizations.lastActivityAt}, '1900-01-01'::timestamptz)`;
  }
}

function cursorValue(sort: OrganizationSort, key: string): SQL {
  return sort === 'name' ? sql`${key}` : sql`(${key} || 'Z')::timestamptz`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function filterConditions(db: Database, filters: OrganizationListFilters, now: Date): SQL[] {
  const conditions: SQL[] = [isNull(organizations.mergedIntoId)];
  conditions.push(filters.archived === 'only' ? isNotNull(organizations.archivedAt) : isNull(organizations.archivedAt));
  if (filters.q) {
    // Accent-free substring on name + acronym: the trigram index serves LIKE '%…%'.
    conditions.push(sql`${organizations.searchName} like '%' || search_normalize(${escapeLike(filters.q)}) || '%'`);
  }
  if (filters.kind) conditions.push(eq(organizations.kindCode, filters.kind));
  if (filters.status) conditions.push(eq(organizations.status, filters.status));
  if (filters.region) conditions.push(eq(organizations.regionCode, filters.region));
  if (filters.department) conditions.push(eq(organizations.departmentCode, filters.department));
  if (filters.ownerId) conditions.push(eq(organizations.ownerId, filters.ownerId));
  if (filters.tag) conditions.push(sql`${organizations.tags} @> array[${filters.tag}]::text[]`);
  if (filters.unitId) {
    conditions.push(
      inArray(
        organizations.id,
        db.select({ id: organizationUnits.organizationId }).from(organizationUnits).where(eq(organizationUnits.unitId, filters.unitId)),
      ),
    );
  }
  if (filters.inactiveMonths) {
    const limit = new Date(now);
    limit.setMonth(limit.getMonth() - filters.inactiveMonths);
    conditions.push(sql`coalesce(${organizations.lastActivityAt}, ${organizations.createdAt}) < ${limit.toISOString()}::timestamptz`);
  }
  if (filters.reciprocity) conditions.push(reciprocityFilterCondition(filters.reciprocity));
  return conditions;
}

export interface OrganizationListPage {
  rows: OrganizationListRow[];
  total: number;
  /** Cursor of the last row when a next page exists. */
  next: ListCursor | null;
  /** Cursor of the first row when a previous page exists. */
  previous: ListCursor | null;
}

/**
 * One page of the list. `after` reads forward from a cursor, `before` reads backward (then
 * flips the rows back into display order).
 */
export async function listOrganizations(
  db: Database,
  filters: OrganizationListFilters,
  page: { limit: number; after?: ListCursor; before?: ListCursor },
  now: Date,
): Promise<OrganizationListPage> {
  const conditions = filterConditions(db, filters, now);
  const column = sortColumnOf(filters.sort);
  const ascending = filters.direction === 'asc';
  const backward = Boolean(page.before);
  const readAscending = backward ? !ascending : ascending;
  const cursor = page.after ?? page.before;
  const pageConditions = [...conditions];
  if (cursor) {
    const comparison = readAscending ? sql`>` : sql`<`;
    pageConditions.push(sql`(${column}, ${organizations.id}) ${comparison} (${cursorValue(filters.sort, cursor.key)}, ${cursor.id}::uuid)`);
  }
  const direction = readAscending ? sql`asc` : sql`desc`;

  const contactCount = sql<number>`(select count(*)::int from ${affiliations}
      where ${affiliations.organizationId} = ${organizations.id} and ${affiliations.endDate} is null)`;

  const [fetched, totals] = await Promise.all([
    db
      .select({
        id: organizations.id,
        name: organizations.name,
        acronym: organizations.acronym,
        kindLabel: organizationKinds.label,
        status: organizations.status,
        city: organizations.city,
        departmentCode: organizations.departmentCode,
        regionCode: organizations.regionCode,
        tags: organizations.tags,
        ownerName: users.displayName,
        updatedAt: organizations.updatedAt,
        lastActivityAt: organizations.lastActivityAt,
        archivedAt: organizations.archivedAt,
        contactCount,
        sortKey: sortKeyOf(filters.sort),
      })
      .from(organizations)
      .innerJoin(organizationKinds, eq(organizationKinds.code, organizations.kindCode))
      .leftJoin(users, eq(users.id, organizations.ownerId))
      .where(and(...pageConditions))
      .orderBy(sql`${column} ${direction}`, sql`${organizations.id} ${direction}`)
      .limit(page.limit + 1),
    db.select({ value: count() }).from(organizations).where(and(...conditions)),
  ]);

  const hasMore = fetched.length > page.limit;
  const rows = fetched.slice(0, page.limit);
  if (backward) rows.reverse();
  const edge = (row: OrganizationListRow | undefined): ListCursor | null => (row ? { key: row.sortKey, id: row.id } : null);
  const moreAfter = backward ? true : hasMore;
  const moreBefore = backward ? hasMore : Boolean(page.after);
  return {
    rows,
    total: totals[0]?.value ?? 0,
    next: moreAfter ? edge(rows.at(-1)) : null,
    previous: moreBefore ? edge(rows[0]) : null,
  };
}

export async function findOrganizationById(db: Database, id: string): Promise<Organization | undefined> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, id)).limit(1);
  return row;
}

export async function lockOrganizationById(db: Database, id: string): Promise<Organization | undefined> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, id)).for('update').limit(1);
  return row;
}

export async function insertOrganization(db: Database, values: NewOrganization): Promise<Organization> {
  const [row] = await db.insert(organizations).values(values).returning();
  if (!row) throw new Error('insert into organizations returned nothing');
  return row;
}

export async function updateOrganizationRow(db: Database, id: string, values: Partial<NewOrganization>): Promise<Organization> {
  const [row] = await db
    .update(organizations)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(organizations.id, id))
    .returning();
  if (!row) throw new Error(`organization ${id} vanished during update`);
  return row;
}

export async function unitIdsOfOrganization(db: Database, organizationId: string): Promise<string[]> {
  const rows = await db
    .select({ unitId: organizationUnits.unitId })
    .from(organizationUnits)
    .where(eq(organizationUnits.organizationId, organizationId));
  return rows.map((row) => row.unitId);
}

export async function unitsOfOrganization(db: Database, organizationId: string): Promise<Array<{ id: string; name: string }>> {
  return db
    .select({ id: units.id, name: units.name })
    .from(organizationUnits)
    .innerJoin(units, eq(units.id, organizationUnits.unitId))
    .where(eq(organizationUnits.organizationId, organizationId))
    .orderBy(units.name);
}

export async function replaceOrganizationUnits(db: Database, organizationId: string, unitIds: string[]): Promise<void> {
  await db.delete(organizationUnits).where(eq(organizationUnits.organizationId, organizationId));
  if (unitIds.length > 0) {
    await db.insert(organizationUnits).values(unitIds.map((unitId) => ({ organizationId, unitId })));
  }
}

/** Many organisations and their units in two statements (imports); ids are given by the caller. */
export async function insertOrganizationsWithUnits(db: Database, rows: Array<{ values: NewOrganization & { id: string }; unitIds: string[] }>): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(organizations).values(rows.map((row) => row.values));
  const links = rows.flatMap((row) => row.unitIds.map((unitId) => ({ organizationId: row.values.id, unitId })));
  if (links.length > 0) await db.insert(organizationUnits).values(links);
}

export async function listKinds(db: Database, options: { includeArchived?: boolean } = {}) {
  return db
    .select()
    .from(organizationKinds)
    .where(options.includeArchived ? undefined : isNull(organizationKinds.archivedAt))
    .orderBy(organizationKinds.position, organizationKinds.label);
}

export async function findKind(db: Database, code: string) {
  const [row] = await db.select().from(organizationKinds).where(eq(organizationKinds.code, code)).limit(1);
  return row;
}

/** Name and id only, for links to a parent or children. */
export async function organizationLabels(db: Database, ids: string[]): Promise<Array<{ id: string; name: string }>> {
  if (ids.length === 0) return [];
  return db.select({ id: organizations.id, name: organizations.name }).from(organizations).where(inArray(organizations.id, ids));
}

export async function childrenOf(db: Database, organizationId: string) {
  return db
    .select({ id: organizations.id, name: organizations.name, kindLabel: organizationKinds.label })
    .from(organizations)
    .innerJoin(organizationKinds, eq(organizationKinds.code, organizations.kindCode))
    .where(and(eq(organizations.parentId, organizationId), isNull(organizations.archivedAt), isNull(organizations.mergedIntoId)))
    .orderBy(organizations.name)
    .limit(200);
}

/** People attached to an organisation: current first, then past positions. */
export async function affiliatedContacts(db: Database, organizationId: string) {
  return db
    .select({
      affiliationId: affiliations.id,
      contactId: contacts.id,
      firstName: contacts.firstName,
      lastName: contacts.lastName,
      jobTitle: contacts.jobTitle,
      emails: contacts.emails,
      role: affiliations.role,
      startDate: affiliations.startDate,
      endDate: affiliations.endDate,
      isPrimary: affiliations.isPrimary,
      erasedAt: contacts.erasedAt,
    })
    .from(affiliations)
    .innerJoin(contacts, eq(contacts.id, affiliations.contactId))
    .where(and(eq(affiliations.organizationId, organizationId), isNull(contacts.mergedIntoId), isNull(contacts.archivedAt)))
    .orderBy(sql`${affiliations.endDate} is not null`, sql`${affiliations.endDate} desc nulls first`, sql`lower(${contacts.lastName})`)
    .limit(500);
}

/** Organisations whose name matches, for the parent picker and the affiliation form. */
export async function pickOrganizations(db: Database, query: string, limit = 10) {
  return db
    .select({ id: organizations.id, name: organizations.name, acronym: organizations.acronym, city: organizations.city })
    .from(organizations)
    .where(
      and(
        isNull(organizations.archivedAt),
        isNull(organizations.mergedIntoId),
        sql`${organizations.searchName} like '%' || search_normalize(${escapeLike(query)}) || '%'`,
      ),
    )
    .orderBy(sql`similarity(${organizations.searchName}, search_normalize(${query})) desc`, organizations.name)
    .limit(limit);
}
