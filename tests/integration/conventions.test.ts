import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { addDays } from '../../src/lib/convention-dates';
import { isoDateInParis } from '../../src/lib/format';
import { createConvention } from '../../src/services/conventions.service';
import { auditLog, conventionParties, conventions, type User } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');
const EXE = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00', 'latin1'), Buffer.alloc(200)]);

describe('conventions', () => {
  let harness: TestApp;
  let dataDir: string;
  let charge: User;
  let chargeBrowser: TestBrowser;
  let universite: { id: string; name: string };
  let entreprise: { id: string; name: string };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-conventions-'));
    harness = await startTestApp({ env: { DATA_DIR: dataDir, CONVENTION_DOCUMENT_MAX_MB: '1' } });
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    chargeBrowser = await signedIn(charge);
    universite = await buildOrganization(harness.db, { name: 'Université de Lille', kindCode: 'universite', unitCodes: ['DDPSI'] });
    entreprise = await buildOrganization(harness.db, { name: 'Logis Hôtels', unitCodes: ['DDPSI'] });
  });
  afterAll(async () => {
    await harness.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedIn(user: User): Promise<TestBrowser> {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    // Signing in renews the session and its CSRF token: read a page to pick up the new one.
    await browser.get('/conventions');
    return browser;
  }

  function form(overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
    return {
      title: 'Partenariat formation hôtellerie',
      kind: 'partenariat',
      moneyDirection: 'sans_flux',
      addPartyIds: [universite.id, entreprise.id],
      ...overrides,
    };
  }

  async function create(browser: TestBrowser, overrides: Record<string, string | string[]> = {}) {
    const response = await browser.post('/conventions/nouvelle', form(overrides));
    expect(response.status).toBe(303);
    const id = String(response.headers.location).split('/').pop() as string;
    // Follow the redirect like a browser (and consume the flash message).
    await browser.get(String(response.headers.location));
    const [row] = await harness.db.select().from(conventions).where(eq(conventions.id, id));
    if (!row) throw new Error('convention not found');
    return row;
  }

  async function upload(browser: TestBrowser, id: string, content: Buffer, fileName: string, fields: Record<string, string> = {}) {
    let request = browser.agent.post(`/conventions/${id}/documents`).field('_csrf', browser.csrfToken);
    for (const [name, value] of Object.entries(fields)) request = request.field(name, value);
    return request.attach('file', content, fileName);
  }

  it('creates a convention with two parties, a reference, a notice deadline and a journal entry', async () => {
    const signatory = await buildContact(harness.db, { organizationId: universite.id, firstName: 'Régis', lastName: 'Bordet' });
    const convention = await create(chargeBrowser, {
      endsOn: '2027-08-31',
      startsOn: '2024-09-01',
      noticeMonths: '6',
      moneyDirection: 'recette',
      amount: '12 500,50',
      'payments[0][dueOn]': '2026-01-15',
      'payments[0][amount]': '6 250',
      clauseGdpr: 'on',
    });
    expect(convention.reference).toMatch(/^CONV-\d{4}-\d{4}$/);
    expect(convention.noticeDeadline).toBe('2027-02-28');
    expect(convention.amountCents).toBe(1_250_050);
    expect(convention.clauseGdpr).toBe(true);
    expect(convention.status).toBe('brouillon');
    const parties = await harness.db.select().from(conventionParties).where(eq(conventionParties.conventionId, convention.id));
    expect(parties.map((party) => party.organizationId).sort()).toEqual([universite.id, entreprise.id].sort());

    // The edit form offers the party's contacts as signatories.
    const edit = await chargeBrowser.get(`/conventions/${convention.id}/modifier`);
    expect(edit.status).toBe(200);
    expect(edit.text).toContain('Régis Bordet');
    const saved = await chargeBrowser.post(`/conventions/${convention.id}/modifier`, {
      ...form({ endsOn: '2027-08-31', noticeMonths: '6', moneyDirection: 'recette', amount: '12500' }),
      addPartyIds: [],
      'parties[0][organizationId]': universite.id,
      'parties[0][signatoryContactId]': signatory.id,
      'parties[0][role]': 'Établissement porteur',
      'parties[1][organizationId]': entreprise.id,
    });
    expect(saved.status).toBe(303);

    const page = await chargeBrowser.get(`/conventions/${convention.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(convention.reference);
    expect(page.text).toContain('Établissement porteur');
    expect(page.text).toContain('28/02/2027');
    expect(page.text).toContain('Convention créée');
    expect(page.text).toContain('Université de Lille (Établissement porteur)');
    const organizationPage = await chargeBrowser.get(`/structures/${universite.id}`);
    expect(organizationPage.text).toContain(convention.reference);
  });

  it('picks parties without JavaScript: search, tick, add, then save', async () => {
    const searched = await chargeBrowser.post('/conventions/nouvelle', { title: 'Sans JavaScript', kind: 'partenariat', _action: 'searchParties', partyQuery: 'Lille' });
    expect(searched.status).toBe(200);
    expect(searched.text).toContain(`name="addPartyIds" value="${universite.id}"`);
    expect(searched.text).toContain('value="Sans JavaScript"');
    const added = await chargeBrowser.post('/conventions/nouvelle', { title: 'Sans JavaScript', kind: 'partenariat', _action: 'addParties', addPartyIds: [universite.id] });
    expect(added.status).toBe(200);
    expect(added.text).toContain(`name="parties[0][organizationId]" value="${universite.id}"`);
    const fragment = await chargeBrowser.get('/conventions/choix-parties?partyQuery=Logis', { 'HX-Request': 'true' });
    expect(fragment.text).toContain(`value="${entreprise.id}"`);
  });

  it('accepts a DOCX and an ODT recognised by their content', async () => {
    const convention = await create(chargeBrowser);
    const entry = (name: string, data: string) => {
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt32LE(data.length, 18);
      header.writeUInt32LE(data.length, 22);
      header.writeUInt16LE(name.length, 26);
      return Buffer.concat([header, Buffer.from(name), Buffer.from(data)]);
    };
    const docx = Buffer.concat([entry('[Content_Types].xml', '<Types/>'), entry('word/document.xml', '<w:document/>')]);
    const odt = Buffer.concat([entry('mimetype', 'application/vnd.oasis.opendocument.text'), entry('content.xml', '<office/>')]);
    expect((await upload(chargeBrowser, convention.id, docx, 'projet')).status).toBe(303);
    expect((await upload(chargeBrowser, convention.id, odt, 'projet-v2.odt.pdf')).status).toBe(303);
    const page = await chargeBrowser.get(`/conventions/${convention.id}`);
    expect(page.text).toContain('projet.docx');
    expect(page.text).toContain('projet-v2.odt.odt');
  });

  it('explains validation errors in French', async () => {
    // Field formats first…
    const malformed = await chargeBrowser.post('/conventions/nouvelle', { title: '', kind: 'partenariat', endsOn: '31/12/2026', amount: 'beaucoup' });
    expect(malformed.status).toBe(422);
    expect(malformed.text).toContain('Montant invalide');
    expect(malformed.text).toContain('Date invalide');
    expect(malformed.text).toMatch(/id="field-title-error" class="fr-error-text">[^<]+</);
    // …then the rules between fields.
    const response = await chargeBrowser.post('/conventions/nouvelle', { title: 'Sans parties', kind: 'avenant', startsOn: '2026-05-01', endsOn: '2026-01-01', moneyDirection: 'depense' });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Ajoutez au moins une structure partie.');
    expect(response.text).toContain('La date de fin précède la prise d’effet.');
    expect(response.text).toContain('Un avenant se rattache à la convention qu’il modifie.');
    expect(response.text).toContain('Indiquez le montant');
    expect(response.text).toContain('value="Sans parties"');
  });

  it('never gives a reference number twice, even after a deletion', async () => {
    const first = await create(chargeBrowser);
    const deleted = await chargeBrowser.post(`/conventions/${first.id}/supprimer`);
    expect(deleted.status).toBe(303);
    const second = await create(chargeBrowser);
    const number = (reference: string) => Number(reference.split('-')[2]);
    expect(number(second.reference)).toBe(number(first.reference) + 1);
    const [gone] = await harness.db.select().from(conventions).where(eq(conventions.id, first.id));
    expect(gone).toBeUndefined();
  });

  it('gives distinct consecutive numbers to conventions created at the same time', async () => {
    const ctx = await harness.context(charge);
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, index) => createConvention(ctx, { title: `Simultanée ${index}`, kind: 'partenariat', addPartyIds: [universite.id] })),
    );
    const numbers = created.map((convention) => Number(convention.reference.split('-')[2])).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(6);
    expect((numbers[5] as number) - (numbers[0] as number)).toBe(5);
  });

  it('accepts a PDF checked by content, refuses a renamed executable or a fake PDF, and audits a download served as an attachment', async () => {
    const convention = await create(chargeBrowser);
    const accepted = await upload(chargeBrowser, convention.id, PDF, 'Convention signée.pdf', { kind: 'signee' });
    expect(accepted.status).toBe(303);
    const exe = await upload(chargeBrowser, convention.id, EXE, 'convention.pdf');
    expect(exe.status).toBe(422);
    expect(exe.text).toContain('n’est ni un PDF');
    const renamed = await upload(chargeBrowser, convention.id, EXE, 'setup.exe');
    expect(renamed.status).toBe(422);
    const fake = await upload(chargeBrowser, convention.id, Buffer.from('Ceci n’est pas un PDF'), 'faux.pdf');
    expect(fake.status).toBe(422);
    const withoutToken = await chargeBrowser.agent.post(`/conventions/${convention.id}/documents`).attach('file', PDF, 'a.pdf');
    expect(withoutToken.status).toBe(403);

    const page = await chargeBrowser.get(`/conventions/${convention.id}`);
    const link = /href="(\/conventions\/[^"]+\/versions\/1)"/.exec(page.text)?.[1];
    expect(link).toBeDefined();
    // A second version of the same slot.
    const documentId = String(link).split('/')[4] as string;
    expect((await upload(chargeBrowser, convention.id, PDF, 'v2.pdf', { documentId })).status).toBe(303);
    expect((await chargeBrowser.get(`/conventions/${convention.id}`)).text).toContain('Version 2');

    const download = await chargeBrowser.agent.get(String(link)).buffer(true).parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    });
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename=/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(Buffer.compare(download.body as Buffer, PDF)).toBe(0);
    const entries = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, convention.id), eq(auditLog.entityType, 'convention')));
    const actions = entries.map((entry) => entry.action);
    expect(actions.filter((action) => action === 'convention.documentUploaded')).toHaveLength(2);
    expect(actions).toContain('convention.documentDownloaded');
    // Stored outside the web root, under DATA_DIR/documents.
    expect(fs.readdirSync(path.join(dataDir, 'documents')).length).toBeGreaterThan(0);

    const lecteur = await signedIn(await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] }));
    expect((await lecteur.get(String(link))).status).toBe(403);
    const juriste = await signedIn(await buildUser(harness.db, { roles: ['juriste'] }));
    expect((await juriste.get(String(link))).status).toBe(200);
  });

  it('lets a lecteur read but not edit, and a chargé of another unit neither edit nor upload', async () => {
    const convention = await create(chargeBrowser);
    const lecteur = await signedIn(await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] }));
    expect((await lecteur.get(`/conventions/${convention.id}`)).status).toBe(200);
    expect((await lecteur.get(`/conventions/${convention.id}/modifier`)).status).toBe(403);
    expect((await lecteur.post(`/conventions/${convention.id}/modifier`, form())).status).toBe(403);
    expect((await lecteur.post('/conventions/nouvelle', form())).status).toBe(403);

    const other = await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] }));
    expect((await other.get(`/conventions/${convention.id}`)).status).toBe(200);
    expect((await other.get(`/conventions/${convention.id}/modifier`)).status).toBe(403);
    expect((await other.post(`/conventions/${convention.id}/modifier`, form({ title: 'Détournée' }))).status).toBe(403);
    expect((await upload(other, convention.id, PDF, 'x.pdf')).status).toBe(403);
    expect((await other.post(`/conventions/${convention.id}/statut`, { status: 'signee' })).status).toBe(403);
    const [unchanged] = await harness.db.select().from(conventions).where(eq(conventions.id, convention.id));
    expect(unchanged?.title).toBe(convention.title);
  });

  it('renews with an avenant pre-filled from the parent, whose signature extends the parent', async () => {
    const parent = await create(chargeBrowser, { startsOn: '2024-01-01', endsOn: '2026-12-31', noticeMonths: '3', clauseCommunication: 'on' });
    const prefilled = await chargeBrowser.get(`/conventions/${parent.id}/renouveler`);
    expect(prefilled.status).toBe(200);
    expect(prefilled.text).toContain('value="2027-01-01"');
    expect(prefilled.text).toContain('value="2029-12-31"');
    expect(prefilled.text).toContain('Avenant de renouvellement');
    const avenant = await create(chargeBrowser, {
      title: 'Avenant de renouvellement',
      kind: 'avenant',
      isRenewal: 'on',
      parentId: parent.id,
      startsOn: '2027-01-01',
      endsOn: '2029-12-31',
      addPartyIds: [],
      'parties[0][organizationId]': universite.id,
    });
    expect(avenant.parentId).toBe(parent.id);
    expect(avenant.isRenewal).toBe(true);
    expect((await chargeBrowser.post(`/conventions/${avenant.id}/statut`, { status: 'signee' })).status).toBe(303);
    const [extended] = await harness.db.select().from(conventions).where(eq(conventions.id, parent.id));
    expect(extended?.endsOn).toBe('2029-12-31');
    expect(extended?.noticeDeadline).toBe('2029-09-30');
    expect(extended?.status).toBe('renouvelee');
    const page = await chargeBrowser.get(`/conventions/${parent.id}`);
    expect(page.text).toContain(avenant.reference);
    expect(page.text).toContain('Prolongée par un avenant de renouvellement');
  });

  it('creates a convention under a convention-cadre, pre-filled with its kind, clauses and parties', async () => {
    const cadre = await create(chargeBrowser, { title: 'Convention-cadre CREPS', kind: 'cadre', clauseIntellectualProperty: 'on', clauseCommunication: 'on' });
    const prefilled = await chargeBrowser.get(`/conventions/nouvelle?cadre=${cadre.id}`);
    expect(prefilled.status).toBe(200);
    expect(prefilled.text).toContain(`name="parentId" value="${cadre.id}"`);
    expect(prefilled.text).toMatch(/<option value="application" selected>/);
    expect(prefilled.text).toMatch(/id="field-clauseIntellectualProperty" name="clauseIntellectualProperty" value="on" checked/);
    expect(prefilled.text).toContain('Logis Hôtels');
    // The parent may also be typed as its reference.
    const application = await create(chargeBrowser, { title: 'Convention CREPS de Vichy', kind: 'application', parentId: cadre.reference.toLowerCase() });
    expect(application.parentId).toBe(cadre.id);
    const notUnderCadre = await chargeBrowser.post('/conventions/nouvelle', form({ kind: 'application', parentId: application.reference }));
    expect(notUnderCadre.status).toBe(422);
    expect(notUnderCadre.text).toContain('Une convention d’application se rattache à une convention-cadre.');
    expect((await chargeBrowser.get(`/conventions/${cadre.id}`)).text).toContain(application.reference);
  });

  it('is terminated by a manager with a date and a reason, not by a chargé', async () => {
    const convention = await create(chargeBrowser, { endsOn: '2027-12-31' });
    await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: 'en_vigueur' });
    expect((await chargeBrowser.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '2026-06-30', reason: 'Fin du programme' })).status).toBe(403);
    const manager = await signedIn(await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] }));
    expect((await manager.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '', reason: '' })).status).toBe(422);
    expect((await manager.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '2026-06-30', reason: 'Fin du programme' })).status).toBe(303);
    const [terminated] = await harness.db.select().from(conventions).where(eq(conventions.id, convention.id));
    expect(terminated).toMatchObject({ status: 'resiliee', terminatedOn: '2026-06-30', terminationReason: 'Fin du programme' });
  });

  it('lists conventions expiring within 30, 90 or 180 days, on the end date or the notice deadline', async () => {
    const today = isoDateInParis(new Date());
    const soon = await create(chargeBrowser, { title: 'Échéance proche', endsOn: addDays(today, 20) });
    const later = await create(chargeBrowser, { title: 'Échéance lointaine', endsOn: addDays(today, 120), noticeMonths: '3' });
    const within30 = await chargeBrowser.get('/conventions?expiring=30');
    expect(within30.text).toContain(soon.reference);
    expect(within30.text).not.toContain(later.reference);
    const within180 = await chargeBrowser.get('/conventions?expiring=180');
    expect(within180.text).toContain(later.reference);
    const noticeWithin90 = await chargeBrowser.get('/conventions?expiring=90&on=preavis');
    expect(noticeWithin90.text).toContain(later.reference);
    expect(noticeWithin90.text).not.toContain(soon.reference);
    const fragment = await chargeBrowser.get('/conventions?expiring=30', { 'HX-Request': 'true', 'HX-Target': 'conventions-results' });
    expect(fragment.text).toContain('id="conventions-results"');
    expect(fragment.text).not.toContain('<html');
    const csv = await chargeBrowser.get('/conventions/export.csv?expiring=30');
    expect(csv.headers['content-disposition']).toContain('attachment');
    expect(csv.text).toContain(soon.reference);
  });
});
