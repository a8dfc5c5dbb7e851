// « Comité de sourcing » through the engine and the worker: the owner starts a gate, two
// evaluators score independently (hidden scores), the sponsor decides; go moves the case, no-go
// leaves it, complément then resubmission; recusal with replacement; permissions.
import { and, eq, like, sql } from 'drizzle-orm';
import { emails, notifications, sourcingCases, sourcingChallenges, sourcingGates, sourcingScorecards, workflowSteps, type SourcingCase, type User } from '../../src/models/schema';
import { listUnits } from '../../src/models/units.model';
import { inTransaction } from '../../src/services/context';
import { addCaseInTransaction } from '../../src/services/sourcing-cases.service';
import { gatesPanelOfCase } from '../../src/services/sourcing-gates.service';
import { cancelRun, decideStep } from '../../src/services/workflows.service';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

jest.setTimeout(120_000);

describe('sourcing gates (comité de sourcing)', () => {
  let harness: TestApp;
  let owner: User;
  let sponsor: User;
  let evaluatorA: User;
  let evaluatorB: User;
  let evaluatorC: User;
  let juriste: User;
  let lecteur: User;
  const browsers = new Map<string, TestBrowser>();
  let challengeId: string;
  let legalChallengeId: string;
  let unitId: string;

  async function browserOf(user: User): Promise<TestBrowser> {
    const known = browsers.get(user.id);
    if (known) return known;
    const browser = new TestBrowser(harness.app);
    await browser.login(user.email);
    await browser.get('/validations');
    browsers.set(user.id, browser);
    return browser;
  }

  let startupCount = 0;
  async function newCase(challenge: string | null = challengeId): Promise<SourcingCase> {
    startupCount += 1;
    const startup = await buildOrganization(harness.db, { name: `EdTech ${startupCount}`, unitCodes: ['DDPSI'] });
    const ctx = await harness.context(owner);
    return inTransaction(ctx, (tx) => addCaseInTransaction(tx, ctx, { organizationId: startup.id, challengeId: challenge, source: 'salon', ownerId: owner.id, unitId, stage: 'evaluee' }, 'seed'));
  }

  async function startGateFor(row: SourcingCase, evaluators: User[] = [evaluatorA, evaluatorB], extra: Record<string, unknown> = {}) {
    const browser = await browserOf(owner);
    const response = await browser.post(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`, { evaluatorIds: evaluators.map((user) => user.id), documentsSeen: 'Dossier de présentation v2', note: 'Merci de noter avant vendredi', ...extra });
    expect(response.status).toBe(303);
    const [gate] = await harness.db.select().from(sourcingGates).where(eq(sourcingGates.caseId, row.id));
    if (!gate) throw new Error('no gate');
    return gate;
  }

  async function stepOf(gateId: string, userId: string) {
    const [card] = await harness.db
      .select()
      .from(sourcingScorecards)
      .where(and(eq(sourcingScorecards.gateId, gateId), eq(sourcingScorecards.evaluatorId, userId), eq(sourcingScorecards.conflictDeclared, false)));
    if (!card?.stepId) throw new Error('no scorecard step');
    return card.stepId;
  }

  function scores(base: number, comment = 'Argumenté') {
    return Object.fromEntries(DEFAULT_CRITERIA.flatMap((criterion, index) => [[`score_${criterion.key}`, String(((base + index) % 5) + 1)], [`comment_${criterion.key}`, `${comment} ${criterion.key}`]]).concat([['overallComment', `Appréciation ${comment}`]]));
  }

  async function sponsorStep(runId: string | null) {
    const [step] = await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, runId ?? ''), eq(workflowSteps.stepKey, 'sponsor'), eq(workflowSteps.status, 'active')));
    if (!step) throw new Error('no active sponsor step');
    return step;
  }

  async function caseStage(id: string) {
    return (await harness.db.select().from(sourcingCases).where(eq(sourcingCases.id, id)))[0]?.stage;
  }
  async function gateRow(id: string) {
    return (await harness.db.select().from(sourcingGates).where(eq(sourcingGates.id, id)))[0];
  }

  beforeAll(async () => {
    harness = await startTestApp({ worker: true });
    unitId = String((await listUnits(harness.db)).find((unit) => unit.code === 'DDPSI')?.id);
    owner = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Camille Responsable' });
    sponsor = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DDPSI'], displayName: 'Dominique Sponsor' });
    evaluatorA = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Alice Évaluatrice' });
    evaluatorB = await buildUser(harness.db, { roles: ['manager'], unitCodes: ['DAF'], displayName: 'Bruno Évaluateur' });
    evaluatorC = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Chloé Remplaçante' });
    juriste = await buildUser(harness.db, { roles: ['juriste'], unitCodes: ['DDPSI'], displayName: 'Jules Juriste' });
    lecteur = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'], displayName: 'Léa Lectrice' });
    const [challenge] = await harness.db
      .insert(sourcingChallenges)
      .values({ title: 'Évaluation des compétences à distance', problemStatement: 'Évaluer à distance', sponsorId: sponsor.id, ownerId: owner.id, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status: 'en_sourcing' })
      .returning();
    challengeId = String(challenge?.id);
    const [legal] = await harness.db
      .insert(sourcingChallenges)
      .values({ title: 'IA d’accompagnement', problemStatement: 'Accompagner', sponsorId: sponsor.id, ownerId: owner.id, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion, weight: criterion.key === 'image' ? 0 : criterion.weight })), circuitKey: 'sourcing-committee-legal', status: 'en_sourcing' })
      .returning();
    legalChallengeId = String(legal?.id);
  });
  afterAll(async () => {
    await harness.close();
  });

  test('two evaluators and the sponsor: go moves the case to expérimentation; scores hidden until both submitted', async () => {
    const row = await newCase();
    const ownerBrowser = await browserOf(owner);
    const form = await ownerBrowser.get(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Alice Évaluatrice');
    expect(form.text).toContain('Dominique Sponsor');
    // One evaluator only: 422, what was typed kept.
    const refused = await ownerBrowser.post(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`, { evaluatorIds: [evaluatorA.id], documentsSeen: 'Deck produit' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choisissez au moins 2 évaluateurs différents.');
    expect(refused.text).toContain('Deck produit');
    // The sponsor cannot also evaluate.
    expect((await ownerBrowser.post(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`, { evaluatorIds: [evaluatorA.id, sponsor.id] })).status).toBe(422);

    const gate = await startGateFor(row);
    expect(gate.status).toBe('en_cours');
    expect(gate.runId).toBeTruthy();
    expect(gate.fromStage).toBe('evaluee');
    expect(gate.criteria).toHaveLength(DEFAULT_CRITERIA.length);
    // A second gate on the same case: 409 with a clear message.
    const again = await ownerBrowser.post(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`, { evaluatorIds: [evaluatorA.id, evaluatorB.id] });
    expect(again.status).toBe(409);
    expect(again.text).toContain('Un comité est déjà en cours pour cette piste');
    // The card did not move.
    expect(await caseStage(row.id)).toBe('evaluee');

    const stepA = await stepOf(gate.id, evaluatorA.id);
    const stepB = await stepOf(gate.id, evaluatorB.id);
    // « Mes validations » links the evaluator to the scorecard, not to the generic buttons.
    const browserA = await browserOf(evaluatorA);
    const inbox = await browserA.get('/validations');
    expect(inbox.text).toContain(`/sourcing/comites/etapes/${stepA}/evaluation`);
    expect(inbox.text).not.toContain(`/validations/etapes/${stepA}/decision`);
    const stepPage = await browserA.get(`/validations/etapes/${stepA}`);
    expect(stepPage.status).toBe(200);
    expect(stepPage.text).toContain(`/sourcing/comites/etapes/${stepA}/evaluation`);

    // Only the assignee scores: A cannot open B's scorecard, the owner neither.
    expect((await browserA.get(`/sourcing/comites/etapes/${stepB}/evaluation`)).status).toBe(403);
    expect((await ownerBrowser.post(`/sourcing/comites/etapes/${stepA}/evaluation`, scores(2))).status).toBe(403);

    // Validation: French messages, values kept.
    const bad = await browserA.post(`/sourcing/comites/etapes/${stepA}/evaluation`, { ...scores(2), score_adequation: '9', comment_cout: '' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Donnez une note de 1 à 5.');
    expect(bad.text).toContain('Commentez votre note.');
    expect(bad.text).toContain('Argumenté maturite');

    expect((await browserA.post(`/sourcing/comites/etapes/${stepA}/evaluation`, scores(2, 'Avis-A'))).status).toBe(303);
    // B is a manager: the generic decision is refused on a form step.
    await expect(decideStep(await harness.context(evaluatorB), stepB, { decision: 'approve', comment: '' })).rejects.toMatchObject({ kind: 'conflict' });
    const browserB = await browserOf(evaluatorB);
    expect((await browserB.post(`/validations/etapes/${stepB}/decision`, { decision: 'approve', comment: '' })).status).toBe(409);

    // Hidden scores: before B submits, nobody sees A's scores (A, the owner, the sponsor).
    for (const user of [evaluatorA, owner, sponsor]) {
      const page = await (await browserOf(user)).get(`/sourcing/comites/${gate.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Les notes restent masquées');
      expect(page.text).not.toContain('Avis-A');
      expect(page.text).toContain('Grille soumise');
    }
    // The timeline's audit rows carry no score.
    const audits = (await harness.db.execute(sql`select metadata::text as m, changes::text as a from audit_log where entity_id = ${row.id}`)) as unknown as { rows: Array<{ m: string | null; a: string | null }> };
    expect(audits.rows.map((entry) => `${entry.m} ${entry.a}`).join(' ')).not.toContain('Avis-A');

    expect((await browserB.post(`/sourcing/comites/etapes/${stepB}/evaluation`, scores(3, 'Avis-B'))).status).toBe(303);
    const visible = await ownerBrowser.get(`/sourcing/comites/${gate.id}`);
    expect(visible.text).toContain('Synthèse des grilles');
    expect(visible.text).toContain('Avis-A');
    expect(visible.text).toContain('Avis-B');
    expect(visible.text).toContain('Moyenne pondérée générale');

    // The sponsor decides from « Mes validations ».
    const sponsorBrowser = await browserOf(sponsor);
    const step = await sponsorStep(gate.runId);
    expect((await sponsorBrowser.get('/validations')).text).toContain(`/sourcing/comites/etapes/${step.id}/decision`);
    const decisionPage = await sponsorBrowser.get(`/sourcing/comites/etapes/${step.id}/decision`);
    expect(decisionPage.text).toContain('Dossier de présentation v2');
    expect(decisionPage.text).toContain('Avis-B');
    const noRationale = await sponsorBrowser.post(`/sourcing/comites/etapes/${step.id}/decision`, { decision: 'go', rationale: '' });
    expect(noRationale.status).toBe(422);
    expect(noRationale.text).toContain('La motivation est obligatoire.');
    // Only the sponsor decides.
    expect((await ownerBrowser.post(`/sourcing/comites/etapes/${step.id}/decision`, { decision: 'go', rationale: 'Moi' })).status).toBe(403);
    expect((await sponsorBrowser.post(`/sourcing/comites/etapes/${step.id}/decision`, { decision: 'go', rationale: 'Solution mûre, à expérimenter sur deux unités.' })).status).toBe(303);

    expect(await caseStage(row.id)).toBe('experimentation');
    const decided = await gateRow(gate.id);
    expect(decided?.status).toBe('go');
    expect(decided?.rationale).toBe('Solution mûre, à expérimenter sur deux unités.');
    expect(decided?.decidedById).toBe(sponsor.id);
    expect(decided?.weightedMean).toBeGreaterThan(100);
    // The owner hears of it: a notification, and an e-mail delivered by the worker.
    const notice = await harness.db.select().from(notifications).where(and(eq(notifications.userId, owner.id), eq(notifications.link, `/sourcing/comites/${gate.id}`)));
    expect(notice).toHaveLength(1);
    const mail = await eventually(async () => (await harness.db.select().from(emails).where(and(like(emails.idempotencyKey, `sourcing-gate-${gate.id}-go-%`), eq(emails.status, 'sent'))))[0], 45_000);
    expect(mail.toAddress).toBe(owner.email);

  });

  test('the decision log: HTML, CSV and PDF (journaled); a lecteur does not export', async () => {
    const ownerBrowser = await browserOf(owner);
    const log = await ownerBrowser.get(`/sourcing/comites/journal?defi=${challengeId}`);
    expect(log.status).toBe(200);
    expect(log.text).toContain('Solution mûre, à expérimenter sur deux unités.');
    const csv = await ownerBrowser.get(`/sourcing/comites/journal?defi=${challengeId}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('Solution mûre');
    expect(csv.text).toContain('Alice Évaluatrice');
    const pdf = await ownerBrowser.agent.get(`/sourcing/comites/journal?defi=${challengeId}&format=pdf`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(pdf.status).toBe(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
    const exported = (await harness.db.execute(sql`select metadata->>'format' as format from audit_log where action = 'sourcing_gate.exported' and entity_id = ${challengeId}`)) as unknown as { rows: Array<{ format: string }> };
    expect(exported.rows.map((entry) => entry.format).sort()).toEqual(['csv', 'pdf']);
    // A lecteur does not export.
    expect((await (await browserOf(lecteur)).get(`/sourcing/comites/journal?defi=${challengeId}&format=csv`)).status).toBe(403);
  });

  test('no-go leaves the case where it is, with the rationale', async () => {
    const row = await newCase();
    const gate = await startGateFor(row);
    await (await browserOf(evaluatorA)).post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorA.id)}/evaluation`, scores(0));
    await (await browserOf(evaluatorB)).post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorB.id)}/evaluation`, scores(1));
    const step = await sponsorStep(gate.runId);
    expect((await (await browserOf(sponsor)).post(`/sourcing/comites/etapes/${step.id}/decision`, { decision: 'no_go', rationale: 'Hébergement hors UE.' })).status).toBe(303);
    expect(await caseStage(row.id)).toBe('evaluee');
    expect((await gateRow(gate.id))?.status).toBe('no_go');
    const page = await (await browserOf(owner)).get(`/sourcing/comites/${gate.id}`);
    expect(page.text).toContain('Hébergement hors UE.');
    // The case panel (B1's case page includes it): no open gate, the no-go with its rationale, both gates offered again.
    const panel = await gatesPanelOfCase(await harness.context(owner), row.id);
    expect(panel.open).toBeNull();
    expect(panel.past.map((entry) => [entry.status, entry.rationale])).toEqual([['no_go', 'Hébergement hors UE.']]);
    expect(panel.launch.map((entry) => entry.target)).toEqual(['experimentation', 'contractualisation']);
    expect((await gatesPanelOfCase(await harness.context(lecteur), row.id)).launch).toEqual([]);
  });

  test('complément d’information, then « Compléments apportés », then go', async () => {
    const row = await newCase();
    const gate = await startGateFor(row);
    await (await browserOf(evaluatorA)).post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorA.id)}/evaluation`, scores(3));
    await (await browserOf(evaluatorB)).post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorB.id)}/evaluation`, scores(4));
    const sponsorBrowser = await browserOf(sponsor);
    const first = await sponsorStep(gate.runId);
    expect((await sponsorBrowser.post(`/sourcing/comites/etapes/${first.id}/decision`, { decision: 'complement', rationale: 'Il manque le devis.' })).status).toBe(303);
    expect((await gateRow(gate.id))?.status).toBe('complement');
    expect(await caseStage(row.id)).toBe('evaluee');
    const ownerBrowser = await browserOf(owner);
    const page = await ownerBrowser.get(`/sourcing/comites/${gate.id}`);
    expect(page.text).toContain('Il manque le devis.');
    expect(page.text).toContain('Compléments apportés');
    expect((await ownerBrowser.post(`/sourcing/comites/${gate.id}/complement`, { complement: '' })).status).toBe(422);
    expect((await ownerBrowser.post(`/sourcing/comites/${gate.id}/complement`, { complement: 'Devis joint (12 000 €)' })).status).toBe(303);
    expect((await gateRow(gate.id))?.status).toBe('en_cours');
    const second = await sponsorStep(gate.runId);
    expect(second.id).not.toBe(first.id);
    expect(second.round).toBe(2);
    expect((await sponsorBrowser.post(`/sourcing/comites/etapes/${second.id}/decision`, { decision: 'go', rationale: 'Devis conforme.' })).status).toBe(303);
    expect(await caseStage(row.id)).toBe('experimentation');
    expect((await gateRow(gate.id))?.documentsSeen).toContain('Devis joint');
  });

  test('conflict of interest: the evaluator is recused and replaced; the owner replaces one who has not submitted', async () => {
    const row = await newCase();
    const gate = await startGateFor(row);
    const stepA = await stepOf(gate.id, evaluatorA.id);
    const browserA = await browserOf(evaluatorA);
    const missing = await browserA.post(`/sourcing/comites/etapes/${stepA}/conflit`, { conflictNote: '', replacementId: evaluatorC.id });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Décrivez le conflit d’intérêts.');
    // The replacement may not be an evaluator already.
    expect((await browserA.post(`/sourcing/comites/etapes/${stepA}/conflit`, { conflictNote: 'Ancien associé', replacementId: evaluatorB.id })).status).toBe(422);
    expect((await browserA.post(`/sourcing/comites/etapes/${stepA}/conflit`, { conflictNote: 'Ancien associé du fondateur', replacementId: evaluatorC.id })).status).toBe(303);
    const after = await gateRow(gate.id);
    expect(after?.evaluatorIds.sort()).toEqual([evaluatorB.id, evaluatorC.id].sort());
    const cards = await harness.db.select().from(sourcingScorecards).where(eq(sourcingScorecards.gateId, gate.id));
    expect(cards.find((card) => card.evaluatorId === evaluatorA.id)).toMatchObject({ conflictDeclared: true, replacedById: evaluatorC.id, conflictNote: 'Ancien associé du fondateur' });
    const [step] = await harness.db.select().from(workflowSteps).where(eq(workflowSteps.id, stepA));
    expect(step?.assigneeUserId).toBe(evaluatorC.id);
    // A no longer scores; C does, from the same step.
    expect((await browserA.post(`/sourcing/comites/etapes/${stepA}/evaluation`, scores(1))).status).toBe(403);
    const browserC = await browserOf(evaluatorC);
    expect((await browserC.get('/validations')).text).toContain(`/sourcing/comites/etapes/${stepA}/evaluation`);

    // The owner replaces B (not submitted) by A? A is recused from this gate but no longer an evaluator: allowed; use the juriste instead.
    const ownerBrowser = await browserOf(owner);
    const gatePage = await ownerBrowser.get(`/sourcing/comites/${gate.id}`);
    expect(gatePage.text).toContain('Remplacer un évaluateur');
    const cardB = cards.find((card) => card.evaluatorId === evaluatorB.id);
    expect((await ownerBrowser.post(`/sourcing/comites/${gate.id}/remplacer`, { scorecardId: String(cardB?.id), replacementId: juriste.id })).status).toBe(303);
    expect((await gateRow(gate.id))?.evaluatorIds.sort()).toEqual([evaluatorC.id, juriste.id].sort());
    // Scores complete once the two who are not recused have submitted.
    expect((await browserC.post(`/sourcing/comites/etapes/${stepA}/evaluation`, scores(2, 'Avis-C'))).status).toBe(303);
    const juristeStep = await stepOf(gate.id, juriste.id);
    expect((await (await browserOf(juriste)).post(`/sourcing/comites/etapes/${juristeStep}/evaluation`, scores(2, 'Avis-J'))).status).toBe(303);
    const visible = await ownerBrowser.get(`/sourcing/comites/${gate.id}`);
    expect(visible.text).toContain('Avis-C');
    expect(visible.text).toContain('Récusé (conflit d’intérêts)');
    const actions = (await harness.db.execute(sql`select action from audit_log where entity_id = ${row.id} and action like 'sourcing_gate.%'`)) as unknown as { rows: Array<{ action: string }> };
    expect(actions.rows.map((entry) => entry.action)).toEqual(expect.arrayContaining(['sourcing_gate.started', 'sourcing_gate.evaluator_recused', 'sourcing_gate.evaluator_replaced', 'sourcing_gate.scorecard_submitted']));
  });

  test('the legal variant: the juriste approves with the generic buttons beside the scorecards', async () => {
    const row = await newCase(legalChallengeId);
    const gate = await startGateFor(row);
    // Weight 0 leaves the criterion out of the gate's grid.
    expect(gate.criteria.map((criterion) => criterion.key)).not.toContain('image');
    const [legal] = await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, gate.runId ?? ''), eq(workflowSteps.stepKey, 'legal')));
    expect(legal?.status).toBe('active');
    const legalScores = Object.fromEntries(Object.entries(scores(1)).filter(([key]) => !key.endsWith('image'))) as Record<string, string>;
    await (await browserOf(evaluatorA)).post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorA.id)}/evaluation`, legalScores);
    await (await browserOf(evaluatorB)).post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorB.id)}/evaluation`, legalScores);
    const juristeBrowser = await browserOf(juriste);
    expect((await juristeBrowser.post(`/validations/etapes/${legal?.id}/decision`, { decision: 'approve', comment: '' })).status).toBe(303);
    const step = await sponsorStep(gate.runId);
    expect((await (await browserOf(sponsor)).post(`/sourcing/comites/etapes/${step.id}/decision`, { decision: 'go', rationale: 'RGPD validé.' })).status).toBe(303);
    expect(await caseStage(row.id)).toBe('experimentation');
  });

  test('the legal variant: the juriste asks for changes, the owner answers, the evaluations start again', async () => {
    const row = await newCase(legalChallengeId);
    const gate = await startGateFor(row);
    const legalScores = Object.fromEntries(Object.entries(scores(2)).filter(([key]) => !key.endsWith('image'))) as Record<string, string>;
    const firstA = await stepOf(gate.id, evaluatorA.id);
    await (await browserOf(evaluatorA)).post(`/sourcing/comites/etapes/${firstA}/evaluation`, legalScores);
    const [legal] = await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, gate.runId ?? ''), eq(workflowSteps.stepKey, 'legal')));
    const juristeBrowser = await browserOf(juriste);
    expect((await juristeBrowser.post(`/validations/etapes/${legal?.id}/decision`, { decision: 'request_changes', comment: 'Fournir l’analyse d’impact RGPD.' })).status).toBe(303);
    expect((await gateRow(gate.id))?.status).toBe('complement');
    const ownerBrowser = await browserOf(owner);
    const page = await ownerBrowser.get(`/sourcing/comites/${gate.id}`);
    expect(page.text).toContain('Fournir l’analyse d’impact RGPD.');
    expect((await ownerBrowser.post(`/sourcing/comites/${gate.id}/complement`, { complement: 'AIPD jointe' })).status).toBe(303);
    expect((await gateRow(gate.id))?.status).toBe('en_cours');
    // Each scorecard follows its evaluator's new step (round 2), to be scored again.
    const secondA = await stepOf(gate.id, evaluatorA.id);
    expect(secondA).not.toBe(firstA);
    const [card] = await harness.db.select().from(sourcingScorecards).where(eq(sourcingScorecards.stepId, secondA));
    expect(card?.submittedAt).toBeNull();
    await (await browserOf(evaluatorA)).post(`/sourcing/comites/etapes/${secondA}/evaluation`, legalScores);
    await (await browserOf(evaluatorB)).post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorB.id)}/evaluation`, legalScores);
    const [legalAgain] = await harness.db.select().from(workflowSteps).where(and(eq(workflowSteps.runId, gate.runId ?? ''), eq(workflowSteps.stepKey, 'legal'), eq(workflowSteps.status, 'active')));
    expect((await juristeBrowser.post(`/validations/etapes/${legalAgain?.id}/decision`, { decision: 'approve', comment: '' })).status).toBe(303);
    const step = await sponsorStep(gate.runId);
    expect((await (await browserOf(sponsor)).post(`/sourcing/comites/etapes/${step.id}/decision`, { decision: 'go', rationale: 'AIPD conforme.' })).status).toBe(303);
    expect(await caseStage(row.id)).toBe('experimentation');
  });

  test('a spontaneous case asks for the sponsor; an admin cancelling the run cancels the gate', async () => {
    const row = await newCase(null);
    const ownerBrowser = await browserOf(owner);
    const form = await ownerBrowser.get(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`);
    expect(form.text).toContain('Sponsor (décide go / no-go)');
    const missing = await ownerBrowser.post(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`, { evaluatorIds: [evaluatorA.id, evaluatorB.id] });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Choisissez le sponsor qui décidera');
    // A chargé cannot sponsor.
    expect((await ownerBrowser.post(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`, { evaluatorIds: [evaluatorA.id, evaluatorB.id], sponsorId: evaluatorC.id })).status).toBe(422);
    const gate = await startGateFor(row, [evaluatorA, evaluatorB], { sponsorId: sponsor.id });
    expect(gate.sponsorId).toBe(sponsor.id);
    const admin = await buildUser(harness.db, { roles: ['admin'] });
    await cancelRun(await harness.context(admin), String(gate.runId), 'Start-up rachetée');
    expect((await gateRow(gate.id))?.status).toBe('annule');
    expect(await caseStage(row.id)).toBe('evaluee');
    // The case may go to committee again.
    const panel = await gatesPanelOfCase(await harness.context(owner), row.id);
    expect(panel.open).toBeNull();
    expect(panel.launch.length).toBeGreaterThan(0);
  });

  test('a lecteur starts no gate and scores nothing', async () => {
    const row = await newCase();
    const browser = await browserOf(lecteur);
    expect((await browser.get(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`)).status).toBe(403);
    expect((await browser.post(`/sourcing/comites/nouveau?piste=${row.id}&vers=experimentation`, { evaluatorIds: [evaluatorA.id, evaluatorB.id] })).status).toBe(403);
    const gate = await startGateFor(row);
    expect((await browser.post(`/sourcing/comites/etapes/${await stepOf(gate.id, evaluatorA.id)}/evaluation`, scores(1))).status).toBe(403);
    // A stage that no gate leads to from here: 409.
    expect((await (await browserOf(owner)).get(`/sourcing/comites/nouveau?piste=${(await newCase()).id}&vers=nimporte`)).status).toBe(422);
  });
});
