// `npm run seed`: demo accounts, demo partner organisations, and the public reference lists of
// French universities and AMUE apprenticeship bodies (docs/demo-data.md).
//
// Idempotent: every row has a natural key (user email, organisation source_ref, user+unit) and is
// inserted with ON CONFLICT DO NOTHING; parents are only set where none is. A second run inserts
// nothing and never overwrites what users changed in the meantime.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../models/database';
import { rowsOf } from '../models/database';
import { logger as defaultLogger, type Logger } from '../lib/logger';
import { hashPassword } from '../lib/passwords';
import {
  type NewOrganization,
  affiliations,
  contactUnits,
  contacts,
  organizationKinds,
  organizationUnits,
  organizations,
  units,
  users,
  userUnits,
} from '../models/schema';
import { registerConventionCircuit } from '../services/convention-circuit';
import { seedConventions } from './demo-conventions';
import { DEMO_SOURCED_STARTUPS, seedExchangesAndTasks } from './demo-exchanges';
import { seedEvents } from './demo-events';
import { DEMO_PIPELINE_STARTUPS, seedSourcing } from './demo-sourcing';
import { registerSourcingPipeline } from '../services/sourcing-pipeline';
import { DEMO_CONTACTS, DEMO_ORGANIZATION_FOLLOW_UP, DEMO_ORGANIZATION_UNITS, demoEmail } from './demo-contacts';
import { DEMO_ORGANIZATIONS } from './demo-organizations';
import { DEMO_USERS } from './demo-users';
import { loadCfas, loadGeography, loadUniversities, SEED_DATA_DIR, type SeedOrganization, type SourceNote } from './reference-data';

export interface SeedCount {
  inserted: number;
  /** Rows whose natural key was already in the database (left untouched). */
  alreadyPresent: number;
}

export interface SeedReport {
  users: SeedCount;
  userUnits: SeedCount;
  /** All organisations; `bySource` splits them by origin. */
  organizations: SeedCount & {
    bySource: {
      /** src/seed/demo-organizations.ts */
      demo: SeedCount;
      /** universites-francaises.csv (its 8 partner universities come first from the demo list). */
      universities: SeedCount;
      /** cfa-reseau-amue.csv */
      cfa: SeedCount;
    };
  };
  /** Network / parent links from `parentRef`: `inserted` = set by this run. */
  parentLinks: SeedCount;
  /** Units concerned by demo organisations and the tags/activity of some of them. */
  organizationFollowUp: SeedCount;
  /** Demo contacts (fictional people). */
  contacts: SeedCount;
  /** Their positions in organisations and their units. */
  contactLinks: SeedCount;
  /** Demo conventions (src/seed/demo-conventions.ts). */
  conventions: SeedCount;
  /** Demo conventions put through the approval circuit (runs and step history). */
  conventionCircuits: SeedCount;
  /** Demo exchanges (start-up meetings, university calls, a CREPS visit…; src/seed/demo-exchanges.ts). */
  exchanges: SeedCount;
  /** Demo tasks (overdue, due today, coming, done). */
  tasks: SeedCount;
  /** Demo reciprocity events with their invitations and attendance (src/seed/demo-events.ts). */
  events: SeedCount;
  /** Demo innovation challenges and sourcing cases with their history, gates and pilots (src/seed/demo-sourcing.ts). */
  sourcingChallenges: SeedCount;
  sourcingCases: SeedCount;
  /** Rows skipped or corrected while reading the source files. */
  notes: SourceNote[];
  /** Demo unit codes missing from the database (membership not created). */
  missingUnits: string[];
  /** Inserted rows and links set, all tables together: 0 on a second run. */
  totalInserted: number;
}

export interface SeedOptions {
  /** Folder of the CSV files (tests may point to fixtures). */
  dataDir?: string;
  /** Public URL of the application, for the links of the circuit emails (default: the configuration's). */
  baseUrl?: string;
  /** Reference time the demo dates are relative to (default: now). */
  now?: Date;
}

