// SQL for conventions, their parties, payment schedule and versioned documents.
import { and, asc, count, desc, eq, gte, inArray, lt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from './database';
import {
  type Convention,
  type ConventionDocumentKind,
  type ConventionKind,
  type ConventionStatus,
  type NewConvention,
  auditLog,
  contacts,
  conventionDocumentVersions,
  conventionDocuments,
  conventionParties,
  conventionPayments,
  conventionReferenceCounters,
  conventions,
  organizations,
  units,
  users,
} from './schema';
import { reusableQuery, reusableUpdateById } from './prepared';

/** Next number of a year's sequence; the row lock serialises concurrent creations. */
export async function takeReferenceNumber(tx: Database, year: number): Promise<number> {
  const [row] = await tx
    .insert(conventionReferenceCounters)
    .values({ year, lastNumber: 1 })
    .onConflictDoUpdate({ target: conventionReferenceCounters.year, set: { lastNumber: sql`${conventionReferenceCounters.lastNumber} + 1` } })
    .returning({ lastNumber: conventionReferenceCounters.lastNumber });
  if (!row) throw new Error('reference counter not updated');
  return row.lastNumber;
}

export async function insertConvention(tx: Database, values: NewConvention): Promise<Convention> {
  const [row] = await tx.insert(conventions).values(values).returning();
  if (!row) throw new Error('convention not inserted');
  return row;
}

// Small updates (a status change in every circuit step that moves the convention, the signature
// date) reuse one prepared query per set of columns; the edit form's wide updates, whose sets of
// null columns vary, keep Drizzle's builder rather than piling up prepared statements.
const updateConventionColumns = reusableUpdateById(conventions, 'conventions_set');

export async function updateConventionRow(tx: Database, id: string, values: Partial<NewConvention>): Promise<Convention> {
  const [row] =
    Object.keys(values).length <= 3
      ? [(await updateConventionColumns(tx, id, values)) as Convention | undefined]
      : await tx
          .update(conventions)
          .set({ ...values, updatedAt: sql`now()` })
          .where(eq(conventions.id, id))
          .returning();
  if (!row) throw new Error('convention not updated');
  return row;
}

export async function deleteConventionRow(tx: Database, id: string): Promise<void> {
  await tx.delete(conventions).where(eq(conventions.id, id));
}

// Read and locked in every step of the approval circuit that moves the convention: built once
// (reusableQuery: named prepared statements), not at every call.
const findConventionByIdQuery = reusableQuery('conventions_find', (db) => db.select().from(conventions).where(eq(conventions.id, sql.placeholder('id'))));
const lockConventionByIdQuery = reusableQuery('conventions_lock', (db) => db.select().from(conventions).where(eq(conventions.id, sql.placeholder('id'))).for('update'));

export async function findConventionById(db: Database, id: string): Promise<Convention | undefined> {
  const [row] = await findConventionByIdQuery(db, { id });
  return row;
}

export async function findConventionByReference(db: Database, reference: string): Promise<Convention | undefined> {
  const [row] = await db.select().from(conventions).where(eq(conventions.reference, reference));
  return row;
}

export async function lockConventionById(tx: Database, id: string): Promise<Convention | undefined> {
  const [row] = await lockConventionByIdQuery(tx, { id });
  return row;
}

export async function findConventionBySourceRef(db: Database, sourceRef: string): Promise<Convention | undefined> {
  const [row] = await db.select().from(conventions).where(eq(conventions.sourceRef, sourceRef));
  return row;
}

// ── Parties and payments ───────────────────────────────────────────────────────────────────

export interface PartyValues {
  organizationId: string;
  signatoryContactId: string | null;
  role: string | null;
}

export async function replaceParties(tx: Database, conventionId: string, parties: PartyValues[]): Promise<void> {
  await tx.delete(conventionParties).where(eq(conventionParties.conventionId, conventionId));
  if (parties.length === 0) return;
  await tx.insert(conventionParties).values(parties.map((party, position) => ({ ...party, conventionId, position })));
}

// Read with the convention on every submission and edit page: built once (reusableQuery).
const partiesOfQuery = reusableQuery('convention_parties_of', (db) =>
  db
    .select({
      organizationId: conventionParties.organizationId,
      organizationName: organizations.name,
      role: conventionParties.role,
      signatoryContactId: conventionParties.signatoryContactId,
      signatoryFirstName: contacts.firstName,
      signatoryLastName: contacts.lastName,
    })
    .from(conventionParties)
    .innerJoin(organizations, eq(organizations.id, conventionParties.organizationId))
    .leftJoin(contacts, eq(contacts.id, conventionParties.signatoryContactId))
    .where(eq(conventionParties.conventionId, sql.placeholder('conventionId')))
    .orderBy(asc(conventionParties.position)),
);

export async function partiesOf(db: Database, conventionId: string) {
  return partiesOfQuery(db, { conventionId });
}

export interface PaymentValues {
  dueOn: string;
  amountCents: number;
  label: string | null;
}

export async function replacePayments(tx: Database, conventionId: string, payments: PaymentValues[]): Promise<void> {
  await tx.delete(conventionPayments).where(eq(conventionPayments.conventionId, conventionId));
  if (payments.length === 0) return;
  await tx.insert(conventionPayments).values(payments.map((payment, position) => ({ ...payment, conventionId, position })));
}

const paymentsOfQuery = reusableQuery('convention_payments_of', (db) =>
  db
    .select({ dueOn: conventionPayments.dueOn, amountCents: conventionPayments.amountCents, label: conventionPayments.label })
    .from(conventionPayments)
    .where(eq(conventionPayments.conventionId, sql.placeholder('conventionId')))
    .orderBy(asc(conventionPayments.dueOn), asc(conventionPayments.position)),
);

export async function paymentsOf(db: Database, conventionId: string) {
  return paymentsOfQuery(db, { conventionId });
}

export async function childrenOfConvention(db: Database, conventionId: string) {
  return db
    .select({ id: conventions.id, reference: conventions.reference, title: conventions.title, kind: conventions.kind, status: conventions.status, endsOn: conventions.endsOn, isRenewal: conventions.isRenewal })
    .from(conventions)
    .where(eq(conventions.parentId, conventionId))
    .orderBy(asc(conventions.reference));
}

export async function countChildren(db: Database, conventionId: string): Promise<number> {
  const [row] = await db.select({ value: count() }).from(conventions).where(eq(conventions.parentId, conventionId));
  return row?.value ?? 0;
}

/** Conventions an organisation is party to, newest end date first. */
export async function conventionsOfOrganization(db: Database, organizationId: string) {
  return db
    .select({ id: conventions.id, reference: conventions.reference, title: conventions.title, kind: conventions.kind, status: conventions.status, endsOn: conventions.endsOn, role: conventionParties.role })
    .from(conventionParties)
    .innerJoin(conventions, eq(conventions.id, conventionParties.conventionId))
    .where(eq(conventionParties.organizationId, organizationId))
    .orderBy(sql`${conventions.endsOn} desc nulls first`, asc(conventions.reference))
    .limit(200);
}

// ── List ─────────────────────────────────────────────────────────────────────────────────

export const CONVENTION_SORTS = ['reference', 'title', 'endsOn', 'updated'] as const;
export type ConventionSort = (typeof CONVENTION_SORTS)[number];

export interface ConventionListFilters {
  q?: string;
  kind?: ConventionKind;
  status?: ConventionStatus;
  unitId?: string;
  ownerId?: string;
  organizationId?: string;
  /** Only conventions whose end date (or notice deadline) falls between these days. */
  expiring?: { column: 'endsOn' | 'noticeDeadline'; from: string; to: string; excludeStatuses: ConventionStatus[] };
  sort: ConventionSort;
  direction: 'asc' | 'desc';
}

function conditionsOf(filters: ConventionListFilters): SQL | undefined {
  const conditions: SQL[] = [];
  if (filters.q) {
    const pattern = `%${filters.q.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    conditions.push(sql`(${conventions.title} ilike ${pattern} or ${conventions.reference} ilike ${pattern} or ${conventions.object} ilike ${pattern})`);
  }
  if (filters.kind) conditions.push(eq(conventions.kind, filters.kind));
  if (filters.status) conditions.push(eq(conventions.status, filters.status));
  if (filters.unitId) conditions.push(eq(conventions.unitId, filters.unitId));
  if (filters.ownerId) conditions.push(eq(conventions.ownerId, filters.ownerId));
  if (filters.organizationId) {
    conditions.push(
      sql`exists (select 1 from ${conventionParties} where ${conventionParties.conventionId} = ${conventions.id} and ${conventionParties.organizationId} = ${filters.organizationId})`,
    );
  }
  if (filters.expiring) {
    const column = filters.expiring.column === 'endsOn' ? conventions.endsOn : conventions.noticeDeadline;
    conditions.push(gte(column, filters.expiring.from), lte(column, filters.expiring.to));
    if (filters.expiring.excludeStatuses.length > 0) conditions.push(notInArray(conventions.status, filters.expiring.excludeStatuses));
  }
  return conditions.length > 0 ? and(...conditions) : undefined;
}

function orderOf(filters: ConventionListFilters): SQL[] {
  const direction = filters.direction === 'desc' ? desc : asc;
  switch (filters.sort) {
    case 'title':
      return [direction(sql`lower(${conventions.title})`), asc(conventions.id)];
    case 'endsOn':
      return [filters.direction === 'desc' ? sql`${conventions.endsOn} desc nulls last` : sql`${conventions.endsOn} asc nulls last`, asc(conventions.id)];
    case 'updated':
      return [direction(conventions.updatedAt), asc(conventions.id)];
    default:
      return [direction(conventions.reference)];
  }
}

export async function listConventions(db: Database, filters: ConventionListFilters, page: { limit: number; offset: number }) {
  const where = conditionsOf(filters);
  const [rows, totals] = await Promise.all([
    db
      .select({
        id: conventions.id,
        reference: conventions.reference,
        title: conventions.title,
        kind: conventions.kind,
        status: conventions.status,
        endsOn: conventions.endsOn,
        noticeDeadline: conventions.noticeDeadline,
        amountCents: conventions.amountCents,
        moneyDirection: conventions.moneyDirection,
        unitName: units.name,
        ownerName: users.displayName,
        partyNames: sql<string | null>`(select string_agg(o.name, ', ' order by p.position) from ${conventionParties} p join ${organizations} o on o.id = p.organization_id where p.convention_id = ${conventions.id})`,
      })
      .from(conventions)
      .leftJoin(units, eq(units.id, conventions.unitId))
      .leftJoin(users, eq(users.id, conventions.ownerId))
      .where(where)
      .orderBy(...orderOf(filters))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ value: count() }).from(conventions).where(where),
  ]);
  return { rows, total: totals[0]?.value ?? 0 };
}

export type ConventionListRow = Awaited<ReturnType<typeof listConventions>>['rows'][number];

// ── Documents ────────────────────────────────────────────────────────────────────────────

export async function insertDocument(tx: Database, values: { conventionId: string; kind: ConventionDocumentKind; title: string; confidential: boolean; createdById: string | null }) {
  const [row] = await tx.insert(conventionDocuments).values(values).returning();
  if (!row) throw new Error('document not inserted');
  return row;
}

export async function lockDocument(tx: Database, conventionId: string, documentId: string) {
  const [row] = await tx
    .select()
    .from(conventionDocuments)
    .where(and(eq(conventionDocuments.id, documentId), eq(conventionDocuments.conventionId, conventionId)))
    .for('update');
  return row;
}

export async function setDocumentConfidential(tx: Database, documentId: string, confidential: boolean) {
  const [row] = await tx.update(conventionDocuments).set({ confidential }).where(eq(conventionDocuments.id, documentId)).returning();
  if (!row) throw new Error('document not updated');
  return row;
}

export async function lastVersionNumber(tx: Database, documentId: string): Promise<number> {
  const [row] = await tx
    .select({ value: sql<number>`coalesce(max(${conventionDocumentVersions.version}), 0)::int` })
    .from(conventionDocumentVersions)
    .where(eq(conventionDocumentVersions.documentId, documentId));
  return row?.value ?? 0;
}

export async function insertDocumentVersion(tx: Database, values: typeof conventionDocumentVersions.$inferInsert) {
  const [row] = await tx.insert(conventionDocumentVersions).values(values).returning();
  if (!row) throw new Error('document version not inserted');
  return row;
}

export async function documentsOf(db: Database, conventionId: string) {
  const documents = await db.select().from(conventionDocuments).where(eq(conventionDocuments.conventionId, conventionId)).orderBy(asc(conventionDocuments.createdAt));
  if (documents.length === 0) return [];
  const versions = await db
    .select({
      documentId: conventionDocumentVersions.documentId,
      version: conventionDocumentVersions.version,
      fileName: conventionDocumentVersions.fileName,
      sizeBytes: conventionDocumentVersions.sizeBytes,
      uploadedAt: conventionDocumentVersions.uploadedAt,
      uploadedByName: users.displayName,
    })
    .from(conventionDocumentVersions)
    .leftJoin(users, eq(users.id, conventionDocumentVersions.uploadedById))
    .where(inArray(conventionDocumentVersions.documentId, documents.map((document) => document.id)))
    .orderBy(desc(conventionDocumentVersions.version));
  return documents.map((document) => ({ ...document, versions: versions.filter((version) => version.documentId === document.id) }));
}

export async function findDocumentVersion(db: Database, conventionId: string, documentId: string, version: number) {
  const [row] = await db
    .select({ version: conventionDocumentVersions, document: conventionDocuments })
    .from(conventionDocumentVersions)
    .innerJoin(conventionDocuments, eq(conventionDocuments.id, conventionDocumentVersions.documentId))
    .where(and(eq(conventionDocuments.conventionId, conventionId), eq(conventionDocuments.id, documentId), eq(conventionDocumentVersions.version, version)));
  return row;
}

export async function storageKeysOf(db: Database, conventionId: string): Promise<string[]> {
  const rows = await db
    .select({ key: conventionDocumentVersions.storageKey })
    .from(conventionDocumentVersions)
    .innerJoin(conventionDocuments, eq(conventionDocuments.id, conventionDocumentVersions.documentId))
    .where(eq(conventionDocuments.conventionId, conventionId));
  return rows.map((row) => row.key);
}

export async function organizationNames(db: Database, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select({ id: organizations.id, name: organizations.name }).from(organizations).where(inArray(organizations.id, ids));
}

// ── Calendar (src/services/convention-lifecycle.service.ts) ────────────────────────────────

/**
 * The two status moves the calendar makes on its own: a signed convention whose effective start
 * has come is in force; one in force whose end date has passed (without tacit renewal) is over.
 */
export type CalendarMove = 'start' | 'end';

/**
 * Moves one batch of due conventions and returns them. The batch is locked with SKIP LOCKED and
 * the UPDATE re-checks the status, so a second worker running at the same time takes other rows
 * (or none), and a run repeated later finds nothing left to do. `from` → `to` come from the
 * service, which checks the move against the transition table.
 */
export async function moveConventionsOnCalendar(tx: Database, { move, from, to }: { move: CalendarMove; from: ConventionStatus; to: ConventionStatus }, today: string, limit: number) {
  // A convention ends at the end of its end date (Paris): it is over from the next day on.
  // Without an effective start date, a convention takes effect on its signature date.
  const due = move === 'start' ? sql`coalesce(${conventions.startsOn}, ${conventions.signedOn}) <= ${today}` : and(lt(conventions.endsOn, today), eq(conventions.tacitRenewal, false));
  const batch = tx
    .select({ id: conventions.id })
    .from(conventions)
    .where(and(eq(conventions.status, from), due))
    .orderBy(asc(conventions.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  return tx
    .update(conventions)
    .set({ status: to, updatedById: null, updatedAt: sql`now()` })
    .where(and(inArray(conventions.id, batch), eq(conventions.status, from)))
    .returning({ id: conventions.id, reference: conventions.reference });
}

/** In force, renewed tacitly and past their end date: locked for the renewing transaction. */
export async function lockTacitRenewalsDue(tx: Database, today: string, limit: number) {
  return tx
    .select({ id: conventions.id, startsOn: conventions.startsOn, endsOn: conventions.endsOn, noticeMonths: conventions.noticeMonths, noticeDeadline: conventions.noticeDeadline })
    .from(conventions)
    .where(and(eq(conventions.status, 'en_vigueur'), eq(conventions.tacitRenewal, true), lt(conventions.endsOn, today)))
    .orderBy(asc(conventions.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** The latest tacit renewal journal row of each convention (its metadata keeps the term renewed). */
export async function lastTacitRenewalsOf(db: Database, conventionIds: string[]) {
  if (conventionIds.length === 0) return [];
  return db
    .selectDistinctOn([auditLog.entityId], { conventionId: auditLog.entityId, changes: auditLog.changes, metadata: auditLog.metadata })
    .from(auditLog)
    .where(and(eq(auditLog.entityType, 'convention'), eq(auditLog.action, TACIT_RENEWAL_ACTION), inArray(auditLog.entityId, conventionIds)))
    .orderBy(auditLog.entityId, desc(auditLog.id));
}

export const TACIT_RENEWAL_ACTION = 'convention.tacitlyRenewed';

/** New end dates and notice deadlines, one statement for the whole batch (rows locked by the caller). */
export async function setRenewedDates(tx: Database, rows: Array<{ id: string; endsOn: string; noticeDeadline: string | null }>): Promise<void> {
  if (rows.length === 0) return;
  const values = sql.join(
    rows.map((row) => sql`(${row.id}::uuid, ${row.endsOn}::date, ${row.noticeDeadline}::date)`),
    sql`, `,
  );
  await tx.execute(sql`
    update ${conventions} set ends_on = renewed.ends_on, notice_deadline = renewed.notice_deadline, updated_by_id = null, updated_at = now()
    from (values ${values}) as renewed(id, ends_on, notice_deadline)
    where ${conventions.id} = renewed.id`);
}

// ── Parent picker ────────────────────────────────────────────────────────────────────────

/** Which conventions may be a parent: any but an avenant (for an avenant), a cadre (for an application). */
export type ParentKindFilter = { kind: 'cadre' } | { notKind: 'avenant' };

/**
 * Conventions matching every typed word in their reference, title or a party's name, accents and
 * case ignored (organisations keep an unaccented `search_name`), newest reference first.
 */
export async function searchParentConventions(db: Database, words: string[], filter: ParentKindFilter, options: { excludeId?: string; limit: number }) {
  const conditions: SQL[] = ['kind' in filter ? eq(conventions.kind, filter.kind) : sql`${conventions.kind} <> ${filter.notKind}`];
  if (options.excludeId) conditions.push(sql`${conventions.id} <> ${options.excludeId}`);
  for (const word of words) {
    const pattern = `%${word.replace(/[\\%_]/g, (match) => `\\${match}`)}%`;
    conditions.push(sql`(
      lower(immutable_unaccent(${conventions.reference} || ' ' || ${conventions.title})) like lower(immutable_unaccent(${pattern}::text))
      or exists (
        select 1 from ${conventionParties} join ${organizations} on ${organizations.id} = ${conventionParties.organizationId}
        where ${conventionParties.conventionId} = ${conventions.id} and ${organizations.searchName} like lower(immutable_unaccent(${pattern}::text))
      ))`);
  }
  return db
    .select({
      id: conventions.id,
      reference: conventions.reference,
      title: conventions.title,
      kind: conventions.kind,
      status: conventions.status,
      partyNames: sql<string | null>`(select string_agg(o.name, ', ' order by p.position) from ${conventionParties} p join ${organizations} o on o.id = p.organization_id where p.convention_id = ${conventions}.id)`,
    })
    .from(conventions)
    .where(and(...conditions))
    .orderBy(desc(conventions.reference))
    .limit(options.limit);
}
