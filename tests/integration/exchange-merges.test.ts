// Merging two organisations or two contacts carries their exchanges and tasks (issue 12): the
// merged record's exchange links and tasks move to the kept one without doubling a link, the
// merge screen counts them, and undoing the merge gives them back exactly.
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../src/models/database';
import { exchangeContacts, exchangeOrganizations, exchanges, recordMerges, tasks, type User } from '../../src/models/schema';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

async function buildExchange(db: Database, authorId: string, links: { organizationIds?: string[]; contactIds?: string[] }, occurredAt = new Date('2026-10-02T09:00:00Z')) {
  const [exchange] = await db.insert(exchanges).values({ kind: 'rendez_vous', occurredAt, summary: 'Rencontre de test', authorId }).returning();
  if (!exchange) throw new Error('exchange not inserted');
  for (const organizationId of links.organizationIds ?? []) await db.insert(exchangeOrganizations).values({ exchangeId: exchange.id, organizationId, occurredAt });
  for (const contactId of links.contactIds ?? []) await db.insert(exchangeContacts).values({ exchangeId: exchange.id, contactId, occurredAt });
  return exchange;
}

async function buildTask(db: Database, assignee: User, links: { organizationId?: string; contactId?: string }) {
  const [task] = await db.insert(tasks).values({ title: 'Relancer', dueOn: '2026-12-15', assigneeId: assignee.id, createdById: assignee.id, ...links }).returning();
  if (!task) throw new Error('task not inserted');
  return task;
}

describe('merges carry exchanges and tasks', () => {
  let harness: TestApp;
  let manager: TestBrowser;
  let admin: TestBrowser;
  let author: User;

  beforeAll(async () => {
    harness = await startTestApp();
    author = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    manager = new TestBrowser(harness.app);
    await manager.login(author.email);
    admin = new TestBrowser(harness.app);
    await admin.login((await buildUser(harness.db, { roles: ['admin'] })).email);
    // The session's CSRF token is read from a page, as a browser's form would have it.
    await admin.get('/structures');
  });
  afterAll(() => harness.close());

  const organizationLinks = async (ids: string[]) =>
    (await harness.db.select().from(exchangeOrganizations).where(inArray(exchangeOrganizations.organizationId, ids)))
      .map((row) => `${row.exchangeId}>${row.organizationId}@${row.occurredAt.toISOString()}`)
      .sort();
  const contactLinks = async (ids: string[]) =>
    (await harness.db.select().from(exchangeContacts).where(inArray(exchangeContacts.contactId, ids))).map((row) => `${row.exchangeId}>${row.contactId}`).sort();
  const taskRow = async (id: string) => (await harness.db.select().from(tasks).where(eq(tasks.id, id)))[0];
  const mergeOf = async (keptId: string, mergedId: string) =>
    (await harness.db.select().from(recordMerges).where(and(eq(recordMerges.keptId, keptId), eq(recordMerges.mergedId, mergedId))))[0];

  test('organisations: links and tasks move (a shared exchange keeps one link), undo restores them', async () => {
    const kept = await buildOrganization(harness.db, { name: 'EdTech Albatros', unitCodes: ['DDPSI'] });
    const merged = await buildOrganization(harness.db, { name: 'Albatros EdTech SAS', unitCodes: ['DDPSI'] });
    const onlyMerged = await buildExchange(harness.db, author.id, { organizationIds: [merged.id] });
    const shared = await buildExchange(harness.db, author.id, { organizationIds: [kept.id, merged.id] }, new Date('2026-09-01T08:00:00Z'));
    const onlyKept = await buildExchange(harness.db, author.id, { organizationIds: [kept.id] });
    const mergedTask = await buildTask(harness.db, author, { organizationId: merged.id });
    const keptTask = await buildTask(harness.db, author, { organizationId: kept.id });
    const before = await organizationLinks([kept.id, merged.id]);

    const screen = await manager.get(`/doublons/structures/${kept.id}/${merged.id}`);
    expect(screen.status).toBe(200);
    expect(screen.text).toContain('2 échange(s)');
    expect(screen.text).toContain('1 tâche(s)');

    expect((await manager.post(`/doublons/structures/${kept.id}/${merged.id}`, { 'choice[name]': 'kept' })).status).toBe(303);
    // Every exchange names the kept organisation once, with its date copied; none names the merged one.
    expect(await organizationLinks([merged.id])).toEqual([]);
    const afterMerge = await harness.db.select().from(exchangeOrganizations).where(eq(exchangeOrganizations.organizationId, kept.id));
    expect(afterMerge.map((row) => row.exchangeId).sort()).toEqual([onlyMerged.id, shared.id, onlyKept.id].sort());
    expect(afterMerge.find((row) => row.exchangeId === shared.id)?.occurredAt.toISOString()).toBe('2026-09-01T08:00:00.000Z');
    expect((await taskRow(mergedTask.id))?.organizationId).toBe(kept.id);
    expect((await taskRow(keptTask.id))?.organizationId).toBe(kept.id);
    const merge = await mergeOf(kept.id, merged.id);
    expect(merge?.movedRelations['exchanges.linked']).toEqual([onlyMerged.id]);
    expect(merge?.movedRelations['exchanges.unlinked']).toEqual([shared.id]);
    expect(merge?.movedRelations.tasks).toEqual([mergedTask.id]);

    // Something added after the merge stays with the kept organisation on undo.
    const later = await buildExchange(harness.db, author.id, { organizationIds: [kept.id] });
    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(303);
    expect((await organizationLinks([kept.id, merged.id])).filter((link) => !link.startsWith(later.id))).toEqual(before);
    expect((await taskRow(mergedTask.id))?.organizationId).toBe(merged.id);
    expect((await taskRow(keptTask.id))?.organizationId).toBe(kept.id);
  });

  test('contacts: exchange links and tasks move to the kept person and come back on undo', async () => {
    const employer = await buildOrganization(harness.db, { name: 'Start-up Cormoran' });
    const kept = await buildContact(harness.db, { firstName: 'Inès', lastName: 'Cormier', emails: ['ines@cormoran.example.fr'], organizationId: employer.id, unitCodes: ['DDPSI'] });
    const merged = await buildContact(harness.db, { firstName: 'Ines', lastName: 'Cormier', emails: ['ines@cormoran.example.fr'], unitCodes: ['DDPSI'] });
    const onlyMerged = await buildExchange(harness.db, author.id, { organizationIds: [employer.id], contactIds: [merged.id] });
    const shared = await buildExchange(harness.db, author.id, { organizationIds: [employer.id], contactIds: [kept.id, merged.id] });
    const task = await buildTask(harness.db, author, { organizationId: employer.id, contactId: merged.id });
    const before = await contactLinks([kept.id, merged.id]);

    expect((await manager.post(`/doublons/contacts/${kept.id}/${merged.id}`, {})).status).toBe(303);
    expect(await contactLinks([merged.id])).toEqual([]);
    expect(await contactLinks([kept.id])).toEqual([`${onlyMerged.id}>${kept.id}`, `${shared.id}>${kept.id}`].sort());
    expect((await taskRow(task.id))?.contactId).toBe(kept.id);
    // The organisation side of the task and exchanges is untouched by a contact merge.
    expect((await taskRow(task.id))?.organizationId).toBe(employer.id);
    expect(await organizationLinks([employer.id])).toHaveLength(2);

    const merge = await mergeOf(kept.id, merged.id);
    expect((await admin.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(303);
    expect(await contactLinks([kept.id, merged.id])).toEqual(before);
    expect((await taskRow(task.id))?.contactId).toBe(merged.id);
  });
});
