// SQL for one exchange (« échange »): the row, its link rows (organisations, contacts present,
// internal participants, units — each carrying a copy of occurred_at for the timelines) and its
// attachments. Lists, search and timelines read exchanges elsewhere, always through
// exchangeVisibleTo (exchange-visibility.ts).
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from './database';
import {
  type Exchange,
  type ExchangeAttachment,
  type NewExchange,
  type Task,
  affiliations,
  contacts,
  conventionParties,
  conventions,
  exchangeAttachments,
  exchangeContacts,
  exchangeOrganizations,
  exchangeParticipants,
  exchangeUnits,
  exchanges,
  organizations,
  tasks,
  units,
  users,
} from './schema';

/** The records an exchange is linked to. */
export interface ExchangeLinks {
  organizationIds: readonly string[];
  contactIds: readonly string[];
  participantIds: readonly string[];
  unitIds: readonly string[];
}

export async function insertExchange(tx: Database, values: NewExchange): Promise<Exchange> {
  const [row] = await tx.insert(exchanges).values(values).returning();
  if (!row) throw new Error('exchange not inserted');
  return row;
}

export async function updateExchangeRow(tx: Database, id: string, values: Partial<NewExchange>): Promise<Exchange> {
  const [row] = await tx
    .update(exchanges)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(exchanges.id, id))
    .returning();
  if (!row) throw new Error('exchange not updated');
  return row;
}

export async function deleteExchangeRow(tx: Database, id: string): Promise<void> {
  // Link rows and attachment rows go with it (on delete cascade); tasks keep their other links.
  await tx.delete(exchanges).where(eq(exchanges.id, id));
}

export async function findExchangeById(db: Database, id: string): Promise<Exchange | undefined> {
  const [row] = await db.select().from(exchanges).where(eq(exchanges.id, id));
  return row;
}

export async function lockExchangeById(tx: Database, id: string): Promise<Exchange | undefined> {
  const [row] = await tx.select().from(exchanges).where(eq(exchanges.id, id)).for('update');
  return row;
}

/** Writes the link rows of a new exchange, each with the exchange's occurred_at. */
export async function insertExchangeLinks(tx: Database, exchangeId: string, occurredAt: Date, links: ExchangeLinks): Promise<void> {
  const unique = (ids: readonly string[]) => [...new Set(ids)];
  const organizationIds = unique(links.organizationIds);
  const contactIds = unique(links.contactIds);
  const participantIds = unique(links.participantIds);
  const unitIds = unique(links.unitIds);
  if (organizationIds.length > 0) await tx.insert(exchangeOrganizations).values(organizationIds.map((organizationId) => ({ exchangeId, organizationId, occurredAt })));
  if (contactIds.length > 0) await tx.insert(exchangeContacts).values(contactIds.map((contactId) => ({ exchangeId, contactId, occurredAt })));
  if (participantIds.length > 0) await tx.insert(exchangeParticipants).values(participantIds.map((userId) => ({ exchangeId, userId, occurredAt })));
  if (unitIds.length > 0) await tx.insert(exchangeUnits).values(unitIds.map((unitId) => ({ exchangeId, unitId, occurredAt })));
}

/** Replaces every link of an edited exchange; the new rows carry its (possibly moved) occurred_at. */
export async function replaceExchangeLinks(tx: Database, exchangeId: string, occurredAt: Date, links: ExchangeLinks): Promise<void> {
  await tx.delete(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, exchangeId));
  await tx.delete(exchangeContacts).where(eq(exchangeContacts.exchangeId, exchangeId));
  await tx.delete(exchangeParticipants).where(eq(exchangeParticipants.exchangeId, exchangeId));
  await tx.delete(exchangeUnits).where(eq(exchangeUnits.exchangeId, exchangeId));
  await insertExchangeLinks(tx, exchangeId, occurredAt, links);
}

/** The ids linked to an exchange (for permission checks and the edit form). */
export async function linksOfExchange(db: Database, exchangeId: string): Promise<ExchangeLinks> {
  // One after the other: callers pass a transaction, which runs one statement at a time.
  const organizationRows = await db.select({ id: exchangeOrganizations.organizationId }).from(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, exchangeId));
  const contactRows = await db.select({ id: exchangeContacts.contactId }).from(exchangeContacts).where(eq(exchangeContacts.exchangeId, exchangeId));
  const participantRows = await db.select({ id: exchangeParticipants.userId }).from(exchangeParticipants).where(eq(exchangeParticipants.exchangeId, exchangeId));
  const unitRows = await db.select({ id: exchangeUnits.unitId }).from(exchangeUnits).where(eq(exchangeUnits.exchangeId, exchangeId));
  return {
    organizationIds: organizationRows.map((row) => row.id),
    contactIds: contactRows.map((row) => row.id),
    participantIds: participantRows.map((row) => row.id),
    unitIds: unitRows.map((row) => row.id),
  };
}

