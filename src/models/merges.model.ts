// SQL for merging two records and undoing it: the record_merges rows, and the relations moved
// from the merged record to the kept one (and back). Each move returns the ids it touched so
// the merge row can say exactly what to put back.
import { and, desc, eq, gt, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import type { Database } from './database';
import {
  type Affiliation,
  type NewAffiliation,
  type RecordMerge,
  affiliations,
  contactUnits,
  contacts,
  conventionParties,
  organizationUnits,
  organizations,
  recordMerges,
  users,
} from './schema';
import { uuidArray } from './sql-arrays';

export type MergeEntity = 'organization' | 'contact';

export async function insertMerge(db: Database, values: typeof recordMerges.$inferInsert): Promise<RecordMerge> {
  const [row] = await db.insert(recordMerges).values(values).returning();
  if (!row) throw new Error('insert into record_merges returned nothing');
  return row;
}

export async function lockMergeById(db: Database, id: string): Promise<RecordMerge | undefined> {
  const [row] = await db.select().from(recordMerges).where(eq(recordMerges.id, id)).for('update').limit(1);
  return row;
}

export async function markMergeUndone(db: Database, id: string, undoneById: string | null): Promise<void> {
  await db.update(recordMerges).set({ undoneAt: sql`now()`, undoneById }).where(eq(recordMerges.id, id));
}

/** Merges not undone, made after `after`, in which one of the records took part (as kept or merged). */
export async function laterActiveMerges(db: Database, entityType: MergeEntity, recordIds: string[], after: Date, exceptId: string): Promise<RecordMerge[]> {
  return db
    .select()
    .from(recordMerges)
    .where(
      and(
        eq(recordMerges.entityType, entityType),
        isNull(recordMerges.undoneAt),
        ne(recordMerges.id, exceptId),
        gt(recordMerges.mergedAt, after),
        or(inArray(recordMerges.keptId, recordIds), inArray(recordMerges.mergedId, recordIds)),
      ),
    );
}

export interface MergeListRow {
  id: string;
  entityType: string;
  keptId: string;
  mergedId: string;
  keptName: string | null;
  mergedBefore: Record<string, unknown>;
  mergedAt: Date;
  mergedByName: string | null;
  undoneAt: Date | null;
  undoneByName: string | null;
  total: number;
}

/** Newest first; optionally the merges one record took part in. */
export async function listMerges(
  db: Database,
  filters: { entityType: MergeEntity; recordId?: string; limit: number; offset: number },
): Promise<MergeListRow[]> {
  const keptName =
    filters.entityType === 'organization'
      ? sql<string | null>`(select ${organizations.name} from ${organizations} where ${organizations.id} = ${recordMerges.keptId})`
      : sql<string | null>`(select trim(${contacts.firstName} || ' ' || ${contacts.lastName}) from ${contacts} where ${contacts.id} = ${recordMerges.keptId})`;
  const undoneBy = sql<string | null>`(select u.display_name from users u where u.id = ${recordMerges.undoneById})`;
  return db
    .select({
      id: recordMerges.id,
      entityType: recordMerges.entityType,
      keptId: recordMerges.keptId,
      mergedId: recordMerges.mergedId,
      keptName,
      mergedBefore: recordMerges.mergedBefore,
      mergedAt: recordMerges.mergedAt,
      mergedByName: users.displayName,
      undoneAt: recordMerges.undoneAt,
      undoneByName: undoneBy,
      total: sql<number>`count(*) over ()::int`,
    })
    .from(recordMerges)
    .leftJoin(users, eq(users.id, recordMerges.mergedById))
    .where(
      and(
        eq(recordMerges.entityType, filters.entityType),
        filters.recordId ? or(eq(recordMerges.keptId, filters.recordId), eq(recordMerges.mergedId, filters.recordId)) : undefined,
      ),
    )
    .orderBy(desc(recordMerges.mergedAt), desc(recordMerges.id))
    .limit(filters.limit)
    .offset(filters.offset);
}

// ── Units: the kept record gets the union; the merged record keeps its own rows ─────────────

/** Adds the units to the organisation (those it lacks) and returns the ones added. */
export async function addOrganizationUnits(db: Database, organizationId: string, unitIds: string[]): Promise<string[]> {
  if (unitIds.length === 0) return [];
  const rows = await db
    .insert(organizationUnits)
    .values(unitIds.map((unitId) => ({ organizationId, unitId })))
    .onConflictDoNothing()
    .returning({ unitId: organizationUnits.unitId });
  return rows.map((row) => row.unitId);
}

export async function removeOrganizationUnits(db: Database, organizationId: string, unitIds: string[]): Promise<void> {
  if (unitIds.length === 0) return;
  await db.delete(organizationUnits).where(and(eq(organizationUnits.organizationId, organizationId), inArray(organizationUnits.unitId, unitIds)));
}

export async function addContactUnits(db: Database, contactId: string, unitIds: string[]): Promise<string[]> {
  if (unitIds.length === 0) return [];
  const rows = await db
    .insert(contactUnits)
    .values(unitIds.map((unitId) => ({ contactId, unitId })))
    .onConflictDoNothing()
    .returning({ unitId: contactUnits.unitId });
  return rows.map((row) => row.unitId);
}

export async function removeContactUnits(db: Database, contactId: string, unitIds: string[]): Promise<void> {
  if (unitIds.length === 0) return;
  await db.delete(contactUnits).where(and(eq(contactUnits.contactId, contactId), inArray(contactUnits.unitId, unitIds)));
}

// ── Affiliations ─────────────────────────────────────────────────────────────────────────────

export async function affiliationsOf(db: Database, side: 'organization' | 'contact', id: string): Promise<Affiliation[]> {
  const column = side === 'organization' ? affiliations.organizationId : affiliations.contactId;
  return db.select().from(affiliations).where(eq(column, id));
}

export async function deleteAffiliations(db: Database, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.delete(affiliations).where(inArray(affiliations.id, ids));
}

export async function insertAffiliationRows(db: Database, rows: NewAffiliation[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(affiliations).values(rows).onConflictDoNothing();
}

export async function setAffiliationsPrimary(db: Database, ids: string[], isPrimary: boolean): Promise<void> {
  if (ids.length === 0) return;
  await db.update(affiliations).set({ isPrimary }).where(inArray(affiliations.id, ids));
}

/**
 * Re-points affiliations from one record to another. Only rows still attached to `from` move,
 * so undo leaves alone a row someone re-attached elsewhere since.
 */
export async function repointAffiliations(db: Database, side: 'organization' | 'contact', ids: string[], from: string, to: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const column = side === 'organization' ? affiliations.organizationId : affiliations.contactId;
  const values = side === 'organization' ? { organizationId: to } : { contactId: to };
  const rows = await db
    .update(affiliations)
    .set({ ...values, updatedAt: sql`now()` })
    .where(and(inArray(affiliations.id, ids), eq(column, from)))
    .returning({ id: affiliations.id });
  return rows.map((row) => row.id);
}

// ── Child organisations ──────────────────────────────────────────────────────────────────────

export async function childIdsOf(db: Database, parentId: string, exceptId: string): Promise<string[]> {
  const rows = await db
    .select({ id: organizations.id })
    .from(organizations)
    .where(and(eq(organizations.parentId, parentId), ne(organizations.id, exceptId)));
  return rows.map((row) => row.id);
}

export async function repointChildren(db: Database, ids: string[], from: string, to: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .update(organizations)
    .set({ parentId: to })
    .where(and(inArray(organizations.id, ids), eq(organizations.parentId, from)))
    .returning({ id: organizations.id });
  return rows.map((row) => row.id);
}

/**
 * Conventions of the merged organisation move to the kept one, except where the kept one is
 * already a party to the same convention (one party row per organisation and convention).
 */
export async function repointConventionParties(db: Database, from: string, to: string): Promise<string[]> {
  const result = await db.execute(sql`
    update convention_parties p set organization_id = ${to}
     where p.organization_id = ${from}
       and not exists (select 1 from convention_parties q where q.convention_id = p.convention_id and q.organization_id = ${to})
    returning p.id`);
  return (result as unknown as { rows: Array<{ id: string }> }).rows.map((row) => row.id);
}

export async function restoreConventionParties(db: Database, ids: string[], to: string): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`update convention_parties set organization_id = ${to} where id = any(array[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::uuid[])`);
}

