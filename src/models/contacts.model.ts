// SQL for the contacts of the partner directory and their affiliations to organisations.
import { and, count, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from './database';
import type { ListCursor } from './organizations.model';
import {
  type Affiliation,
  type Contact,
  type LegalBasis,
  type NewAffiliation,
  type NewContact,
  affiliations,
  contactUnits,
  contacts,
  organizationKinds,
  organizations,
  units,
  users,
} from './schema';
import { textArray } from './sql-arrays';

export const CONTACT_SORTS = ['name', 'updated', 'activity'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

export interface ContactListFilters {
  q?: string;
  organizationId?: string;
  tag?: string;
  ownerId?: string;
  unitId?: string;
  legalBasis?: LegalBasis;
  optOut?: boolean;
  /** No activity (or, lacking any, no creation) for this many months. */
  inactiveMonths?: number;
  archived: 'exclude' | 'only';
  sort: ContactSort;
  direction: 'asc' | 'desc';
}

// A type alias (not an interface) so rows fit Record<string, unknown> for the exporters.
export type ContactListRow = {
  id: string;
  civility: string | null;
  firstName: string;
  lastName: string;
  jobTitle: string | null;
  primaryEmail: string | null;
  primaryPhone: string | null;
  emails: string[];
  phones: string[];
  organizationId: string | null;
  organizationName: string | null;
  tags: string[];
  ownerName: string | null;
  emailOptOut: boolean;
  legalBasis: LegalBasis;
  lastActivityAt: Date | null;
  updatedAt: Date;
  erasedAt: Date | null;
  sortKey: string;
};

const TIMESTAMP_KEY = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;

function sortColumnOf(sort: ContactSort): SQL {
  switch (sort) {
    case 'name':
      return sql`lower(${contacts.lastName} || ' ' || ${contacts.firstName})`;
    case 'updated':
      return sql`${contacts.updatedAt}`;
    case 'activity':
      return sql`coalesce(${contacts.lastActivityAt}, '1900-01-01'::timestamptz)`;
  }
}

function sortKeyOf(sort: ContactSort): SQL<string> {
  return sort === 'name'
    ? sql<string>`${sortColumnOf(sort)}`
    : sql<string>`to_char(${sortColumnOf(sort)} at time zone 'UTC', ${sql.raw(TIMESTAMP_KEY)})`;
}

function cursorValue(sort: ContactSort, key: string): SQL {
  return sort === 'name' ? sql`${key}` : sql`(${key} || 'Z')::timestamptz`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function filterConditions(db: Database, filters: ContactListFilters, now: Date): SQL[] {
  const conditions: SQL[] = [isNull(contacts.mergedIntoId)];
  conditions.push(filters.archived === 'only' ? isNotNull(contacts.archivedAt) : isNull(contacts.archivedAt));
  if (filters.q) {
    const pattern = escapeLike(filters.q);
    conditions.push(
      sql`(${contacts.searchName} like '%' || search_normalize(${pattern}) || '%' or ${contacts.emails} @> array[lower(${filters.q})]::text[])`,
    );
  }
  if (filters.organizationId) {
    conditions.push(
      inArray(
        contacts.id,
        db.select({ id: affiliations.contactId }).from(affiliations).where(eq(affiliations.organizationId, filters.organizationId)),
      ),
    );
  }
  if (filters.tag) conditions.push(sql`${contacts.tags} @> array[${filters.tag}]::text[]`);
  if (filters.ownerId) conditions.push(eq(contacts.ownerId, filters.ownerId));
  if (filters.unitId) {
    conditions.push(inArray(contacts.id, db.select({ id: contactUnits.contactId }).from(contactUnits).where(eq(contactUnits.unitId, filters.unitId))));
  }
  if (filters.legalBasis) conditions.push(eq(contacts.legalBasis, filters.legalBasis));
  if (filters.optOut !== undefined) conditions.push(eq(contacts.emailOptOut, filters.optOut));
  if (filters.inactiveMonths) {
    const limit = new Date(now);
    limit.setMonth(limit.getMonth() - filters.inactiveMonths);
    conditions.push(sql`coalesce(${contacts.lastActivityAt}, ${contacts.createdAt}) < ${limit.toISOString()}::timestamptz`);
    conditions.push(isNull(contacts.erasedAt));
  }
  return conditions;
}

/** The contact's main current organisation: the primary affiliation, else the latest one. */
const mainAffiliation = sql`(select ${affiliations.organizationId} from ${affiliations}
    where ${affiliations.contactId} = ${contacts.id} and ${affiliations.endDate} is null
    order by ${affiliations.isPrimary} desc, ${affiliations.startDate} desc nulls last, ${affiliations.createdAt} desc limit 1)`;

export async function listContacts(
  db: Database,
  filters: ContactListFilters,
  page: { limit: number; after?: ListCursor; before?: ListCursor },
  now: Date,
): Promise<{ rows: ContactListRow[]; total: number; next: ListCursor | null; previous: ListCursor | null }> {
  const conditions = filterConditions(db, filters, now);
  const column = sortColumnOf(filters.sort);
  const ascending = filters.direction === 'asc';
  const backward = Boolean(page.before);
  const readAscending = backward ? !ascending : ascending;
  const cursor = page.after ?? page.before;
  const pageConditions = [...conditions];
  if (cursor) {
    const comparison = readAscending ? sql`>` : sql`<`;
    pageConditions.push(sql`(${column}, ${contacts.id}) ${comparison} (${cursorValue(filters.sort, cursor.key)}, ${cursor.id}::uuid)`);
  }
  const direction = readAscending ? sql`asc` : sql`desc`;

  const [fetched, totals] = await Promise.all([
    db
      .select({
        id: contacts.id,
        civility: contacts.civility,
        firstName: contacts.firstName,
        lastName: contacts.lastName,
        jobTitle: contacts.jobTitle,
        primaryEmail: sql<string | null>`${contacts.emails}[1]`,
        primaryPhone: sql<string | null>`${contacts.phones}[1]`,
        emails: contacts.emails,
        phones: contacts.phones,
        organizationId: sql<string | null>`${mainAffiliation}`,
        organizationName: sql<string | null>`(select ${organizations.name} from ${organizations} where ${organizations.id} = ${mainAffiliation})`,
        tags: contacts.tags,
        ownerName: users.displayName,
        emailOptOut: contacts.emailOptOut,
        legalBasis: contacts.legalBasis,
        lastActivityAt: contacts.lastActivityAt,
        updatedAt: contacts.updatedAt,
        erasedAt: contacts.erasedAt,
        sortKey: sortKeyOf(filters.sort),
      })
      .from(contacts)
      .leftJoin(users, eq(users.id, contacts.ownerId))
      .where(and(...pageConditions))
      .orderBy(sql`${column} ${direction}`, sql`${contacts.id} ${direction}`)
      .limit(page.limit + 1),
    db.select({ value: count() }).from(contacts).where(and(...conditions)),
  ]);
  const hasMore = fetched.length > page.limit;
  const rows = fetched.slice(0, page.limit);
  if (backward) rows.reverse();
  const edge = (row: ContactListRow | undefined): ListCursor | null => (row ? { key: row.sortKey, id: row.id } : null);
  return {
    rows,
    total: totals[0]?.value ?? 0,
    next: (backward ? true : hasMore) ? edge(rows.at(-1)) : null,
    previous: (backward ? hasMore : Boolean(page.after)) ? edge(rows[0]) : null,
  };
}

export async function findContactById(db: Database, id: string): Promise<Contact | undefined> {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, id)).limit(1);
  return row;
}

export async function lockContactById(db: Database, id: string): Promise<Contact | undefined> {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, id)).for('update').limit(1);
  return row;
}

