// One timeline per record (issue 12): an organisation's, a contact's and a convention's history
// is one stream of exchanges, tasks (created, done), journal changes with French labels and
// names, circuit events, documents and merges, newest first, paginated without gaps or repeats,
// filtered by type and period; confidential exchanges are neither shown nor counted for outsiders.
import { conventionDocuments, conventionParties, conventions, exchangeContacts, exchangeOrganizations, exchangeUnits, exchanges, tasks, type User, workflowRuns, workflowSteps } from '../../src/models/schema';
import { insertAuditEntry } from '../../src/models/audit.model';
import { listUnits } from '../../src/models/units.model';
import { readTimeline, type TimelineView } from '../../src/services/timeline.service';
import { buildContact, buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const T0 = Date.parse('2026-03-02T09:00:00Z');
const at = (hours: number) => new Date(T0 + hours * 3600_000);

describe('one timeline per record', () => {
  let harness: TestApp;
  let author: User;
  let member: User;
  let outsider: User;
  let unitId: string;
  let organizationId: string;
  let contactId: string;
  let conventionId: string;

  async function addExchange(values: { summary: string; at: Date; organizationIds?: string[]; contactIds?: string[]; confidential?: boolean; conventionId?: string }) {
    const [exchange] = await harness.db
      .insert(exchanges)
      .values({
        kind: 'rendez_vous',
        occurredAt: values.at,
        summary: values.summary,
        outcome: 'positive',
        confidential: values.confidential ?? false,
        authorId: author.id,
        subjectType: values.conventionId ? 'convention' : null,
        subjectId: values.conventionId ?? null,
      })
      .returning();
    if (!exchange) throw new Error('exchange not inserted');
    for (const id of values.organizationIds ?? []) await harness.db.insert(exchangeOrganizations).values({ exchangeId: exchange.id, organizationId: id, occurredAt: values.at });
    for (const id of values.contactIds ?? []) await harness.db.insert(exchangeContacts).values({ exchangeId: exchange.id, contactId: id, occurredAt: values.at });
    await harness.db.insert(exchangeUnits).values({ exchangeId: exchange.id, unitId, occurredAt: values.at });
    return exchange;
  }

  function journal(values: { action: string; entityType: string; entityId: string; at: Date; changes?: Record<string, { before: unknown; after: unknown }>; metadata?: Record<string, unknown> }) {
    return insertAuditEntry(harness.db, { actorId: author.id, actorLabel: author.displayName, changes: {}, metadata: {}, ...values });
  }

  async function timelineOf(user: User, subject: { type: 'organization' | 'contact' | 'convention'; id: string }, query: Record<string, unknown> = {}): Promise<TimelineView> {
    return readTimeline(await harness.context(user), subject, query);
  }

  const countOf = (view: TimelineView, type: string) => view.typeOptions.find((option) => option.value === type)?.count;
  const summaries = (view: TimelineView) => view.entries.map((entry) => ('summary' in entry && entry.summary) || ('actionLabel' in entry && entry.actionLabel) || ('stepLabel' in entry && entry.stepLabel) || '');

  beforeAll(async () => {
    harness = await startTestApp();
    const units = await listUnits(harness.db);
    unitId = (units.find((unit) => unit.code === 'DDPSI') ?? units[0])!.id;
    author = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Léa Fontaine' });
    member = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    outsider = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'] });
    const organization = await buildOrganization(harness.db, { name: 'Université de Rennes', unitCodes: ['DDPSI'] });
    organizationId = organization.id;
    contactId = (await buildContact(harness.db, { firstName: 'Camille', lastName: 'Durand', organizationId })).id;
    const [convention] = await harness.db.insert(conventions).values({ reference: 'CONV-TL-0001', title: 'Partenariat Rennes', kind: 'partenariat', unitId }).returning();
    conventionId = convention!.id;
    await harness.db.insert(conventionParties).values({ conventionId, organizationId });

    // The organisation's own entries.
    await journal({ action: 'organization.updated', entityType: 'organization', entityId: organizationId, at: at(1), changes: { ownerId: { before: null, after: author.id }, status: { before: 'prospect', after: 'actif' } } });
    await addExchange({ summary: 'Rencontre sur le campus', at: at(2), organizationIds: [organizationId] });
    await harness.db.insert(tasks).values({ title: 'Envoyer la plaquette', dueOn: '2026-03-09', assigneeId: author.id, createdById: author.id, organizationId, status: 'faite', createdAt: at(3), doneAt: at(5), doneById: author.id });
    await journal({ action: 'organization.merged', entityType: 'organization', entityId: organizationId, at: at(4), metadata: { mergedLabel: 'Univ. Rennes 2' } });
    await addExchange({ summary: 'Négociation confidentielle', at: at(8), organizationIds: [organizationId], confidential: true });
    // The journal of the exchange itself is told by the exchange's entry, not twice.
    await journal({ action: 'exchange.created', entityType: 'exchange', entityId: organizationId, at: at(2), metadata: { related: [organizationId] } });
    // An affiliation's entry names the organisation in metadata.related.
    await journal({ action: 'affiliation.created', entityType: 'affiliation', entityId: contactId, at: at(0.5), metadata: { related: [organizationId, contactId] } });

    // Its convention's entries: a circuit decision with its comment, a reminder, documents.
    await journal({ action: 'workflow.step_approved', entityType: 'convention', entityId: conventionId, at: at(6), metadata: { label: 'Avis juridique', comment: 'Clauses conformes' } });
    const [run] = await harness.db
      .insert(workflowRuns)
      .values({ definitionKey: 'convention-standard', definitionVersion: 1, definition: {}, subjectType: 'convention', subjectId: conventionId, startedAt: at(5.5) })
      .returning();
    await harness.db.insert(workflowSteps).values({ runId: run!.id, stageIndex: 0, stepKey: 'finance', label: 'Visa financier', kind: 'approval', parallelGroup: 'finance', status: 'active', assigneeUserId: member.id, remindedAt: at(6.5) });
    const [open] = await harness.db.insert(conventionDocuments).values({ conventionId, kind: 'annexe', title: 'Annexe technique' }).returning();
    const [secret] = await harness.db.insert(conventionDocuments).values({ conventionId, kind: 'annexe', title: 'Annexe financière', confidential: true }).returning();
    await journal({ action: 'convention.documentUploaded', entityType: 'convention', entityId: conventionId, at: at(7), metadata: { documentId: open!.id, fileName: 'Annexe-technique.pdf' } });
    await journal({ action: 'convention.documentUploaded', entityType: 'convention', entityId: conventionId, at: at(7.5), metadata: { documentId: secret!.id, fileName: 'Budget-secret.pdf', confidential: true } });
    await addExchange({ summary: 'Point sur la convention', at: at(9), conventionId });

    // Its contact's entries.
    await addExchange({ summary: 'Appel avec Camille', at: at(10), contactIds: [contactId] });
    await harness.db.insert(tasks).values({ title: 'Rappeler Camille', dueOn: '2026-03-20', assigneeId: author.id, createdById: author.id, contactId, createdAt: at(11) });
  });
  afterAll(async () => {
    await harness.close();
  });

  it('merges the organisation’s exchanges, tasks, journal and merges in one stream, newest first, with labels and names', async () => {
    const view = await timelineOf(member, { type: 'organization', id: organizationId });
    expect(summaries(view)).toEqual([
      'Négociation confidentielle',
      'Envoyer la plaquette', // done (5 h)
      'Structures fusionnées',
      'Envoyer la plaquette', // created (3 h)
      'Rencontre sur le campus',
      'Structure modifiée',
      expect.any(String), // the affiliation
    ]);
    const tasksShown = view.entries.filter((entry) => 'isTask' in entry);
    expect(tasksShown.map((entry) => entry.title)).toEqual(['Tâche faite', 'Tâche créée']);
    expect(tasksShown[0]).toMatchObject({ statusLabel: 'Faite', assigneeName: 'Léa Fontaine' });
    const exchange = view.entries.find((entry) => 'isExchange' in entry && entry.summary === 'Rencontre sur le campus');
    expect(exchange).toMatchObject({ title: 'Rendez-vous', outcomeLabel: expect.not.stringMatching(/^positive$/), authorName: 'Léa Fontaine', organizations: [{ name: 'Université de Rennes' }] });
    const change = view.entries.find((entry) => 'actionLabel' in entry && entry.actionLabel === 'Structure modifiée');
    const changes = change && 'changeList' in change ? change.changeList : [];
    expect(changes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'Responsable', before: '—', after: 'Léa Fontaine' }), expect.objectContaining({ after: 'Actif' })]));
    // The exchange's own journal entry is not repeated.
    expect(view.entries.some((entry) => 'action' in entry && entry.action === 'exchange.created')).toBe(false);
    expect(countOf(view, 'echange')).toBe(2);
    expect(countOf(view, 'tache')).toBe(2);
    expect(countOf(view, 'fusion')).toBe(1);
  });

  it('adds the contacts’ and conventions’ entries with the toggle: circuit events, reminders, documents', async () => {
    const plain = await timelineOf(member, { type: 'organization', id: organizationId });
    expect(countOf(plain, 'circuit')).toBe(0);
    const view = await timelineOf(member, { type: 'organization', id: organizationId }, { avec: 'contacts,conventions' });
    expect(summaries(view).slice(0, 8)).toEqual([
      'Rappeler Camille',
      'Appel avec Camille',
      'Point sur la convention',
      'Négociation confidentielle',
      expect.any(String), // the confidential document (7 h 30)
      expect.any(String), // open document (7 h)
      'Visa financier',
      expect.any(String), // the decision (6 h)
    ]);
    const decision = view.entries.find((entry) => 'action' in entry && entry.action === 'workflow.step_approved');
    expect(decision).toMatchObject({ type: 'circuit', stepLabel: 'Avis juridique', note: 'Clauses conformes', recordLabel: expect.stringContaining('CONV-TL-0001') });
    const reminder = view.entries.find((entry) => 'isReminder' in entry);
    expect(reminder).toMatchObject({ type: 'circuit', stepLabel: 'Visa financier' });
    expect(countOf(view, 'circuit')).toBe(2);
    expect(countOf(view, 'document')).toBe(2);
    expect(countOf(view, 'echange')).toBe(4);
    expect(countOf(view, 'tache')).toBe(3);
    // The unit member sees the confidential document's name; an outsider reads « Document confidentiel ».
    const notes = (entries: TimelineView['entries']) => entries.filter((entry) => entry.type === 'document').map((entry) => ('note' in entry ? entry.note : null));
    expect(notes(view.entries)).toEqual(['Budget-secret.pdf', 'Annexe-technique.pdf']);
    const outside = await timelineOf(outsider, { type: 'organization', id: organizationId }, { avec: ['contacts', 'conventions'] });
    expect(notes(outside.entries)).toEqual(['Document confidentiel', 'Annexe-technique.pdf']);
  });

  it('leaves a confidential exchange out of an outsider’s entries and counts', async () => {
    const outside = await timelineOf(outsider, { type: 'organization', id: organizationId });
    expect(summaries(outside)).not.toContain('Négociation confidentielle');
    expect(countOf(outside, 'echange')).toBe(1);
    expect(outside.total).toBe(6);
    const inside = await timelineOf(member, { type: 'organization', id: organizationId });
    expect(summaries(inside)).toContain('Négociation confidentielle');
    expect(inside.total).toBe(7);
    const browser = new TestBrowser(harness.app);
    await browser.login(outsider.email);
    const page = await browser.get(`/structures/${organizationId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Rencontre sur le campus');
    expect(page.text).not.toContain('Négociation confidentielle');
    expect(page.text).toContain('Échanges (1)');

    // The next step of a confidential exchange goes with it.
    const rectorat = await buildOrganization(harness.db, { name: 'Rectorat de Rennes' });
    const secret = await addExchange({ summary: 'Entretien confidentiel', at: at(1), organizationIds: [rectorat.id], confidential: true });
    await harness.db.insert(tasks).values({ title: 'Préparer la note confidentielle', dueOn: '2026-03-10', assigneeId: author.id, createdById: author.id, organizationId: rectorat.id, exchangeId: secret.id, createdAt: at(1) });
    const hidden = await timelineOf(outsider, { type: 'organization', id: rectorat.id });
    expect(hidden.entries).toHaveLength(0);
    expect([countOf(hidden, 'echange'), countOf(hidden, 'tache')]).toEqual([0, 0]);
    const shown = await timelineOf(member, { type: 'organization', id: rectorat.id });
    expect(summaries(shown)).toEqual(expect.arrayContaining(['Entretien confidentiel', 'Préparer la note confidentielle']));
    expect([countOf(shown, 'echange'), countOf(shown, 'tache')]).toEqual([1, 1]);
  });

  it('filters by type and by period', async () => {
    const onlyExchanges = await timelineOf(member, { type: 'organization', id: organizationId }, { types: ['echange'] });
    expect(onlyExchanges.entries.every((entry) => entry.type === 'echange')).toBe(true);
    expect(onlyExchanges.entries).toHaveLength(2);
    // Counts stay those of every type, so the other boxes say what they would show.
    expect(countOf(onlyExchanges, 'tache')).toBe(2);
    const mixed = await timelineOf(member, { type: 'organization', id: organizationId }, { types: 'tache,fusion' });
    expect(summaries(mixed)).toEqual(['Envoyer la plaquette', 'Structures fusionnées', 'Envoyer la plaquette']);
    // 2 March 2026 in Paris: 10:00 → 10:00 + n hours; the window [3 h, 5 h] (UTC) is 13:00–15:00 in Paris.
    const other = await timelineOf(member, { type: 'organization', id: organizationId }, { from: '2026-03-03' });
    expect(other.entries).toHaveLength(0);
    expect(other.total).toBe(0);
    const sameDay = await timelineOf(member, { type: 'organization', id: organizationId }, { from: '2026-03-02', to: '2026-03-02' });
    expect(sameDay.total).toBe(7);
    const before = await timelineOf(member, { type: 'organization', id: organizationId }, { to: '2026-03-01' });
    expect(before.total).toBe(0);
  });

  it('pages through entries sharing one instant without gaps or repeats', async () => {
    const busy = await buildOrganization(harness.db, { name: 'Lycée Chateaubriand' });
    const instant = new Date('2026-04-01T08:00:00Z');
    for (let index = 0; index < 30; index += 1) await addExchange({ summary: `Échange ${index}`, at: instant, organizationIds: [busy.id] });
    for (let index = 0; index < 30; index += 1) await journal({ action: 'organization.updated', entityType: 'organization', entityId: busy.id, at: instant, changes: { name: { before: `Nom ${index}`, after: `Nom ${index + 1}` } } });
    const seen: string[] = [];
    let page = await timelineOf(member, { type: 'organization', id: busy.id });
    expect(page.entries).toHaveLength(25);
    expect(page.total).toBe(60);
    let guard = 0;
    for (;;) {
      seen.push(...page.entries.map((entry) => entry.key));
      if (!page.nextPage || guard++ > 5) break;
      page = await timelineOf(member, { type: 'organization', id: busy.id }, { page: page.nextPage });
    }
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);

    // Over HTTP: « Voir plus » is a link (no JS) that htmx turns into the next entries in place.
    const browser = new TestBrowser(harness.app);
    await browser.login(member.email);
    const first = await browser.get(`/structures/${busy.id}/historique?types=echange`);
    expect(first.status).toBe(200);
    expect(first.text).toContain('<html');
    const html = first.text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const more = /href="(\/structures\/[^"]+\/historique\?[^"]*page=[^"]+)"/.exec(html);
    expect(more).not.toBeNull();
    const link = more?.[1] ?? '';
    const fragment = await browser.get(link, { 'HX-Request': 'true', 'HX-Target': 'timeline-more' });
    expect(fragment.status).toBe(200);
    expect(fragment.text).not.toContain('<html');
    expect((fragment.text.match(/passerelle-timeline__entry--echange/g) ?? []).length).toBe(5);
    expect(fragment.text).not.toContain('Voir plus');
    const block = await browser.get(`/structures/${busy.id}/historique?types=modification`, { 'HX-Request': 'true', 'HX-Target': 'record-timeline' });
    expect(block.text).toContain('id="record-timeline"');
    expect(block.text).not.toContain('<html');
    expect(block.text).toContain('Modifications (30)');
  });

  it('serves the contact’s and the convention’s histories, hiding a confidential document’s name from outsiders', async () => {
    const contactView = await timelineOf(member, { type: 'contact', id: contactId });
    expect(summaries(contactView).slice(0, 2)).toEqual(['Rappeler Camille', 'Appel avec Camille']);
    const browser = new TestBrowser(harness.app);
    await browser.login(outsider.email);
    const page = await browser.get(`/conventions/${conventionId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Clauses conformes');
    expect(page.text).toContain('Document confidentiel');
    expect(page.text).not.toContain('Budget-secret.pdf');
    expect(page.text).toContain('Point sur la convention');
    expect((await browser.get(`/contacts/${contactId}/historique`)).text).toContain('Appel avec Camille');
    expect((await browser.get('/conventions/not-a-uuid/historique')).status).toBe(404);
  });
});
