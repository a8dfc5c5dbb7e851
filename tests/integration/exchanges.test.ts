// One exchange (« échange »): logging it with its links and next step, the last activity it
// moves, who edits and deletes it, confidentiality, attachments, the form kept on errors, the journal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { auditLog, contacts, exchangeAttachments, exchangeContacts, exchangeOrganizations, exchangeParticipants, exchangeUnits, exchanges, organizations, tasks, units, type User } from '../../src/models/schema';
import { createExchange } from '../../src/services/exchanges.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');

function idFrom(location: unknown): string {
  return String(location).split('/').pop() as string;
}

describe('exchanges', () => {
  let harness: TestApp;
  let dataDir: string;
  let author: User;
  let authorBrowser: TestBrowser;
  let colleagueBrowser: TestBrowser;
  let outsiderBrowser: TestBrowser;
  let adminBrowser: TestBrowser;
  let readerBrowser: TestBrowser;
  let participant: User;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-exchanges-'));
    harness = await startTestApp({ env: { DATA_DIR: dataDir } });
    author = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Auteur' });
    participant = await buildUser(harness.db, { roles: ['lecteur'], displayName: 'Paul Participant' });
    authorBrowser = await signedIn(author);
    colleagueBrowser = await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] }));
    outsiderBrowser = await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] }));
    adminBrowser = await signedIn(await buildUser(harness.db, { roles: ['admin'] }));
    readerBrowser = await signedIn(participant);
  });
  afterAll(async () => {
    await harness.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function signedIn(user: User): Promise<TestBrowser> {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/echanges/saisir');
    return browser;
  }

  async function logExchange(browser: TestBrowser, fields: Record<string, string | string[]>): Promise<string> {
    const response = await browser.post('/echanges/nouveau', { kind: 'rendez_vous', occurredOn: '2026-03-10', occurredTime: '10:30', summary: 'Point d’étape', ...fields });
    expect(response.status).toBe(303);
    return idFrom(response.headers.location);
  }

  it('logs an exchange with its organisations, contacts, participants, units and a next step as a task', async () => {
    const startup = await buildOrganization(harness.db, { name: 'Classe Numérique SAS' });
    const university = await buildOrganization(harness.db, { name: 'Université de Nantes' });
    const contact = await buildContact(harness.db, { firstName: 'Inès', lastName: 'Moreau', organizationId: startup.id });

    const form = await authorBrowser.get(`/echanges/nouveau?contact=${contact.id}`);
    expect(form.status).toBe(200);
    // A contact brings their primary organisation, both ticked; the next step goes to me by default.
    expect(form.text).toMatch(new RegExp(`id="organizationIds-${startup.id}" name="organizationIds" value="${startup.id}" checked`));
    expect(form.text).toMatch(new RegExp(`id="contactIds-${contact.id}" name="contactIds" value="${contact.id}" checked`));
    expect(form.text).toMatch(new RegExp(`<option value="${author.id}" selected>Chloé Auteur</option>`));

    const response = await authorBrowser.post('/echanges/nouveau', {
      kind: 'visio',
      occurredOn: '2026-03-10',
      occurredTime: '14:30',
      durationMinutes: '45',
      visioUrl: 'https://visio.example.fr/salle-42',
      organizationIds: [startup.id, university.id],
      contactIds: [contact.id],
      participantIds: [author.id, participant.id],
      summary: 'Présentation de la plateforme de classe virtuelle',
      notes: 'Démo le 12.\nVoir https://classe-numerique.example.fr/demo?x=1&y=2 <b>gras</b>',
      outcome: 'a_relancer',
      tags: 'edtech, IA, EdTech',
      nextStepTitle: 'Envoyer la convention de test',
      nextStepDueOn: '2026-03-20',
      nextStepAssigneeId: author.id,
    });
    expect(response.status).toBe(303);
    const id = idFrom(response.headers.location);

    const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.id, id));
    expect(exchange).toMatchObject({ kind: 'visio', durationMinutes: 45, outcome: 'a_relancer', authorId: author.id, tags: ['edtech', 'IA'], confidential: false });
    // 14:30 in Paris on 10 March (winter time) is 13:30 UTC.
    expect(exchange?.occurredAt.toISOString()).toBe('2026-03-10T13:30:00.000Z');
    const organizationLinks = await harness.db.select().from(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, id));
    expect(organizationLinks.map((link) => link.organizationId).sort()).toEqual([startup.id, university.id].sort());
    for (const link of [...organizationLinks, ...(await harness.db.select().from(exchangeContacts).where(eq(exchangeContacts.exchangeId, id)))]) {
      expect(link.occurredAt.toISOString()).toBe('2026-03-10T13:30:00.000Z');
    }
    expect((await harness.db.select().from(exchangeParticipants).where(eq(exchangeParticipants.exchangeId, id))).map((row) => row.userId).sort()).toEqual([author.id, participant.id].sort());
    const units = await harness.db.select().from(exchangeUnits).where(eq(exchangeUnits.exchangeId, id));
    expect(units).toHaveLength(1);

    const [task] = await harness.db.select().from(tasks).where(eq(tasks.exchangeId, id));
    expect(task).toMatchObject({ title: 'Envoyer la convention de test', dueOn: '2026-03-20', assigneeId: author.id, organizationId: startup.id, contactId: contact.id, status: 'a_faire' });

    const audits = await harness.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    const created = audits.find((entry) => entry.action === 'exchange.created');
    expect(created?.metadata.related).toEqual(expect.arrayContaining([startup.id, university.id, contact.id]));
    expect(created?.changes.organizations?.after).toEqual(expect.arrayContaining(['Classe Numérique SAS', 'Université de Nantes']));
    expect((await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'task'), eq(auditLog.entityId, task?.id as string))))[0]?.action).toBe('task.created');

    const page = await authorBrowser.get(`/echanges/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Présentation de la plateforme de classe virtuelle');
    expect(page.text).toContain('Envoyer la convention de test');
    expect(page.text).toContain('Inès Moreau');
    expect(page.text).toContain('Échange consigné');
    // Notes: escaped, line breaks kept by the element, links clickable and nothing else.
    expect(page.text).toContain('<a class="fr-link" href="https://classe-numerique.example.fr/demo?x&#x3D;1&amp;y&#x3D;2" rel="noopener noreferrer">');
    expect(page.text).toContain('&lt;b&gt;gras&lt;/b&gt;');
    expect(page.text).not.toContain('<b>gras</b>');
    expect(page.text).toContain('href="https://visio.example.fr/salle-42" rel="noopener noreferrer"');
    // The participant (a lecteur) reads it, without the edit button.
    const asReader = await readerBrowser.get(`/echanges/${id}`);
    expect(asReader.status).toBe(200);
    expect(asReader.text).not.toContain(`/echanges/${id}/modifier`);
  });

  it('moves the last activity of organisations and contacts forward, never backwards nor to a future meeting', async () => {
    const organization = await buildOrganization(harness.db, { name: 'Lycée Numérique', lastActivityAt: new Date('2026-02-01T09:00:00Z') });
    const contact = await buildContact(harness.db, { organizationId: organization.id });
    const ctx = await harness.context(author);
    const now = new Date('2026-03-15T12:00:00Z');
    const log = (occurredOn: string) =>
      createExchange({ ...ctx, now }, { kind: 'appel', occurredOn, occurredTime: '10:00', summary: `Appel du ${occurredOn}`, organizationIds: [organization.id], contactIds: [contact.id] });
    const activity = async () => {
      const [row] = await harness.db.select({ at: organizations.lastActivityAt }).from(organizations).where(eq(organizations.id, organization.id));
      const [person] = await harness.db.select({ at: contacts.lastActivityAt }).from(contacts).where(eq(contacts.id, contact.id));
      return { organization: row?.at?.toISOString(), contact: person?.at?.toISOString() };
    };

    await log('2026-01-10');
    expect((await activity()).organization).toBe('2026-02-01T09:00:00.000Z');
    expect((await activity()).contact).toBe('2026-01-10T09:00:00.000Z');
    await log('2026-03-01');
    expect(await activity()).toEqual({ organization: '2026-03-01T09:00:00.000Z', contact: '2026-03-01T09:00:00.000Z' });
    await log('2026-04-20');
    expect(await activity()).toEqual({ organization: '2026-03-01T09:00:00.000Z', contact: '2026-03-01T09:00:00.000Z' });
    await log('2026-02-15');
    expect(await activity()).toEqual({ organization: '2026-03-01T09:00:00.000Z', contact: '2026-03-01T09:00:00.000Z' });
  });

  it('lets the author and the members of its units edit an exchange, nobody else; the links follow a moved date', async () => {
    const organization = await buildOrganization(harness.db);
    const id = await logExchange(authorBrowser, { organizationIds: [organization.id], notes: 'Première version' });
    expect((await colleagueBrowser.get(`/echanges/${id}/modifier`)).status).toBe(200);
    expect((await outsiderBrowser.get(`/echanges/${id}/modifier`)).status).toBe(403);
    expect((await readerBrowser.get(`/echanges/${id}/modifier`)).status).toBe(403);
    expect((await outsiderBrowser.post(`/echanges/${id}/modifier`, { kind: 'appel', occurredOn: '2026-03-10', occurredTime: '10:30', summary: 'Détourné', organizationIds: [organization.id] })).status).toBe(403);

    const edited = await colleagueBrowser.post(`/echanges/${id}/modifier`, {
      kind: 'appel',
      occurredOn: '2026-03-12',
      occurredTime: '09:15',
      summary: 'Point d’étape (corrigé)',
      organizationIds: [organization.id],
      notes: 'Deuxième version',
    });
    expect(edited.status).toBe(303);
    const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.id, id));
    expect(exchange).toMatchObject({ kind: 'appel', summary: 'Point d’étape (corrigé)', notes: 'Deuxième version', authorId: author.id });
    const [link] = await harness.db.select().from(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, id));
    expect(link?.occurredAt.toISOString()).toBe('2026-03-12T08:15:00.000Z');
    // The edit kept its unit (the colleague's too) and moved the organisation's last activity forward.
    expect(await harness.db.select().from(exchangeUnits).where(eq(exchangeUnits.exchangeId, id))).toHaveLength(1);
    const [row] = await harness.db.select({ at: organizations.lastActivityAt }).from(organizations).where(eq(organizations.id, organization.id));
    expect(row?.at?.toISOString()).toBe('2026-03-12T08:15:00.000Z');
    const [updated] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'exchange.updated')));
    expect(updated?.changes.notes).toEqual({ before: 'Première version', after: 'Deuxième version' });
    expect(updated?.metadata.related).toEqual([organization.id]);
    expect((await authorBrowser.get(`/echanges/${id}`)).text).toContain('Échange modifié');

    // Moved to another unit: its author still edits it, the former unit's members no longer do.
    const [other] = await harness.db.select({ id: units.id }).from(units).where(eq(units.code, 'UO-PRO'));
    await harness.db.update(exchangeUnits).set({ unitId: other?.id as string }).where(eq(exchangeUnits.exchangeId, id));
    expect((await authorBrowser.get(`/echanges/${id}/modifier`)).status).toBe(200);
    expect((await colleagueBrowser.get(`/echanges/${id}/modifier`)).status).toBe(403);
    expect((await outsiderBrowser.get(`/echanges/${id}/modifier`)).status).toBe(200);
  });

  it('lets the author delete within 24 hours and admins at any time, with a reason', async () => {
    const organization = await buildOrganization(harness.db);
    const fresh = await logExchange(authorBrowser, { organizationIds: [organization.id] });
    expect((await colleagueBrowser.get(`/echanges/${fresh}/supprimer`)).status).toBe(403);
    expect((await authorBrowser.get(`/echanges/${fresh}/supprimer`)).status).toBe(200);
    const noReason = await authorBrowser.post(`/echanges/${fresh}/supprimer`, { reason: '  ' });
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('Indiquez le motif de la suppression.');
    expect((await authorBrowser.post(`/echanges/${fresh}/supprimer`, { reason: 'Saisi en double' })).status).toBe(303);
    expect(await harness.db.select().from(exchanges).where(eq(exchanges.id, fresh))).toHaveLength(0);
    const [deleted] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, fresh), eq(auditLog.action, 'exchange.deleted')));
    expect(deleted?.metadata).toMatchObject({ reason: 'Saisi en double', related: [organization.id] });

    const old = await logExchange(authorBrowser, { organizationIds: [organization.id] });
    await harness.db.update(exchanges).set({ createdAt: new Date(Date.now() - 25 * 3600_000) }).where(eq(exchanges.id, old));
    expect((await authorBrowser.get(`/echanges/${old}`)).text).not.toContain(`/echanges/${old}/supprimer`);
    expect((await authorBrowser.post(`/echanges/${old}/supprimer`, { reason: 'Trop tard' })).status).toBe(403);
    expect((await adminBrowser.post(`/echanges/${old}/supprimer`, { reason: 'Demande de l’auteur' })).status).toBe(303);
    expect(await harness.db.select().from(exchanges).where(eq(exchanges.id, old))).toHaveLength(0);
  });

  it('answers 404 for a confidential exchange outside its circle', async () => {
    const organization = await buildOrganization(harness.db);
    const id = await logExchange(authorBrowser, { organizationIds: [organization.id], confidential: 'on', participantIds: [participant.id], summary: 'Négociation sensible' });
    expect((await outsiderBrowser.get(`/echanges/${id}`)).status).toBe(404);
    expect((await outsiderBrowser.get(`/echanges/${id}/modifier`)).status).toBe(404);
    for (const browser of [authorBrowser, colleagueBrowser, readerBrowser, adminBrowser]) {
      const page = await browser.get(`/echanges/${id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Négociation sensible');
    }
  });

  it('adds, serves and removes attachments through the document storage', async () => {
    const organization = await buildOrganization(harness.db);
    const id = await logExchange(authorBrowser, { organizationIds: [organization.id] });
    await authorBrowser.get(`/echanges/${id}`);
    const upload = (browser: TestBrowser, content: Buffer, name: string) =>
      browser.agent.post(`/echanges/${id}/pieces-jointes`).field('_csrf', browser.csrfToken).attach('file', content, name);

    expect((await upload(authorBrowser, Buffer.from('juste du texte'), 'notes.pdf')).status).toBe(422);
    expect((await upload(authorBrowser, PDF, 'Compte rendu.pdf')).status).toBe(303);
    await outsiderBrowser.get(`/echanges/${id}`);
    expect((await upload(outsiderBrowser, PDF, 'Intrus.pdf')).status).toBe(403);
    const [attachment] = await harness.db.select().from(exchangeAttachments).where(eq(exchangeAttachments.exchangeId, id));
    expect(attachment).toMatchObject({ fileName: 'Compte rendu.pdf', contentType: 'application/pdf', sizeBytes: PDF.length });

    const download = await readerBrowser.agent.get(`/echanges/${id}/pieces-jointes/${attachment?.id}`).buffer(true);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(Buffer.compare(download.body as Buffer, PDF)).toBe(0);
    const stored = path.join(dataDir, 'documents', attachment?.storageKey as string);
    expect(fs.existsSync(stored)).toBe(true);

    expect((await outsiderBrowser.post(`/echanges/${id}/pieces-jointes/${attachment?.id}/supprimer`)).status).toBe(403);
    expect((await authorBrowser.post(`/echanges/${id}/pieces-jointes/${attachment?.id}/supprimer`)).status).toBe(303);
    expect(await harness.db.select().from(exchangeAttachments).where(eq(exchangeAttachments.exchangeId, id))).toHaveLength(0);
    expect(fs.existsSync(stored)).toBe(false);
    const actions = (await harness.db.select().from(auditLog).where(eq(auditLog.entityId, id))).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['exchange.attachment_added', 'exchange.attachment_removed']));
  });

  it('keeps everything typed on a 422 and writes nothing; the picker works without JavaScript', async () => {
    const organization = await buildOrganization(harness.db, { name: 'Fondation Apprendre Autrement' });
    const before = (await harness.db.select({ id: exchanges.id }).from(exchanges)).length;
    const invalid = await authorBrowser.post('/echanges/nouveau', {
      kind: 'appel',
      occurredOn: '2026-03-10',
      occurredTime: '25:00',
      summary: '',
      notes: 'Ce que j’ai tapé\nsur deux lignes',
      place: 'Salle Condorcet',
      tags: 'mécénat, fondation',
      organizationIds: [organization.id],
      nextStepTitle: 'Rappeler la fondation',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('Indiquez un résumé.');
    expect(invalid.text).toContain('Heure invalide (hh:mm).');
    expect(invalid.text).toContain('Indiquez l’échéance de la prochaine étape.');
    expect(invalid.text).toContain('Ce que j’ai tapé\nsur deux lignes</textarea>');
    expect(invalid.text).toContain('value="Salle Condorcet"');
    expect(invalid.text).toContain('value="mécénat, fondation"');
    expect(invalid.text).toContain('value="Rappeler la fondation"');
    expect(invalid.text).toMatch(new RegExp(`value="${organization.id}" checked`));
    expect((await harness.db.select({ id: exchanges.id }).from(exchanges)).length).toBe(before);

    const noOrganization = await authorBrowser.post('/echanges/nouveau', { kind: 'note', occurredOn: '2026-03-10', occurredTime: '10:00', summary: 'Sans structure' });
    expect(noOrganization.status).toBe(422);
    expect(noOrganization.text).toContain('Choisissez au moins une structure.');

    const searched = await authorBrowser.post('/echanges/nouveau', { _action: 'searchOrganizations', organizationQuery: 'Apprendre Autrement', summary: 'En cours' });
    expect(searched.status).toBe(200);
    expect(searched.text).toContain(`id="organizationIds-${organization.id}" name="organizationIds" value="${organization.id}"`);
    expect(searched.text).toContain('value="En cours"');
    const suggestions = await authorBrowser.get(`/echanges/choix-structures?organizationQuery=${encodeURIComponent('Apprendre')}`, { 'HX-Request': 'true' });
    expect(suggestions.text).toContain('Fondation Apprendre Autrement');
  });

  it('journals every change with French labels and offers the chooser of « + Saisir »', async () => {
    const chooser = await authorBrowser.get('/echanges/saisir');
    expect(chooser.text).toContain('href="/echanges/nouveau"');
    expect(chooser.text).toContain('href="/echanges/rencontre-startup"');
    expect(chooser.text).toContain('href="/taches/nouvelle"');
    expect(chooser.text).toContain('id="header-log"');
    expect((await readerBrowser.get('/echanges/saisir')).text).not.toContain('id="header-log"');
    const organization = await buildOrganization(harness.db);
    const organizationPage = await authorBrowser.get(`/structures/${organization.id}`);
    expect(organizationPage.text).toContain(`href="/echanges/nouveau?structure=${organization.id}"`);
    const person = await buildContact(harness.db, { organizationId: organization.id });
    expect((await authorBrowser.get(`/contacts/${person.id}`)).text).toContain(`href="/echanges/nouveau?contact=${person.id}"`);
    expect((await readerBrowser.get(`/contacts/${person.id}`)).text).not.toContain('/echanges/nouveau?contact=');
    const entries = await harness.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(inArray(auditLog.action, ['exchange.created', 'exchange.updated', 'exchange.deleted', 'exchange.attachment_added', 'exchange.attachment_removed']));
    expect(new Set(entries.map((entry) => entry.action)).size).toBe(5);
  });
});