/** An exchange with the names of everything it links to (the exchange page). */
export async function findExchangeWithNames(db: Database, id: string) {
  const exchange = await findExchangeById(db, id);
  if (!exchange) return undefined;
  const [organizationRows, contactRows, participantRows, unitRows, attachments, author, updatedBy, linkedTasks, convention] = await Promise.all([
    db
      .select({ id: organizations.id, name: organizations.name })
      .from(exchangeOrganizations)
      .innerJoin(organizations, eq(organizations.id, exchangeOrganizations.organizationId))
      .where(eq(exchangeOrganizations.exchangeId, id))
      .orderBy(asc(organizations.name)),
    db
      .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, erasedAt: contacts.erasedAt })
      .from(exchangeContacts)
      .innerJoin(contacts, eq(contacts.id, exchangeContacts.contactId))
      .where(eq(exchangeContacts.exchangeId, id))
      .orderBy(asc(contacts.lastName), asc(contacts.firstName)),
    db
      .select({ id: users.id, displayName: users.displayName })
      .from(exchangeParticipants)
      .innerJoin(users, eq(users.id, exchangeParticipants.userId))
      .where(eq(exchangeParticipants.exchangeId, id))
      .orderBy(asc(users.displayName)),
    db
      .select({ id: units.id, name: units.name })
      .from(exchangeUnits)
      .innerJoin(units, eq(units.id, exchangeUnits.unitId))
      .where(eq(exchangeUnits.exchangeId, id))
      .orderBy(asc(units.name)),
    attachmentsOf(db, id),
    exchange.authorId ? db.select({ id: users.id, displayName: users.displayName }).from(users).where(eq(users.id, exchange.authorId)) : Promise.resolve([]),
    exchange.updatedById ? db.select({ id: users.id, displayName: users.displayName }).from(users).where(eq(users.id, exchange.updatedById)) : Promise.resolve([]),
    db
      .select({ id: tasks.id, title: tasks.title, dueOn: tasks.dueOn, status: tasks.status, assigneeName: users.displayName })
      .from(tasks)
      .leftJoin(users, eq(users.id, tasks.assigneeId))
      .where(eq(tasks.exchangeId, id))
      .orderBy(asc(tasks.dueOn), asc(tasks.createdAt)),
    exchange.subjectType === 'convention' && exchange.subjectId
      ? db.select({ id: conventions.id, reference: conventions.reference, title: conventions.title }).from(conventions).where(eq(conventions.id, exchange.subjectId))
      : Promise.resolve([]),
  ]);
  return {
    exchange,
    organizations: organizationRows,
    contacts: contactRows,
    participants: participantRows,
    units: unitRows,
    attachments,
    author: author[0] ?? null,
    updatedBy: updatedBy[0] ?? null,
    tasks: linkedTasks,
    convention: convention[0] ?? null,
  };
}

export type ExchangeWithNames = NonNullable<Awaited<ReturnType<typeof findExchangeWithNames>>>;

// ── Attachments ──────────────────────────────────────────────────────────────────────────

export async function attachmentsOf(db: Database, exchangeId: string): Promise<ExchangeAttachment[]> {
  return db.select().from(exchangeAttachments).where(eq(exchangeAttachments.exchangeId, exchangeId)).orderBy(asc(exchangeAttachments.uploadedAt), asc(exchangeAttachments.fileName));
}

export async function insertAttachment(tx: Database, values: typeof exchangeAttachments.$inferInsert): Promise<ExchangeAttachment> {
  const [row] = await tx.insert(exchangeAttachments).values(values).returning();
  if (!row) throw new Error('attachment not inserted');
  return row;
}

export async function findAttachment(db: Database, exchangeId: string, attachmentId: string): Promise<ExchangeAttachment | undefined> {
  const [row] = await db
    .select()
    .from(exchangeAttachments)
    .where(and(eq(exchangeAttachments.exchangeId, exchangeId), eq(exchangeAttachments.id, attachmentId)));
  return row;
}

