// `npm run seed`: demo accounts, demo partner organisations, and the public reference lists of
// French universities and AMUE apprenticeship bodies (docs/demo-data.md).
//
// Idempotent: every row has a natural key (user email, organisation source_ref, user+unit) and is
// inserted with ON CONFLICT DO NOTHING; parents are only set where none is. A second run inserts
// nothing and never overwrites what users changed in the meantime.
import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../lib/database';
import { rowsOf } from '../lib/database';
import { logger as defaultLogger, type Logger } from '../lib/logger';
import { hashPassword } from '../lib/passwords';
import { type NewOrganization, organizationKinds, organizations, units, users, userUnits } from '../models/schema';
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

function sum(...counts: SeedCount[]): SeedCount {
  return counts.reduce(
    (total, count) => ({ inserted: total.inserted + count.inserted, alreadyPresent: total.alreadyPresent + count.alreadyPresent }),
    { inserted: 0, alreadyPresent: 0 },
  );
}

/** Loads the demo data in one transaction. Safe to run again: see the file comment. */
export async function runSeed(db: Database, log: Logger = defaultLogger, options: SeedOptions = {}): Promise<SeedReport> {
  const dataDir = options.dataDir ?? SEED_DATA_DIR;
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
    // with the same wikidata key, which are then counted as already present.
    const demo = await insertOrganizations(tx, DEMO_ORGANIZATIONS);
    const universityCount = await insertOrganizations(tx, universities.rows);
    const cfaCount = await insertOrganizations(tx, cfas.rows);
    const parentLinks = await linkParents(tx);
    const organizationTotal = sum(demo, universityCount, cfaCount);
    return {
      users: accounts.users,
      userUnits: accounts.userUnits,
      organizations: { ...organizationTotal, bySource: { demo, universities: universityCount, cfa: cfaCount } },
      parentLinks,
      notes,
      missingUnits: accounts.missingUnits,
      totalInserted: accounts.users.inserted + accounts.userUnits.inserted + organizationTotal.inserted + parentLinks.inserted,
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
    `  Total ajouté / total inserted: ${report.totalInserted}`,
  ];
  if (report.missingUnits.length > 0) lines.push(`  Unités absentes (rattachements non créés) : ${report.missingUnits.join(', ')}`);
  if (report.notes.length > 0) {
    lines.push(`Remarques sur les fichiers sources (${report.notes.length}) :`);
    for (const note of report.notes) lines.push(`  - ${note.file}${note.line ? `:${note.line}` : ''} : ${note.message}`);
  }
  return `${lines.join('\n')}\n`;
}