/** BASE_URL as src/config.ts derives it, without requiring the whole configuration. */
function defaultBaseUrl(): string {
  return (process.env.BASE_URL ?? `http://localhost:${process.env.PORT ?? '3000'}`).replace(/\/$/, '');
}

/** Rows per INSERT statement (well under PostgreSQL's 65,535 parameters). */
const BATCH_SIZE = 200;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

function toInsert(organization: SeedOrganization): NewOrganization {
  return {
    sourceRef: organization.sourceRef,
    name: organization.name,
    acronym: organization.acronym ?? null,
    kindCode: organization.kindCode,
    status: organization.status,
    siret: organization.siret ?? null,
    uai: organization.uai ?? [],
    website: organization.website ?? null,
    addressLine: organization.addressLine ?? null,
    postalCode: organization.postalCode ?? null,
    city: organization.city ?? null,
    departmentCode: organization.departmentCode ?? null,
    regionCode: organization.regionCode ?? null,
    description: organization.description ?? null,
    followedPartner: organization.followedPartner ?? false,
  };
}

async function insertOrganizations(db: Database, rows: readonly SeedOrganization[]): Promise<SeedCount> {
  let inserted = 0;
  for (const batch of chunks(rows, BATCH_SIZE)) {
    const returned = await db
      .insert(organizations)
      .values(batch.map(toInsert))
      .onConflictDoNothing({ target: organizations.sourceRef })
      .returning({ id: organizations.id });
    inserted += returned.length;
  }
  return { inserted, alreadyPresent: rows.length - inserted };
}

async function assertKindsExist(db: Database, codes: Iterable<string>): Promise<void> {
  const wanted = [...new Set(codes)];
  const found = await db.select({ code: organizationKinds.code }).from(organizationKinds).where(inArray(organizationKinds.code, wanted));
  const known = new Set(found.map((row) => row.code));
  const missing = wanted.filter((code) => !known.has(code));
  if (missing.length > 0) {
    throw new Error(
      `Types d'organisation absents de la base : ${missing.join(', ')} (migration 0002_reference_data non appliquée ?) / ` +
        'organization kinds missing from the database.',
    );
  }
}

async function seedUsers(db: Database): Promise<{ users: SeedCount; userUnits: SeedCount; missingUnits: string[] }> {
  const emails = DEMO_USERS.map((user) => user.email);
  const existing = new Set(
    (await db.select({ email: users.email }).from(users).where(inArray(users.email, emails))).map((row) => row.email),
  );
  // Hash only for the accounts to create: argon2 is deliberately slow.
  const now = new Date();
  const toCreate = await Promise.all(
    DEMO_USERS.filter((user) => !existing.has(user.email)).map(async (user) => ({
      email: user.email,
      displayName: user.displayName,
      roles: user.roles,
      passwordHash: await hashPassword(user.password),
      passwordChangedAt: now,
    })),
  );
  const created =
    toCreate.length === 0
      ? []
      : await db.insert(users).values(toCreate).onConflictDoNothing({ target: users.email }).returning({ id: users.id });

  // Memberships of every demo account (an account created by an earlier run keeps its units).
  const accountIds = new Map(
    (await db.select({ id: users.id, email: users.email }).from(users).where(inArray(users.email, emails))).map((row) => [row.email, row.id]),
  );
  const unitCodes = [...new Set(DEMO_USERS.flatMap((user) => user.unitCodes))];
  const unitIds = new Map(
    (await db.select({ id: units.id, code: units.code }).from(units).where(inArray(units.code, unitCodes))).map((row) => [row.code, row.id]),
  );
  const missingUnits = unitCodes.filter((code) => !unitIds.has(code));
  const memberships: Array<{ userId: string; unitId: string }> = [];
  for (const user of DEMO_USERS) {
    const userId = accountIds.get(user.email);
    if (!userId) continue;
    for (const code of user.unitCodes) {
      const unitId = unitIds.get(code);
      if (unitId) memberships.push({ userId, unitId });
    }
  }
  const linked =
    memberships.length === 0
      ? []
      : await db.insert(userUnits).values(memberships).onConflictDoNothing().returning({ userId: userUnits.userId });

  return {
    users: { inserted: created.length, alreadyPresent: DEMO_USERS.length - created.length },
    userUnits: { inserted: linked.length, alreadyPresent: memberships.length - linked.length },
    missingUnits,
  };
}