export async function deleteAttachmentRow(tx: Database, attachmentId: string): Promise<void> {
  await tx.delete(exchangeAttachments).where(eq(exchangeAttachments.id, attachmentId));
}

// ── Names for forms and the journal ──────────────────────────────────────────────────────

/** Organisations among these ids, with their names and whether they are still live (not archived, not merged). */
export async function organizationsForLinks(db: Database, ids: readonly string[]): Promise<Array<{ id: string; name: string; live: boolean }>> {
  if (ids.length === 0) return [];
  return db
    .select({ id: organizations.id, name: organizations.name, live: sql<boolean>`(${organizations.mergedIntoId} is null and ${organizations.archivedAt} is null)` })
    .from(organizations)
    .where(inArray(organizations.id, [...ids]));
}

/** Contacts among these ids, with their names and whether they may be linked (not merged away). */
export async function contactsForLinks(db: Database, ids: readonly string[]): Promise<Array<{ id: string; firstName: string; lastName: string; erasedAt: Date | null; live: boolean }>> {
  if (ids.length === 0) return [];
  return db
    .select({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, erasedAt: contacts.erasedAt, live: sql<boolean>`(${contacts.mergedIntoId} is null)` })
    .from(contacts)
    .where(inArray(contacts.id, [...ids]));
}

/** Users among these ids, with whether their account is active. */
export async function usersForLinks(db: Database, ids: readonly string[]): Promise<Array<{ id: string; displayName: string; live: boolean }>> {
  if (ids.length === 0) return [];
  return db.select({ id: users.id, displayName: users.displayName, live: users.active }).from(users).where(inArray(users.id, [...ids]));
}

/** The organisations a contact currently works for, primary first (the quick log pre-fills them). */
export async function currentOrganizationsOfContact(db: Database, contactId: string): Promise<Array<{ id: string; name: string; isPrimary: boolean }>> {
  return db
    .select({ id: organizations.id, name: organizations.name, isPrimary: affiliations.isPrimary })
    .from(affiliations)
    .innerJoin(organizations, eq(organizations.id, affiliations.organizationId))
    .where(and(eq(affiliations.contactId, contactId), sql`${affiliations.endDate} is null`, sql`${organizations.mergedIntoId} is null`, sql`${organizations.archivedAt} is null`))
    .orderBy(sql`${affiliations.isPrimary} desc`, asc(organizations.name));
}

/** Contacts currently affiliated with these organisations (the form's « contacts présents » choices). */
export async function contactsOfOrganizations(db: Database, organizationIds: readonly string[], limit = 200) {
  if (organizationIds.length === 0) return [];
  return db
    .selectDistinct({ id: contacts.id, firstName: contacts.firstName, lastName: contacts.lastName, organizationId: affiliations.organizationId })
    .from(affiliations)
    .innerJoin(contacts, eq(contacts.id, affiliations.contactId))
    .where(
      and(
        inArray(affiliations.organizationId, [...organizationIds]),
        sql`${affiliations.endDate} is null`,
        sql`${contacts.mergedIntoId} is null`,
        sql`${contacts.erasedAt} is null`,
        sql`${contacts.archivedAt} is null`,
      ),
    )
    .orderBy(asc(contacts.lastName), asc(contacts.firstName))
    .limit(limit);
}

/** The next step of an exchange about a sourcing case is the case's task too (the case's timeline shows it). */
export async function linkTaskToCase(tx: Database, taskId: string, caseId: string): Promise<Task> {
  const [row] = await tx.update(tasks).set({ sourcingCaseId: caseId }).where(eq(tasks.id, taskId)).returning();
  if (!row) throw new Error('task not updated');
  return row;
}

export async function conventionLabel(db: Database, id: string): Promise<{ id: string; reference: string; title: string } | undefined> {
  const [row] = await db.select({ id: conventions.id, reference: conventions.reference, title: conventions.title }).from(conventions).where(eq(conventions.id, id));
  return row;
}

/** The organisations that are parties to a convention (an exchange about it pre-fills them). */
export async function organizationsOfConvention(db: Database, conventionId: string): Promise<Array<{ id: string; name: string }>> {
  return db
    .select({ id: organizations.id, name: organizations.name })
    .from(conventionParties)
    .innerJoin(organizations, eq(organizations.id, conventionParties.organizationId))
    .where(and(eq(conventionParties.conventionId, conventionId), sql`${organizations.mergedIntoId} is null`, sql`${organizations.archivedAt} is null`))
    .orderBy(asc(organizations.name));
}
