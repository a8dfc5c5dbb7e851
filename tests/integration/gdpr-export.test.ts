// GDPR access export (RGPD art. 15): the page and the JSON file list every link to the person —
// positions, conventions they sign, e-mails the application sent them, the story of their
// consent and opt-out — besides the record itself. (Who may ask for it is tested in the
// permissions matrix; an admin asks here.)
import { eq } from 'drizzle-orm';
import { contacts, conventionParties, conventions, emails, exchangeContacts, exchangeOrganizations, exchanges } from '../../src/models/schema';
import { PERSONAL_DATA_EXTENSIONS } from '../../src/services/contacts.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

let harness: TestApp;
let admin: TestBrowser;

beforeAll(async () => {
  harness = await startTestApp();
  admin = new TestBrowser(harness.app);
  await admin.login((await buildUser(harness.db, { roles: ['admin'] })).email);
});
afterAll(() => harness.close());

interface Exported {
  person: Record<string, unknown>;
  affiliations: Array<Record<string, unknown>>;
  conventionSignatures: Array<Record<string, unknown>>;
  emailsSent: Array<Record<string, unknown>>;
  consentHistory: Array<{ action: string; changes: Record<string, { before: unknown; after: unknown }>; summary: Array<Record<string, string>> }>;
  otherLinks: unknown[];
}

test('the export lists positions, signed conventions, e-mails sent and the consent and opt-out history, on the page and in the JSON file', async () => {
  const school = await buildOrganization(harness.db, { name: 'Lycée Aristide Bergès', kindCode: 'entreprise' });
  const campus = await buildOrganization(harness.db, { name: 'Campus des métiers de la houille blanche', kindCode: 'entreprise' });

  // Created with her consent, then she asks for no more e-mails.
  await admin.get('/contacts/nouveau');
  const form = {
    civility: 'Mme',
    firstName: 'Léontine',
    lastName: 'Barrage',
    emails: 'leontine.barrage@exemple-export.fr',
    phones: '04 76 00 11 22',
    legalBasis: 'consentement',
    consentDate: '2026-03-02',
    organizationId: school.id,
    role: 'Directrice déléguée aux formations',
  };
  expect((await admin.post('/contacts/nouveau', form)).status).toBe(303);
  const [person] = await harness.db.select().from(contacts).where(eq(contacts.lastName, 'Barrage'));
  if (!person) throw new Error('contact not created');
  await admin.get(`/contacts/${person.id}/modifier`);
  const { organizationId: _organizationId, role: _role, ...editable } = form;
  expect((await admin.post(`/contacts/${person.id}/modifier`, { ...editable, emailOptOut: 'on', confirmDuplicates: 'on' })).status).toBe(303);

  // She signs a convention for her school; her duplicate record (merged into hers) signed another for the campus.
  const [signed] = await harness.db
    .insert(conventions)
    .values({ reference: 'CONV-2026-9801', title: 'Convention houille blanche', kind: 'partenariat', status: 'signee', signedOn: '2026-04-15' })
    .returning();
  await harness.db.insert(conventionParties).values({ conventionId: signed!.id, organizationId: school.id, signatoryContactId: person.id, role: 'Établissement partenaire' });
  const duplicate = await buildContact(harness.db, { firstName: 'Léontine', lastName: 'Barrage', emails: ['l.barrage@campus-export.fr'] });
  const [other] = await harness.db.insert(conventions).values({ reference: 'CONV-2026-9802', title: 'Accord campus', kind: 'accord' }).returning();
  await harness.db.insert(conventionParties).values({ conventionId: other!.id, organizationId: campus.id, signatoryContactId: duplicate.id });
  expect((await admin.post(`/doublons/contacts/${person.id}/${duplicate.id}`, {})).status).toBe(303);

  // E-mails the application sent to her addresses (and one to someone else).
  await harness.db.insert(emails).values([
    { idempotencyKey: 'export-1', toAddress: 'leontine.barrage@exemple-export.fr', template: 'workflow_notice', subject: 'Passerelle : Signature — Convention houille blanche', payload: {}, status: 'sent', sentAt: new Date('2026-04-10T08:00:00Z') },
    { idempotencyKey: 'export-2', toAddress: 'L.Barrage@campus-export.fr', template: 'workflow_notice', subject: 'Passerelle : Relance — Accord campus', payload: {}, status: 'failed' },
    { idempotencyKey: 'export-3', toAddress: 'quelqu.un@ailleurs.fr', template: 'workflow_notice', subject: 'Passerelle : Autre personne', payload: {} },
  ]);

  const json = await admin.get(`/contacts/${person.id}/donnees-personnelles?format=json`);
  expect(json.status).toBe(200);
  expect(json.headers['content-disposition']).toContain('attachment');
  const exported = JSON.parse(json.text) as Exported;
  expect(exported.person).toMatchObject({ lastName: 'Barrage', emailOptOut: true, legalBasis: 'consentement' });
  expect(exported.affiliations).toEqual([expect.objectContaining({ organization: 'Lycée Aristide Bergès', role: 'Directrice déléguée aux formations' })]);
  expect(exported.conventionSignatures).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ reference: 'CONV-2026-9801', title: 'Convention houille blanche', statusLabel: 'Signée', organization: 'Lycée Aristide Bergès', role: 'Établissement partenaire', signedOn: '2026-04-15' }),
      expect.objectContaining({ reference: 'CONV-2026-9802', organization: 'Campus des métiers de la houille blanche' }),
    ]),
  );
  expect(exported.conventionSignatures).toHaveLength(2);
  expect(exported.emailsSent.map((mail) => mail.subject).sort()).toEqual(['Passerelle : Relance — Accord campus', 'Passerelle : Signature — Convention houille blanche']);
  expect(exported.emailsSent.find((mail) => mail.status === 'sent')).toMatchObject({ statusLabel: 'Envoyé', sentAt: '2026-04-10T08:00:00.000Z' });
  // Consent given at creation, then the opt-out: oldest first, with their values.
  const [given, optOut] = exported.consentHistory;
  expect(given?.action).toBe('contact.created');
  expect(given?.changes.legalBasis).toEqual({ before: null, after: 'consentement' });
  expect(optOut?.action).toBe('contact.updated');
  expect(optOut?.changes).toEqual({ emailOptOut: { before: false, after: true } });
  expect(optOut?.summary).toEqual([{ field: 'Ne souhaite pas recevoir de courriels', before: 'Non', after: 'Oui' }]);
  // Sections other features register (exchanges, event invitations) are listed, empty ones included.
  expect(PERSONAL_DATA_EXTENSIONS.map((section) => section.key)).toEqual(['exchanges', 'eventInvitations']);
  expect(exported.otherLinks).toEqual([
    { key: 'exchanges', title: 'Échanges où la personne apparaît', rows: [] },
    { key: 'eventInvitations', title: 'Invitations à des événements', rows: [] },
  ]);

  const page = await admin.get(`/contacts/${person.id}/donnees-personnelles`);
  expect(page.status).toBe(200);
  for (const text of [
    'Conventions signées',
    'CONV-2026-9801 — Convention houille blanche (Signée), pour Lycée Aristide Bergès — Établissement partenaire',
    'CONV-2026-9802',
    'Courriels envoyés',
    'Passerelle : Signature — Convention houille blanche',
    'Historique du consentement et de l’opposition',
    'Ne souhaite pas recevoir de courriels : Non → Oui',
    'Base légale du traitement : non renseigné → Consentement',
  ]) {
    expect([text, page.text.includes(text.replace(/’/g, '&#x27;')) || page.text.includes(text)]).toEqual([text, true]);
  }
  expect(page.text).not.toContain('Autre personne');
});