export async function insertContact(db: Database, values: NewContact): Promise<Contact> {
  const [row] = await db.insert(contacts).values(values).returning();
  if (!row) throw new Error('insert into contacts returned nothing');
  return row;
}

export async function updateContactRow(db: Database, id: string, values: Partial<NewContact>): Promise<Contact> {
  const [row] = await db
    .update(contacts)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(contacts.id, id))
    .returning();
  if (!row) throw new Error(`contact ${id} vanished during update`);
  return row;
}

export async function unitIdsOfContact(db: Database, contactId: string): Promise<string[]> {
  const rows = await db.select({ unitId: contactUnits.unitId }).from(contactUnits).where(eq(contactUnits.contactId, contactId));
  return rows.map((row) => row.unitId);
}

export async function unitsOfContact(db: Database, contactId: string) {
  return db
    .select({ id: units.id, name: units.name })
    .from(contactUnits)
    .innerJoin(units, eq(units.id, contactUnits.unitId))
    .where(eq(contactUnits.contactId, contactId))
    .orderBy(units.name);
}

export async function replaceContactUnits(db: Database, contactId: string, unitIds: string[]): Promise<void> {
  await db.delete(contactUnits).where(eq(contactUnits.contactId, contactId));
  if (unitIds.length > 0) await db.insert(contactUnits).values(unitIds.map((unitId) => ({ contactId, unitId })));
}

