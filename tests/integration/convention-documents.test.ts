// Confidential convention documents (docs/conventions.md, « Documents confidentiels »): listed and
// downloadable only by the convention's unit members (and its responsable), juristes, finance and
// admins; everyone else neither sees them nor downloads them (404), and the history does not name them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { conventionDocuments, conventions, type User } from '../../src/models/schema';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');

describe('confidential convention documents', () => {
  let harness: TestApp;
  let dataDir: string;
  let chargeBrowser: TestBrowser;
  let partner: { id: string };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-documents-'));
    harness = await startTestApp({ env: { DATA_DIR: dataDir } });
    chargeBrowser = await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] }));
    partner = await buildOrganization(harness.db, { name: 'Université de Rennes', unitCodes: ['DDPSI'] });
  });
  afterAll(async () => {
    await harness.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedIn(user: User): Promise<TestBrowser> {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/conventions');
    return browser;
  }

  function upload(browser: TestBrowser, id: string, fileName: string, fields: Record<string, string>) {
    let request = browser.agent.post(`/conventions/${id}/documents`).field('_csrf', browser.csrfToken);
    for (const [name, value] of Object.entries(fields)) request = request.field(name, value);
    return request.attach('file', PDF, fileName);
  }

  it('shows and serves a confidential document to the unit, juristes, finance and admins only', async () => {
    const created = await chargeBrowser.post('/conventions/nouvelle', { title: 'Mécénat Fondation Ouest', kind: 'mecenat', moneyDirection: 'sans_flux', addPartyIds: [partner.id] });
    const id = String(created.headers.location).split('/').pop() as string;
    await chargeBrowser.get(`/conventions/${id}`);
    expect((await upload(chargeBrowser, id, 'Annexe financière.pdf', { kind: 'annexe', title: 'Annexe financière', confidential: 'on' })).status).toBe(303);
    expect((await upload(chargeBrowser, id, 'Projet.pdf', { kind: 'projet', title: 'Projet de convention' })).status).toBe(303);
    const documents = await harness.db.select().from(conventionDocuments).where(eq(conventionDocuments.conventionId, id));
    const secret = documents.find((document) => document.title === 'Annexe financière');
    const open = documents.find((document) => document.title === 'Projet de convention');
    expect(secret?.confidential).toBe(true);
    expect(open?.confidential).toBe(false);
    const secretLink = `/conventions/${id}/documents/${secret?.id}/versions/1`;
    const openLink = `/conventions/${id}/documents/${open?.id}/versions/1`;

    const allowed = [
      chargeBrowser,
      await signedIn(await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] })),
      await signedIn(await buildUser(harness.db, { roles: ['juriste'] })),
      await signedIn(await buildUser(harness.db, { roles: ['finance'] })),
      await signedIn(await buildUser(harness.db, { roles: ['admin'] })),
    ];
    for (const browser of allowed) {
      const page = await browser.get(`/conventions/${id}`);
      expect(page.text).toContain('Annexe financière');
      expect(page.text).toContain('Confidentiel');
      expect((await browser.get(secretLink)).status).toBe(200);
    }

    const others = [
      await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] })),
      await signedIn(await buildUser(harness.db, { roles: ['manager'], unitCodes: ['UO-PRO'] })),
    ];
    for (const browser of others) {
      const page = await browser.get(`/conventions/${id}`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('Annexe financière');
      expect(page.text).toContain('Projet de convention');
      // Neither listed nor named in the history; the download is answered as missing.
      expect(page.text).toContain('Document confidentiel');
      expect((await browser.get(secretLink)).status).toBe(404);
      expect((await browser.get(openLink)).status).toBe(200);
    }
  });

  it('is set or lifted later by whoever may edit the convention, and journaled', async () => {
    const created = await chargeBrowser.post('/conventions/nouvelle', { title: 'Partenariat Rennes', kind: 'partenariat', moneyDirection: 'sans_flux', addPartyIds: [partner.id] });
    const id = String(created.headers.location).split('/').pop() as string;
    await chargeBrowser.get(`/conventions/${id}`);
    expect((await upload(chargeBrowser, id, 'Budget.pdf', { kind: 'annexe', title: 'Budget détaillé' })).status).toBe(303);
    const [document] = await harness.db.select().from(conventionDocuments).where(eq(conventionDocuments.conventionId, id));
    const link = `/conventions/${id}/documents/${document?.id}/versions/1`;
    const outsider = await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] }));
    expect((await outsider.get(link)).status).toBe(200);

    // Another unit's chargé may not change it.
    expect((await outsider.post(`/conventions/${id}/documents/${document?.id}/confidentialite`, { confidential: 'on' })).status).toBe(403);
    expect((await chargeBrowser.post(`/conventions/${id}/documents/${document?.id}/confidentialite`, { confidential: 'on' })).status).toBe(303);
    expect((await outsider.get(link)).status).toBe(404);
    const page = await chargeBrowser.get(`/conventions/${id}`);
    expect(page.text).toContain('Confidentialité d’un document changée');
    expect(page.text).toContain('Lever la confidentialité');

    // Lifted: readable again by every role that may open files.
    expect((await chargeBrowser.post(`/conventions/${id}/documents/${document?.id}/confidentialite`, {})).status).toBe(303);
    expect((await outsider.get(link)).status).toBe(200);
    const [row] = await harness.db.select().from(conventions).where(eq(conventions.id, id));
    expect(row?.title).toBe('Partenariat Rennes');
  });
});
