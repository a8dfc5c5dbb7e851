// Reciprocity events (/evenements): the form (Paris times, links, 422 with what was typed), who
// edits, the update and cancellation that bump the SEQUENCE and queue the invitees' e-mails, the
// cancellation's transition and reason, the attendance (attended organisations, last activity,
// the organisation's timeline), the attendance export (journaled), and the list's filters.
import { and, eq, like } from 'drizzle-orm';
import { auditLog, contacts, emails, eventInvitations, eventOrganizations, eventParticipants, events, organizations, recordMerges, type User } from '../../src/models/schema';
import { readTimeline } from '../../src/services/timeline.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

function idFrom(location: unknown): string {
  return String(location).split('/').pop() as string;
}

describe('events', () => {
  let harness: TestApp;
  let owner: User;
  let ownerBrowser: TestBrowser;
  let outsiderBrowser: TestBrowser;
  let readerBrowser: TestBrowser;
  let colleague: User;

  beforeAll(async () => {
    harness = await startTestApp();
    owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Olivia Organisatrice' });
    colleague = await buildUser(harness.db, { roles: ['lecteur'], displayName: 'Claude Collègue' });
    ownerBrowser = await signedIn(owner);
    outsiderBrowser = await signedIn(await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] }));
    readerBrowser = await signedIn(colleague);
  });
  afterAll(() => harness.close());

  async function signedIn(user: User): Promise<TestBrowser> {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/evenements');
    return browser;
  }

  async function createEvent(fields: Record<string, string | string[]>): Promise<string> {
    const response = await ownerBrowser.post('/evenements/nouveau', {
      kind: 'conference_metier',
      title: 'Conférence métier',
      startsOn: '2027-03-10',
      startTime: '14:00',
      endTime: '16:30',
      place: 'Amphithéâtre A',
      ownerId: owner.id,
      ...fields,
    });
    expect(response.status).toBe(303);
    return idFrom(response.headers.location);
  }

  /** An invitation already sent (sequence 0), as A2's sending would leave it. */
  async function invite(eventId: string, contactId: string, organizationId: string | null, response: 'en_attente' | 'accepte' | 'decline' | 'peut_etre' = 'accepte') {
    const [row] = await harness.db
      .insert(eventInvitations)
      .values({ eventId, contactId, organizationId, response, sentSequence: 0, sentAt: new Date('2026-12-01T10:00:00Z') })
      .returning();
    return row!;
  }

  it('creates an event with its organisations and participants in Paris time, shows it, and journals it', async () => {
    const creps = await buildOrganization(harness.db, { name: 'CREPS de Bourgogne' });
    const form = await ownerBrowser.get(`/evenements/nouveau?structure=${creps.id}`);
    expect(form.status).toBe(200);
    expect(form.text).toMatch(new RegExp(`id="organizationIds-${creps.id}" name="organizationIds" value="${creps.id}" checked`));

    const id = await createEvent({ title: 'Les métiers du sport', organizationIds: [creps.id], participantIds: [owner.id, colleague.id], capacity: '80', description: 'Table ronde.' });
    const [event] = await harness.db.select().from(events).where(eq(events.id, id));
    // 14:00 in Paris on 10 March 2027 (winter time) is 13:00 UTC.
    expect(event).toMatchObject({ kind: 'conference_metier', title: 'Les métiers du sport', capacity: 80, ownerId: owner.id, status: 'planifie', icsSequence: 0, createdById: owner.id });
    expect(event?.startsAt.toISOString()).toBe('2027-03-10T13:00:00.000Z');
    expect(event?.endsAt.toISOString()).toBe('2027-03-10T15:30:00.000Z');
    expect(event?.unitId).not.toBeNull();
    const links = await harness.db.select().from(eventOrganizations).where(eq(eventOrganizations.eventId, id));
    expect(links).toEqual([expect.objectContaining({ organizationId: creps.id, concerned: true, attended: false })]);
    expect(links[0]?.startsAt.toISOString()).toBe('2027-03-10T13:00:00.000Z');
    expect((await harness.db.select().from(eventParticipants).where(eq(eventParticipants.eventId, id))).map((row) => row.userId).sort()).toEqual([owner.id, colleague.id].sort());
    const [created] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'event.created')));
    expect(created?.changes.organizations?.after).toEqual(['CREPS de Bourgogne']);
    expect(created?.metadata.related).toEqual([creps.id]);

    const page = await ownerBrowser.get(`/evenements/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Les métiers du sport');
    expect(page.text).toContain('CREPS de Bourgogne');
    expect(page.text).toContain(`href="/agenda/evenements/${id}.ics"`);
    expect(page.text).toContain(`/evenements/${id}/modifier`);
    expect(page.text).toContain('Événement créé');
    // A lecteur reads it, without the edit and cancel buttons, and may not create one.
    const asReader = await readerBrowser.get(`/evenements/${id}`);
    expect(asReader.status).toBe(200);
    expect(asReader.text).not.toContain(`/evenements/${id}/modifier`);
    expect(asReader.text).not.toContain(`/evenements/${id}/annuler`);
    expect((await readerBrowser.post('/evenements/nouveau', { title: 'x' })).status).toBe(403);
  });

  it('refuses bad input with French messages and keeps what was typed', async () => {
    const response = await ownerBrowser.post('/evenements/nouveau', {
      kind: 'job_dating',
      title: '',
      startsOn: '2027-02-30',
      startTime: '10:00',
      endTime: '09:00',
      visioUrl: 'javascript:alert(1)',
      place: 'Gymnase <b>Nord</b>',
      capacity: '0',
    });
    expect(response.status).toBe(422);
    expect(response.text).toContain('Donnez un titre à l’événement.');
    expect(response.text).toContain('Cette date n’existe pas');
    expect(response.text).toContain('L’heure de fin doit suivre l’heure de début.');
    expect(response.text).toContain('Le lien de visioconférence doit commencer par http:// ou https://.');
    expect(response.text).toContain('La capacité est un nombre entier de places, au moins 1.');
    expect(response.text).toContain('value="Gymnase &lt;b&gt;Nord&lt;/b&gt;"');
    expect(response.text).toMatch(/<option value="job_dating" selected>/);
  });

  it('finds organisations for the form without JavaScript (« Chercher ») and keeps what was typed', async () => {
    const found = await buildOrganization(harness.db, { name: 'Lycée sportif Pierre de Coubertin' });
    const response = await ownerBrowser.post('/evenements/nouveau', { _action: 'searchOrganizations', organizationQuery: 'Coubertin', title: 'Gardé tel quel', kind: 'salon' });
    expect(response.status).toBe(200);
    expect(response.text).toContain(`id="organizationIds-${found.id}" name="organizationIds" value="${found.id}"`);
    expect(response.text).toContain('value="Gardé tel quel"');
    expect(await harness.db.select().from(events).where(eq(events.title, 'Gardé tel quel'))).toHaveLength(0);
    // The htmx picker answers with the suggestions alone.
    const suggestions = await ownerBrowser.get('/evenements/choix-structures?organizationQuery=Coubertin', { 'HX-Request': 'true' });
    expect(suggestions.text).toContain('Lycée sportif Pierre de Coubertin');
    expect(suggestions.text).not.toContain('<html');
  });

  it('lets the owner edit; a change of time bumps the SEQUENCE and queues the update for invitees who had not declined', async () => {
    const cfa = await buildOrganization(harness.db, { name: 'CFA du Bâtiment' });
    const id = await createEvent({ kind: 'job_dating', title: 'Job dating BTP', organizationIds: [cfa.id] });
    const accepting = await buildContact(harness.db, { firstName: 'Alice', lastName: 'Accepte', emails: ['alice@cfa.example.fr'], organizationId: cfa.id });
    const declining = await buildContact(harness.db, { firstName: 'Denis', lastName: 'Décline', emails: ['denis@cfa.example.fr'], organizationId: cfa.id });
    await invite(id, accepting.id, cfa.id, 'accepte');
    await invite(id, declining.id, cfa.id, 'decline');

    // Outside the event's unit: refused.
    expect((await outsiderBrowser.get(`/evenements/${id}/modifier`)).status).toBe(403);

    const edit = await ownerBrowser.get(`/evenements/${id}/modifier`);
    expect(edit.status).toBe(200);
    expect(edit.text).toContain('value="Job dating BTP"');
    const base = { kind: 'job_dating', startsOn: '2027-03-10', startTime: '14:00', endTime: '16:30', place: 'Amphithéâtre A', ownerId: owner.id, organizationIds: [cfa.id] };

    // The title only: nothing the invitees' calendars hold changes.
    expect((await ownerBrowser.post(`/evenements/${id}/modifier`, { ...base, title: 'Job dating du BTP' })).status).toBe(303);
    let [event] = await harness.db.select().from(events).where(eq(events.id, id));
    expect(event).toMatchObject({ title: 'Job dating du BTP', icsSequence: 0 });
    expect(await harness.db.select().from(emails).where(like(emails.idempotencyKey, `event:${id}:%`))).toHaveLength(0);

    // The time moves: SEQUENCE 1 and one update e-mail (the declining invitee gets none).
    expect((await ownerBrowser.post(`/evenements/${id}/modifier`, { ...base, title: 'Job dating du BTP', startTime: '15:00', endTime: '17:00' })).status).toBe(303);
    [event] = await harness.db.select().from(events).where(eq(events.id, id));
    expect(event?.icsSequence).toBe(1);
    expect(event?.startsAt.toISOString()).toBe('2027-03-10T14:00:00.000Z');
    expect((await harness.db.select().from(eventOrganizations).where(eq(eventOrganizations.eventId, id)))[0]?.startsAt.toISOString()).toBe('2027-03-10T14:00:00.000Z');
    const queued = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `event:${id}:%`));
    expect(queued.map((row) => row.toAddress)).toEqual(['alice@cfa.example.fr']);
    expect(queued[0]?.idempotencyKey).toMatch(/seq1/);
    const [updated] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'event.updated')));
    expect(updated).toBeDefined();
  });

  it('cancels with a reason through the transition table, tells the invitees, and refuses a second cancellation or an edit', async () => {
    const university = await buildOrganization(harness.db, { name: 'Université de Bourgogne' });
    const id = await createEvent({ kind: 'comite_pilotage', title: 'Comité de pilotage', organizationIds: [university.id] });
    const member = await buildContact(harness.db, { firstName: 'Paule', lastName: 'Présidente', emails: ['paule@u-bourgogne.example.fr'], organizationId: university.id });
    await invite(id, member.id, university.id, 'peut_etre');

    expect((await outsiderBrowser.get(`/evenements/${id}/annuler`)).status).toBe(403);
    const empty = await ownerBrowser.post(`/evenements/${id}/annuler`, { reason: ' ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Indiquez le motif de l’annulation.');

    expect((await ownerBrowser.post(`/evenements/${id}/annuler`, { reason: 'Salle indisponible' })).status).toBe(303);
    const [event] = await harness.db.select().from(events).where(eq(events.id, id));
    expect(event).toMatchObject({ status: 'annule', cancelReason: 'Salle indisponible', icsSequence: 1 });
    expect(event?.cancelledAt).not.toBeNull();
    const queued = await harness.db.select().from(emails).where(like(emails.idempotencyKey, `event:${id}:%`));
    expect(queued.map((row) => row.toAddress)).toEqual(['paule@u-bourgogne.example.fr']);
    const [cancelled] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'event.cancelled')));
    expect(cancelled?.metadata.reason).toBe('Salle indisponible');

    const page = await ownerBrowser.get(`/evenements/${id}`);
    expect(page.text).toContain('Cet événement est annulé.');
    expect(page.text).toContain('Salle indisponible');
    expect(page.text).not.toContain(`/evenements/${id}/annuler`);
    expect((await ownerBrowser.post(`/evenements/${id}/annuler`, { reason: 'encore' })).status).toBe(403);
    expect((await ownerBrowser.get(`/evenements/${id}/modifier`)).status).toBe(409);
  });

  it('records attendance after the start: attended organisations, last activity, the organisation’s timeline; then the export', async () => {
    const creps = await buildOrganization(harness.db, { name: 'CREPS de Dijon', lastActivityAt: new Date('2026-01-01T09:00:00Z') });
    const club = await buildOrganization(harness.db, { name: 'Club de rugby' });
    const id = await createEvent({ title: 'Rencontre passée', startsOn: '2026-11-20', startTime: '09:30', endTime: '12:00', organizationIds: [club.id] });
    const present = await buildContact(harness.db, { firstName: 'Paul', lastName: 'Présent', emails: ['paul@creps.example.fr'], organizationId: creps.id });
    const absent = await buildContact(harness.db, { firstName: 'Anne', lastName: 'Absente', organizationId: club.id });
    const excused = await buildContact(harness.db, { firstName: 'Eric', lastName: 'Excusé', organizationId: club.id });
    const presentInvitation = await invite(id, present.id, creps.id);
    const absentInvitation = await invite(id, absent.id, club.id);
    const excusedInvitation = await invite(id, excused.id, club.id, 'decline');

    const page = await ownerBrowser.get(`/evenements/${id}`);
    expect(page.text).toContain('Enregistrer les présences');
    // A bad value: 422, nothing recorded.
    const bad = await ownerBrowser.post(`/evenements/${id}/presences`, { [`presence_${presentInvitation.id}`]: 'peut-etre' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choisissez présent, absent ou excusé.');
    expect((await harness.db.select().from(eventInvitations).where(eq(eventInvitations.id, presentInvitation.id)))[0]?.attendance).toBeNull();
    // Outside the unit: refused.
    expect((await outsiderBrowser.post(`/evenements/${id}/presences`, { [`presence_${presentInvitation.id}`]: 'present' })).status).toBe(403);

    const saved = await ownerBrowser.post(`/evenements/${id}/presences`, {
      [`presence_${presentInvitation.id}`]: 'present',
      [`presence_${absentInvitation.id}`]: 'absent',
      [`presence_${excusedInvitation.id}`]: 'excuse',
    });
    expect(saved.status).toBe(303);
    const marks = await harness.db.select().from(eventInvitations).where(eq(eventInvitations.eventId, id));
    expect(Object.fromEntries(marks.map((row) => [row.contactId, row.attendance]))).toEqual({ [present.id]: 'present', [absent.id]: 'absent', [excused.id]: 'excuse' });
    expect(marks.find((row) => row.contactId === present.id)?.attendanceRecordedById).toBe(owner.id);
    // The CREPS attended (a row not concerned by the form, inserted); the club was concerned, did not attend.
    const rows = await harness.db.select().from(eventOrganizations).where(eq(eventOrganizations.eventId, id));
    expect(rows.find((row) => row.organizationId === creps.id)).toMatchObject({ concerned: false, attended: true });
    expect(rows.find((row) => row.organizationId === club.id)).toMatchObject({ concerned: true, attended: false });
    // Last activity moved to the event's start (09:30 Paris = 08:30 UTC), for the organisation and the contact.
    const [crepsNow] = await harness.db.select().from(organizations).where(eq(organizations.id, creps.id));
    expect(crepsNow?.lastActivityAt?.toISOString()).toBe('2026-11-20T08:30:00.000Z');
    const [paul] = await harness.db.select().from(contacts).where(eq(contacts.id, present.id));
    expect(paul?.lastActivityAt?.toISOString()).toBe('2026-11-20T08:30:00.000Z');
    const [absentNow] = await harness.db.select().from(contacts).where(eq(contacts.id, absent.id));
    expect(absentNow?.lastActivityAt).toBeNull();
    const [recorded] = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'event.attendance_recorded')));
    expect(recorded?.metadata).toMatchObject({ present: 1, absent: 1, excused: 1, related: [creps.id] });

    // The CREPS's timeline shows the event as attended; its type counts.
    const timeline = await readTimeline(await harness.context(colleague), { type: 'organization', id: creps.id }, { types: 'evenement' });
    expect(timeline.typeOptions.find((option) => option.value === 'evenement')?.count).toBe(1);
    expect(timeline.entries[0]).toMatchObject({ isEvent: true, summary: 'Rencontre passée', attended: true, href: `/evenements/${id}` });
    // Paul's own timeline shows the event he attended.
    const personal = await readTimeline(await harness.context(colleague), { type: 'contact', id: present.id }, {});
    expect(personal.entries.find((entry) => 'isEvent' in entry)).toMatchObject({ summary: 'Rencontre passée', attended: true });
    const history = await readerBrowser.get(`/structures/${creps.id}/historique`);
    expect(history.text).toContain('Rencontre passée');
    expect(history.text).toContain('Présente');

    // The export: names, organisations, answers and attendance; journaled with the event's id.
    const csv = await ownerBrowser.get(`/evenements/${id}/presences.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text).toContain('Nom;Structure;Courriel;Réponse;Répondu le;Présence');
    expect(csv.text).toContain('Paul Présent;CREPS de Dijon;paul@creps.example.fr;Accepte;;Présent');
    expect(csv.text).toContain('Eric Excusé;Club de rugby;;Décline;;Excusé');
    const xlsx = await ownerBrowser.get(`/evenements/${id}/presences.xlsx`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const exported = await harness.db.select().from(auditLog).where(and(eq(auditLog.entityId, id), eq(auditLog.action, 'event.exported')));
    expect(exported.map((row) => row.metadata.format).sort()).toEqual(['csv', 'xlsx']);
    expect(exported[0]?.metadata).toMatchObject({ rowCount: 3, complete: true });
    expect((await readerBrowser.get(`/evenements/${id}/presences.csv`)).status).toBe(403);

    // Editing the event (the club unticked) keeps the CREPS that attended, not concerned, and drops the club.
    expect(
      (await ownerBrowser.post(`/evenements/${id}/modifier`, { kind: 'conference_metier', title: 'Rencontre passée', startsOn: '2026-11-20', startTime: '09:30', endTime: '12:00', ownerId: owner.id })).status,
    ).toBe(303);
    expect((await harness.db.select().from(eventOrganizations).where(eq(eventOrganizations.eventId, id))).map((row) => [row.organizationId, row.concerned, row.attended])).toEqual([[creps.id, false, true]]);

    // Paul was not there after all: the CREPS no longer attended (its row, never concerned, goes).
    expect((await ownerBrowser.post(`/evenements/${id}/presences`, { [`presence_${presentInvitation.id}`]: 'absent' })).status).toBe(303);
    expect((await harness.db.select().from(eventOrganizations).where(and(eq(eventOrganizations.eventId, id), eq(eventOrganizations.organizationId, creps.id))))).toHaveLength(0);
  });

  it('refuses attendance before the event starts', async () => {
    const id = await createEvent({ title: 'Pas encore', startsOn: '2030-01-15' });
    const contact = await buildContact(harness.db, {});
    const invitation = await invite(id, contact.id, null);
    const response = await ownerBrowser.post(`/evenements/${id}/presences`, { [`presence_${invitation.id}`]: 'present' });
    expect(response.status).toBe(403);
    expect(response.text).toContain('Les présences se saisissent à partir du début de l’événement.');
  });

  it('moves an organisation’s events and invitations to the kept one on a merge, and back on undo', async () => {
    const manager = await signedIn(await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] }));
    const admin = await signedIn(await buildUser(harness.db, { roles: ['admin'] }));
    const kept = await buildOrganization(harness.db, { name: 'CFA Sport Bourgogne', unitCodes: ['DDPSI'] });
    const merged = await buildOrganization(harness.db, { name: 'CFA Sport de Bourgogne', unitCodes: ['DDPSI'] });
    const onlyMerged = await createEvent({ title: 'Visite du CFA', startsOn: '2026-10-01', organizationIds: [merged.id] });
    const shared = await createEvent({ title: 'Forum des CFA', startsOn: '2026-10-02', organizationIds: [kept.id, merged.id] });
    const person = await buildContact(harness.db, { organizationId: merged.id });
    const invitation = await invite(onlyMerged, person.id, merged.id);
    expect((await ownerBrowser.post(`/evenements/${onlyMerged}/presences`, { [`presence_${invitation.id}`]: 'present' })).status).toBe(303);

    expect((await manager.post(`/doublons/structures/${kept.id}/${merged.id}`, { 'choice[name]': 'kept' })).status).toBe(303);
    const rowsOf = async (organizationId: string) =>
      (await harness.db.select().from(eventOrganizations).where(eq(eventOrganizations.organizationId, organizationId))).map((row) => `${row.eventId}:${row.concerned}:${row.attended}`).sort();
    expect(await rowsOf(merged.id)).toEqual([]);
    expect(await rowsOf(kept.id)).toEqual([`${onlyMerged}:true:true`, `${shared}:true:false`].sort());
    expect((await harness.db.select().from(eventInvitations).where(eq(eventInvitations.id, invitation.id)))[0]?.organizationId).toBe(kept.id);
    const [merge] = await harness.db.select().from(recordMerges).where(and(eq(recordMerges.keptId, kept.id), eq(recordMerges.mergedId, merged.id)));
    expect(merge?.movedRelations['events.linked']).toEqual([onlyMerged]);
    expect(merge?.movedRelations['events.unlinked']).toEqual([shared]);

    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(303);
    expect(await rowsOf(merged.id)).toEqual([`${onlyMerged}:true:true`, `${shared}:true:false`].sort());
    expect(await rowsOf(kept.id)).toEqual([`${shared}:true:false`]);
    expect((await harness.db.select().from(eventInvitations).where(eq(eventInvitations.id, invitation.id)))[0]?.organizationId).toBe(merged.id);
  });

  it('shows the organisation’s upcoming and past events on its page (Paris time, « présente », « Annulé »); « Nouvel événement » only for those who edit events', async () => {
    const lycee = await buildOrganization(harness.db, { name: 'Lycée des métiers du bois' });
    const next = await createEvent({ kind: 'job_dating', title: 'Job dating du bois', startsOn: '2028-05-15', startTime: '10:00', endTime: '12:00', organizationIds: [lycee.id] });
    const called = await createEvent({ title: 'Visite reportée', startsOn: '2028-06-01', organizationIds: [lycee.id] });
    expect((await ownerBrowser.post(`/evenements/${called}/annuler`, { reason: 'Atelier en travaux' })).status).toBe(303);
    const last = await createEvent({ kind: 'visite_site', title: 'Visite de l’atelier', startsOn: '2026-10-05', startTime: '09:00', endTime: '11:00', organizationIds: [lycee.id] });
    await harness.db.update(eventOrganizations).set({ attended: true }).where(and(eq(eventOrganizations.eventId, last), eq(eventOrganizations.organizationId, lycee.id)));
    const other = await createEvent({ title: 'Sans le lycée', startsOn: '2028-05-16' });

    const page = await ownerBrowser.get(`/structures/${lycee.id}`);
    expect(page.status).toBe(200);
    const panel = page.text.slice(page.text.indexOf('id="panel-events"'), page.text.indexOf('id="panel-sourcing"'));
    expect(panel).not.toContain('apparaîtront ici');
    // Upcoming, soonest first, in Paris time (10:00 in Paris on 15 May 2028, summer time).
    expect(panel).toContain(`href="/evenements/${next}">Job dating du bois</a>`);
    expect(panel).toContain('15/05/2028 à 10:00');
    expect(panel).toContain('Job dating');
    expect(panel.indexOf(`/evenements/${next}"`)).toBeLessThan(panel.indexOf(`/evenements/${called}"`));
    expect(panel.slice(panel.indexOf(`/evenements/${called}"`))).toMatch(/^[^]*?Visite reportée<\/a>\s*<span class="fr-badge[^"]*fr-badge--error[^"]*">Annulé<\/span>/);
    // Past: attended, so « présente »; an event without the organisation is not listed.
    const pastPart = panel.slice(panel.indexOf('Passés récemment'));
    expect(pastPart).toMatch(new RegExp(`href="/evenements/${last}">Visite de l’atelier</a>\\s*<span class="fr-badge[^"]*">présente</span>`));
    expect(pastPart).toContain('05/10/2026 à 09:00');
    expect(panel).not.toContain(`/evenements/${other}"`);
    expect(panel).toContain(`href="/evenements?organization=${lycee.id}&amp;periode=tous"`);
    expect(panel).toContain('Tous ses événements (3)');
    expect(panel).toContain(`href="/evenements/nouveau?structure=${lycee.id}"`);
    expect(panel).toContain('Nouvel événement');

    // A reader sees the events, not the button.
    const asReader = await readerBrowser.get(`/structures/${lycee.id}`);
    expect(asReader.text).toContain(`href="/evenements/${next}">Job dating du bois</a>`);
    expect(asReader.text).not.toContain('/evenements/nouveau');
    expect(asReader.text).not.toContain('Nouvel événement');
    // The link lists the same three.
    const all = await readerBrowser.get(`/evenements?organization=${lycee.id}&periode=tous`);
    expect(all.text).toContain('3 événement(s)');
  });

  it('lists upcoming and past events with filters, sort and the organisation filter', async () => {
    const salonOrg = await buildOrganization(harness.db, { name: 'Chambre des métiers' });
    const upcoming = await createEvent({ kind: 'salon', title: 'Salon de l’apprentissage', startsOn: '2029-04-02', place: 'Parc des expositions', organizationIds: [salonOrg.id] });
    const past = await createEvent({ kind: 'salon', title: 'Salon ancien', startsOn: '2025-04-02' });

    const list = await readerBrowser.get('/evenements?kind=salon');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`/evenements/${upcoming}`);
    expect(list.text).not.toContain(`/evenements/${past}"`);
    const pastList = await readerBrowser.get('/evenements?periode=passes&kind=salon');
    expect(pastList.text).toContain(`/evenements/${past}`);
    expect(pastList.text).not.toContain(`/evenements/${upcoming}"`);
    // Words of the place, accents ignored; the organisation filter names it.
    const byPlace = await readerBrowser.get('/evenements?periode=tous&q=EXPOSITIONS');
    expect(byPlace.text).toContain('Salon de l’apprentissage');
    expect(byPlace.text).not.toContain('Salon ancien');
    const byOrganization = await readerBrowser.get(`/evenements?periode=tous&organization=${salonOrg.id}`);
    expect(byOrganization.text).toContain('Chambre des métiers');
    expect(byOrganization.text).toContain('1 événement(s)');
    // Sorted by title, descending: « Salon de l’apprentissage » before « Salon ancien »… and htmx gets the results only.
    const sorted = await readerBrowser.get('/evenements?periode=tous&kind=salon&sort=title&dir=desc', { 'HX-Request': 'true', 'HX-Target': 'events-results' });
    expect(sorted.text.indexOf('Salon de l’apprentissage')).toBeLessThan(sorted.text.indexOf('Salon ancien'));
    expect(sorted.text).not.toContain('<html');
    // Unknown values are ignored.
    expect((await readerBrowser.get('/evenements?kind=inconnu&sort=x&page=abc')).status).toBe(200);
  });
});