/** Sets parent_id from parentRef, only where the child has no parent yet (a user's choice wins). */
async function linkParents(db: Database): Promise<SeedCount> {
  const links = DEMO_ORGANIZATIONS.flatMap((organization) =>
    organization.parentRef ? [{ child: organization.sourceRef, parent: organization.parentRef }] : [],
  );
  if (links.length === 0) return { inserted: 0, alreadyPresent: 0 };
  const values = sql.join(
    links.map((link) => sql`(${link.child}::text, ${link.parent}::text)`),
    sql`, `,
  );
  const result = await db.execute(sql`
    update organizations as child
       set parent_id = parent.id, updated_at = now()
      from (values ${values}) as link(child_ref, parent_ref)
      join organizations as parent on parent.source_ref = link.parent_ref
     where child.source_ref = link.child_ref
       and child.parent_id is null
       and child.id <> parent.id
    returning child.id`);
  const set = rowsOf<{ id: string }>(result).length;
  return { inserted: set, alreadyPresent: links.length - set };
}

function monthsAgo(months: number): Date {
  const date = new Date();
  date.setMonth(date.getMonth() - months);
  return date;
}

function idsBy<K extends string>(rows: Array<{ key: K | null; id: string }>): Map<string, string> {
  return new Map(rows.flatMap((row) => (row.key ? [[row.key, row.id] as [string, string]] : [])));
}

/**
 * The demo partnerships (a convention in force, or « partenaire suivi ») without an owner get one:
 * the owner of their latest convention in force, else the author of their latest exchange, else a
 * chargé of one of their units — so
 * the reciprocity reminders of the demo have someone to remind. A user's own choice is kept.
 */
async function givePartnershipsAnOwner(db: Database): Promise<void> {
  await db.execute(sql`
    update organizations o set owner_id = coalesce(
      (select c.owner_id from conventions c join convention_parties p on p.convention_id = c.id
        where p.organization_id = o.id and c.status = 'en_vigueur' and c.owner_id is not null
        order by c.starts_on desc nulls last limit 1),
      (select e.author_id from exchanges e join exchange_organizations eo on eo.exchange_id = e.id
        where eo.organization_id = o.id and e.author_id is not null order by eo.occurred_at desc limit 1),
      (select uu.user_id from organization_units ou join user_units uu on uu.unit_id = ou.unit_id join users u on u.id = uu.user_id
        where ou.organization_id = o.id and 'charge' = any(u.roles) and u.active order by u.email limit 1))
    where o.owner_id is null and (o.source_ref like 'seed:%' or o.source_ref like 'wikidata:%')
      and (o.followed_partner or exists (
        select 1 from conventions c join convention_parties p on p.convention_id = c.id
        where p.organization_id = o.id and c.status = 'en_vigueur'))`);
}

/**
 * Units concerned by the demo organisations (rows added only when missing), and tags and a last
 * activity date where the organisation has none yet (a user's own values win).
 */