test('the export lists the exchanges where the person (or a record merged into hers) is present, confidential ones included', async () => {
  const organization = await buildOrganization(harness.db, { name: 'EdTech des Volcans', kindCode: 'startup' });
  const person = await buildContact(harness.db, { firstName: 'Ysoline', lastName: 'Cratère', organizationId: organization.id });
  const other = await buildContact(harness.db, { firstName: 'Autre', lastName: 'Personne', organizationId: organization.id });
  const author = await buildUser(harness.db, { roles: ['charge'], displayName: 'Chargée Volcans' });
  const insertExchange = async (values: { summary: string; occurredAt: string; confidential?: boolean; contactIds: string[] }) => {
    const occurredAt = new Date(values.occurredAt);
    const [exchange] = await harness.db
      .insert(exchanges)
      .values({ kind: 'rendez_vous', occurredAt, summary: values.summary, notes: 'Notes du rendez-vous', outcome: 'a_relancer', confidential: values.confidential ?? false, authorId: author.id })
      .returning();
    await harness.db.insert(exchangeOrganizations).values({ exchangeId: exchange!.id, organizationId: organization.id, occurredAt });
    await harness.db.insert(exchangeContacts).values(values.contactIds.map((contactId) => ({ exchangeId: exchange!.id, contactId, occurredAt })));
  };
  await insertExchange({ summary: 'Démonstration au salon', occurredAt: '2026-03-10T09:00:00Z', contactIds: [person.id, other.id] });
  await insertExchange({ summary: 'Négociation confidentielle', occurredAt: '2026-04-10T09:00:00Z', confidential: true, contactIds: [person.id] });
  await insertExchange({ summary: 'Sans elle', occurredAt: '2026-05-10T09:00:00Z', contactIds: [other.id] });
  // A duplicate record of her, present at a later meeting, then merged into hers.
  const duplicate = await buildContact(harness.db, { firstName: 'Ysoline', lastName: 'Cratère', emails: ['ysoline@volcans.example'] });
  await insertExchange({ summary: 'Appel de suivi (fiche en double)', occurredAt: '2026-06-10T09:00:00Z', contactIds: [duplicate.id] });
  expect((await admin.post(`/doublons/contacts/${person.id}/${duplicate.id}`, {})).status).toBe(303);

  const exported = JSON.parse((await admin.get(`/contacts/${person.id}/donnees-personnelles?format=json`)).text) as { otherLinks: Array<{ key: string; rows: Array<Record<string, string>> }> };
  const section = exported.otherLinks.find((link) => link.key === 'exchanges');
  expect(section?.rows.map((row) => row['Résumé'])).toEqual(['Démonstration au salon', 'Négociation confidentielle', 'Appel de suivi (fiche en double)']);
  expect(section?.rows[1]).toMatchObject({ Date: '10/04/2026 à 11:00', Type: 'Rendez-vous', Structures: 'EdTech des Volcans', Issue: 'À relancer', 'Consigné par': 'Chargée Volcans', Confidentiel: 'Oui' });
  const page = await admin.get(`/contacts/${person.id}/donnees-personnelles`);
  expect(page.text).toContain('Échanges où la personne apparaît');
  expect(page.text).toContain('Démonstration au salon');
  expect(page.text).not.toContain('Sans elle');
});
