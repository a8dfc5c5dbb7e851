// Organisations and contacts through HTTP, as the forms send them: validation messages in
// French, keyset pages, the duplicate warning, archive/restore, affiliations with history,
// GDPR export and erasure, and the audit trail of each.
import { eq } from 'drizzle-orm';
import { auditLog, contacts, organizations, recordMerges } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

describe('partner directory', () => {
  let harness: TestApp;
  let charge: TestBrowser;
  let admin: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    const chargeUser = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    const adminUser = await buildUser(harness.db, { roles: ['admin'] });
    charge = new TestBrowser(harness.app);
    await charge.login(chargeUser.email);
    admin = new TestBrowser(harness.app);
    await admin.login(adminUser.email);
  });
  afterAll(() => harness.close());

  /** Opens the form page first, as a person would, so the post carries a current CSRF token. */
  async function postForm(browser: TestBrowser, path: string, form: Record<string, string | string[]>) {
    await browser.get(path);
    return browser.post(path, form);
  }

  test('creating an organisation checks SIRET, UAI and phone, then records it with its units and audit entry', async () => {
    const invalid = await postForm(charge, '/structures/nouveau', {
      name: 'CFA académique de Poitiers',
      kindCode: 'cfa',
      status: 'actif',
      siret: '12345678901234',
      uai: '0861234A',
      phone: '12',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('SIRET');
    expect(invalid.text).toContain('« 12 »');
    // What was typed is kept.
    expect(invalid.text).toContain('value="CFA académique de Poitiers"');

    const created = await postForm(charge, '/structures/nouveau', {
      name: 'CFA académique de Poitiers',
      acronym: 'CFA-AP',
      kindCode: 'cfa',
      status: 'actif',
      siret: '180 000 002 00006',
      phone: '05 49 00 00 00',
      website: 'www.cfa-poitiers.example.fr',
      tags: 'apprentissage, Nouvelle-Aquitaine',
      description: 'Centre de formation d’apprentis.',
    });
    expect(created.status).toBe(303);
    const id = created.headers.location?.split('/').pop() as string;
    const [row] = await harness.db.select().from(organizations).where(eq(organizations.id, id));
    expect(row).toMatchObject({ siret: '18000000200006', siren: '180000002', phone: '+33549000000', tags: ['apprentissage', 'Nouvelle-Aquitaine'] });
    expect(row?.website).toBe('https://www.cfa-poitiers.example.fr');
    const audit = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    expect(audit.map((entry) => entry.action)).toContain('organization.created');

    const page = await charge.get(`/structures/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('CFA académique de Poitiers');
    expect(page.text).toContain('05 49 00 00 00');
    expect(page.text).toContain('Structure créée');
  });

  test('the list filters by kind, status and tag, sorts, and pages with cursors that survive in the URL', async () => {
    for (let index = 0; index < 55; index += 1) {
      await buildOrganization(harness.db, { name: `Lycée numéro ${String(index).padStart(2, '0')}`, kindCode: 'lycee', status: 'actif', tags: ['pagination'] });
    }
    const first = await charge.get('/structures?kind=lycee&tag=pagination&sort=name');
    expect(first.status).toBe(200);
    expect(first.text).toContain('55 résultat(s)');
    expect(first.text).toContain('Lycée numéro 00');
    expect(first.text).not.toContain('Lycée numéro 50');
    const next = /href="([^"]*after[^"]+)"/.exec(first.text)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(next).toBeDefined();
    const second = await charge.get(next as string);
    expect(second.text).toContain('Lycée numéro 50');
    expect(second.text).not.toContain('Lycée numéro 49');
    // The previous page leads back to the first rows.
    const previous = /href="([^"]*before[^"]+)"/.exec(second.text)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect((await charge.get(previous as string)).text).toContain('Lycée numéro 49');
    // Descending order.
    expect((await charge.get('/structures?kind=lycee&tag=pagination&sort=name&dir=desc')).text).toContain('Lycée numéro 54');
    // An htmx filter change returns only the results block.
    const fragment = await charge.get('/structures?kind=lycee', { 'HX-Request': 'true', 'HX-Target': 'organizations-results' });
    expect(fragment.text.startsWith('<div id="organizations-results"')).toBe(true);
    // A malformed filter is ignored rather than failing.
    expect((await charge.get('/structures?status=nimporte&after=%%%')).status).toBe(200);
  });

  test('"without activity for N months" and the CSV export of the same filters', async () => {
    await buildOrganization(harness.db, { name: 'Partenaire endormi', kindCode: 'reseau_association', lastActivityAt: new Date('2023-01-15T10:00:00Z') });
    await buildOrganization(harness.db, { name: 'Partenaire vivant', kindCode: 'reseau_association', lastActivityAt: new Date() });
    const list = await charge.get('/structures?kind=reseau_association&inactive=12');
    expect(list.text).toContain('Partenaire endormi');
    expect(list.text).not.toContain('Partenaire vivant');
    const csv = await charge.get('/structures/export.csv?kind=reseau_association&inactive=12');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    expect(csv.text).toContain('Partenaire endormi');
    expect(csv.text).not.toContain('Partenaire vivant');
    expect(csv.text.split('\r\n')[0]).toContain('Nom;');
  });

  test('archive hides a record from lists; an admin restores it; both are on its timeline', async () => {
    const manager = new TestBrowser(harness.app);
    await manager.login((await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] })).email);
    const org = await buildOrganization(harness.db, { name: 'Structure à archiver', unitCodes: ['DDPSI'] });
    await manager.get(`/structures/${org.id}`);
    expect((await manager.post(`/structures/${org.id}/archiver`, { reason: 'Doublon ancien' })).status).toBe(303);
    expect((await charge.get('/structures?q=archiver')).text).not.toContain('Structure à archiver');
    // Readers no longer find it; admins see it in the archived filter and restore it.
    expect((await charge.get(`/structures/${org.id}`)).status).toBe(404);
    expect((await admin.get('/structures?archived=1&q=archiver')).text).toContain('Structure à archiver');
    await admin.get(`/structures/${org.id}`);
    expect((await admin.post(`/structures/${org.id}/restaurer`)).status).toBe(303);
    const page = await charge.get(`/structures/${org.id}`);
    expect(page.text).toContain('Structure archivée');
    expect(page.text).toContain('Structure restaurée');
  });

  test('a contact keeps past positions when they change organisation', async () => {
    const first = await buildOrganization(harness.db, { name: 'Université Lumière Lyon 2', kindCode: 'universite', unitCodes: ['DDPSI'] });
    const second = await buildOrganization(harness.db, { name: 'Réseau Canopé', kindCode: 'institution_publique', unitCodes: ['DDPSI'] });
    await charge.get(`/contacts/nouveau?organizationId=${first.id}`);
    const created = await charge.post('/contacts/nouveau', {
      civility: 'Mme',
      firstName: 'Hélène',
      lastName: 'Fictive',
      jobTitle: 'Chargée de mission numérique',
      emails: 'helene.fictive@univ-exemple.fr\nh.fictive@exemple.org',
      phones: '06 12 34 56 78',
      legalBasis: 'interet_legitime',
      source: 'salon',
      organizationId: first.id,
      role: 'Chargée de mission',
      startDate: '2024-09-01',
      unitIds: [],
    });
    expect(created.status).toBe(303);
    const contactId = created.headers.location?.split('/').pop() as string;
    const [contact] = await harness.db.select().from(contacts).where(eq(contacts.id, contactId));
    expect(contact?.phones).toEqual(['+33612345678']);
    expect(contact?.emails).toEqual(['helene.fictive@univ-exemple.fr', 'h.fictive@exemple.org']);

    // She leaves Lyon 2 and joins Canopé.
    const detail = await charge.get(`/contacts/${contactId}`);
    const affiliationId = /rattachements\/([0-9a-f-]{36})\/fin/.exec(detail.text)?.[1] as string;
    expect((await charge.post(`/contacts/${contactId}/rattachements/${affiliationId}/fin`, { endDate: '2026-06-30' })).status).toBe(303);
    await charge.get(`/contacts/${contactId}`);
    expect((await charge.post(`/contacts/${contactId}/rattachements`, { organizationId: second.id, role: 'Responsable partenariats', startDate: '2026-07-01', isPrimary: 'on' })).status).toBe(303);

    const after = await charge.get(`/contacts/${contactId}`);
    expect(after.text).toContain('Parcours (anciens rattachements)');
    expect(after.text).toMatch(/Université Lumière Lyon 2[\s\S]*30\/06\/2026/);
    // The organisation's page lists her among past contacts, and its timeline shows the change.
    const lyon = await charge.get(`/structures/${first.id}`);
    expect(lyon.text).toContain('Anciens contacts');
    expect(lyon.text).toContain('Rattachement terminé');
    // A consent basis needs its date.
    await charge.get(`/contacts/${contactId}/modifier`);
    const missingConsent = await charge.post(`/contacts/${contactId}/modifier`, { lastName: 'Fictive', legalBasis: 'consentement', emails: '', phones: '' });
    expect(missingConsent.status).toBe(422);
    expect(missingConsent.text).toContain('Indiquez la date du consentement.');
  });

  test('GDPR: export everything held on a person, then erase them (admin) keeping counts and history', async () => {
    const org = await buildOrganization(harness.db, { name: 'CREPS de Toulouse', kindCode: 'creps' });
    const person = await buildContact(harness.db, {
      firstName: 'Jean',
      lastName: 'Exemple',
      emails: ['jean.exemple@creps.example.fr'],
      phones: ['+33561000000'],
      notes: 'Rencontré au salon EdTech',
      organizationId: org.id,
      role: 'Directeur adjoint',
    });
    // The access export answers the person's request: an admin (or the DPO) runs it, not a chargé.
    expect((await charge.get(`/contacts/${person.id}/donnees-personnelles?format=json`)).status).toBe(403);
    const json = await admin.get(`/contacts/${person.id}/donnees-personnelles?format=json`);
    expect(json.headers['content-disposition']).toContain('attachment');
    const exported = JSON.parse(json.text) as { person: Record<string, unknown>; affiliations: Array<Record<string, unknown>> };
    expect(exported.person).toMatchObject({ firstName: 'Jean', lastName: 'Exemple', emails: ['jean.exemple@creps.example.fr'], notes: 'Rencontré au salon EdTech' });
    expect(exported.affiliations[0]).toMatchObject({ organization: 'CREPS de Toulouse', role: 'Directeur adjoint' });
    expect((await admin.get(`/contacts/${person.id}/donnees-personnelles`)).text).toContain('jean.exemple@creps.example.fr');

    // A duplicate record of the same person, merged into it: the merge keeps snapshots of both.
    const duplicate = await buildContact(harness.db, { firstName: 'Jean', lastName: 'Exemple', emails: ['j.exemple@perso.example.fr'], phones: ['+33600000099'] });
    expect((await postForm(admin, `/doublons/contacts/${person.id}/${duplicate.id}`, {})).status).toBe(303);
    const [mergeBefore] = await harness.db.select().from(recordMerges).where(eq(recordMerges.keptId, person.id));
    expect(JSON.stringify(mergeBefore)).toContain('jean.exemple@creps.example.fr');

    await admin.get(`/contacts/${person.id}/effacer`);
    const noReason = await admin.post(`/contacts/${person.id}/effacer`, { reason: '' });
    expect(noReason.status).toBe(422);
    expect((await admin.post(`/contacts/${person.id}/effacer`, { reason: 'Demande de la personne du 20/11/2026' })).status).toBe(303);
    const [erased] = await harness.db.select().from(contacts).where(eq(contacts.id, person.id));
    expect(erased).toMatchObject({ firstName: '', emails: [], phones: [], notes: null, erasureReason: 'Demande de la personne du 20/11/2026' });
    expect(erased?.erasedAt).toBeInstanceOf(Date);
    // The organisation still counts the (anonymous) person; the journal keeps who erased and why.
    const orgPage = await charge.get(`/structures/${org.id}`);
    expect(orgPage.text).not.toContain('Exemple');
    const entries = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, person.id));
    const erasure = entries.find((entry) => entry.action === 'contact.erased');
    expect(erasure?.metadata).toMatchObject({ reason: 'Demande de la personne du 20/11/2026' });
    expect(JSON.stringify(entries.map((entry) => entry.changes))).not.toContain('jean.exemple');
    // The merge snapshots no longer hold the person's name, e-mails or phones; ids stay.
    const [merge] = await harness.db.select().from(recordMerges).where(eq(recordMerges.id, mergeBefore!.id));
    expect(merge).toMatchObject({ keptId: person.id, mergedId: duplicate.id });
    for (const snapshot of [merge?.keptBefore, merge?.mergedBefore]) {
      expect(snapshot).toMatchObject({ firstName: '', lastName: 'Personne effacée', emails: [], phones: [], notes: null });
      expect(JSON.stringify(snapshot)).not.toMatch(/exemple|Jean|\+336/);
    }
    // The duplicate merged into the person is the same person: erased too.
    const [duplicateAfter] = await harness.db.select().from(contacts).where(eq(contacts.id, duplicate.id));
    expect(duplicateAfter).toMatchObject({ firstName: '', emails: [], phones: [], mergedIntoId: person.id });
    expect(duplicateAfter?.erasedAt).toBeInstanceOf(Date);
  });

  test('the "to review" list shows contacts without activity for three years', async () => {
    await buildContact(harness.db, { firstName: 'Ancien', lastName: 'Prospect', lastActivityAt: new Date('2022-05-01T00:00:00Z') });
    await buildContact(harness.db, { firstName: 'Récent', lastName: 'Prospect', lastActivityAt: new Date() });
    const page = await charge.get('/contacts/a-revoir');
    expect(page.text).toContain('Ancien');
    expect(page.text).not.toContain('Récent');
  });

  test('vCard and XLSX exports of contacts', async () => {
    await buildContact(harness.db, { firstName: 'Zoé', lastName: 'Vcard', emails: ['zoe@exemple.fr'], phones: ['+33612345678'] });
    const vcf = await charge.get('/contacts/export.vcf?q=vcard');
    expect(vcf.headers['content-type']).toContain('text/vcard');
    expect(vcf.text).toContain('BEGIN:VCARD');
    expect(vcf.text).toContain('FN:Zoé Vcard');
    const xlsx = await charge.agent.get('/contacts/export.xlsx?q=vcard').buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(xlsx.status).toBe(200);
    expect((xlsx.body as Buffer).subarray(0, 2).toString()).toBe('PK');
  });
});