async function seedOrganizationFollowUp(db: Database): Promise<SeedCount> {
  const refs = [...new Set([...Object.keys(DEMO_ORGANIZATION_UNITS), ...Object.keys(DEMO_ORGANIZATION_FOLLOW_UP)])];
  const orgIds = await idsBy(
    await db.select({ key: organizations.sourceRef, id: organizations.id }).from(organizations).where(inArray(organizations.sourceRef, refs)),
  );
  const unitIds = await idsBy(await db.select({ key: units.code, id: units.id }).from(units));
  const links = Object.entries(DEMO_ORGANIZATION_UNITS).flatMap(([ref, codes]) =>
    codes.flatMap((code) => {
      const organizationId = orgIds.get(ref);
      const unitId = unitIds.get(code);
      return organizationId && unitId ? [{ organizationId, unitId }] : [];
    }),
  );
  const linked = links.length === 0 ? [] : await db.insert(organizationUnits).values(links).onConflictDoNothing().returning({ id: organizationUnits.organizationId });
  let updated = 0;
  for (const [ref, followUp] of Object.entries(DEMO_ORGANIZATION_FOLLOW_UP)) {
    const organizationId = orgIds.get(ref);
    if (!organizationId) continue;
    const changed = await db
      .update(organizations)
      .set({
        tags: followUp.tags,
        lastActivityAt: followUp.activityMonthsAgo === undefined ? null : monthsAgo(followUp.activityMonthsAgo),
      })
      .where(and(eq(organizations.id, organizationId), sql`${organizations.tags} = '{}'`, isNull(organizations.lastActivityAt)))
      .returning({ id: organizations.id });
    updated += changed.length;
  }
  const total = links.length + Object.keys(DEMO_ORGANIZATION_FOLLOW_UP).length;
  return { inserted: linked.length + updated, alreadyPresent: total - linked.length - updated };
}

/** Positions and unit links of a demo contact (as created below), for the report. */
function plannedLinksOf(person: (typeof DEMO_CONTACTS)[number]): number {
  const primary = person.positions.find((position) => position.primary) ?? person.positions[0];
  return person.positions.length + (primary ? (DEMO_ORGANIZATION_UNITS[primary.organizationRef] ?? []).length : 0);
}

/** Demo contacts, created once (by source_ref) with their positions and units. */
async function seedContacts(db: Database): Promise<{ contacts: SeedCount; links: SeedCount }> {
  const existing = new Set(
    (await db.select({ ref: contacts.sourceRef }).from(contacts).where(inArray(contacts.sourceRef, DEMO_CONTACTS.map((contact) => contact.sourceRef)))).map(
      (row) => row.ref,
    ),
  );
  const toCreate = DEMO_CONTACTS.filter((contact) => !existing.has(contact.sourceRef));
  const linksOfExisting = DEMO_CONTACTS.filter((contact) => existing.has(contact.sourceRef)).reduce((total, person) => total + plannedLinksOf(person), 0);
  if (toCreate.length === 0) return { contacts: { inserted: 0, alreadyPresent: DEMO_CONTACTS.length }, links: { inserted: 0, alreadyPresent: linksOfExisting } };
  const orgRefs = [...new Set(toCreate.flatMap((contact) => contact.positions.map((position) => position.organizationRef)))];
  const orgIds = await idsBy(
    await db.select({ key: organizations.sourceRef, id: organizations.id }).from(organizations).where(inArray(organizations.sourceRef, orgRefs)),
  );
  const ownerIds = await idsBy(await db.select({ key: users.email, id: users.id }).from(users));
  const unitIds = await idsBy(await db.select({ key: units.code, id: units.id }).from(units));
  let created = 0;
  let linked = 0;
  for (const person of toCreate) {
    const [contact] = await db
      .insert(contacts)
      .values({
        sourceRef: person.sourceRef,
        civility: person.civility,
        firstName: person.firstName,
        lastName: person.lastName,
        jobTitle: person.jobTitle,
        emails: [demoEmail(person)],
        phones: person.phone ? [person.phone] : [],
        tags: person.tags,
        legalBasis: person.legalBasis,
        source: person.source,
        consentAt: person.legalBasis === 'consentement' ? monthsAgo((person.activityMonthsAgo ?? 0) + 1) : null,
        lastActivityAt: person.activityMonthsAgo === undefined ? null : monthsAgo(person.activityMonthsAgo),
        ownerId: ownerIds.get(person.ownerEmail) ?? null,
      })
      .onConflictDoNothing({ target: contacts.sourceRef })
      .returning({ id: contacts.id });
    if (!contact) continue;
    created += 1;
    const positions = person.positions.flatMap((position) => {
      const organizationId = orgIds.get(position.organizationRef);
      return organizationId
        ? [{ contactId: contact.id, organizationId, role: position.role, startDate: position.start, endDate: position.end ?? null, isPrimary: position.primary ?? false }]
        : [];
    });
    if (positions.length > 0) linked += (await db.insert(affiliations).values(positions).returning({ id: affiliations.id })).length;
    const primary = person.positions.find((position) => position.primary) ?? person.positions[0];
    const codes = primary ? DEMO_ORGANIZATION_UNITS[primary.organizationRef] ?? [] : [];
    const links = codes.flatMap((code) => (unitIds.get(code) ? [{ contactId: contact.id, unitId: unitIds.get(code) as string }] : []));
    if (links.length > 0) linked += (await db.insert(contactUnits).values(links).onConflictDoNothing().returning({ contactId: contactUnits.contactId })).length;
  }
  return {
    contacts: { inserted: created, alreadyPresent: DEMO_CONTACTS.length - created },
    links: { inserted: linked, alreadyPresent: linksOfExisting },
  };
}

