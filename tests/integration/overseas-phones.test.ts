// The organisation and contact forms take overseas France numbers as French files and people
// write them (« 0262 93 80 80 », « +33 590 12 34 56 »), store them under the territory's own
// calling code and show them back nationally: the same rule as the imports (src/lib/phones.ts).
import { eq } from 'drizzle-orm';
import { contacts, organizations } from '../../src/models/schema';
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
});
