// Issue 13 in embedded mode (PGlite, the in-process SMTP sink, the worker's jobs): an invitation
// sent from the event's page reaches the sink with its calendar part and its RSVP link answers
// without an account; a reminder planned by the sweep job (the BullMQ job scheduler, not a direct
// call) goes out through the outbox and the mail job — all through PGlite's one connection.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { openDatabase, type DatabaseHandle } from '../../src/models/database';
import { listUnits } from '../../src/models/units.model';
import { devMailbox, eventInvitations, events, reminderOccurrences, reminderRuleSettings, tasks } from '../../src/models/schema';
import { parisDayOf } from '../../src/lib/paris-time';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

const HOUR = 3_600_000;

describe('events and reminders in embedded mode (PGlite)', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let harness: TestApp;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-embedded-events-'));
    handle = await openDatabase({ driver: 'pglite', dataDir });
    await handle.migrate();
    harness = await startTestApp({ worker: true, reminders: { sweepEveryMs: 1_000 }, database: { db: handle.db, close: async () => undefined } });
  }, 180_000);

  afterAll(async () => {
    await harness.close();
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('an invitation sent from the page reaches the sink with its calendar part; its RSVP link records the answer', async () => {
    const owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Lefèvre' });
    const unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')?.id as string;
    const startsAt = new Date(Math.floor((Date.now() + 6 * 24 * HOUR) / 60_000) * 60_000);
    const [event] = await harness.db
      .insert(events)
      .values({ kind: 'comite_pilotage', title: 'Comité de pilotage embarqué', startsAt, endsAt: new Date(startsAt.getTime() + 2 * HOUR), place: 'Poitiers', unitId, ownerId: owner.id })
      .returning();
    const eventId = event?.id as string;
    const organization = await buildOrganization(harness.db, { name: 'Université de Poitiers (embarqué)' });
    const contact = await buildContact(harness.db, { firstName: 'Léa', lastName: 'Girard', emails: ['lea.girard@univ-poitiers.test'], organizationId: organization.id });

    const browser = new TestBrowser(harness.app);
    await browser.login(owner.email);
    await browser.get('/');
    expect((await browser.post(`/evenements/${eventId}/invitations`, { contactIds: [contact.id] })).status).toBe(303);
    expect((await browser.post(`/evenements/${eventId}/invitations/envoyer`, {})).status).toBe(303);

    const mail = await eventually(async () => (await harness.db.select().from(devMailbox).where(sql`${'lea.girard@univ-poitiers.test'} = any(${devMailbox.envelopeTo})`))[0], 20_000);
    expect(mail.subject).toContain('Comité de pilotage embarqué');
    expect(mail.headers['Content-Type (invitation)']).toMatch(/^text\/calendar/);
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const link = /http:\/\/passerelle\.test(\/invitation\/[A-Za-z0-9_.-]+)\?reponse=accepte/.exec(mail.textBody ?? '')?.[1];
    expect(link).toBeDefined();

    const anonymous = request(harness.app);
    expect((await anonymous.get(`${link}?reponse=accepte`)).status).toBe(200);
    const answered = await anonymous.post(String(link)).type('form').send({ reponse: 'accepte' });
    expect(answered.status).toBe(303);
    expect((await anonymous.get(String(answered.headers.location))).text).toContain('Comité de pilotage embarqué');
    const [invitation] = await harness.db.select().from(eventInvitations).where(eq(eventInvitations.eventId, eventId));
    expect(invitation?.response).toBe('accepte');
  });

  test('the sweep job plans a task reminder and the mail job delivers it once', async () => {
    const assignee = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], email: 'nadia.embarque@passerelle.test' });
    // Due at midnight today (Paris): already due whatever the hour the test runs.
    await harness.db.insert(reminderRuleSettings).values({ ruleCode: 'task.due_today', enabled: true, mandatory: false, offsetsDays: [0], sendTime: '00:00' });
    const [task] = await harness.db.insert(tasks).values({ title: 'Relancer le CFA (embarqué)', dueOn: parisDayOf(new Date()), assigneeId: assignee.id }).returning();

    const mail = await eventually(async () => (await harness.db.select().from(devMailbox).where(sql`${'nadia.embarque@passerelle.test'} = any(${devMailbox.envelopeTo})`))[0], 30_000);
    expect(mail.subject).toContain('Relancer le CFA (embarqué)');
    const occurrences = await harness.db.select().from(reminderOccurrences).where(eq(reminderOccurrences.subjectId, task?.id as string));
    expect(occurrences.map((row) => `${row.ruleCode}:${row.status}`)).toEqual(['task.due_today:envoyee']);
    // More sweeps run meanwhile (every second): still one e-mail.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const delivered = await harness.db.select().from(devMailbox).where(sql`${'nadia.embarque@passerelle.test'} = any(${devMailbox.envelopeTo})`);
    expect(delivered).toHaveLength(1);
  });
});