function sum(...counts: SeedCount[]): SeedCount {
  return counts.reduce(
    (total, count) => ({ inserted: total.inserted + count.inserted, alreadyPresent: total.alreadyPresent + count.alreadyPresent }),
    { inserted: 0, alreadyPresent: 0 },
  );
}

/** Whether a demo account exists: `npm run demo` then starts without seeding again. */
export async function isDemoSeeded(db: Database): Promise<boolean> {
  const found = await db.select({ id: users.id }).from(users).where(inArray(users.email, DEMO_USERS.map((user) => user.email))).limit(1);
  return found.length > 0;
}

/** Loads the demo data in one transaction. Safe to run again: see the file comment. */
export async function runSeed(db: Database, log: Logger = defaultLogger, options: SeedOptions = {}): Promise<SeedReport> {
  const dataDir = options.dataDir ?? SEED_DATA_DIR;
  const now = options.now ?? new Date();
  // The demo conventions go through their circuit, whose decisions move their statuses: the
  // mapping must be installed whoever calls (boot's configureProcess does it too; idempotent).
  registerConventionCircuit();
  // The sourcing committee's outcome handler and step forms, and the pilots' stage handlers (demo-sourcing.ts runs gates).
  registerSourcingPipeline();
  // Read and check the files before opening the transaction.
  const geography = loadGeography(dataDir);
  const universities = loadUniversities(dataDir);
  const cfas = loadCfas(dataDir, geography);
  const notes = [...universities.notes, ...cfas.notes];
  for (const note of notes) log.debug({ file: note.file, line: note.line }, note.message);

  const report = await db.transaction(async (tx) => {
    await assertKindsExist(tx, [...DEMO_ORGANIZATIONS, ...universities.rows, ...cfas.rows].map((row) => row.kindCode));
    const accounts = await seedUsers(tx);
    // Demo organisations first: their eight universities carry richer details than the CSV rows
    // with the same wikidata key, which are left out (the same organisations, not rows that
    // were already in the database).
    const demo = await insertOrganizations(tx, [...DEMO_ORGANIZATIONS, ...DEMO_SOURCED_STARTUPS, ...DEMO_PIPELINE_STARTUPS]);
    const demoRefs = new Set(DEMO_ORGANIZATIONS.map((organization) => organization.sourceRef));
    const universityCount = await insertOrganizations(tx, universities.rows.filter((row) => !demoRefs.has(row.sourceRef)));
    const cfaCount = await insertOrganizations(tx, cfas.rows);
    const parentLinks = await linkParents(tx);
    const organizationFollowUp = await seedOrganizationFollowUp(tx);
    const { contacts: contactCount, links: contactLinks } = await seedContacts(tx);
    const { circuits: conventionCircuits, ...conventionCount } = await seedConventions(tx, now, options.baseUrl ?? defaultBaseUrl());
    const activity = await seedExchangesAndTasks(tx, now);
    const demoEvents = await seedEvents(tx, now);
    const sourcing = await seedSourcing(tx, now, options.baseUrl ?? defaultBaseUrl());
    await givePartnershipsAnOwner(tx);
    const organizationTotal = sum(demo, universityCount, cfaCount);
    return {
      users: accounts.users,
      userUnits: accounts.userUnits,
      organizations: { ...organizationTotal, bySource: { demo, universities: universityCount, cfa: cfaCount } },
      parentLinks,
      organizationFollowUp,
      contacts: contactCount,
      contactLinks,
      conventions: conventionCount,
      conventionCircuits,
      exchanges: activity.exchanges,
      tasks: activity.tasks,
      events: demoEvents.events,
      sourcingChallenges: sourcing.challenges,
      sourcingCases: sourcing.cases,
      notes,
      missingUnits: accounts.missingUnits,
      totalInserted:
        accounts.users.inserted +
        accounts.userUnits.inserted +
        organizationTotal.inserted +
        parentLinks.inserted +
        organizationFollowUp.inserted +
        contactCount.inserted +
        contactLinks.inserted +
        conventionCount.inserted +
        conventionCircuits.inserted +
        activity.exchanges.inserted +
        activity.tasks.inserted +
        demoEvents.events.inserted +
        sourcing.challenges.inserted +
        sourcing.cases.inserted,
    } satisfies SeedReport;
  });

  if (report.missingUnits.length > 0) {
    log.warn({ missingUnits: report.missingUnits }, 'seed: unités absentes, rattachements non créés');
  }
  log.info(
    {
      users: report.users,
      userUnits: report.userUnits,
      organizations: report.organizations,
      parentLinks: report.parentLinks,
      organizationFollowUp: report.organizationFollowUp,
      contacts: report.contacts,
      contactLinks: report.contactLinks,
      conventions: report.conventions,
      conventionCircuits: report.conventionCircuits,
      exchanges: report.exchanges,
      tasks: report.tasks,
      events: report.events,
      sourcingChallenges: report.sourcingChallenges,
      sourcingCases: report.sourcingCases,
      totalInserted: report.totalInserted,
    },
    'seed: données de démonstration chargées',
  );
  return report;
}

