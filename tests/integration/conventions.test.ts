import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { addDays } from '../../src/lib/convention-dates';
import { isoDateInParis } from '../../src/lib/format';
import { createConvention } from '../../src/services/conventions.service';
import { auditLog, conventionParties, conventions, type Convention, type User } from '../../src/models/schema';
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

  /** Where the approval circuit or an admin's record of a signed text would have put it. */
  async function setStatus(id: string, status: Convention['status']) {
    await harness.db.update(conventions).set({ status }).where(eq(conventions.id, id));
  }

  it('renews with an avenant pre-filled from the parent, whose signature extends the parent', async () => {
    const parent = await create(chargeBrowser, { startsOn: '2024-01-01', endsOn: '2026-12-31', noticeMonths: '3', clauseCommunication: 'on' });
    // A draft is not renewed: it has not been signed.
    expect((await chargeBrowser.get(`/conventions/${parent.id}/renouveler`)).status).toBe(409);
    await setStatus(parent.id, 'en_vigueur');
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
    // The chargé cannot sign it through the status form; the signed text uploaded « à signer » does.
    expect((await chargeBrowser.post(`/conventions/${avenant.id}/statut`, { status: 'signee' })).status).toBe(422);
    await setStatus(avenant.id, 'a_signer');
    expect((await upload(chargeBrowser, avenant.id, PDF, 'Avenant signé.pdf', { kind: 'signee' })).status).toBe(303);
    const [signed] = await harness.db.select().from(conventions).where(eq(conventions.id, avenant.id));
    // Signed; in force on its start date (the calendar job moves it then).
    expect(signed?.status).toBe('signee');
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
    await setStatus(convention.id, 'en_vigueur');
    expect((await chargeBrowser.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '2026-06-30', reason: 'Fin du programme' })).status).toBe(403);
    const manager = await signedIn(await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] }));
    expect((await manager.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '', reason: '' })).status).toBe(422);
    expect((await manager.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '2026-06-30', reason: 'Fin du programme' })).status).toBe(303);
    const [terminated] = await harness.db.select().from(conventions).where(eq(conventions.id, convention.id));
    expect(terminated).toMatchObject({ status: 'resiliee', terminatedOn: '2026-06-30', terminationReason: 'Fin du programme' });
  });

  it('moves statuses only along the transition table: a chargé cannot skip the circuit, by the form or a direct post', async () => {
    const convention = await create(chargeBrowser, { endsOn: '2027-12-31' });
    const status = async () => (await harness.db.select().from(conventions).where(eq(conventions.id, convention.id)))[0]?.status;
    // In review: no status form, and a direct post is refused (409), whatever the target.
    await setStatus(convention.id, 'en_revue');
    const inReview = await chargeBrowser.get(`/conventions/${convention.id}`);
    expect(inReview.text).not.toContain('id="status-form"');
    for (const target of ['signee', 'en_vigueur', 'a_signer', 'brouillon']) {
      const refused = await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: target });
      expect(refused.status).toBe(409);
      expect(refused.text).toContain('Un circuit de validation est en cours');
    }
    expect(await status()).toBe('en_revue');

    // A draft: the chargé is offered nothing, and « signée » posted directly is a 422 in French.
    await setStatus(convention.id, 'brouillon');
    expect((await chargeBrowser.get(`/conventions/${convention.id}`)).text).not.toContain('id="status-form"');
    const notYours = await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: 'signee' });
    expect(notYours.status).toBe(422);
    expect(notYours.text).toContain('Vous ne pouvez pas faire passer cette convention de « Brouillon » à « Signée ».');
    expect((await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: 'echue' })).status).toBe(422);
    expect((await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: 'inconnu' })).status).toBe(422);
    expect(await status()).toBe('brouillon');

    // « À signer »: the chargé may take it back to draft, and only that.
    await setStatus(convention.id, 'a_signer');
    const toSign = await chargeBrowser.get(`/conventions/${convention.id}`);
    const offered = [...(toSign.text.match(/<select[^>]*name="status"[^>]*>([\s\S]*?)<\/select>/)?.[1] ?? '').matchAll(/<option value="([^"]+)"/g)].map((match) => match[1]);
    expect(offered).toEqual(['brouillon']);
    expect((await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: 'en_vigueur' })).status).toBe(422);
    // A reason too long: the message next to it, and what was typed and chosen kept.
    const tooLong = await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: 'brouillon', reason: `Trop long ${'x'.repeat(1100)}` });
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toMatch(/id="field-reason-error"/);
    expect(tooLong.text).toContain(`Trop long ${'x'.repeat(50)}`);
    expect(tooLong.text).toMatch(/<option value="brouillon" selected>/);
    expect(await status()).toBe('a_signer');
    expect((await chargeBrowser.post(`/conventions/${convention.id}/statut`, { status: 'brouillon', reason: 'Le partenaire demande une autre version' })).status).toBe(303);
    expect(await status()).toBe('brouillon');

    // An admin records a convention signed outside Passerelle; the move is journaled with its reason.
    const admin = await signedIn(await buildUser(harness.db, { roles: ['admin'] }));
    const adminPage = await admin.get(`/conventions/${convention.id}`);
    expect(adminPage.text).toContain('id="status-form"');
    expect((await admin.post(`/conventions/${convention.id}/statut`, { status: 'en_vigueur', reason: 'Signée sur papier en 2025' })).status).toBe(303);
    expect(await status()).toBe('en_vigueur');
    const moves = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, convention.id), eq(auditLog.action, 'convention.statusChanged'))).orderBy(auditLog.id);
    expect(moves.map((move) => move.changes.status)).toEqual([
      { before: 'a_signer', after: 'brouillon' },
      { before: 'brouillon', after: 'en_vigueur' },
    ]);
    const entry = moves[1];
    expect(entry?.metadata).toMatchObject({ reason: 'Signée sur papier en 2025' });
  });

  it('does not terminate a draft or a convention under review (409)', async () => {
    const convention = await create(chargeBrowser);
    const manager = await signedIn(await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] }));
    expect((await manager.get(`/conventions/${convention.id}`)).text).not.toContain('id="terminate-form"');
    expect((await manager.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '2026-06-30', reason: 'Abandon' })).status).toBe(409);
    await setStatus(convention.id, 'en_revue');
    expect((await manager.post(`/conventions/${convention.id}/resilier`, { terminatedOn: '2026-06-30', reason: 'Abandon' })).status).toBe(409);
    const [unchanged] = await harness.db.select().from(conventions).where(eq(conventions.id, convention.id));
    expect(unchanged?.status).toBe('en_revue');
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

  it('suggests parent conventions by reference, title or party name, accents ignored, only those the kind may attach to', async () => {
    const federation = await buildOrganization(harness.db, { name: 'Fédération française d’escrime', unitCodes: ['DDPSI'] });
    const cadre = await create(chargeBrowser, { title: 'Convention-cadre CRÉPS Vichy escrime', kind: 'cadre', addPartyIds: [federation.id] });
    const partenariat = await create(chargeBrowser, { title: 'Partenariat escrime handisport', addPartyIds: [federation.id] });
    const avenant = await create(chargeBrowser, { title: 'Avenant escrime n° 1', kind: 'avenant', parentId: partenariat.reference, addPartyIds: [federation.id] });
    const suggest = (browser: TestBrowser, query: Record<string, string>) => browser.get(`/conventions/choix-parent?${new URLSearchParams(query).toString()}`, { 'HX-Request': 'true' });

    // An avenant attaches to any convention but an avenant; found by a party's name without its accents.
    const forAvenant = await suggest(chargeBrowser, { parentId: 'federation ESCRIME', kind: 'avenant' });
    expect(forAvenant.status).toBe(200);
    expect(forAvenant.text).toContain('conventions correspondent');
    expect(forAvenant.text).toContain(cadre.reference);
    expect(forAvenant.text).toContain(partenariat.reference);
    expect(forAvenant.text).not.toContain(avenant.reference);
    expect(forAvenant.text).not.toContain('<html');
    // A convention d'application only to a convention-cadre; found by its title without accents, or its reference.
    const forApplication = await suggest(chargeBrowser, { parentId: 'creps vichy', kind: 'application' });
    expect(forApplication.text).toContain(cadre.reference);
    expect(forApplication.text).not.toContain(partenariat.reference);
    expect((await suggest(chargeBrowser, { parentId: cadre.reference.toLowerCase(), kind: 'application' })).text).toContain(`hx-get="/conventions/choix-parent/${cadre.id}"`);
    expect((await suggest(chargeBrowser, { parentId: 'handisport', kind: 'application' })).text).toContain('Aucune convention ne correspond');
    // Other kinds have no parent; the convention being edited is never its own parent.
    expect((await suggest(chargeBrowser, { parentId: 'escrime', kind: 'partenariat' })).text).toContain('Choisissez d’abord le type');
    expect((await suggest(chargeBrowser, { parentId: 'escrime', kind: 'avenant', sauf: cadre.id })).text).not.toContain(cadre.reference);

    // Choosing one gives the field back, filled with the reference that is saved.
    const chosen = await chargeBrowser.get(`/conventions/choix-parent/${cadre.id}`, { 'HX-Request': 'true' });
    expect(chosen.text).toContain(`name="parentId" value="${cadre.reference}"`);
    expect(chosen.text).toContain('Convention parente choisie');
    expect((await chargeBrowser.get('/conventions/choix-parent/pas-un-id', { 'HX-Request': 'true' })).status).toBe(404);

    // Without JavaScript the typed reference is what is saved: a wrong one comes back with its message.
    const unknown = await chargeBrowser.post('/conventions/nouvelle', form({ title: 'Avenant sans parent', kind: 'avenant', parentId: 'CONV-1999-9999' }));
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('La convention parente n’existe pas.');
    expect(unknown.text).toMatch(/name="parentId" value="CONV-1999-9999"[^>]*aria-invalid="true"/);
    expect(unknown.text).toContain('id="parent-suggestions"');

    // The form offers the picker; every signed-in role reads conventions, nobody else gets suggestions.
    expect((await chargeBrowser.get('/conventions/nouvelle')).text).toContain('hx-get="/conventions/choix-parent"');
    const lecteur = await signedIn(await buildUser(harness.db, { roles: ['lecteur'] }));
    expect((await suggest(lecteur, { parentId: 'escrime', kind: 'avenant' })).text).toContain(cadre.reference);
    const anonymous = await new TestBrowser(harness.app).get('/conventions/choix-parent?parentId=escrime&kind=avenant', { 'HX-Request': 'true' });
    expect(anonymous.text ?? '').not.toContain(cadre.reference);
    expect([302, 303, 401]).toContain(anonymous.status);
  });
});
