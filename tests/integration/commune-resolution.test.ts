// The commune typed in the organisation form without choosing a suggestion (no JavaScript): a
// plain form post, as the browser sends it. One commune → saved with its INSEE code, postcode,
// department and region; several → a 422 listing them; none → a 422; what was typed is kept.
import { eq } from 'drizzle-orm';
import { organizations } from '../../src/models/schema';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('commune typed in the organisation form, resolved on the server', () => {
  let harness: TestApp;
  let charge: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    const user = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    charge = new TestBrowser(harness.app);
    await charge.login(user.email);
  });
  afterAll(() => harness.close());

  async function create(fields: Record<string, string>) {
    await charge.get('/structures/nouveau');
    return charge.post('/structures/nouveau', { kindCode: 'entreprise', status: 'prospect', ...fields });
  }

  async function saved(response: { status: number; headers: Record<string, string | undefined> }) {
    expect(response.status).toBe(303);
    const id = response.headers.location?.split('/').pop() as string;
    const [row] = await harness.db.select().from(organizations).where(eq(organizations.id, id));
    return row;
  }

  test.each([
    // Nantes has four postcodes: none is made up when none was typed (it used to be the first, 44000).
    ['Nantes', 'Atelier Loire', { communeCode: '44109', city: 'Nantes', postalCode: null, departmentCode: '44', regionCode: '52' }],
    ['44200 Nantes', 'Brasserie Erdre', { communeCode: '44109', city: 'Nantes', postalCode: '44200', departmentCode: '44' }],
    ['Nantes (44300)', 'Chantier Sèvre', { communeCode: '44109', city: 'Nantes', postalCode: '44300' }],
    ['Paris 11e', 'Dorure Oberkampf', { communeCode: '75111', city: 'Paris 11e Arrondissement', postalCode: '75011', departmentCode: '75', regionCode: '11' }],
    ['saint-etienne', 'Forge Furan', { communeCode: '42218', city: 'Saint-Étienne', departmentCode: '42' }],
  ])('« %s » names one commune: saved with its INSEE code, postcode, department and region', async (typed, name, expected) => {
    const row = await saved(await create({ name, addressLine: '1 rue de la Paix', communeQuery: typed }));
    expect(row).toMatchObject({ addressLine: '1 rue de la Paix', ...expected });
  });

  test('several communes: a 422 next to the commune field listing them, everything typed kept, nothing saved', async () => {
    const response = await create({ name: 'Structure ambiguë', addressLine: '3 place de la Gare', communeQuery: 'Saint-Denis' });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Plusieurs communes correspondent à « Saint-Denis »');
    expect(response.text).toContain('Saint-Denis (93200)');
    expect(response.text).toContain('Saint-Denis (97400)');
    expect(response.text).toMatch(/id="field-communeQuery"[^>]*value="Saint-Denis"/);
    expect(response.text).toContain('value="Structure ambiguë"');
    expect(response.text).toContain('value="3 place de la Gare"');
    expect(await harness.db.select().from(organizations).where(eq(organizations.name, 'Structure ambiguë'))).toEqual([]);

    // With the postcode, the same text names one commune.
    const row = await saved(await create({ name: 'Structure ambiguë', communeQuery: '93200 Saint-Denis' }));
    expect(row).toMatchObject({ communeCode: '93066', postalCode: '93200', departmentCode: '93' });
  });

  test('no commune: a 422 next to the commune field, everything typed kept, nothing saved', async () => {
    const response = await create({ name: 'Structure nulle part', communeQuery: 'Xyzzyville' });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Aucune commune ne correspond à « Xyzzyville »');
    expect(response.text).toMatch(/id="field-communeQuery"[^>]*value="Xyzzyville"/);
    expect(response.text).toContain('value="Structure nulle part"');
    expect(await harness.db.select().from(organizations).where(eq(organizations.name, 'Structure nulle part'))).toEqual([]);
  });

  test('a suggestion chosen (hidden INSEE code, field emptied) and postcode and city typed by hand still work', async () => {
    const chosen = await saved(await create({ name: 'Structure choisie', communeCode: '69387', postalCode: '69007', city: 'Lyon 7e Arrondissement', communeQuery: '' }));
    expect(chosen).toMatchObject({ communeCode: '69387', postalCode: '69007', departmentCode: '69' });
    const byHand = await saved(await create({ name: 'Structure à la main', postalCode: '44200', city: 'Nantes' }));
    expect(byHand).toMatchObject({ communeCode: '44109', postalCode: '44200', city: 'Nantes' });
  });

  test('editing without JavaScript: a commune typed replaces the one the record had', async () => {
    const organization = await buildOrganization(harness.db, {
      name: 'Structure qui déménage',
      kindCode: 'entreprise',
      communeCode: '69123',
      city: 'Lyon',
      postalCode: '69001',
      departmentCode: '69',
      regionCode: '84',
      unitCodes: ['DDPSI'],
    });
    const form = await charge.get(`/structures/${organization.id}/modifier`);
    expect(form.status).toBe(200);
    const units = [...form.text.matchAll(/name="unitIds" value="([^"]+)" checked/g)].map((match) => match[1] as string);
    const response = await charge.post(`/structures/${organization.id}/modifier`, {
      name: 'Structure qui déménage',
      kindCode: 'entreprise',
      status: 'prospect',
      unitIds: units,
      // What the edit form sends: the old commune's hidden code, postcode and city, and the new text.
      communeCode: '69123',
      postalCode: '69001',
      city: 'Lyon',
      communeQuery: '44200 Nantes',
    });
    const row = await saved(response);
    expect(row).toMatchObject({ communeCode: '44109', postalCode: '44200', city: 'Nantes', departmentCode: '44', regionCode: '52' });
  });

  test('choosing a suggestion sends the commune field back emptied (text left there means nothing was chosen)', async () => {
    const response = await charge.get('/referentiel/communes/44109/champs?cp=44200', { 'HX-Request': 'true' });
    expect(response.status).toBe(200);
    expect(response.text).toContain('name="communeCode" value="44109"');
    expect(response.text).toMatch(/id="commune-query-group" hx-swap-oob="true"/);
    expect(response.text).toMatch(/id="field-communeQuery"[^>]*value=""/);
  });
});
