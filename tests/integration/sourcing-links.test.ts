// The sourcing pipeline linked into Passerelle (issue 14, docs/sourcing-links.md): an exchange
// about a case (/echanges/nouveau?piste=…), the start-up meeting creating or joining a case in the
// same transaction (and writing nothing on error), the case's, challenge's and organisation's
// timelines (a confidential case hidden from outsiders), the organisation's « Sourcing
// d'innovation » tab, and a merge moving cases (the duplicate in a shared challenge stays behind).
import { and, eq, sql } from 'drizzle-orm';
import { insertAuditEntry } from '../../src/models/audit.model';
import {
  auditLog,
  contacts,
  exchanges,
  organizations,
  recordMerges,
  type SourcingCase,
  sourcingCaseStages,
  sourcingCases,
  sourcingChallengeUnits,
  sourcingChallenges,
  tasks,
  type User,
} from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { inTransaction } from '../../src/services/context';
import { addCaseInTransaction, moveCaseStage } from '../../src/services/sourcing-cases.service';
import { readTimeline, type TimelineView } from '../../src/services/timeline.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const idFrom = (location: string | undefined) => String(location).split('/').filter(Boolean).pop() as string;

describe('sourcing linked into exchanges, the start-up meeting, timelines, the organisation page and merges', () => {
  let harness: TestApp;
  let charge: User;
  let outsider: User;
  let admin: User;
  let chargeBrowser: TestBrowser;
  let outsiderBrowser: TestBrowser;
  let adminBrowser: TestBrowser;
  let unitId: string;
  let challengeId: string;
  let secondChallengeId: string;

  async function signedIn(user: User): Promise<TestBrowser> {
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/echanges/saisir');
    return browser;
  }

  async function addChallenge(title: string, status: 'ouvert' | 'en_sourcing' | 'clos' = 'ouvert'): Promise<string> {
    const [row] = await harness.db
      .insert(sourcingChallenges)
      .values({ title, problemStatement: `Besoin : ${title}`, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status, ownerId: charge.id })
      .returning();
    if (!row) throw new Error('challenge not inserted');
    await harness.db.insert(sourcingChallengeUnits).values({ challengeId: row.id, unitId, position: 0 });
    return row.id;
  }

  async function addCase(user: User, values: { organizationId: string; challengeId: string | null; confidential?: boolean; nextStep?: string; nextStepOn?: string }): Promise<SourcingCase> {
    const ctx = await harness.context(user);
    return inTransaction(ctx, (tx) => addCaseInTransaction(tx, ctx, { source: 'salon', ...values }, 'person'));
  }

  const caseRow = async (id: string) => (await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id)))[0];

  async function counts() {
    const count = async (table: typeof organizations | typeof contacts | typeof exchanges | typeof tasks | typeof sourcingCases | typeof sourcingCaseStages) =>
      (await harness.db.select({ value: sql<number>`count(*)::int` }).from(table))[0]?.value ?? 0;
    return {
      organizations: await count(organizations),
      contacts: await count(contacts),
      exchanges: await count(exchanges),
      tasks: await count(tasks),
      sourcingCases: await count(sourcingCases),
      stages: await count(sourcingCaseStages),
      journal: (await harness.db.select({ value: sql<number>`count(*)::int` }).from(auditLog))[0]?.value ?? 0,
    };
  }

  beforeAll(async () => {
    harness = await startTestApp();
    const units = await listUnits(harness.db);
    unitId = units.find((unit) => unit.code === 'DDPSI')!.id;
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Chargée' });
    outsider = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['UO-PRO'], displayName: 'Omar Ailleurs' });
    admin = await buildUser(harness.db, { roles: ['admin'] });
    chargeBrowser = await signedIn(charge);
    outsiderBrowser = await signedIn(outsider);
    adminBrowser = await signedIn(admin);
    challengeId = await addChallenge('Évaluation des compétences à distance');
    secondChallengeId = await addChallenge('IA d’accompagnement des apprenants', 'en_sourcing');
  });
  afterAll(() => harness.close());

  test('« Consigner un échange » from a case pre-fills the start-up and the case; the exchange is about it and moves nothing else', async () => {
    const startup = await buildOrganization(harness.db, { name: 'Quizzia SAS', kindCode: 'startup' });
    const piste = await addCase(charge, { organizationId: startup.id, challengeId });

    const form = await chargeBrowser.get(`/echanges/nouveau?piste=${piste.id}`);
    expect(form.status).toBe(200);
    expect(form.text).toMatch(new RegExp(`name="organizationIds" value="${startup.id}" checked`));
    expect(form.text).toContain('<input type="hidden" name="subjectType" value="sourcing_case">');
    expect(form.text).toContain(`<input type="hidden" name="subjectId" value="${piste.id}">`);
    expect(form.text).toContain('Piste : Quizzia SAS — Évaluation des compétences à distance');

    const saved = await chargeBrowser.post('/echanges/nouveau', {
      kind: 'visio',
      occurredOn: '2026-11-20',
      occurredTime: '10:00',
      organizationIds: [startup.id],
      subjectType: 'sourcing_case',
      subjectId: piste.id,
      summary: 'Démonstration de la plateforme de quiz',
      nextStepTitle: 'Recevoir leur offre',
      nextStepDueOn: '2026-12-15',
      nextStepAssigneeId: charge.id,
    });
    expect(saved.status).toBe(303);
    const exchangeId = idFrom(saved.headers.location);
    const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.id, exchangeId));
    expect(exchange).toMatchObject({ subjectType: 'sourcing_case', subjectId: piste.id });
    // The next step is the case's task too; the case itself has not moved.
    const [task] = await harness.db.select().from(tasks).where(eq(tasks.exchangeId, exchangeId));
    expect(task?.sourcingCaseId).toBe(piste.id);
    expect((await caseRow(piste.id))?.stage).toBe('reperee');
    const created = (await harness.db.select().from(auditLog).where(and(eq(auditLog.entityType, 'exchange'), eq(auditLog.entityId, exchangeId))))[0];
    expect(created?.changes.sourcingCase?.after).toBe('Piste : Quizzia SAS — Évaluation des compétences à distance');

    const page = await chargeBrowser.get(`/echanges/${exchangeId}`);
    expect(page.text).toContain(`href="/sourcing/pistes/${piste.id}">Piste : Quizzia SAS — Évaluation des compétences à distance</a>`);
    const list = await chargeBrowser.get('/echanges?q=quiz');
    expect(list.text).toContain(`href="/sourcing/pistes/${piste.id}">Piste : Quizzia SAS — Évaluation des compétences à distance</a>`);

    // Editing keeps the subject.
    const edit = await chargeBrowser.get(`/echanges/${exchangeId}/modifier`);
    expect(edit.text).toContain(`<input type="hidden" name="subjectId" value="${piste.id}">`);
  });

  test('a confidential case is neither offered nor accepted as subject to whoever may not read it', async () => {
    const startup = await buildOrganization(harness.db, { name: 'Secretia SAS', kindCode: 'startup' });
    const secret = await addCase(charge, { organizationId: startup.id, challengeId, confidential: true });
    const form = await outsiderBrowser.get(`/echanges/nouveau?piste=${secret.id}`);
    expect(form.status).toBe(200);
    expect(form.text).not.toContain(secret.id);
    expect(form.text).not.toContain('Secretia');
    const refused = await outsiderBrowser.post('/echanges/nouveau', {
      kind: 'note',
      occurredOn: '2026-11-20',
      occurredTime: '10:00',
      organizationIds: [startup.id],
      subjectType: 'sourcing_case',
      subjectId: secret.id,
      summary: 'Tentative',
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Cette piste de sourcing n’existe pas ou vous n’y avez pas accès.');
    // Its unit's chargée may.
    expect((await chargeBrowser.get(`/echanges/nouveau?piste=${secret.id}`)).text).toContain(`value="${secret.id}"`);
  });

  describe('the start-up meeting adds the start-up to a challenge', () => {
    function meeting(overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
      return {
        organizationId: '',
        contactId: '',
        kind: 'salon',
        occurredOn: '2026-11-20',
        occurredTime: '14:30',
        summary: 'Rencontre au salon Educatech',
        participantIds: [charge.id],
        nextStepAssigneeId: charge.id,
        ...overrides,
      };
    }

    test('the form offers the open challenges, « piste spontanée », « ne pas créer de piste » and the sources', async () => {
      const page = await chargeBrowser.get('/echanges/rencontre-startup');
      expect(page.text).toContain('Ajouter au défi…');
      expect(page.text).toContain(`<option value="${challengeId}">Défi : Évaluation des compétences à distance</option>`);
      expect(page.text).toContain(`<option value="${secondChallengeId}">Défi : IA d’accompagnement des apprenants</option>`);
      expect(page.text).toContain('<option value="spontanee">Piste spontanée (hors défi)</option>');
      expect(page.text).toContain('<option value="" selected>Ne pas créer de piste</option>');
      expect(page.text).toContain('<option value="concours_ilab">Concours i-Lab</option>');
    });

    test('a new start-up: the case is created at « rencontrée » in the same save, and the exchange is about it', async () => {
      const before = await counts();
      const response = await chargeBrowser.post(
        '/echanges/rencontre-startup',
        meeting({ orgName: 'Lumio Learning', orgKindCode: 'startup', sourcingChallenge: challengeId, sourcingSource: 'salon' }),
      );
      expect(response.status).toBe(303);
      const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.id, idFrom(response.headers.location)));
      const [organization] = await harness.db.select().from(organizations).where(eq(organizations.name, 'Lumio Learning'));
      const [piste] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.organizationId, organization!.id));
      expect(piste).toMatchObject({ challengeId, stage: 'rencontree', source: 'salon', ownerId: charge.id, unitId });
      expect(exchange).toMatchObject({ subjectType: 'sourcing_case', subjectId: piste!.id });
      const after = await counts();
      expect(after.sourcingCases).toBe(before.sourcingCases + 1);
      expect(after.exchanges).toBe(before.exchanges + 1);
      const followed = await chargeBrowser.get(`/echanges/${exchange!.id}`);
      expect(followed.text).toContain('Piste de sourcing créée pour « Lumio Learning » (étape « Rencontrée »).');
    });

    test('a start-up already in the challenge: the meeting joins its case and moves it from repérée to rencontrée', async () => {
      const startup = await buildOrganization(harness.db, { name: 'Tutorat Plus', kindCode: 'startup' });
      const piste = await addCase(charge, { organizationId: startup.id, challengeId: secondChallengeId });
      const before = await counts();
      const response = await chargeBrowser.post('/echanges/rencontre-startup', meeting({ organizationId: startup.id, sourcingChallenge: secondChallengeId }));
      expect(response.status).toBe(303);
      const [exchange] = await harness.db.select().from(exchanges).where(eq(exchanges.id, idFrom(response.headers.location)));
      expect(exchange).toMatchObject({ subjectType: 'sourcing_case', subjectId: piste.id });
      expect((await caseRow(piste.id))?.stage).toBe('rencontree');
      const history = await harness.db.select().from(sourcingCaseStages).where(eq(sourcingCaseStages.caseId, piste.id));
      expect(history.map((row) => row.stage).sort()).toEqual(['qualifiee', 'rencontree', 'reperee']);
      expect((await counts()).sourcingCases).toBe(before.sourcingCases);
    });

    test('a spontaneous case, then a second meeting joins the same open spontaneous case', async () => {
      const startup = await buildOrganization(harness.db, { name: 'Spontania', kindCode: 'startup' });
      expect((await chargeBrowser.post('/echanges/rencontre-startup', meeting({ organizationId: startup.id, sourcingChallenge: 'spontanee', sourcingSource: 'candidature_spontanee' }))).status).toBe(303);
      expect((await chargeBrowser.post('/echanges/rencontre-startup', meeting({ organizationId: startup.id, sourcingChallenge: 'spontanee' }))).status).toBe(303);
      const cases = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.organizationId, startup.id));
      expect(cases).toHaveLength(1);
      expect(cases[0]).toMatchObject({ challengeId: null, stage: 'rencontree', source: 'candidature_spontanee' });
    });

    test('no source for a new case: 422, everything typed kept, nothing written', async () => {
      const before = await counts();
      const response = await chargeBrowser.post('/echanges/rencontre-startup', meeting({ orgName: 'Sans Source SAS', orgKindCode: 'startup', sourcingChallenge: challengeId }));
      expect(response.status).toBe(422);
      expect(response.text).toContain('Indiquez la source de la nouvelle piste.');
      expect(response.text).toContain('value="Sans Source SAS"');
      expect(response.text).toContain(`<option value="${challengeId}" selected>`);
      expect(await counts()).toEqual(before);
    });

    test('an error inside the transaction after the case was added rolls everything back (zero rows written)', async () => {
      const gone = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], active: false });
      const before = await counts();
      const response = await chargeBrowser.post(
        '/echanges/rencontre-startup',
        meeting({
          orgName: 'Rollback Academy',
          orgKindCode: 'startup',
          contactFirstName: 'Rémi',
          contactLastName: 'Retour',
          sourcingChallenge: challengeId,
          sourcingSource: 'incubateur',
          nextStepTitle: 'Relancer',
          nextStepDueOn: '2026-12-20',
          nextStepAssigneeId: gone.id,
        }),
      );
      expect(response.status).toBe(422);
      expect(response.text).toContain('value="Rollback Academy"');
      expect(await counts()).toEqual(before);
    });

    test('a closed or unknown challenge is refused with a message next to the field', async () => {
      const closed = await addChallenge('Défi clos', 'clos');
      const before = await counts();
      const response = await chargeBrowser.post('/echanges/rencontre-startup', meeting({ orgName: 'Close SAS', orgKindCode: 'startup', sourcingChallenge: closed, sourcingSource: 'salon' }));
      expect(response.status).toBe(422);
      expect(response.text).toContain('Ce défi n’existe pas ou n’est plus ouvert : choisissez-en un autre.');
      expect(await counts()).toEqual(before);
    });
  });

  describe('timelines', () => {
    let startup: { id: string };
    let piste: SourcingCase;
    let secret: SourcingCase;
    let secretStartup: { id: string };
    let exchangeId: string;

    const summaries = (view: TimelineView) => view.entries.map((entry) => ('summary' in entry && entry.summary) || ('actionLabel' in entry && entry.actionLabel) || '');
    const countOf = (view: TimelineView, type: string) => view.typeOptions.find((option) => option.value === type)?.count;

    beforeAll(async () => {
      startup = await buildOrganization(harness.db, { name: 'Chronos EdTech', kindCode: 'startup' });
      secretStartup = await buildOrganization(harness.db, { name: 'Discretia', kindCode: 'startup' });
      const timelineChallenge = await addChallenge('Accessibilité des contenus');
      piste = await addCase(charge, { organizationId: startup.id, challengeId: timelineChallenge });
      secret = await addCase(charge, { organizationId: secretStartup.id, challengeId: timelineChallenge, confidential: true });
      const ctx = await harness.context(charge);
      await inTransaction(ctx, (tx) => moveCaseStage(tx, ctx, { caseId: piste.id, to: 'qualifiee', by: 'person' }));
      await inTransaction(ctx, (tx) => moveCaseStage(tx, ctx, { caseId: secret.id, to: 'qualifiee', by: 'person' }));
      const saved = await chargeBrowser.post('/echanges/nouveau', {
        kind: 'rendez_vous',
        occurredOn: '2026-11-25',
        occurredTime: '09:00',
        organizationIds: [startup.id],
        subjectType: 'sourcing_case',
        subjectId: piste.id,
        summary: 'Atelier découverte Chronos',
        nextStepTitle: 'Envoyer le cahier des charges',
        nextStepDueOn: '2026-12-10',
        nextStepAssigneeId: charge.id,
      });
      exchangeId = idFrom(saved.headers.location);
      await insertAuditEntry(harness.db, {
        actorId: charge.id,
        actorLabel: charge.displayName,
        action: 'sourcing_challenge.updated',
        entityType: 'sourcing_challenge',
        entityId: timelineChallenge,
        changes: { title: { before: 'Accessibilité', after: 'Accessibilité des contenus' } },
        metadata: {},
        at: new Date(),
      });
      (piste as SourcingCase & { challenge?: string }).challenge = timelineChallenge;
    });

    test('a case: its stage moves and creation, the exchange about it and its task', async () => {
      const view = await readTimeline(await harness.context(charge), { type: 'sourcing_case', id: piste.id }, {});
      expect(view.subject.label).toBe('Piste : Chronos EdTech — Accessibilité des contenus');
      expect(summaries(view)).toEqual(expect.arrayContaining(['Atelier découverte Chronos', 'Envoyer le cahier des charges']));
      expect(countOf(view, 'sourcing')).toBe(2);
      expect(countOf(view, 'echange')).toBe(1);
      expect(countOf(view, 'tache')).toBe(1);
      const entryTypes = view.entries.map((entry) => entry.type);
      expect(entryTypes).toEqual(expect.arrayContaining(['sourcing', 'echange', 'tache']));
      // Filtered on « Sourcing »: the journal entries of the case only.
      const sourcingOnly = await readTimeline(await harness.context(charge), { type: 'sourcing_case', id: piste.id }, { types: 'sourcing' });
      expect(sourcingOnly.entries.every((entry) => entry.type === 'sourcing')).toBe(true);
      expect(sourcingOnly.total).toBe(2);
    });

    test('a challenge: its own entries and those of its cases; a confidential case hidden from outsiders', async () => {
      const challengeOf = String((piste as SourcingCase & { challenge?: string }).challenge);
      const member = await readTimeline(await harness.context(charge), { type: 'sourcing_challenge', id: challengeOf }, { types: 'sourcing' });
      // The challenge's update, and created + moved of each of the two cases.
      expect(member.total).toBe(5);
      expect(member.entries.some((entry) => 'recordLabel' in entry && entry.recordLabel === 'Piste : Discretia — Accessibilité des contenus')).toBe(true);
      const stranger = await readTimeline(await harness.context(outsider), { type: 'sourcing_challenge', id: challengeOf }, { types: 'sourcing' });
      expect(stranger.total).toBe(3);
      expect(JSON.stringify(stranger.entries)).not.toContain('Discretia');
      expect(JSON.stringify(stranger.entries)).not.toContain(secret.id);
      const all = await readTimeline(await harness.context(outsider), { type: 'sourcing_challenge', id: challengeOf }, {});
      expect(summaries(all)).toContain('Atelier découverte Chronos');
    });

    test('the start-up: its timeline includes its case’s entries', async () => {
      const view = await readTimeline(await harness.context(charge), { type: 'organization', id: startup.id }, {});
      expect(countOf(view, 'sourcing')).toBe(2);
      expect(summaries(view)).toContain('Atelier découverte Chronos');
      expect(view.entries.some((entry) => 'recordHref' in entry && entry.recordHref === `/sourcing/pistes/${piste.id}`)).toBe(true);
      // The confidential start-up's cases stay out of an outsider's view of it.
      const hidden = await readTimeline(await harness.context(outsider), { type: 'organization', id: secretStartup.id }, {});
      expect(countOf(hidden, 'sourcing')).toBe(0);
    });

    test('/sourcing/historique: a page without htmx, the block with htmx, 404 for a case one may not read', async () => {
      const page = await chargeBrowser.get(`/sourcing/historique/pistes/${piste.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<html');
      expect(page.text).toContain('Historique — Piste : Chronos EdTech — Accessibilité des contenus');
      expect(page.text).toContain(`href="/sourcing/pistes/${piste.id}"`);
      const fragment = await chargeBrowser.get(`/sourcing/historique/pistes/${piste.id}`, { 'HX-Request': 'true', 'HX-Target': 'case-timeline' });
      expect(fragment.status).toBe(200);
      expect(fragment.text).not.toContain('<html');
      expect(fragment.text).toContain('id="record-timeline"');
      expect(fragment.text).toContain(`action="/sourcing/historique/pistes/${piste.id}"`);
      expect(fragment.text).toContain(`href="/echanges/${exchangeId}"`);
      const more = await chargeBrowser.get(`/sourcing/historique/pistes/${piste.id}?types=sourcing`, { 'HX-Request': 'true', 'HX-Target': 'record-timeline' });
      expect(more.text).toContain('Sourcing (2)');
      expect((await outsiderBrowser.get(`/sourcing/historique/pistes/${secret.id}`)).status).toBe(404);
      expect((await chargeBrowser.get(`/sourcing/historique/pistes/${secret.id}`)).status).toBe(200);
      expect((await adminBrowser.get(`/sourcing/historique/pistes/${secret.id}`)).status).toBe(200);
      const challengePage = await outsiderBrowser.get(`/sourcing/historique/defis/${String((piste as SourcingCase & { challenge?: string }).challenge)}`);
      expect(challengePage.status).toBe(200);
      expect(challengePage.text).not.toContain('Discretia');
      expect((await chargeBrowser.get('/sourcing/historique/defis/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    });
  });

  test('the organisation’s « Sourcing d’innovation » tab lists its cases the reader may read, with « Nouvelle piste »', async () => {
    const startup = await buildOrganization(harness.db, { name: 'Onglet Learning', kindCode: 'startup' });
    await addCase(charge, { organizationId: startup.id, challengeId, nextStep: 'Démonstration au lycée', nextStepOn: '2026-01-05' });
    await addCase(charge, { organizationId: startup.id, challengeId: null, confidential: true });
    const page = await chargeBrowser.get(`/structures/${startup.id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('apparaîtra ici');
    const panel = page.text.slice(page.text.indexOf('id="panel-sourcing"'));
    expect(panel).toContain('Évaluation des compétences à distance');
    expect(panel).toContain('Piste spontanée (hors défi)');
    expect(panel).toContain('Repérée');
    expect(panel).toContain('Chloé Chargée');
    expect(panel).toContain('Démonstration au lycée');
    expect(panel).toContain('en retard');
    expect(panel).toContain(`href="/sourcing/pistes/nouvelle?structure=${startup.id}"`);
    const outsiderPanel = (await outsiderBrowser.get(`/structures/${startup.id}`)).text.split('id="panel-sourcing"')[1] ?? '';
    expect(outsiderPanel).toContain('Évaluation des compétences à distance');
    expect(outsiderPanel).not.toContain('Piste spontanée (hors défi)');
    const reader = await signedIn(await buildUser(harness.db, { roles: ['lecteur'] }));
    const readerPanel = (await reader.get(`/structures/${startup.id}`)).text.split('id="panel-sourcing"')[1] ?? '';
    expect(readerPanel).toContain('Évaluation des compétences à distance');
    expect(readerPanel).not.toContain('/sourcing/pistes/nouvelle');
  });

  test('a merge moves the merged start-up’s cases to the kept one (a case in a shared challenge stays behind), undo gives them back', async () => {
    const manager = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'] });
    const managerBrowser = await signedIn(manager);
    await managerBrowser.get('/structures');
    const kept = await buildOrganization(harness.db, { name: 'Fusiona SAS', kindCode: 'startup', unitCodes: ['DDPSI'] });
    const merged = await buildOrganization(harness.db, { name: 'Fusiona', kindCode: 'startup', unitCodes: ['DDPSI'] });
    const keptCase = await addCase(charge, { organizationId: kept.id, challengeId: secondChallengeId });
    const moving = await addCase(charge, { organizationId: merged.id, challengeId });
    const spontaneous = await addCase(charge, { organizationId: merged.id, challengeId: null });
    const duplicate = await addCase(charge, { organizationId: merged.id, challengeId: secondChallengeId });

    const screen = await managerBrowser.get(`/doublons/structures/${kept.id}/${merged.id}`);
    expect(screen.text).toContain('2 piste(s) de sourcing');
    expect(screen.text).toContain('1 piste(s) de sourcing resteront sur la fiche fusionnée');

    expect((await managerBrowser.post(`/doublons/structures/${kept.id}/${merged.id}`, { 'choice[name]': 'kept' })).status).toBe(303);
    expect((await caseRow(moving.id))?.organizationId).toBe(kept.id);
    expect((await caseRow(spontaneous.id))?.organizationId).toBe(kept.id);
    expect((await caseRow(duplicate.id))?.organizationId).toBe(merged.id);
    expect((await caseRow(keptCase.id))?.organizationId).toBe(kept.id);
    const [merge] = await harness.db.select().from(recordMerges).where(and(eq(recordMerges.keptId, kept.id), eq(recordMerges.mergedId, merged.id)));
    expect([...(merge?.movedRelations.sourcing_cases ?? [])].sort()).toEqual([moving.id, spontaneous.id].sort());
    expect(merge?.movedRelations['sourcing_cases.left']).toEqual([duplicate.id]);
    // The kept start-up's tab shows the moved cases.
    const tab = (await chargeBrowser.get(`/structures/${kept.id}`)).text.split('id="panel-sourcing"')[1] ?? '';
    expect(tab).toContain('Évaluation des compétences à distance');

    await adminBrowser.get('/structures');
    expect((await adminBrowser.post(`/doublons/fusions/${merge?.id}/annuler`)).status).toBe(303);
    expect((await caseRow(moving.id))?.organizationId).toBe(merged.id);
    expect((await caseRow(spontaneous.id))?.organizationId).toBe(merged.id);
    expect((await caseRow(duplicate.id))?.organizationId).toBe(merged.id);
    expect((await caseRow(keptCase.id))?.organizationId).toBe(kept.id);
  });
});