/**
 * Signatures of the merged contact move to the kept one (the same person signs), except where
 * the kept contact already signs for the same party row — impossible: one signatory per row.
 */
export async function repointSignatures(db: Database, from: string, to: string): Promise<string[]> {
  const rows = await db
    .update(conventionParties)
    .set({ signatoryContactId: to })
    .where(eq(conventionParties.signatoryContactId, from))
    .returning({ id: conventionParties.id });
  return rows.map((row) => row.id);
}

/** Undo: the signatures the merge moved go back, if they still name the kept contact. */
export async function restoreSignatures(db: Database, ids: string[], from: string, to: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(conventionParties)
    .set({ signatoryContactId: to })
    .where(and(inArray(conventionParties.id, ids), eq(conventionParties.signatoryContactId, from)));
}

// ── Exchanges and tasks (issue 12) ───────────────────────────────────────────────────────────

/** What a merge moved of the exchange links and tasks, by exchange or task id. */
export interface MovedActivity {
  /** Exchanges whose link now names the kept record instead of the merged one. */
  linksMoved: string[];
  /** Exchanges already linked to both: the merged record's link was removed. */
  linksRemoved: string[];
  tasks: string[];
}

function linkTable(side: MergeEntity) {
  return side === 'organization' ? sql.raw('exchange_organizations') : sql.raw('exchange_contacts');
}

