// The start-up meeting in one form (issue 12, /echanges/rencontre-startup): a new organisation,
// a new contact, the meeting and its next step saved in one transaction with their journal
// entries; the directory's duplicate warning with a one-click choice of the existing record; a
// wrong field anywhere answers 422 with everything typed and writes nothing.
import { eq, inArray, sql } from 'drizzle-orm';
import {
  affiliations,
  auditLog,
  contactUnits,
  contacts,
  exchangeContacts,
  exchangeOrganizations,
  exchangeParticipants,
  exchanges,
  organizationUnits,
  organizations,
  sourcingCases,
  tasks,
  type User,
} from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';
import { siretOf } from '../support/register-files';

const PAGE = '/echanges/rencontre-startup';

describe('start-up meeting in one form', () => {
  let harness: TestApp;
  let charge: User;
  let browser: TestBrowser;

  beforeAll(async () => {
    harness = await startTestApp();
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
  });
  afterAll(() => harness.close());

  async function counts() {
    const count = async (table: typeof organizations | typeof contacts | typeof exchanges | typeof tasks | typeof sourcingCases) =>
      (await harness.db.select({ value: sql<number>`count(*)::int` }).from(table))[0]?.value ?? 0;
    // Sourcing cases too (issue 14: « Ajouter au défi … » writes one in the same transaction).
    return { organizations: await count(organizations), contacts: await count(contacts), exchanges: await count(exchanges), tasks: await count(tasks), sourcingCases: await count(sourcingCases) };
  }

  /** A complete form: the meeting and its next step; the organisation and contact parts are given by each test. */
  function meeting(overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
    return {
      organizationId: '',
      contactId: '',
      kind: 'rendez_vous',
      occurredOn: '2026-11-20',
      occurredTime: '14:30',
      durationMinutes: '45',
      place: 'Salon EdTech, stand B12',
      summary: 'Présentation de leur outil de quiz adaptatif',
      notes: 'Intéressés par une expérimentation\nen lycée professionnel.',
      outcome: 'a_relancer',
      tags: 'edtech, salon',
      participantIds: [charge.id],
      nextStepTitle: 'Envoyer la convention type',
      nextStepDueOn: '2026-12-01',
      nextStepAssigneeId: charge.id,
      ...overrides,
    };
  }

  test('the page offers the four parts, with a rendez-vous today, me as participant and assignee, « Start-up » as kind', async () => {
    const page = await browser.get(PAGE);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Rencontre avec une start-up');
    for (const name of ['organizationQuery', 'orgName', 'orgKindCode', 'orgWebsite', 'orgSiren', 'contactFirstName', 'contactEmail', 'contactPhone', 'summary', 'nextStepTitle']) {
      expect(page.text).toContain(`name="${name}"`);
    }
    expect(page.text).toMatch(/<option value="startup" selected>/);
    expect(page.text).toMatch(/<option value="rendez_vous" selected>/);
    expect(page.text).toContain(`<option value="${charge.id}" selected>`);
    // A reader may not log meetings.
    const reader = new TestBrowser(harness.app);
    await reader.login((await buildUser(harness.db, { roles: ['lecteur'] })).email);
    expect((await reader.get(PAGE)).status).toBe(403);
  });

  test('one save creates the organisation, the contact and its position, the exchange and its task, each journaled', async () => {
    const before = await counts();
    const siren = siretOf(4101).slice(0, 9);
    const response = await browser.post(
      PAGE,
      meeting({
        orgName: 'Quizotope Lab',
        orgKindCode: 'startup',
        orgWebsite: 'quizotope-lab.example.fr',
        orgSiren: siren,
        contactFirstName: 'Maëlle',
        contactLastName: 'Quéré',
        contactRole: 'Cofondatrice',
        contactEmail: 'Maelle@Quizotope-Lab.example.fr',
        contactPhone: '06 12 34 56 78',
      }),
    );
    expect(response.status).toBe(303);
    const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.summary, 'Présentation de leur outil de quiz adaptatif'));
    expect(response.headers.location).toBe(`/echanges/${exchange?.id}`);
    expect(await counts()).toEqual({ organizations: before.organizations + 1, contacts: before.contacts + 1, exchanges: before.exchanges + 1, tasks: before.tasks + 1, sourcingCases: before.sourcingCases });

    const [organization] = await harness.db.select().from(organizations).where(eq(organizations.name, 'Quizotope Lab'));
    expect(organization).toMatchObject({ kindCode: 'startup', siren, website: 'https://quizotope-lab.example.fr', createdById: charge.id, ownerId: charge.id });
    const orgUnits = await harness.db.select().from(organizationUnits).where(eq(organizationUnits.organizationId, organization?.id ?? ''));
    expect(orgUnits.map((row) => row.unitId)).toEqual(await unitIdsOf(charge.id));
    const [contact] = await harness.db.select().from(contacts).where(eq(contacts.lastName, 'Quéré'));
    // The contact form's normalisation: lower-case e-mail, E.164 phone.
    expect(contact).toMatchObject({ firstName: 'Maëlle', jobTitle: 'Cofondatrice', emails: ['maelle@quizotope-lab.example.fr'], phones: ['+33612345678'], legalBasis: 'interet_legitime' });
    expect((await harness.db.select().from(contactUnits).where(eq(contactUnits.contactId, contact?.id ?? ''))).length).toBe(1);
    const [position] = await harness.db.select().from(affiliations).where(eq(affiliations.contactId, contact?.id ?? ''));
    expect(position).toMatchObject({ organizationId: organization?.id, role: 'Cofondatrice', isPrimary: true });

    expect(exchange).toMatchObject({ kind: 'rendez_vous', outcome: 'a_relancer', tags: ['edtech', 'salon'], durationMinutes: 45, authorId: charge.id });
    expect(exchange?.occurredAt.toISOString()).toBe('2026-11-20T13:30:00.000Z');
    const exchangeId = exchange?.id ?? '';
    expect((await harness.db.select().from(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, exchangeId))).map((row) => row.organizationId)).toEqual([organization?.id]);
    expect((await harness.db.select().from(exchangeContacts).where(eq(exchangeContacts.exchangeId, exchangeId))).map((row) => row.contactId)).toEqual([contact?.id]);
    expect((await harness.db.select().from(exchangeParticipants).where(eq(exchangeParticipants.exchangeId, exchangeId))).map((row) => row.userId)).toEqual([charge.id]);
    const [task] = await harness.db.select().from(tasks).where(eq(tasks.exchangeId, exchangeId));
    expect(task).toMatchObject({ title: 'Envoyer la convention type', dueOn: '2026-12-01', assigneeId: charge.id, organizationId: organization?.id, contactId: contact?.id, status: 'a_faire' });

    // The usual journal entries of each record, written by the one transaction (same now()).
    const entries = await harness.db
      .select()
      .from(auditLog)
      .where(inArray(auditLog.entityId, [organization?.id ?? '', contact?.id ?? '', exchangeId, task?.id ?? '']));
    expect(entries.map((entry) => entry.action).sort()).toEqual(['affiliation.created', 'contact.created', 'exchange.created', 'organization.created', 'task.created']);
    expect(new Set(entries.map((entry) => entry.at.toISOString())).size).toBe(1);
    expect(entries.every((entry) => entry.actorId === charge.id)).toBe(true);
  });

  async function unitIdsOf(userId: string): Promise<string[]> {
    const rows = await harness.db.execute(sql`select unit_id from user_units where user_id = ${userId}`);
    return (rows as unknown as { rows: Array<{ unit_id: string }> }).rows.map((row) => row.unit_id);
  }

  test('an organisation with the same SIREN or the same name: warning (409), then one click picks the existing one', async () => {
    const siren = siretOf(4102).slice(0, 9);
    const existing = await buildOrganization(harness.db, { name: 'Mentorelle', kindCode: 'startup', siren, unitCodes: ['DDPSI'] });
    const before = await counts();
    const form = meeting({
      orgName: 'Mentorelle SAS',
      orgKindCode: 'startup',
      orgSiren: siren,
      contactFirstName: 'Yanis',
      contactLastName: 'Belkacem',
      contactEmail: 'yanis@mentorelle.example.fr',
      summary: 'Démonstration de la plateforme de tutorat',
    });
    const warned = await browser.post(PAGE, form);
    expect(warned.status).toBe(409);
    expect(warned.text).toContain('Des structures semblables existent déjà');
    expect(warned.text).toContain(`href="/structures/${existing.id}"`);
    expect(warned.text).toContain(`name="useOrganizationId" value="${existing.id}"`);
    expect(warned.text).toContain('name="orgConfirmDuplicates"');
    // Everything typed is still there.
    for (const value of ['Mentorelle SAS', 'Yanis', 'Belkacem', 'yanis@mentorelle.example.fr', 'Démonstration de la plateforme de tutorat', 'Envoyer la convention type']) {
      expect(warned.text).toContain(value);
    }
    expect(await counts()).toEqual(before);

    // The same name alone warns too.
    const sameName = await browser.post(PAGE, meeting({ orgName: 'Mentorelle', orgKindCode: 'startup', summary: 'Autre rencontre' }));
    expect(sameName.status).toBe(409);
    expect(sameName.text).toContain(`name="useOrganizationId" value="${existing.id}"`);

    // « Choisir « Mentorelle » »: the same form, with the existing organisation.
    const picked = await browser.post(PAGE, { ...form, useOrganizationId: existing.id });
    expect(picked.status).toBe(303);
    const after = await counts();
    expect(after).toEqual({ ...before, contacts: before.contacts + 1, exchanges: before.exchanges + 1, tasks: before.tasks + 1 });
    const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.summary, 'Démonstration de la plateforme de tutorat'));
    const links = await harness.db.select().from(exchangeOrganizations).where(eq(exchangeOrganizations.exchangeId, exchange?.id ?? ''));
    expect(links.map((row) => row.organizationId)).toEqual([existing.id]);
    // The new contact works for the existing organisation.
    const [contact] = await harness.db.select().from(contacts).where(eq(contacts.lastName, 'Belkacem'));
    const [position] = await harness.db.select().from(affiliations).where(eq(affiliations.contactId, contact?.id ?? ''));
    expect(position?.organizationId).toBe(existing.id);

    // Or confirm: a second organisation of that name is created anyway.
    const confirmed = await browser.post(PAGE, meeting({ orgName: 'Mentorelle', orgKindCode: 'startup', orgConfirmDuplicates: 'on', summary: 'Une autre Mentorelle' }));
    expect(confirmed.status).toBe(303);
    expect((await harness.db.select().from(organizations).where(eq(organizations.name, 'Mentorelle'))).length).toBe(2);
  });

  test('an existing contact is proposed and warned about; picking one links it', async () => {
    const startup = await buildOrganization(harness.db, { name: 'Voxaclasse', kindCode: 'startup' });
    const person = await buildContact(harness.db, { firstName: 'Lou', lastName: 'Kerbrat', emails: ['lou@voxaclasse.example.fr'], organizationId: startup.id, jobTitle: 'CEO' });
    const proposals = await browser.get(`${PAGE}/contacts?organizationId=${startup.id}`);
    expect(proposals.text).toContain(`value="${person.id}"`);
    expect(proposals.text).toContain('Lou Kerbrat');
    const found = await browser.get(`${PAGE}/structures?organizationQuery=voxacla`);
    expect(found.text).toContain(`value="${startup.id}"`);
    // Without JavaScript, « Chercher » sends the form back with the matches and saves nothing.
    const unchanged = await counts();
    const searched = await browser.post(PAGE, meeting({ organizationQuery: 'voxacla', searchOrganization: '1', orgName: 'Tapé avant de chercher' }));
    expect(searched.status).toBe(200);
    expect(searched.text).toContain(`id="organizationId-${startup.id}" name="organizationId" value="${startup.id}"`);
    expect(searched.text).toContain('Tapé avant de chercher');
    expect(await counts()).toEqual(unchanged);

    const before = await counts();
    const form = meeting({ organizationId: startup.id, contactFirstName: 'Lou', contactLastName: 'Kerbrat', contactEmail: 'lou@voxaclasse.example.fr', summary: 'Point d’étape Voxaclasse' });
    const warned = await browser.post(PAGE, form);
    expect(warned.status).toBe(409);
    expect(warned.text).toContain('Des contacts semblables existent déjà');
    expect(warned.text).toContain(`name="useContactId" value="${person.id}"`);
    // The chosen organisation stays chosen.
    expect(warned.text).toContain(`id="organizationId-${startup.id}" name="organizationId" value="${startup.id}" checked`);
    // Confirming one warning keeps it confirmed while the other is answered.
    const both = await browser.post(PAGE, { ...form, organizationId: '', orgName: 'Voxaclasse', orgKindCode: 'startup' });
    expect(both.status).toBe(409);
    expect(both.text).toContain('name="useOrganizationId"');
    expect(both.text).toContain('name="useContactId"');
    const orgConfirmed = await browser.post(PAGE, { ...form, organizationId: '', orgName: 'Voxaclasse', orgKindCode: 'startup', orgConfirmDuplicates: 'on' });
    expect(orgConfirmed.status).toBe(409);
    expect(orgConfirmed.text).not.toContain('name="useOrganizationId"');
    expect(orgConfirmed.text).toContain('<input type="hidden" name="orgConfirmDuplicates" value="on">');
    expect(await counts()).toEqual(before);

    const picked = await browser.post(PAGE, { ...form, useContactId: person.id });
    expect(picked.status).toBe(303);
    expect(await counts()).toEqual({ ...before, exchanges: before.exchanges + 1, tasks: before.tasks + 1 });
    const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.summary, 'Point d’étape Voxaclasse'));
    const links = await harness.db.select().from(exchangeContacts).where(eq(exchangeContacts.exchangeId, exchange?.id ?? ''));
    expect(links.map((row) => row.contactId)).toEqual([person.id]);
  });

  test('a wrong field (bad e-mail, bad SIREN, missing summary): 422, every value typed kept, nothing written', async () => {
    const before = await counts();
    const typed = {
      orgName: 'Parcours Boussole',
      orgKindCode: 'startup',
      orgWebsite: 'https://parcours-boussole.example.fr',
      orgSiren: '123456789',
      contactFirstName: 'Romane',
      contactLastName: 'Le Goff',
      contactRole: 'Responsable des partenariats',
      contactEmail: 'romane@@boussole',
      contactPhone: '07 98 76 54 32',
      summary: '',
      place: 'Visio depuis le salon',
      notes: 'À rappeler après le comité',
      tags: 'orientation, lycée',
      nextStepTitle: 'Rappeler Romane',
      nextStepDueOn: '2026-12-10',
    };
    const response = await browser.post(PAGE, meeting(typed));
    expect(response.status).toBe(422);
    for (const field of ['orgSiren', 'contactEmail', 'summary']) expect(response.text).toContain(`id="field-${field}-error"`);
    for (const [field, value] of Object.entries(typed)) {
      if (value === '' || field === 'orgKindCode') continue;
      expect(response.text).toContain(value.replace(/'/g, '&#x27;'));
    }
    expect(response.text).toMatch(/<option value="a_relancer" selected>/);
    expect(await counts()).toEqual(before);
  });

  test('a refusal inside the transaction (an assignee no longer active) rolls everything back', async () => {
    const gone = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], active: false });
    const before = await counts();
    const journal = async () => (await harness.db.select({ value: sql<number>`count(*)::int` }).from(auditLog))[0]?.value ?? 0;
    const journalBefore = await journal();
    const response = await browser.post(
      PAGE,
      meeting({ orgName: 'Atelier Zéphyr', orgKindCode: 'startup', contactLastName: 'Nadal', nextStepAssigneeId: gone.id, summary: 'Rencontre Zéphyr' }),
    );
    expect(response.status).toBe(422);
    expect(response.text).toContain('id="field-nextStepAssigneeId-error"');
    expect(response.text).toContain('Atelier Zéphyr');
    expect(await counts()).toEqual(before);
    expect(await journal()).toBe(journalBefore);
  });
});