/** The report as French text lines, for the command line. */
export function formatSeedReport(report: SeedReport): string {
  const line = (label: string, count: SeedCount) =>
    `  ${label.padEnd(34)} ${String(count.inserted).padStart(4)} ajouté(s), ${String(count.alreadyPresent).padStart(4)} déjà présent(s)`;
  const lines = [
    'Données de démonstration / demo data:',
    line('Comptes utilisateurs', report.users),
    line('Rattachements aux unités', report.userUnits),
    line('Organisations (total)', report.organizations),
    line('  dont démonstration', report.organizations.bySource.demo),
    line('  dont universités (Wikidata)', report.organizations.bySource.universities),
    line('  dont CFA du réseau AMUE', report.organizations.bySource.cfa),
    line('Liens réseau / structure parente', report.parentLinks),
    line('Unités et suivi des structures', report.organizationFollowUp),
    line('Contacts (personnes fictives)', report.contacts),
    line('  leurs fonctions et unités', report.contactLinks),
    line('Conventions', report.conventions),
    line('  dont passées par le circuit', report.conventionCircuits),
    line('Échanges', report.exchanges),
    line('Tâches', report.tasks),
    line('Événements', report.events),
    line('Défis d’innovation', report.sourcingChallenges),
    line('Pistes de sourcing', report.sourcingCases),
    `  Total ajouté / total inserted: ${report.totalInserted}`,
  ];
  if (report.missingUnits.length > 0) lines.push(`  Unités absentes (rattachements non créés) : ${report.missingUnits.join(', ')}`);
  if (report.notes.length > 0) {
    lines.push(`Remarques sur les fichiers sources (${report.notes.length}) :`);
    for (const note of report.notes) lines.push(`  - ${note.file}${note.line ? `:${note.line}` : ''} : ${note.message}`);
  }
  return `${lines.join('\n')}\n`;
}