function linkColumn(side: MergeEntity) {
  return side === 'organization' ? sql.raw('organization_id') : sql.raw('contact_id');
}

function idsOf(result: unknown): string[] {
  return (result as { rows: Array<{ id: string }> }).rows.map((row) => row.id);
}


/**
 * The merged record's exchange links and tasks go to the kept record. A link the kept record
 * already has (both records at the same meeting) is not doubled: the merged one's is removed.
 */
export async function moveExchangesAndTasks(db: Database, side: MergeEntity, from: string, to: string): Promise<MovedActivity> {
  const table = linkTable(side);
  const column = linkColumn(side);
  const linksMoved = idsOf(
    await db.execute(sql`
      insert into ${table} (exchange_id, ${column}, occurred_at)
      select exchange_id, ${to}::uuid, occurred_at from ${table} where ${column} = ${from}
      on conflict do nothing
      returning exchange_id as id`),
  );
  const removed = idsOf(await db.execute(sql`delete from ${table} where ${column} = ${from} returning exchange_id as id`));
  const moved = new Set(linksMoved);
  const tasks = idsOf(await db.execute(sql`update tasks set ${column} = ${to}, updated_at = now() where ${column} = ${from} returning id`));
  return { linksMoved, linksRemoved: removed.filter((id) => !moved.has(id)), tasks };
}

/**
 * Undo: the merged record gets back its links (those of exchanges that still exist) and its
 * tasks (those still naming the kept record); the links the merge added to the kept record go.
 */
export async function restoreExchangesAndTasks(db: Database, side: MergeEntity, moved: MovedActivity, kept: string, merged: string): Promise<void> {
  const table = linkTable(side);
  const column = linkColumn(side);
  const all = [...moved.linksMoved, ...moved.linksRemoved];
  if (all.length > 0) {
    await db.execute(sql`
      insert into ${table} (exchange_id, ${column}, occurred_at)
      select e.id, ${merged}::uuid, e.occurred_at from exchanges e where e.id = any(${uuidArray(all)})
      on conflict do nothing`);
  }
  if (moved.linksMoved.length > 0) {
    await db.execute(sql`delete from ${table} where ${column} = ${kept} and exchange_id = any(${uuidArray(moved.linksMoved)})`);
  }
  if (moved.tasks.length > 0) {
    await db.execute(sql`update tasks set ${column} = ${merged}, updated_at = now() where ${column} = ${kept} and id = any(${uuidArray(moved.tasks)})`);
  }
}

// ── Reciprocity events (issue 13) ────────────────────────────────────────────────────────────

