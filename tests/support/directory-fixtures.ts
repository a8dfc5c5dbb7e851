// Organisations, contacts and affiliations written straight to the database for tests.
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/models/database';
import {
  type Contact,
  type NewContact,
  type NewOrganization,
  type Organization,
  affiliations,
  contactUnits,
  contacts,
  organizationUnits,
  organizations,
} from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';

async function unitIds(db: Database, codes: string[] = []): Promise<string[]> {
  if (codes.length === 0) return [];
  const units = await listUnits(db);
  return units.filter((unit) => codes.includes(unit.code)).map((unit) => unit.id);
}

export async function buildOrganization(
  db: Database,
  overrides: Partial<NewOrganization> & { unitCodes?: string[] } = {},
): Promise<Organization> {
  const { unitCodes, ...values } = overrides;
  const [organization] = await db
    .insert(organizations)
    .values({ name: `Structure ${randomBytes(3).toString('hex')}`, kindCode: 'entreprise', ...values })
    .returning();
  if (!organization) throw new Error('organization not inserted');
  const ids = await unitIds(db, unitCodes);
  if (ids.length > 0) await db.insert(organizationUnits).values(ids.map((unitId) => ({ organizationId: organization.id, unitId })));
  return organization;
}

export async function buildContact(
  db: Database,
  overrides: Partial<NewContact> & { unitCodes?: string[]; organizationId?: string; role?: string; endDate?: string } = {},
): Promise<Contact> {
  const { unitCodes, organizationId, role, endDate, ...values } = overrides;
  const [contact] = await db
    .insert(contacts)
    .values({ firstName: 'Camille', lastName: `Martin-${randomBytes(2).toString('hex')}`, ...values })
    .returning();
  if (!contact) throw new Error('contact not inserted');
  const ids = await unitIds(db, unitCodes);
  if (ids.length > 0) await db.insert(contactUnits).values(ids.map((unitId) => ({ contactId: contact.id, unitId })));
  if (organizationId) {
    await db.insert(affiliations).values({ contactId: contact.id, organizationId, role: role ?? null, endDate: endDate ?? null, isPrimary: !endDate });
  }
  return contact;
}
