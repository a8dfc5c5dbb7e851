// The organisation kinds admin through HTTP, as its forms send them: creation with a derived
// code, French refusals, deactivation (gone from the form, kept by records and filters),
// deletion only when unused, admins only, and the journal rows of each change.
import { and, eq } from 'drizzle-orm';
import { auditLog, organizationKinds } from '../../src/models/schema';
import { kindCodeFromLabel } from '../../src/services/organization-kinds.service';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const BASE = '/admin/types-de-structures';

describe('organisation kinds admin', () => {
  let harness: TestApp;
  let admin: TestBrowser;
  let charge: TestBrowser;

  beforeAll(async () => {
    // With the reference-list cache on (long TTL): each change must show at once because the
    // admin service invalidates the cached kinds, not because the cache expired.
    harness = await startTestApp({ env: { REFERENCE_CACHE_SECONDS: '600' } });
    admin = new TestBrowser(harness.app);
    await admin.login((await buildUser(harness.db, { roles: ['admin'] })).email);
    charge = new TestBrowser(harness.app);
    await charge.login((await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] })).email);
  });
  afterAll(() => harness.close());

  async function postForm(browser: TestBrowser, path: string, form: Record<string, string>) {
    await browser.get(BASE);
    return browser.post(path, form);
  }

  async function auditActions(code: string): Promise<string[]> {
    const rows = await harness.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.entityType, 'organizationKind'), eq(auditLog.entityId, code)))
      .orderBy(auditLog.id);
    return rows.map((row) => row.action);
  }

  test('derives a code from the label like the seeded ones', () => {
    expect(kindCodeFromLabel('Pôle de compétitivité')).toBe('pole_de_competitivite');
    expect(kindCodeFromLabel('  Tiers-lieu (Campus connecté) ')).toBe('tiers_lieu_campus_connecte');
    expect(kindCodeFromLabel('Œuvre sociale')).toBe('oeuvre_sociale');
  });

  test('lists the seeded kinds with their usage, and creates one with a code derived from its label', async () => {
    await buildOrganization(harness.db, { name: 'Lycée Jean Moulin', kindCode: 'lycee' });
    const list = await admin.get(BASE);
    expect(list.status).toBe(200);
    expect(list.text).toContain('Types de structures');
    expect(list.text).toContain('<code>universite</code>');
    expect(list.text).toMatch(/href="\/structures\?kind=lycee">1</);

    // The organisation form has been read once (the kinds are now cached)…
    expect((await charge.get('/structures/nouveau')).text).not.toContain('value="pole_de_competitivite"');
    const created = await postForm(admin, BASE, { label: 'Pôle de compétitivité', code: '', description: 'Grappes d’entreprises et de laboratoires.', position: '' });
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe(BASE);
    const [row] = await harness.db.select().from(organizationKinds).where(eq(organizationKinds.code, 'pole_de_competitivite'));
    expect(row).toMatchObject({ label: 'Pôle de compétitivité', description: 'Grappes d’entreprises et de laboratoires.', archivedAt: null });
    // Appended after the seeded kinds (last position 130).
    expect(row?.position).toBeGreaterThan(130);
    expect((await admin.get(BASE)).text).toContain('Le type « Pôle de compétitivité » est créé.');
    expect(await auditActions('pole_de_competitivite')).toEqual(['organizationKind.created']);

    // …and the new kind is offered at once in it.
    expect((await charge.get('/structures/nouveau')).text).toContain('value="pole_de_competitivite"');
  });

  test('refuses a duplicate code, a duplicate label, a bad code and an empty label, in French, keeping what was typed', async () => {
    const duplicateCode = await postForm(admin, BASE, { label: 'Université privée', code: 'universite' });
    expect(duplicateCode.status).toBe(422);
    expect(duplicateCode.text).toContain('Le code « universite » est déjà utilisé par le type « Université ».');
    expect(duplicateCode.text).toContain('value="Université privée"');

    const duplicateLabel = await postForm(admin, BASE, { label: 'lycée', code: 'lycee_bis' });
    expect(duplicateLabel.status).toBe(422);
    expect(duplicateLabel.text).toContain('Le libellé « lycée » est déjà utilisé par le type de code « lycee ».');

    const badCode = await postForm(admin, BASE, { label: 'Laboratoire', code: 'Labo public!' });
    expect(badCode.status).toBe(422);
    expect(badCode.text).toContain('lettres minuscules sans accent');

    const empty = await postForm(admin, BASE, { label: '  ', code: '', position: 'douze' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Ce champ est obligatoire.');
    expect(empty.text).toContain('L’ordre doit être un nombre entier');

    const kinds = await harness.db.select({ code: organizationKinds.code }).from(organizationKinds);
    expect(kinds.map((kind) => kind.code)).not.toEqual(expect.arrayContaining(['lycee_bis', 'labo_public']));
  });

  test('edits label, description and order but not the code', async () => {
    await postForm(admin, BASE, { label: 'Incubateur', code: 'incubateur' });
    const form = await admin.get(`${BASE}/incubateur`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('value="Incubateur"');
    const saved = await admin.post(`${BASE}/incubateur`, { label: 'Incubateur ou accélérateur', description: 'Programmes d’accompagnement.', position: '35', code: 'autre_code' });
    expect(saved.status).toBe(303);
    const [row] = await harness.db.select().from(organizationKinds).where(eq(organizationKinds.code, 'incubateur'));
    expect(row).toMatchObject({ label: 'Incubateur ou accélérateur', description: 'Programmes d’accompagnement.', position: 35 });
    expect(await auditActions('incubateur')).toEqual(['organizationKind.created', 'organizationKind.updated']);
    expect((await admin.get(`${BASE}/inconnu`)).status).toBe(404);
  });

  test('a deactivated kind leaves the creation form but stays on its records, their edit form and the filters', async () => {
    await postForm(admin, BASE, { label: 'Cité éducative', code: 'cite_educative' });
    const organization = await buildOrganization(harness.db, { name: 'Cité éducative de Grigny', kindCode: 'cite_educative', unitCodes: ['DDPSI'] });

    const deactivated = await postForm(admin, `${BASE}/cite_educative/desactiver`, {});
    expect(deactivated.status).toBe(303);
    expect((await admin.get(BASE)).text).toContain('Le type « Cité éducative » est désactivé');

    const creation = await charge.get('/structures/nouveau');
    expect(creation.status).toBe(200);
    expect(creation.text).not.toContain('value="cite_educative"');
    expect(creation.text).toContain('value="universite"');

    const record = await charge.get(`/structures/${organization.id}`);
    expect(record.status).toBe(200);
    expect(record.text).toContain('Cité éducative');

    // The record's own form keeps its kind selected, and saving it unchanged is accepted.
    const edit = await charge.get(`/structures/${organization.id}/modifier`);
    expect(edit.text).toMatch(/<option value="cite_educative" selected>Cité éducative \(inactif\)<\/option>/);
    const resaved = await charge.post(`/structures/${organization.id}/modifier`, { name: 'Cité éducative de Grigny', kindCode: 'cite_educative', status: 'actif', unitIds: [], confirmDuplicates: 'on' });
    expect(resaved.status).toBe(303);

    // No new record may take it.
    await charge.get('/structures/nouveau');
    const refused = await charge.post('/structures/nouveau', { name: 'Cité éducative d’Évry', kindCode: 'cite_educative', status: 'prospect', confirmDuplicates: 'on' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choisissez un type dans la liste.');

    // Filters still offer it and find the record.
    const list = await charge.get('/structures?kind=cite_educative');
    expect(list.text).toContain('value="cite_educative"');
    expect(list.text).toContain('Cité éducative de Grigny');
    expect((await charge.get('/recherche?q=grigny')).text).toContain('value="cite_educative"');

    const reactivated = await postForm(admin, `${BASE}/cite_educative/reactiver`, {});
    expect(reactivated.status).toBe(303);
    expect((await charge.get('/structures/nouveau')).text).toContain('value="cite_educative"');
    expect(await auditActions('cite_educative')).toEqual(['organizationKind.created', 'organizationKind.deactivated', 'organizationKind.reactivated']);
  });

  test('deletes an unused kind, and refuses to delete one in use, in French', async () => {
    await buildOrganization(harness.db, { name: 'CREPS de Vichy', kindCode: 'creps' });
    const list = await admin.get(BASE);
    expect(list.text).not.toContain(`${BASE}/creps/supprimer`);
    const refused = await admin.post(`${BASE}/creps/supprimer`, {});
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Le type « CREPS / centre sportif » est utilisé par 1 structure(s) : il ne peut pas être supprimé. Désactivez-le plutôt.');
    expect(await harness.db.select().from(organizationKinds).where(eq(organizationKinds.code, 'creps'))).toHaveLength(1);

    await postForm(admin, BASE, { label: 'Type éphémère', code: 'ephemere' });
    expect((await admin.get(BASE)).text).toContain(`${BASE}/ephemere/supprimer`);
    const deleted = await admin.post(`${BASE}/ephemere/supprimer`, {});
    expect(deleted.status).toBe(303);
    expect(await harness.db.select().from(organizationKinds).where(eq(organizationKinds.code, 'ephemere'))).toHaveLength(0);
    expect(await auditActions('ephemere')).toEqual(['organizationKind.created', 'organizationKind.deleted']);
  });

  test('is for admins only', async () => {
    expect((await charge.get(BASE)).status).toBe(403);
    expect((await charge.get(`${BASE}/universite`)).status).toBe(403);
    await charge.get('/structures');
    const posted = await charge.post(BASE, { label: 'Type pirate' });
    expect(posted.status).toBe(403);
    expect((await charge.post(`${BASE}/universite/desactiver`, {})).status).toBe(403);
    expect((await charge.post(`${BASE}/entreprise/supprimer`, {})).status).toBe(403);
    const [universite] = await harness.db.select().from(organizationKinds).where(eq(organizationKinds.code, 'universite'));
    expect(universite?.archivedAt).toBeNull();
    expect((await harness.db.select().from(organizationKinds).where(eq(organizationKinds.label, 'Type pirate'))).length).toBe(0);
  });
});