/** What a merge moved of the event links, by event or invitation id. */
export interface MovedEventLinks {
  /** Events whose organisation row now names the kept organisation. */
  linksMoved: string[];
  /** Events already linked to both: the merged organisation's row was folded into the kept one's (concerned / attended kept if either was). */
  linksRemoved: string[];
  /** Invitations now naming the kept record (as the invitee's organisation, or as the invitee). */
  invitations: string[];
}

/**
 * The merged record's events follow it: an organisation's event rows and the invitations made in
 * its name; a contact's invitations (except to an event the kept contact is invited to too).
 * Its attended events then count for the kept organisation's reciprocity and timeline.
 */
export async function moveEventLinks(db: Database, side: MergeEntity, from: string, to: string): Promise<MovedEventLinks> {
  if (side === 'contact') {
    const invitations = idsOf(
      await db.execute(sql`update event_invitations i set contact_id = ${to}
        where i.contact_id = ${from} and not exists (select 1 from event_invitations q where q.event_id = i.event_id and q.contact_id = ${to})
        returning i.id`),
    );
    return { linksMoved: [], linksRemoved: [], invitations };
  }
  const linksMoved = idsOf(
    await db.execute(sql`insert into event_organizations (event_id, organization_id, starts_at, concerned, attended)
      select event_id, ${to}::uuid, starts_at, concerned, attended from event_organizations where organization_id = ${from}
      on conflict do nothing
      returning event_id as id`),
  );
  await db.execute(sql`update event_organizations k set concerned = k.concerned or m.concerned, attended = k.attended or m.attended
    from event_organizations m where m.organization_id = ${from} and k.organization_id = ${to} and k.event_id = m.event_id`);
  const removed = idsOf(await db.execute(sql`delete from event_organizations where organization_id = ${from} returning event_id as id`));
  const moved = new Set(linksMoved);
  const invitations = idsOf(await db.execute(sql`update event_invitations set organization_id = ${to} where organization_id = ${from} returning id`));
  return { linksMoved, linksRemoved: removed.filter((id) => !moved.has(id)), invitations };
}

/** Undo: the merged record gets back its event rows (a folded one with the kept row's flags) and its invitations. */
export async function restoreEventLinks(db: Database, side: MergeEntity, moved: MovedEventLinks, kept: string, merged: string): Promise<void> {
  if (side === 'contact') {
    if (moved.invitations.length > 0) await db.execute(sql`update event_invitations set contact_id = ${merged} where contact_id = ${kept} and id = any(${uuidArray(moved.invitations)})`);
    return;
  }
  if (moved.linksMoved.length > 0) {
    await db.execute(sql`update event_organizations set organization_id = ${merged} where organization_id = ${kept} and event_id = any(${uuidArray(moved.linksMoved)})`);
  }
  if (moved.linksRemoved.length > 0) {
    await db.execute(sql`insert into event_organizations (event_id, organization_id, starts_at, concerned, attended)
      select event_id, ${merged}::uuid, starts_at, concerned, attended from event_organizations where organization_id = ${kept} and event_id = any(${uuidArray(moved.linksRemoved)})
      on conflict do nothing`);
  }
  if (moved.invitations.length > 0) await db.execute(sql`update event_invitations set organization_id = ${merged} where organization_id = ${kept} and id = any(${uuidArray(moved.invitations)})`);
}

// ── Sourcing cases (issue 14) ────────────────────────────────────────────────────────────────

/**
 * The merged organisation's sourcing cases go to the kept one — except a case in a challenge
 * where the kept organisation already has one (one case per start-up and challenge): that one
 * stays on the merged record, untouched, and the merge says so (`left`).
 */
export async function moveSourcingCases(db: Database, from: string, to: string): Promise<{ moved: string[]; left: string[] }> {
  const moved = idsOf(
    await db.execute(sql`update sourcing_cases c set organization_id = ${to}, updated_at = now()
      where c.organization_id = ${from}
        and (c.challenge_id is null or not exists (select 1 from sourcing_cases k where k.challenge_id = c.challenge_id and k.organization_id = ${to}))
      returning c.id`),
  );
  const left = idsOf(await db.execute(sql`select id from sourcing_cases where organization_id = ${from}`));
  return { moved, left };
}

