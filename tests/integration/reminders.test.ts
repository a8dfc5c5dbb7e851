// The reminder engine, rule by rule, on a real PostgreSQL: what each sweep plans, re-plans and
// sends (e-mails keyed reminder:<occurrence>, notifications), the users' modes, the digest and
// the preview. The clock is passed to the sweep: a week ahead of today, Monday to Friday working days.
import { and, eq, inArray } from 'drizzle-orm';
import {
  conventions,
  emails,
  eventInvitations,
  eventParticipants,
  events,
  exchangeOrganizations,
  exchangeParticipants,
  exchanges,
  notifications,
  reminderOccurrences,
  reminderRuleSettings,
  tasks,
  units,
  userReminderPreferences,
  workflowSteps,
} from '../../src/models/schema';
import { addParisDays, atParisTime, isParisWorkingDay, parisDayOf } from '../../src/lib/paris-time';
import { previewReminders, runReminderSweep } from '../../src/services/reminders.service';
import { inTransaction } from '../../src/services/context';
import { remindStep, startRun, stepDeadlineReached } from '../../src/services/workflows.service';
import { registerWorkflowDefinition } from '../../src/workflows/definitions';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { buildUser, startTestApp, type TestApp } from '../support/harness';

const BASE_URL = 'http://passerelle.test';

registerWorkflowDefinition({
  key: 'test-reminder-steps',
  version: 1,
  name: 'Circuit des relances (test)',
  settings: {},
  stages: [{ key: 'review', label: 'Revue', steps: [{ kind: 'approval', key: 'review', label: 'Revue des relances', assignee: { role: 'juriste' }, due: { workingDays: 4 } }] }],
});

/** A Monday at least two weeks ahead whose whole week is working days. */
function futureMonday(): string {
  let day = addParisDays(parisDayOf(new Date()), 14);
  for (;;) {
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    if (weekday === 1 && [0, 1, 2, 3, 4].every((offset) => isParisWorkingDay(addParisDays(day, offset)))) return day;
    day = addParisDays(day, 1);
  }
}