/** A person's positions, current first, with the organisation's name and kind. */
export async function affiliationsOfContact(db: Database, contactId: string) {
  return db
    .select({
      id: affiliations.id,
      organizationId: affiliations.organizationId,
      organizationName: organizations.name,
      organizationKind: organizationKinds.label,
      organizationArchived: sql<boolean>`${organizations.archivedAt} is not null`,
      role: affiliations.role,
      startDate: affiliations.startDate,
      endDate: affiliations.endDate,
      isPrimary: affiliations.isPrimary,
      createdAt: affiliations.createdAt,
    })
    .from(affiliations)
    .innerJoin(organizations, eq(organizations.id, affiliations.organizationId))
    .innerJoin(organizationKinds, eq(organizationKinds.code, organizations.kindCode))
    .where(eq(affiliations.contactId, contactId))
    .orderBy(sql`${affiliations.endDate} is not null`, sql`${affiliations.isPrimary} desc`, sql`${affiliations.startDate} desc nulls last`);
}

export async function findAffiliation(db: Database, id: string): Promise<Affiliation | undefined> {
  const [row] = await db.select().from(affiliations).where(eq(affiliations.id, id)).limit(1);
  return row;
}

export async function insertAffiliation(db: Database, values: NewAffiliation): Promise<Affiliation> {
  const [row] = await db.insert(affiliations).values(values).returning();
  if (!row) throw new Error('insert into affiliations returned nothing');
  return row;
}

export async function updateAffiliationRow(db: Database, id: string, values: Partial<NewAffiliation>): Promise<Affiliation> {
  const [row] = await db
    .update(affiliations)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(affiliations.id, id))
    .returning();
  if (!row) throw new Error(`affiliation ${id} vanished during update`);
  return row;
}

export async function deleteAffiliationRow(db: Database, id: string): Promise<void> {
  await db.delete(affiliations).where(eq(affiliations.id, id));
}

/** Only one primary affiliation per person: setting one clears the others. */
export async function clearPrimaryAffiliations(db: Database, contactId: string, exceptId?: string): Promise<void> {
  await db
    .update(affiliations)
    .set({ isPrimary: false })
    .where(and(eq(affiliations.contactId, contactId), exceptId ? sql`${affiliations.id} <> ${exceptId}` : undefined));
}

