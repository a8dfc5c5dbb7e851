// SQL for the organisation kinds (reference data an admin extends). An inactive kind has
// `archived_at` set: it leaves the organisation form, but records and filters keep it.
import { count, eq, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type OrganizationKind, organizationKinds, organizations } from './schema';

export type NewOrganizationKind = typeof organizationKinds.$inferInsert;
export type OrganizationKindWithUsage = OrganizationKind & { organizationCount: number };

/** Every kind, active first then by position, with how many records (archived included) use it. */
export async function listKindsWithUsage(db: Database): Promise<OrganizationKindWithUsage[]> {
  return db
    .select({
      code: organizationKinds.code,
      label: organizationKinds.label,
      description: organizationKinds.description,
      position: organizationKinds.position,
      archivedAt: organizationKinds.archivedAt,
      organizationCount: sql<number>`(select count(*)::int from ${organizations}
        where ${organizations.kindCode} = ${organizationKinds.code} and ${organizations.mergedIntoId} is null)`,
    })
    .from(organizationKinds)
    .orderBy(sql`${organizationKinds.archivedAt} is not null`, organizationKinds.position, sql`${organizationKinds.label} collate "und-x-icu"`);
}

export async function findKindByCode(db: Database, code: string): Promise<OrganizationKind | undefined> {
  const [row] = await db.select().from(organizationKinds).where(eq(organizationKinds.code, code)).limit(1);
  return row;
}

/** The kind already holding this code or this label (both compared without case). */
export async function findKindByCodeOrLabel(db: Database, code: string, label: string): Promise<OrganizationKind | undefined> {
  const [row] = await db
    .select()
    .from(organizationKinds)
    .where(sql`lower(${organizationKinds.code}) = lower(${code}) or lower(${organizationKinds.label}) = lower(${label})`)
    .limit(1);
  return row;
}

/** Another kind holding this label (compared without case), for renames. */
export async function findOtherKindByLabel(db: Database, label: string, exceptCode: string): Promise<OrganizationKind | undefined> {
  const [row] = await db
    .select()
    .from(organizationKinds)
    .where(sql`lower(${organizationKinds.label}) = lower(${label}) and ${organizationKinds.code} <> ${exceptCode}`)
    .limit(1);
  return row;
}

/** Position after the last kind, so a new kind lands at the end of the lists by default. */
export async function nextKindPosition(db: Database): Promise<number> {
  const [row] = await db.select({ value: sql<number>`coalesce(max(${organizationKinds.position}), 0)::int` }).from(organizationKinds);
  return (row?.value ?? 0) + 10;
}

export async function insertKind(db: Database, values: NewOrganizationKind): Promise<OrganizationKind> {
  const [row] = await db.insert(organizationKinds).values(values).returning();
  if (!row) throw new Error('insert into organization_kinds returned nothing');
  return row;
}

export async function updateKind(db: Database, code: string, values: Partial<Omit<NewOrganizationKind, 'code'>>): Promise<OrganizationKind> {
  const [row] = await db.update(organizationKinds).set(values).where(eq(organizationKinds.code, code)).returning();
  if (!row) throw new Error(`organization kind ${code} vanished during update`);
  return row;
}

/** Every record pointing at the kind, merged and archived ones included (the foreign key sees them all). */
export async function countOrganizationsOfKind(db: Database, code: string): Promise<number> {
  const [row] = await db.select({ value: count() }).from(organizations).where(eq(organizations.kindCode, code));
  return row?.value ?? 0;
}

export async function deleteKind(db: Database, code: string): Promise<void> {
  await db.delete(organizationKinds).where(eq(organizationKinds.code, code));
}