describe('reminder engine: rules, modes, re-planning, digest, preview', () => {
  let harness: TestApp;
  let monday: string;
  const day = (offset: number) => addParisDays(monday, offset);
  const sweep = (dayOffset: number, time: string) => runReminderSweep(harness.db, { now: atParisTime(day(dayOffset), time), baseUrl: BASE_URL });

  const occurrencesOf = (subjectId: string) => harness.db.select().from(reminderOccurrences).where(eq(reminderOccurrences.subjectId, subjectId)).orderBy(reminderOccurrences.createdAt);
  const reminderEmailsOf = async (subjectId: string) => {
    const rows = await occurrencesOf(subjectId);
    const keys = rows.map((row) => `reminder:${row.id}`);
    return keys.length === 0 ? [] : harness.db.select().from(emails).where(inArray(emails.idempotencyKey, keys));
  };
  const unitId = async (code: string) => (await harness.db.select({ id: units.id }).from(units).where(eq(units.code, code)))[0]?.id as string;

  beforeAll(async () => {
    harness = await startTestApp();
    monday = futureMonday();
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  test('meeting.day_before and morning_of: an exchange on Tuesday reaches its participants Monday 17:00 and Tuesday 07:30, once', async () => {
    const ana = await buildUser(harness.db);
    const bob = await buildUser(harness.db);
    const [exchange] = await harness.db
      .insert(exchanges)
      .values({ kind: 'rendez_vous', occurredAt: atParisTime(day(1), '10:00'), summary: 'Rendez-vous avec le CREPS', authorId: ana.id })
      .returning();
    const id = exchange?.id as string;
    await harness.db.insert(exchangeParticipants).values([ana, bob].map((user) => ({ exchangeId: id, userId: user.id, occurredAt: atParisTime(day(1), '10:00') })));

    await sweep(0, '16:59');
    expect((await occurrencesOf(id)).filter((row) => row.status === 'envoyee')).toHaveLength(0);
    await sweep(0, '17:00');
    await sweep(0, '17:01'); // a second sweep changes nothing
    let sent = await reminderEmailsOf(id);
    expect(sent.map((email) => email.toAddress).sort()).toEqual([ana.email, bob.email].sort());
    expect(sent.every((email) => email.template === 'reminder' && email.subject === 'Passerelle : Demain : Rendez-vous avec le CREPS')).toBe(true);
    expect(sent[0]?.payload.link).toBe(`${BASE_URL}/echanges/${id}`);
    const notices = await harness.db.select().from(notifications).where(and(eq(notifications.userId, ana.id), eq(notifications.kind, 'reminder.meeting.day_before')));
    expect(notices).toHaveLength(1);

    await sweep(1, '07:30');
    await sweep(1, '07:31');
    sent = await reminderEmailsOf(id);
    expect(sent).toHaveLength(4);
    const rows = await occurrencesOf(id);
    expect(rows.map((row) => `${row.ruleCode}:${row.status}:${row.late}`).sort()).toEqual(
      ['meeting.day_before:envoyee:false', 'meeting.day_before:envoyee:false', 'meeting.morning_of:envoyee:false', 'meeting.morning_of:envoyee:false'],
    );
  });

  test('task.due_today then task.overdue once; moving the due date cancels the planned one and plans the new day', async () => {
    const carla = await buildUser(harness.db);
    const [task] = await harness.db.insert(tasks).values({ title: 'Envoyer la convention signée', dueOn: day(0), assigneeId: carla.id }).returning();
    const id = task?.id as string;
    await sweep(0, '08:01');
    await sweep(1, '08:01');
    await sweep(2, '08:01');
    const rows = await occurrencesOf(id);
    expect(rows.map((row) => `${row.ruleCode}:${row.occursOn}:${row.status}`)).toEqual([`task.due_today:${day(0)}:envoyee`, `task.overdue:${day(0)}:envoyee`]);
    expect((await reminderEmailsOf(id)).map((email) => email.subject)).toEqual([
      'Passerelle : Tâche à faire aujourd’hui : Envoyer la convention signée',
      'Passerelle : Tâche en retard : Envoyer la convention signée',
    ]);

    // Planned a day ahead (Wednesday 08:00 seen from Tuesday 09:00), then moved to Thursday.
    const [later] = await harness.db.insert(tasks).values({ title: 'Relancer la mairie', dueOn: day(2), assigneeId: carla.id }).returning();
    const laterId = later?.id as string;
    await sweep(1, '09:00');
    expect((await occurrencesOf(laterId)).map((row) => `${row.occursOn}:${row.status}`)).toEqual([`${day(2)}:planifiee`]);
    await harness.db.update(tasks).set({ dueOn: day(3) }).where(eq(tasks.id, laterId));
    await sweep(1, '09:01');
    await sweep(3, '08:00');
    const moved = await occurrencesOf(laterId);
    expect(moved.map((row) => `${row.ruleCode}:${row.occursOn}:${row.status}:${row.cancelReason ?? ''}`)).toEqual([
      `task.due_today:${day(2)}:annulee:date_modifiee`,
      `task.due_today:${day(3)}:envoyee:`,
      // Already planned a day ahead: Friday 08:00 if it is still open then.
      `task.overdue:${day(3)}:planifiee:`,
    ]);
    expect(await reminderEmailsOf(laterId)).toHaveLength(1);

    // Done before its day: cancelled, nothing sent.
    const [done] = await harness.db.insert(tasks).values({ title: 'Archiver', dueOn: day(4), assigneeId: carla.id }).returning();
    await sweep(3, '09:00');
    await harness.db.update(tasks).set({ status: 'faite', doneAt: new Date() }).where(eq(tasks.id, done?.id as string));
    await sweep(4, '08:30');
    expect((await occurrencesOf(done?.id as string)).map((row) => `${row.status}:${row.cancelReason}`)).toEqual(['annulee:tache_close']);
  });

  test('convention.end at J-30 → the owner and the managers of its unit, with the « renouveler » link; notice is mandatory', async () => {
    const unit = await unitId('DDPSI');
    const owner = await buildUser(harness.db, { unitCodes: ['DDPSI'] });
    const manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    const [convention] = await harness.db
      .insert(conventions)
      .values({ reference: `CONV-T-${Date.now()}`, title: 'Partenariat CFA', kind: 'partenariat', status: 'en_vigueur', ownerId: owner.id, unitId: unit, endsOn: day(30), noticeDeadline: day(7) })
      .returning();
    const id = convention?.id as string;
    // The manager switched both off: « end » is not mandatory, « notice » is.
    await harness.db.insert(userReminderPreferences).values([
      { userId: manager.id, ruleCode: 'convention.end', mode: 'aucun' },
      { userId: manager.id, ruleCode: 'convention.notice', mode: 'aucun' },
    ]);
    await sweep(0, '08:00');
    const rows = await occurrencesOf(id);
    const byRule = (rule: string) => rows.filter((row) => row.ruleCode === rule).map((row) => `${row.userId === owner.id ? 'owner' : 'manager'}:${row.offsetDays}:${row.status}`).sort();
    expect(byRule('convention.end')).toEqual(['manager:30:ignoree', 'owner:30:envoyee']);
    expect(byRule('convention.notice')).toEqual(['manager:7:envoyee', 'owner:7:envoyee']);
    const sent = await reminderEmailsOf(id);
    expect(sent).toHaveLength(3);
    const endMail = sent.find((email) => email.subject.includes('Fin de convention'));
    expect(endMail?.toAddress).toBe(owner.email);
    expect(endMail?.payload.actions).toEqual([{ label: 'Renouveler la convention', url: `${BASE_URL}/conventions/${id}/renouveler` }]);
    // The notice reminder leads to the convention's termination form (an anchor the page has).
    const noticeMail = sent.find((email) => email.toAddress === owner.email && email !== endMail);
    expect(noticeMail?.payload.actions).toEqual([{ label: 'Résilier la convention', url: `${BASE_URL}/conventions/${id}#terminate-form` }]);

    // Terminated: its next reminders are cancelled.
    await sweep(22, '09:00'); // J-7 of the end planned for tomorrow (Wednesday of the fourth week)
    await harness.db.update(conventions).set({ status: 'resiliee' }).where(eq(conventions.id, id));
    await sweep(22, '09:01');
    expect((await occurrencesOf(id)).filter((row) => row.status === 'planifiee')).toHaveLength(0);
    expect((await occurrencesOf(id)).some((row) => row.cancelReason === 'convention_close')).toBe(true);
  });

  test('résumé mode: the reminder waits for the digest at 08:00, which carries it; an empty digest is not sent; none on Saturday', async () => {
    const dora = await buildUser(harness.db);
    const idle = await buildUser(harness.db);
    await harness.db.insert(userReminderPreferences).values({ userId: dora.id, ruleCode: 'task.due_today', mode: 'resume' });
    const [task] = await harness.db.insert(tasks).values({ title: 'Préparer le comité', dueOn: day(1), assigneeId: dora.id }).returning();
    // Task reminder and digest both at 08:00 on Tuesday: the reminder is handled first.
    await sweep(1, '08:00');
    const [reminder] = await occurrencesOf(task?.id as string);
    expect(reminder?.status).toBe('resumee');
    expect(await reminderEmailsOf(task?.id as string)).toHaveLength(0);
    const [digest] = await harness.db.select().from(reminderOccurrences).where(and(eq(reminderOccurrences.ruleCode, 'digest.daily'), eq(reminderOccurrences.subjectId, dora.id), eq(reminderOccurrences.occursOn, day(1))));
    expect(digest?.status).toBe('envoyee');
    expect(reminder?.digestId).toBe(digest?.id);
    const [mail] = await harness.db.select().from(emails).where(eq(emails.idempotencyKey, `reminder:${digest?.id}`));
    expect(mail?.template).toBe('reminder_digest');
    const sections = mail?.payload.sections as Array<{ title: string; items: Array<{ label: string }> }>;
    expect(sections.map((section) => section.title)).toEqual(['Vos relances', 'Tâches à faire']);
    expect(sections.flatMap((section) => section.items.map((item) => item.label))).toEqual(['Préparer le comité', 'Préparer le comité']);

    const [idleDigest] = await harness.db.select().from(reminderOccurrences).where(and(eq(reminderOccurrences.ruleCode, 'digest.daily'), eq(reminderOccurrences.subjectId, idle.id), eq(reminderOccurrences.occursOn, day(1))));
    expect(`${idleDigest?.status}:${idleDigest?.delivery}`).toBe('ignoree:vide');
    expect(await harness.db.select().from(emails).where(eq(emails.idempotencyKey, `reminder:${idleDigest?.id}`))).toHaveLength(0);

    await sweep(5, '12:00');
    const saturday = await harness.db.select().from(reminderOccurrences).where(and(eq(reminderOccurrences.ruleCode, 'digest.daily'), eq(reminderOccurrences.occursOn, day(5))));
    expect(saturday).toHaveLength(0);
  });

  test('event: participants get J-1; an invitee who accepted gets the partner reminder; cancelling the event cancels what is planned', async () => {
    const eve = await buildUser(harness.db);
    const organization = await buildOrganization(harness.db);
    const accepted = await buildContact(harness.db, { organizationId: organization.id, emails: ['invitee@partenaire.test'] });
    const declined = await buildContact(harness.db, { organizationId: organization.id, emails: ['declined@partenaire.test'] });
    const insertEvent = async (title: string, startDay: string) => {
      const [event] = await harness.db
        .insert(events)
        .values({ kind: 'job_dating', title, startsAt: atParisTime(startDay, '14:00'), endsAt: atParisTime(startDay, '17:00'), place: 'Amphi A', ownerId: eve.id })
        .returning();
      const eventId = event?.id as string;
      await harness.db.insert(eventParticipants).values({ eventId, userId: eve.id, startsAt: atParisTime(startDay, '14:00') });
      const invitations = await harness.db
        .insert(eventInvitations)
        .values([
          { eventId, contactId: accepted.id, organizationId: organization.id, response: 'accepte' as const, respondedAt: new Date() },
          { eventId, contactId: declined.id, organizationId: organization.id, response: 'decline' as const, respondedAt: new Date() },
        ])
        .returning();
      return { eventId, invitations };
    };
    const held = await insertEvent('Job dating du CFA', day(3));
    await sweep(2, '17:00');
    const participantMails = await reminderEmailsOf(held.eventId);
    expect(participantMails.map((email) => email.toAddress)).toEqual([eve.email]);
    const acceptedInvitation = held.invitations.find((row) => row.contactId === accepted.id);
    const partnerRows = await occurrencesOf(acceptedInvitation?.id as string);
    expect(partnerRows.map((row) => `${row.ruleCode}:${row.recipientKey}`)).toEqual([`event.partner_day_before:contact:${accepted.id}`]);
    expect(`${partnerRows[0]?.status}:${partnerRows[0]?.late}`).toBe('envoyee:true'); // due Wednesday 09:00, the sweep ran at 17:00
    const [mail] = await reminderEmailsOf(acceptedInvitation?.id as string);
    expect(mail?.toAddress).toBe('invitee@partenaire.test');
    expect(mail?.template).toBe('event_partner_reminder');
    expect(await occurrencesOf(held.invitations.find((row) => row.contactId === declined.id)?.id as string)).toHaveLength(0);

    const cancelled = await insertEvent('Salon annulé', day(4));
    await sweep(2, '18:00'); // planned for Wednesday 17:00
    expect((await occurrencesOf(cancelled.eventId)).map((row) => row.status)).toEqual(['planifiee']);
    await harness.db.update(events).set({ status: 'annule', cancelledAt: new Date() }).where(eq(events.id, cancelled.eventId));
    await sweep(3, '17:00');
    expect((await occurrencesOf(cancelled.eventId)).map((row) => `${row.status}:${row.cancelReason}`)).toEqual(['annulee:evenement_annule']);
    expect(await reminderEmailsOf(cancelled.eventId)).toHaveLength(0);
  });

  test('reciprocity.behind: a followed partner met once in twelve months → its owner, once in the month', async () => {
    const fanny = await buildUser(harness.db);
    const organization = await buildOrganization(harness.db, { followedPartner: true, ownerId: fanny.id });
    const metAt = new Date(atParisTime(day(0), '10:00').getTime() - 200 * 24 * 3_600_000);
    const [exchange] = await harness.db.insert(exchanges).values({ kind: 'rendez_vous', occurredAt: metAt, summary: 'Visite', authorId: fanny.id }).returning();
    await harness.db.insert(exchangeOrganizations).values({ exchangeId: exchange?.id as string, organizationId: organization.id, occurredAt: metAt });
    await sweep(0, '09:00');
    await sweep(0, '10:30');
    await sweep(0, '12:00');
    const rows = await occurrencesOf(organization.id);
    expect(rows.map((row) => `${row.ruleCode}:${row.userId === fanny.id}:${row.status}:${row.occursOn.slice(8)}`)).toEqual(['reciprocity.behind:true:envoyee:01']);
    expect(await reminderEmailsOf(organization.id)).toHaveLength(1);
  });

  test('after days down, the digests of the missed days go out late, once each; a « résumé » reminder is in the first only', async () => {
    const hugo = await buildUser(harness.db);
    await harness.db.insert(userReminderPreferences).values({ userId: hugo.id, ruleCode: 'task.due_today', mode: 'resume' });
    const [task] = await harness.db.insert(tasks).values({ title: 'Compléter le bilan', dueOn: day(8), assigneeId: hugo.id }).returning();
    await sweep(7, '18:00');
    await sweep(10, '10:00'); // down from Monday evening to Thursday 10:00
    await sweep(10, '10:01');
    const workingDays = [8, 9, 10].map(day).filter(isParisWorkingDay);
    // (Earlier days' digests, planned since the file's previous sweep, were empty: « ignoree ».)
    const digests = await harness.db
      .select()
      .from(reminderOccurrences)
      .where(and(eq(reminderOccurrences.ruleCode, 'digest.daily'), eq(reminderOccurrences.subjectId, hugo.id), inArray(reminderOccurrences.occursOn, workingDays)))
      .orderBy(reminderOccurrences.occursOn);
    // Thursday's too is late: due at 08:00, handled at 10:00.
    expect(digests.map((row) => `${row.occursOn}:${row.status}:${row.late}`)).toEqual(workingDays.map((iso) => `${iso}:envoyee:true`));
    const mails = await harness.db.select().from(emails).where(inArray(emails.idempotencyKey, digests.map((row) => `reminder:${row.id}`)));
    const carrying = mails.filter((mail) => (mail.payload.sections as Array<{ title: string }>).some((section) => section.title === 'Vos relances'));
    expect(carrying).toHaveLength(1);
    const [reminder] = await occurrencesOf(task?.id as string);
    expect(reminder?.digestId).toBe(digests.find((row) => mails.find((mail) => mail.id === row.emailId) === carrying[0])?.id);
  });

  test('workflow.step_overdue: the engine’s reminder and escalation are recorded as sent occurrences; the preview shows a step’s coming ones', async () => {
    const juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DAJ'], displayName: 'Juriste Relances' });
    const starter = await buildUser(harness.db, { unitCodes: ['DDPSI'] });
    const manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    const ctx = await harness.context(starter);
    const run = await inTransaction(ctx, (tx) =>
      startRun(tx, ctx, { definitionKey: 'test-reminder-steps', subject: { type: 'reminder-test', id: 'sujet-1', unitId: null, context: { title: 'Convention des relances' } } }),
    );
    const [step] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.runId, run.id));
    const stepId = step?.id as string;
    const preview = await previewReminders(harness.db, { now: new Date(), days: 30, ruleCodes: ['workflow.step_overdue'], userId: juriste.id });
    expect(preview.filter((item) => item.subjectId === stepId).map((item) => `${item.offsetDays}:${item.recipientLabel}`)).toEqual(['1:Juriste Relances', '0:Juriste Relances']);

    expect(await remindStep(harness.db, stepId)).toBe('reminded');
    expect(await remindStep(harness.db, stepId)).toBe('skipped');
    expect(await stepDeadlineReached(harness.db, stepId)).toBe('escalated');
    const rows = await occurrencesOf(stepId);
    expect(rows.map((row) => `${row.ruleCode}:${row.offsetDays}:${row.status}:${row.userId === juriste.id ? 'juriste' : row.userId === manager.id ? 'manager' : 'other'}`)).toEqual(
      expect.arrayContaining(['workflow.step_overdue:1:envoyee:juriste', 'workflow.step_overdue:0:envoyee:manager']),
    );
    // The e-mails are the engine's own (unchanged): one reminder to the juriste.
    const reminders = await harness.db.select().from(emails).where(eq(emails.idempotencyKey, `workflow-step-${stepId}-reminder-${juriste.id}`));
    expect(reminders).toHaveLength(1);
  });

  test('a disabled rule plans nothing; the preview lists the next 30 days from the same queries, with recipients', async () => {
    const gus = await buildUser(harness.db, { displayName: 'Gus Aperçu' });
    const [task] = await harness.db.insert(tasks).values({ title: 'Tâche à prévoir', dueOn: day(40), assigneeId: gus.id }).returning();
    const preview = await previewReminders(harness.db, { now: atParisTime(day(25), '09:00'), days: 30 });
    const mine = preview.filter((item) => item.subjectId === task?.id);
    expect(mine.map((item) => `${item.ruleCode}:${item.recipientLabel}:${item.subjectLabel}:${item.link}`)).toEqual([
      `task.due_today:Gus Aperçu:Tâche à prévoir:/taches/${task?.id}`,
      `task.overdue:Gus Aperçu:Tâche à prévoir:/taches/${task?.id}`,
    ]);
    expect(mine[0]?.dueAt.toISOString()).toBe(atParisTime(day(40), '08:00').toISOString());
    expect(preview.some((item) => item.ruleCode === 'digest.daily' && item.userId === gus.id)).toBe(true);
    // Nothing was written by the preview.
    expect(await occurrencesOf(task?.id as string)).toHaveLength(0);

    await harness.db.insert(reminderRuleSettings).values({ ruleCode: 'task.due_today', enabled: false, offsetsDays: [0], sendTime: '08:00' });
    try {
      await sweep(40, '08:05');
      expect((await occurrencesOf(task?.id as string)).map((row) => row.ruleCode)).toEqual([]);
    } finally {
      await harness.db.delete(reminderRuleSettings).where(eq(reminderRuleSettings.ruleCode, 'task.due_today'));
    }
  });
});