/** Contacts merged into this one, directly or through a chain of merges (the same person). */
export async function contactIdsMergedInto(db: Database, id: string): Promise<string[]> {
  const result = await db.execute(
    sql`with recursive chain(id) as (
          select ${contacts.id} from ${contacts} where ${contacts.mergedIntoId} = ${id}
          union
          select c.id from ${contacts} c join chain on c.merged_into_id = chain.id
        )
        select id from chain`,
  );
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

// ── GDPR access export: the person's links outside the contact row ──────────────────────────

/** Conventions the person signs (or signed) for an organisation, newest first. */
export async function conventionSignaturesOf(db: Database, contactIds: string[]) {
  if (contactIds.length === 0) return [];
  return rowsOf<{
    convention_id: string;
    reference: string;
    title: string;
    status: string;
    signed_on: string | null;
    starts_on: string | null;
    ends_on: string | null;
    organization_name: string;
    role: string | null;
  }>(
    await db.execute(sql`
      select v.id as convention_id, v.reference, v.title, v.status, v.signed_on::text, v.starts_on::text, v.ends_on::text,
             o.name as organization_name, p.role
        from convention_parties p
        join conventions v on v.id = p.convention_id
        join organizations o on o.id = p.organization_id
       where p.signatory_contact_id::text = any(${textArray(contactIds)})
       order by v.created_at desc, v.reference`),
  );
}

/** E-mails the application sent (or will send) to one of these addresses: never their data. */
export async function emailsSentTo(db: Database, addresses: string[]) {
  if (addresses.length === 0) return [];
  return rowsOf<{ created_at: Date; sent_at: Date | null; to_address: string; subject: string; status: string }>(
    await db.execute(sql`
      select created_at, sent_at, to_address, subject, status from emails
       where lower(to_address) = any(${textArray(addresses.map((address) => address.toLowerCase()))})
       order by created_at desc, id`),
  );
}

/** The journal fields that tell the person's consent and opt-out story. */
export const CONSENT_FIELDS = ['legalBasis', 'consentAt', 'emailOptOut'] as const;

/** Every journal entry that set or changed the legal basis, consent date or opt-out, oldest first. */
export async function consentHistoryOf(db: Database, contactIds: string[]) {
  if (contactIds.length === 0) return [];
  return rowsOf<{ at: Date; actor_label: string; action: string; changes: Record<string, { before: unknown; after: unknown }> }>(
    await db.execute(sql`
      select at, actor_label, action,
             (select jsonb_object_agg(key, value) from jsonb_each(changes) where key = any(${textArray(CONSENT_FIELDS)})) as changes
        from audit_log
       where entity_type = 'contact' and entity_id = any(${textArray(contactIds)})
         and changes ?| ${textArray(CONSENT_FIELDS)}
       order by id`),
  );
}

// ── GDPR erasure: the person's traces outside the contact row ────────────────────────────────

/** What identifies an erased person in other tables (docs/gdpr.md lists the places). */
export interface PersonTraces {
  contactIds: string[];
  /** Lower-case e-mail addresses. */
  emails: string[];
  /** Phone numbers as stored (E.164) and as people write them (06 12 34 56 78, 0612345678). */
  phones: string[];
  /** Full names as written (« Prénom Nom », « Nom Prénom »). */
  names: string[];
  firstName: string;
  lastName: string;
}

export interface ErasureTexts {
  /** Written where a name is replaced inside a text (« Personne effacée »). */
  label: string;
  /** Subject and error of an e-mail whose recipient was erased. */
  mailSubject: string;
  mailError: string;
  /** Message of an import error row whose cells were erased. */
  importRowMessage: string;
}

function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

function regexpOf(texts: string[]): string {
  return texts.map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}


/** Rows touched by one statement (`with … returning 1` then counted). */
async function countOf(db: Database, statement: SQL): Promise<number> {
  const rows = rowsOf<{ n: number }>(await db.execute(sql`with touched as (${statement} returning 1) select count(*)::int as n from touched`));
  return rows[0]?.n ?? 0;
}

/**
 * Erases, inside the caller's transaction, what other tables hold about the erased person and
 * returns how many rows each place lost (the erasure's journal entry keeps these counts):
 * journal entries of their merges, import rows and stored import files, e-mails sent to them
 * (outbox and development mailbox), notices and decision comments naming them, exchanges and
 * tasks naming them (and their journal values), and pending flash messages in sessions. The contact rows and merge snapshots are the caller's.
 */
export async function eraseTracesOfPerson(db: Database, traces: PersonTraces, personal: Record<string, unknown>, texts: ErasureTexts): Promise<Record<string, number>> {
  const ids = textArray(traces.contactIds);
  const strong = [...traces.emails, ...traces.phones].filter((value) => value.length >= 6);
  const strongPatterns = textArray(strong.map(likePattern));
  // Only full names (two words or more) are looked for inside other texts: a single word (a
  // contact with no first name, « Ali ») would hit every text containing those letters —
  // « Validation », a colleague's notice, even an id made of hex letters.
  const namePatterns = traces.names.filter((name) => name.trim().length >= 5 && /\S\s+\S/.test(name.trim()));
  const allPatterns = textArray([...strong, ...namePatterns].map(likePattern));
  // Inside texts (a notice's title, a decision's comment, a subject) the name, addresses and numbers are replaced.
  const nameRegexp = namePatterns.length + strong.length > 0 ? regexpOf([...strong, ...namePatterns]) : null;
  const personalJson = JSON.stringify(personal);
  const counts: Record<string, number> = {};

  // Journal: merges the person took part in (their label in the metadata, both records' values in the diff).
  counts.auditMerges = await countOf(
    db,
    sql`update audit_log
           set changes = (select coalesce(jsonb_object_agg(key, jsonb_build_object('before', null, 'after', null)), '{}'::jsonb) from jsonb_object_keys(changes) as key),
               metadata = metadata - 'mergedLabel'
         where entity_type = 'contact' and (metadata->>'mergedId' = any(${ids}) or metadata->>'keptId' = any(${ids}))`,
  );
  // Journal: any other entry whose values hold one of their addresses or numbers.
  counts.auditOther =
    strong.length === 0
      ? 0
      : await countOf(
          db,
          sql`update audit_log
                 set changes = (select coalesce(jsonb_object_agg(key, jsonb_build_object('before', null, 'after', null)), '{}'::jsonb) from jsonb_object_keys(changes) as key)
               where changes::text ilike any(${strongPatterns})`,
        );

  // Journal: any metadata value that names the person or holds their address or number…
  const scrubMetadata = (patterns: SQL, where: SQL) =>
    countOf(
      db,
      sql`update audit_log
             set metadata = (
               select coalesce(jsonb_object_agg(key, case
                        when value::text ilike any(${patterns}) and jsonb_typeof(value) = 'object' then (
                          select coalesce(jsonb_object_agg(k, case when v::text ilike any(${patterns}) then to_jsonb(${texts.label}::text) else v end), '{}'::jsonb)
                            from jsonb_each(value) as inner_entry(k, v))
                        when value::text ilike any(${patterns}) then to_jsonb(${texts.label}::text)
                        else value end), '{}'::jsonb)
                 from jsonb_each(metadata))
           where ${where}`,
    );
  counts.auditMetadata = await scrubMetadata(allPatterns, sql`metadata::text ilike any(${allPatterns})`);
  // …and the filters of an export, where a search for the last name alone is about them (namesakes included).
  const exportPatterns = textArray([...strong, ...namePatterns, ...(traces.lastName.length >= 3 ? [traces.lastName] : [])].map(likePattern));
  counts.auditExportFilters = await scrubMetadata(exportPatterns, sql`action like '%.exported' and metadata::text ilike any(${exportPatterns})`);

  // Imports: the values an update replaced (kept for a revert) get the erased values…
  counts.importRowsBefore = await countOf(
    db,
    sql`update import_rows set before = before || ${personalJson}::jsonb where entity_id::text = any(${ids}) and before is not null`,
  );
  // …the before → after of the person's rows (the report shows them) and their warnings (a cell
  // left out: her phone, her e-mail as typed) keep their fields but not the values…
  counts.importRowsChanges = await countOf(
    db,
    sql`update import_rows
           set changes = (select jsonb_object_agg(key, jsonb_build_object('before', ${texts.label}::text, 'after', ${texts.label}::text))
                            from jsonb_object_keys(changes) as key),
               warnings = (select jsonb_agg(jsonb_build_object('field', w->>'field', 'value', ${texts.label}::text, 'message', w->>'message'))
                             from jsonb_array_elements(coalesce(warnings, '[]'::jsonb)) as w)
         where entity_id::text = any(${ids}) and (changes is not null or warnings is not null)`,
  );
  // …the cells of rows in error that carry the person (the error file is made from them) are blanked…
  const cellMatches = sql`exists (select 1 from unnest(r.cells) as cell
       where lower(trim(cell)) = any(${textArray(traces.emails)})
          or (length(regexp_replace(cell, '[^0-9]', '', 'g')) >= 9 and regexp_replace(cell, '[^0-9]', '', 'g') = any(${textArray(digitsOf(traces.phones))}))
          or lower(trim(cell)) = any(${textArray(traces.names.map((name) => name.toLowerCase()))}))
     or (${traces.firstName} <> '' and lower(${traces.firstName}) = any(array(select lower(trim(c)) from unnest(r.cells) c))
         and lower(${traces.lastName}) = any(array(select lower(trim(c)) from unnest(r.cells) c)))`;
  const touchedBatches = rowsOf<{ batch_id: string }>(
    await db.execute(sql`
      select distinct r.batch_id from import_rows r where r.entity_id::text = any(${ids}) or (r.cells is not null and (${cellMatches}))
      union
      select c.import_batch_id from contacts c where c.id::text = any(${ids}) and c.import_batch_id is not null`),
  ).map((row) => row.batch_id);
  counts.importRowsCells = await countOf(
    db,
    sql`update import_rows r
           set cells = array(select '' from unnest(r.cells)),
               errors = (select jsonb_object_agg(key, ${texts.importRowMessage}::text) from jsonb_object_keys(coalesce(r.errors, '{}'::jsonb)) as key),
               warnings = (select jsonb_agg(jsonb_build_object('field', w->>'field', 'value', '', 'message', ${texts.importRowMessage}::text))
                             from jsonb_array_elements(coalesce(r.warnings, '[]'::jsonb)) as w)
         where r.cells is not null and (${cellMatches})`,
  );
  // …and the stored files of finished imports that carried them are deleted (a finished import
  // never reads its file again; one still running or resumable keeps it until it ends).
  counts.importFiles =
    touchedBatches.length === 0
      ? 0
      : await countOf(
          db,
          sql`delete from import_file_chunks k using import_batches b
               where k.batch_id = b.id and b.id::text = any(${textArray(touchedBatches)}) and b.status in ('completed', 'reverted')`,
        );

  // E-mails to the person: the row stays (it was sent, or not) without address, data, invitation
  // (its iCalendar part names them) or subject; one not yet sent is cancelled.
  counts.emails =
    traces.emails.length === 0
      ? 0
      : await countOf(
          db,
          sql`update emails
                 set to_address = ${texts.label},
                     payload = '{}'::jsonb,
                     calendar = null,
                     subject = ${texts.mailSubject},
                     idempotency_key = 'erased:' || id::text,
                     status = case when status in ('pending', 'sending') then 'failed' else status end,
                     last_error = case when status in ('pending', 'sending') then ${texts.mailError} else last_error end,
                     lease_until = null
               where lower(to_address) = any(${textArray(traces.emails)})`,
        );
  // E-mails to others that name the person: the subject loses the name, the data (already
  // cleared once sent) goes if it holds their details.
  counts.emailsMentioning = await countOf(
    db,
    sql`update emails
           set payload = case when status in ('sent', 'failed') and payload::text ilike any(${allPatterns}) then '{}'::jsonb else payload end,
               subject = ${nameRegexp ? sql`regexp_replace(subject, ${nameRegexp}, ${texts.label}, 'gi')` : sql`subject`}
         where subject ilike any(${allPatterns}) or (status in ('sent', 'failed') and payload::text ilike any(${allPatterns}))`,
  );
  // The development mailbox (embedded mode) keeps whole messages: those to or about the person go.
  counts.devMailbox = await countOf(
    db,
    sql`delete from dev_mailbox
         where exists (select 1 from unnest(envelope_to) as address where lower(address) = any(${textArray(traces.emails)}))
            or to_header ilike any(${allPatterns}) or subject ilike any(${allPatterns})
            or text_body ilike any(${allPatterns}) or html_body ilike any(${allPatterns})`,
  );

  if (nameRegexp) {
    // Notices and decision comments that name the person keep their sense, not the name.
    counts.notifications = await countOf(
      db,
      sql`update notifications set title = regexp_replace(title, ${nameRegexp}, ${texts.label}, 'gi') where title ~* ${nameRegexp}`,
    );
    counts.workflowComments = await countOf(
      db,
      sql`update workflow_steps set comment = regexp_replace(comment, ${nameRegexp}, ${texts.label}, 'gi') where comment ~* ${nameRegexp}`,
    );
    // Exchanges and tasks that name the person (or hold their address or number) in their texts
    // keep the sentence, not the person; the links stay (the contact shows as erased). Their
    // journal entries' values lose it the same way (metadata is scrubbed above for every entry).
    const scrub = (column: SQL) => sql`regexp_replace(${column}, ${nameRegexp}, ${texts.label}, 'gi')`;
    counts.exchanges = await countOf(
      db,
      sql`update exchanges
             set summary = ${scrub(sql`summary`)}, notes = ${scrub(sql`notes`)}, place = ${scrub(sql`place`)},
                 tags = array(select ${scrub(sql`tag`)} from unnest(tags) with ordinality as item(tag, position) order by position)
           where summary ~* ${nameRegexp} or notes ~* ${nameRegexp} or place ~* ${nameRegexp} or immutable_text_list(tags) ~* ${nameRegexp}`,
    );
    counts.tasks = await countOf(
      db,
      sql`update tasks set title = ${scrub(sql`title`)}, description = ${scrub(sql`description`)}
           where title ~* ${nameRegexp} or description ~* ${nameRegexp}`,
    );
    counts.auditExchanges = await countOf(
      db,
      sql`update audit_log set changes = ${scrub(sql`changes::text`)}::jsonb
           where entity_type in ('exchange', 'task') and changes::text ~* ${nameRegexp}`,
    );
    // Reminder occurrences keep a copy of their subject's title (the label of the e-mail).
    counts.reminderOccurrences = await countOf(
      db,
      sql`update reminder_occurrences set payload = ${scrub(sql`payload::text`)}::jsonb where payload::text ~* ${nameRegexp}`,
    );
  }
  // A confirmation not yet shown (« La fiche « Prénom Nom » est créée ») waits in its session.
  counts.sessionFlashes = await countOf(db, sql`update sessions set data = data - 'flash' where (data->'flash')::text ilike any(${allPatterns})`);
  return counts;
}

function digitsOf(phones: string[]): string[] {
  return [...new Set(phones.map((phone) => phone.replace(/[^0-9]/g, '')).filter((digits) => digits.length >= 9))];
}