/** Undo: the cases the merge moved go back, if they still name the kept organisation. */
export async function restoreSourcingCases(db: Database, ids: string[], kept: string, merged: string): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`update sourcing_cases set organization_id = ${merged}, updated_at = now() where organization_id = ${kept} and id = any(${uuidArray(ids)})`);
}

/** The merge screen: the merged organisation's cases that would stay on it (the kept one has a case in the same challenge). */
export async function sourcingCasesLeftOnMerge(db: Database, keptId: string, mergedId: string): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from sourcing_cases c
    where c.organization_id = ${mergedId} and c.challenge_id is not null
      and exists (select 1 from sourcing_cases k where k.challenge_id = c.challenge_id and k.organization_id = ${keptId})`);
  return Number((result as unknown as { rows: Array<{ n: number }> }).rows[0]?.n ?? 0);
}

/**
 * Counts shown on the merge screen: what will move from the merged record besides its values.
 * Cases, when they exist, add their counts here (and their moves to moveRelations).
 */
export async function relationCounts(
  db: Database,
  side: 'organization' | 'contact',
  id: string,
): Promise<{ affiliations: number; children: number; conventions: number; exchanges: number; tasks: number; sourcingCases: number }> {
  const column = side === 'organization' ? affiliations.organizationId : affiliations.contactId;
  const [affiliationCount] = await db.select({ value: sql<number>`count(*)::int` }).from(affiliations).where(eq(column, id));
  const children =
    side === 'organization'
      ? ((await db.select({ value: sql<number>`count(*)::int` }).from(organizations).where(eq(organizations.parentId, id)))[0]?.value ?? 0)
      : 0;
  const partyColumn = side === 'organization' ? conventionParties.organizationId : conventionParties.signatoryContactId;
  const [conventionCount] = await db
    .select({ value: sql<number>`count(distinct ${conventionParties.conventionId})::int` })
    .from(conventionParties)
    .where(eq(partyColumn, id));
  const activity = await db.execute(sql`
    select (select count(*)::int from ${linkTable(side)} where ${linkColumn(side)} = ${id}) as exchanges,
           (select count(*)::int from tasks where ${linkColumn(side)} = ${id}) as tasks,
           ${side === 'organization' ? sql`(select count(*)::int from sourcing_cases where organization_id = ${id})` : sql`0`} as sourcing_cases`);
  const counts = (activity as unknown as { rows: Array<{ exchanges: number; tasks: number; sourcing_cases: number }> }).rows[0];
  return {
    affiliations: affiliationCount?.value ?? 0,
    children,
    conventions: conventionCount?.value ?? 0,
    exchanges: Number(counts?.exchanges ?? 0),
    tasks: Number(counts?.tasks ?? 0),
    sourcingCases: Number(counts?.sourcing_cases ?? 0),
  };
}

/**
 * GDPR erasure: overwrites, in the merge snapshots of the erased records, the personal fields
 * with the erased values. Ids, relation moves and the rest of the snapshot stay, so the merge
 * history and its counts remain consistent (undo of a merge whose kept contact is erased is
 * refused by the merge service anyway).
 */
export async function scrubMergeSnapshots(db: Database, entityType: MergeEntity, recordIds: string[], values: Record<string, unknown>): Promise<void> {
  if (recordIds.length === 0) return;
  const json = JSON.stringify(values);
  const ids = sql.join(recordIds.map((id) => sql`${id}::uuid`), sql`, `);
  await db.execute(
    sql`update ${recordMerges}
        set kept_before = case when ${recordMerges.keptId} in (${ids}) then ${recordMerges.keptBefore} || ${json}::jsonb else ${recordMerges.keptBefore} end,
            merged_before = case when ${recordMerges.mergedId} in (${ids}) then ${recordMerges.mergedBefore} || ${json}::jsonb else ${recordMerges.mergedBefore} end
        where ${recordMerges.entityType} = ${entityType} and (${recordMerges.keptId} in (${ids}) or ${recordMerges.mergedId} in (${ids}))`,
  );
}
