// The organisation form keeps what was written: the postcode typed (Paris 11e stays 75011,
// Nantes 44200 stays 44200, never the commune's main one) and the other SIRET of the
// establishments, shown on the detail page and given back to the edit form.
import { eq } from 'drizzle-orm';
import { organizations, recordMerges } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { siretOf } from '../support/register-files';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('organisation form: addresses and other SIRET', () => {
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

  async function stored(response: { status: number; headers: Record<string, string | undefined>; text: string }) {
    expect(response.status).toBe(303);
    const id = response.headers.location?.split('/').pop() as string;
    const [row] = await harness.db.select().from(organizations).where(eq(organizations.id, id));
    return row as NonNullable<typeof row>;
  }

  test('a Paris 11e address keeps 75011 and the other SIRET are stored, shown and edited', async () => {
    const created = await postForm('/structures/nouveau', {
      name: 'Lycée professionnel des Métiers de la Roquette',
      kindCode: 'lycee',
      status: 'actif',
      siret: siretOf(901, 19),
      otherSirets: `${siretOf(901, 27)}\n${siretOf(901, 35)}, ${siretOf(901, 19)}`,
      addressLine: '12 rue du Chemin Vert',
      postalCode: '75011',
      city: 'Paris',
      description: 'Lycée des métiers du bâtiment.\nDeux établissements rattachés.',
    });
    const row = await stored(created);
    expect(row).toMatchObject({ postalCode: '75011', city: 'Paris', departmentCode: '75', regionCode: '11', siret: siretOf(901, 19) });
    // The main SIRET is not repeated among the others.
    expect(row.otherSirets).toEqual([siretOf(901, 27), siretOf(901, 35)]);

    const page = await charge.get(`/structures/${row.id}`);
    expect(page.text).toContain('Autres SIRET (établissements)');
    expect(page.text).toContain(siretOf(901, 35));
    expect(page.text).toContain('75011 Paris');

    const form = await charge.get(`/structures/${row.id}/modifier`);
    expect(form.text).toContain(`${siretOf(901, 27)}, ${siretOf(901, 35)}</textarea>`);
    // Multi-line text comes back as it was saved (no indentation added by the page's partials).
    expect(form.text).toContain('>Lycée des métiers du bâtiment.\nDeux établissements rattachés.</textarea>');

    // Typed in the commune field (no suggestion chosen): « Paris 11e » designates the arrondissement.
    const edited = await postForm(`/structures/${row.id}/modifier`, {
      name: row.name,
      kindCode: 'lycee',
      status: 'actif',
      siret: siretOf(901, 19),
      otherSirets: siretOf(901, 27),
      addressLine: '12 rue du Chemin Vert',
      communeQuery: 'Paris 11e',
      unitIds: [],
    });
    expect(edited.status).toBe(303);
    const [after] = await harness.db.select().from(organizations).where(eq(organizations.id, row.id));
    expect(after).toMatchObject({ postalCode: '75011', communeCode: '75111', otherSirets: [siretOf(901, 27)] });
    // The journal names the field in French.
    const history = await charge.get(`/structures/${row.id}`);
    expect(history.text).toContain('Autres SIRET (établissements)');
    expect(history.text).not.toContain('otherSirets');
  });

  test('a SIRET that is another record’s other establishment raises the duplicate warning, and the other way round', async () => {
    await stored(await postForm('/structures/nouveau', { name: 'Réseau des CFA du bâtiment', kindCode: 'cfa', status: 'actif', siret: siretOf(903, 19), otherSirets: siretOf(903, 27) }));
    const sameEstablishment = await postForm('/structures/nouveau', { name: 'CFA du bâtiment de Saint-Nazaire', kindCode: 'cfa', status: 'prospect', siret: siretOf(903, 27) });
    expect(sameEstablishment.status).toBe(409);
    expect(sameEstablishment.text).toContain('Cette structure existe peut-être déjà');
    expect(sameEstablishment.text).toContain('Réseau des CFA du bâtiment');
    expect(sameEstablishment.text).toContain('Même SIRET');
    const listingIt = await postForm('/structures/nouveau', { name: 'Fédération du bâtiment', kindCode: 'reseau_association', status: 'prospect', otherSirets: siretOf(903, 19) });
    expect(listingIt.text).toContain('Cette structure existe peut-être déjà');
  });

  test('merging two records keeps the other SIRET of both and the SIRET not chosen; undoing the merge gives each its own back', async () => {
    const adminUser = await buildUser(harness.db, { roles: ['admin'] });
    const admin = new TestBrowser(harness.app);
    await admin.login(adminUser.email);
    const kept = await buildOrganization(harness.db, { name: 'Université du Littoral atlantique', kindCode: 'universite', siret: siretOf(904, 19), otherSirets: [siretOf(904, 27)] });
    const merged = await buildOrganization(harness.db, { name: 'Université du Littoral atlantique (site de Vannes)', kindCode: 'universite', siret: siretOf(904, 43), otherSirets: [siretOf(904, 35)] });
    const screen = await admin.get(`/doublons/structures/${kept.id}/${merged.id}`);
    expect(screen.text).toContain('Autres SIRET (établissements)');
    expect((await admin.post(`/doublons/structures/${kept.id}/${merged.id}`, {})).status).toBe(303);
    const [after] = await harness.db.select().from(organizations).where(eq(organizations.id, kept.id));
    // The merged record's own SIRET, not chosen as the main one, joins the other establishments.
    expect(after?.siret).toBe(siretOf(904, 19));
    expect(after?.otherSirets).toEqual([siretOf(904, 27), siretOf(904, 35), siretOf(904, 43)]);

    const [merge] = await harness.db.select().from(recordMerges).where(eq(recordMerges.mergedId, merged.id));
    await admin.get(`/structures/${kept.id}`);
    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`, {})).status).toBe(303);
    const [keptBack] = await harness.db.select().from(organizations).where(eq(organizations.id, kept.id));
    const [mergedBack] = await harness.db.select().from(organizations).where(eq(organizations.id, merged.id));
    expect(keptBack?.otherSirets).toEqual([siretOf(904, 27)]);
    expect(mergedBack).toMatchObject({ mergedIntoId: null, siret: siretOf(904, 43), otherSirets: [siretOf(904, 35)] });
  });

  test('multi-line text comes back unchanged in every form (no indentation from the page’s partials)', async () => {
    const contact = await buildContact(harness.db, { lastName: 'Bertin', notes: 'Rencontrée au salon.\nRappeler en mars.', unitCodes: ['DDPSI'] });
    const form = await charge.get(`/contacts/${contact.id}/modifier`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('>Rencontrée au salon.\nRappeler en mars.</textarea>');
  });

  test('an invalid other SIRET is refused by the form with its value named', async () => {
    const refused = await postForm('/structures/nouveau', {
      name: 'Institut des arts du littoral',
      kindCode: 'ecole',
      status: 'prospect',
      otherSirets: `${siretOf(902)}\n12345678901234`,
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('SIRET invalide : 12345678901234');
  });

  test('Nantes 44200 and Le Mans 72100 keep their postcode; a commune alone with several postcodes gets none invented', async () => {
    const nantes = await stored(
      await postForm('/structures/nouveau', { name: 'Institut des arts du littoral', kindCode: 'ecole', status: 'prospect', addressLine: '4 bis quai de la Fosse', postalCode: '44200', city: 'Nantes' }),
    );
    expect(nantes).toMatchObject({ postalCode: '44200', city: 'Nantes', communeCode: '44109', departmentCode: '44' });

    const leMans = await stored(
      await postForm('/structures/nouveau', { name: 'Conservatoire du Maine', kindCode: 'ecole', status: 'prospect', communeQuery: '72100 Le Mans' }),
    );
    expect(leMans).toMatchObject({ postalCode: '72100', city: 'Le Mans', communeCode: '72181' });

    // « Nantes » typed alone: the commune is known, its postcode is not (four exist): none is made up.
    const alone = await stored(await postForm('/structures/nouveau', { name: 'Atelier nantais', kindCode: 'entreprise', status: 'prospect', communeQuery: 'Nantes' }));
    expect(alone).toMatchObject({ postalCode: null, city: 'Nantes', communeCode: '44109', departmentCode: '44' });
  });

  test('choosing a suggested commune keeps the postcode already typed, and makes none up', async () => {
    const chosen = async (query: string) => {
      const response = await charge.get(`/referentiel/communes/${query}`, { 'HX-Request': 'true' });
      expect(response.status).toBe(200);
      return /name="postalCode"[^>]*value="([^"]*)"/.exec(response.text)?.[1];
    };
    expect(await chosen('44109/champs?postalCode=44200')).toBe('44200');
    expect(await chosen('44109/champs?cp=44300&postalCode=44200')).toBe('44300');
    expect(await chosen('44109/champs')).toBe('');
    // A postcode of another commune (left from a previous choice) is not kept.
    expect(await chosen('44109/champs?postalCode=69007')).toBe('');
    expect(await chosen('75111/champs')).toBe('75011');
  });
});
