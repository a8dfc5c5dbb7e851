// Issue 14 in embedded mode (PGlite, the in-process SMTP sink, the worker's jobs): a committee
// started from the case's form e-mails both evaluators (outbox → mail job → sink), they score from
// their scorecards, the sponsor decides « go » — the case moves to « expérimentation » and a pilot
// opens; that pilot, under way and ending today, is reminded to its decision owner by the sweep
// job (the BullMQ job scheduler) exactly once — all through PGlite's one connection.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../src/models/database';
import { listUnits } from '../../src/models/units.model';
import { devMailbox, reminderOccurrences, reminderRuleSettings, sourcingCases, sourcingChallengeUnits, sourcingChallenges, sourcingPilots, workflowSteps } from '../../src/models/schema';
import { parisDayOf } from '../../src/lib/paris-time';
import { addCaseInTransaction } from '../../src/services/sourcing-cases.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

describe('the sourcing pipeline in embedded mode (PGlite)', () => {
  let dataDir: string;
  let handle: DatabaseHandle;
  let harness: TestApp;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-embedded-sourcing-'));
    handle = await openDatabase({ driver: 'pglite', dataDir });
    await handle.migrate();
    harness = await startTestApp({ worker: true, reminders: { sweepEveryMs: 1_000 }, database: { db: handle.db, close: async () => undefined } });
  }, 180_000);

  afterAll(async () => {
    await harness.close();
    await handle.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const mailsTo = (address: string) => harness.db.select().from(devMailbox).where(sql`${address} = any(${devMailbox.envelopeTo})`);

  test('a committee e-mails its evaluators, their scorecards and the sponsor’s go move the case; the pilot’s end is reminded once', async () => {
    const owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], email: 'nadia.sourcing@passerelle.test' });
    const firstEvaluator = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], email: 'yannick.eval@passerelle.test' });
    const secondEvaluator = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DDPSI'], email: 'agathe.eval@passerelle.test' });
    const sponsor = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], email: 'bastien.sponsor@passerelle.test' });
    const unitId = (await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')?.id as string;
    const [challenge] = await harness.db
      .insert(sourcingChallenges)
      .values({ title: 'IA d’accompagnement (embarqué)', problemStatement: 'Accompagner les apprenants à distance.', ownerId: owner.id, sponsorId: sponsor.id, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'en_sourcing' })
      .returning();
    await harness.db.insert(sourcingChallengeUnits).values({ challengeId: challenge!.id, unitId, position: 0 });
    const startup = await buildOrganization(harness.db, { name: 'Tutorama (embarqué)', unitCodes: ['DDPSI'] });
    const ownerCtx = await harness.context(owner);
    const caseRow = await harness.db.transaction((tx) => addCaseInTransaction(tx, ownerCtx, { organizationId: startup.id, challengeId: challenge!.id, source: 'incubateur', stage: 'evaluee' }, 'seed'));

    // The owner starts the committee from its form.
    const ownerBrowser = new TestBrowser(harness.app);
    await ownerBrowser.login(owner.email);
    await ownerBrowser.get(`/sourcing/comites/nouveau?piste=${caseRow.id}&vers=experimentation`);
    const started = await ownerBrowser.post(`/sourcing/comites/nouveau?piste=${caseRow.id}&vers=experimentation`, {
      evaluatorIds: [firstEvaluator.id, secondEvaluator.id],
      documentsSeen: 'Dossier de candidature, démonstration du 12 novembre',
    });
    expect(started.status).toBe(303);

    // Each evaluator is e-mailed (outbox → mail job → sink) and scores from the linked form.
    for (const evaluator of [firstEvaluator, secondEvaluator]) {
      const mail = await eventually(async () => (await mailsTo(evaluator.email))[0], 30_000);
      expect(mail.subject).toContain('Évaluation (grille)');
      expect(mail.textBody).toContain('Tutorama (embarqué)');
      const [step] = await harness.db
        .select()
        .from(workflowSteps)
        .where(and(eq(workflowSteps.assigneeUserId, evaluator.id), eq(workflowSteps.status, 'active')));
      expect(step?.stepKey).toMatch(/^evaluation#\d$/);
      const browser = new TestBrowser(harness.app);
      await browser.login(evaluator.email);
      await browser.get(`/sourcing/comites/etapes/${step!.id}/evaluation`);
      const scores = Object.fromEntries(DEFAULT_CRITERIA.flatMap((criterion) => [[`score_${criterion.key}`, '4'], [`comment_${criterion.key}`, 'Convaincant']]));
      expect((await browser.post(`/sourcing/comites/etapes/${step!.id}/evaluation`, { ...scores, overallComment: 'À expérimenter' })).status).toBe(303);
    }

    // The sponsor's step opens once both have scored; « go » moves the case and opens its pilot.
    const sponsorStep = await eventually(async () => (await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.assigneeUserId, sponsor.id), eq(workflowSteps.status, 'active'))))[0], 10_000);
    await eventually(async () => (await mailsTo(sponsor.email))[0], 30_000);
    const sponsorBrowser = new TestBrowser(harness.app);
    await sponsorBrowser.login(sponsor.email);
    await sponsorBrowser.get(`/sourcing/comites/etapes/${sponsorStep.id}/decision`);
    expect((await sponsorBrowser.post(`/sourcing/comites/etapes/${sponsorStep.id}/decision`, { decision: 'go', rationale: 'Deux évaluations favorables, expérimentation sur un parcours.' })).status).toBe(303);
    const [moved] = await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, caseRow.id));
    expect(moved?.stage).toBe('experimentation');
    const [pilot] = await harness.db.select().from(sourcingPilots).where(eq(sourcingPilots.caseId, caseRow.id));
    expect(pilot).toMatchObject({ status: 'en_preparation', decisionOwnerId: sponsor.id });

    // Under way and ending today; the end-of-pilot reminder due at midnight (Paris) is planned by the sweep job and sent once.
    await harness.db.insert(reminderRuleSettings).values({ ruleCode: 'sourcing.pilot_end', enabled: true, mandatory: false, offsetsDays: [0], sendTime: '00:00' });
    const today = parisDayOf(new Date());
    await harness.db.update(sourcingPilots).set({ status: 'en_cours', startsOn: today, endsOn: today }).where(eq(sourcingPilots.id, pilot!.id));
    const before = (await mailsTo(sponsor.email)).length;
    await eventually(async () => ((await mailsTo(sponsor.email)).length > before ? true : undefined), 30_000);
    const occurrences = await harness.db.select().from(reminderOccurrences).where(eq(reminderOccurrences.ruleCode, 'sourcing.pilot_end'));
    expect(occurrences.map((row) => `${row.subjectId}:${row.status}`)).toEqual([`${pilot!.id}:envoyee`]);
    // More sweeps run meanwhile (every second): still one reminder e-mail.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await mailsTo(sponsor.email)).length).toBe(before + 1);
  }, 180_000);
});
