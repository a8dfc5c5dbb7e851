// The organisation and contact forms take overseas France numbers as French files and people
// write them (« 0262 93 80 80 », « +33 590 12 34 56 »), store them under the territory's own
// calling code and show them back nationally: the same rule as the imports (src/lib/phones.ts).
import fs from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { parsePhone } from '../../src/lib/phones';
import { contacts, organizations } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('overseas phone numbers in the forms', () => {
  let harness: TestApp;
  let charge: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    const chargeUser = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    charge = new TestBrowser(harness.app);
    await charge.login(chargeUser.email);
  });
  afterAll(() => harness.close());

  async function postForm(path: string, form: Record<string, string | string[]>) {
    await charge.get(path);
    return charge.post(path, form);
  }

  test.each([
    ['0262 93 80 80', '+262262938080', '0262 93 80 80', 'Institut fictif de Saint-Denis de La Réunion'],
    ['+33 590 12 34 56', '+590590123456', '0590 12 34 56', 'Conservatoire imaginaire de Pointe-à-Pitre'],
  ])('the organisation form takes « %s », stores %s and shows « %s »', async (typed, e164, shown, name) => {
    const created = await postForm('/structures/nouveau', {
      name,
      kindCode: 'ecole',
      status: 'actif',
      phone: typed,
    });
    expect(created.status).toBe(303);
    const id = created.headers.location?.split('/').pop() as string;
    const [row] = await harness.db.select().from(organizations).where(eq(organizations.id, id));
    expect(row?.phone).toBe(e164);
    const page = await charge.get(`/structures/${id}`);
    expect(page.text).toContain(shown);
  });

  test('the contact form takes both forms in one list and stores each once', async () => {
    const created = await postForm('/contacts/nouveau', {
      civility: 'Mme',
      firstName: 'Maëlle',
      lastName: 'Fictive',
      emails: 'maelle.fictive@univ-outremer.example.fr',
      phones: '0262 93 80 80\n+33 590 12 34 56\n+262 262 93 80 80',
      legalBasis: 'interet_legitime',
      unitIds: [],
    });
    expect(created.status).toBe(303);
    const id = created.headers.location?.split('/').pop() as string;
    const [row] = await harness.db.select().from(contacts).where(eq(contacts.id, id));
    expect(row?.phones).toEqual(['+262262938080', '+590590123456']);
    const page = await charge.get(`/contacts/${id}`);
    expect(page.text).toContain('0262 93 80 80');
    expect(page.text).toContain('0590 12 34 56');
  });

  test('a number of the wrong length is still refused with the typed value', async () => {
    const refused = await postForm('/structures/nouveau', { name: 'Lycée fictif de Cayenne', kindCode: 'lycee', status: 'actif', phone: '0594 29 99' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('« 0594 29 99 »');
  });

  test('numbers stored under +33 before the rule get their territory\'s form from migration 0016, the one the forms now give', async () => {
    const organization = await buildOrganization(harness.db, { name: 'Lycée fictif de Mamoudzou' });
    const contact = await buildContact(harness.db, { lastName: 'Ancienne-Saisie' });
    // As rows were written before the rule (libphonenumber took 0269… and 0508… for metropolitan numbers).
    await harness.db.update(organizations).set({ phone: '+33269612345' }).where(eq(organizations.id, organization.id));
    await harness.db.update(contacts).set({ phones: ['+33508412345', '+508412345', '+33143550000'] }).where(eq(contacts.id, contact.id));
    const migration = fs.readFileSync(path.join(__dirname, '..', '..', 'migrations', '0016_overseas_phones_stored.sql'), 'utf8');
    await harness.db.execute(sql.raw(migration));
    const [organizationRow] = await harness.db.select().from(organizations).where(eq(organizations.id, organization.id));
    const [contactRow] = await harness.db.select().from(contacts).where(eq(contacts.id, contact.id));
    const formOf = (typed: string) => {
      const parsed = parsePhone(typed);
      if (!parsed.ok) throw new Error(`${typed} refused`);
      return parsed.e164;
    };
    expect(organizationRow?.phone).toBe(formOf('0269 61 23 45'));
    expect(organizationRow?.phone).toBe('+262269612345');
    expect(contactRow?.phones).toEqual([formOf('0508 41 23 45'), '+33143550000']);
  });
});
