// The import wizard's « pistes » target through HTTP and the real BullMQ worker: a list of EdTech
// start-ups shaped like real lists (several SIRET in a cell separated by « ; » or « / », a SIREN
// written in groups, an address in one cell, accents, an overseas phone, an unreadable budget) is
// added to a challenge's « repérée » column. Start-ups are found by SIREN, else by name; a name
// that designates two organisations waits for a choice; a start-up already in the challenge is
// « déjà dans le défi »; the revert removes the cases and the start-ups the import created.
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { listUnits } from '../../src/models/units.model';
import { auditLog, importBatches, importRows, organizations, sourcingCaseStages, sourcingCases, sourcingChallengeUnits, sourcingChallenges, type User } from '../../src/models/schema';
import { DEFAULT_CRITERIA } from '../../src/workflows/sourcing-scorecard';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, eventually, startTestApp, type TestApp } from '../support/harness';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'pistes-edtech.csv');

let harness: TestApp;
let importer: User;
let browser: TestBrowser;
let challengeId: string;
let draftChallengeId: string;
let kalimoCaseId: string;
const tutorat: string[] = [];

async function insertChallenge(title: string, status: 'ouvert' | 'brouillon', ownerId: string, unitId: string): Promise<string> {
  const [challenge] = await harness.db
    .insert(sourcingChallenges)
    .values({ title, problemStatement: 'Besoin exprimé par l’unité.', ownerId, criteria: DEFAULT_CRITERIA.map((criterion) => ({ ...criterion })), status })
    .returning();
  if (!challenge) throw new Error('challenge not inserted');
  await harness.db.insert(sourcingChallengeUnits).values({ challengeId: challenge.id, unitId, position: 0 });
  return challenge.id;
}

function decode(text: string): string {
  return text.replace(/&#x27;/g, "'").replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x3D;/g, '=');
}

/** The values form as the page shows it (every select at its suggested target). */
function formOf(html: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="(from_[a-zA-Z]+_\d+)" value="([^"]*)"/g)) form[match[1] ?? ''] = decode(match[2] ?? '');
  for (const match of html.matchAll(/<select[^>]*name="((?:to|default|policy)_[a-zA-Z_0-9]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected>/.exec(match[2] ?? '');
    form[match[1] ?? ''] = decode(selected?.[1] ?? '');
  }
  return form;
}

beforeAll(async () => {
  harness = await startTestApp({ worker: true });
  importer = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'], displayName: 'Inès Importatrice' });
  const unit = (await listUnits(harness.db)).find((candidate) => candidate.code === 'DDPSI');
  if (!unit) throw new Error('unit DDPSI missing');
  challengeId = await insertChallenge('Évaluation des compétences à distance', 'ouvert', importer.id, unit.id);
  draftChallengeId = await insertChallenge('Défi encore en brouillon', 'brouillon', importer.id, unit.id);
  // Already in the directory: Accessilab under another establishment's SIRET of the same SIREN,
  // Kalimo (already a case of the challenge), and two namesakes « Tutorat Plus » without SIRET.
  await buildOrganization(harness.db, { name: 'Accessilab SAS', kindCode: 'startup', siret: '84366979711995', siren: '843669797', unitCodes: ['DDPSI'] });
  const kalimo = await buildOrganization(harness.db, { name: 'Kalimo', kindCode: 'startup', siret: '84793748941118', siren: '847937489', unitCodes: ['DDPSI'] });
  for (const city of ['Lille', 'Rennes']) tutorat.push((await buildOrganization(harness.db, { name: 'Tutorat Plus', kindCode: 'startup', city, unitCodes: ['DDPSI'] })).id);
  const [kalimoCase] = await harness.db
    .insert(sourcingCases)
    .values({ organizationId: kalimo.id, challengeId, unitId: unit.id, ownerId: importer.id, source: 'recommandation', stage: 'rencontree', stageEnteredAt: new Date() })
    .returning();
  kalimoCaseId = kalimoCase?.id ?? '';
  browser = new TestBrowser(harness.app);
  await browser.login(importer.email);
});

afterAll(async () => {
  await harness.close();
});

describe('import target « pistes »', () => {
  let batchId = '';

  test('the wizard opened from a challenge pre-selects the target and the challenge; only open challenges one may edit are offered', async () => {
    const page = await browser.get(`/imports/nouveau?type=sourcing_cases&defi=${challengeId}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/id="entity-sourcing_cases" name="entityType" value="sourcing_cases" checked/);
    expect(page.text).toContain(`name="challengeId" value="${challengeId}"`);

    const response = await browser.agent
      .post('/imports')
      .field('_csrf', browser.csrfToken)
      .field('challengeId', challengeId)
      .field('entityType', 'sourcing_cases')
      .attach('file', fs.readFileSync(FIXTURE), { filename: 'pistes-edtech.csv', contentType: 'text/csv' });
    expect(response.status).toBe(303);
    batchId = /\/imports\/([0-9a-f-]{36})/.exec(response.headers.location ?? '')?.[1] ?? '';
    const mapping = await browser.get(`/imports/${batchId}`);
    expect(mapping.status).toBe(200);
    // The challenge select: the open challenge selected, the draft one not offered.
    expect(mapping.text).toMatch(new RegExp(`<option value="${challengeId}" selected>`));
    expect(mapping.text).not.toContain(draftChallengeId);
    // Columns suggested from the list's own headers.
    const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, batchId));
    expect(Object.values(batch?.mapping ?? {}).sort()).toEqual(['addressLine', 'estimatedBudget', 'name', 'ownerEmail', 'phone', 'siret', 'source', 'summary', 'tags', 'website'].sort());
  });

  test('the mapping refuses a draft challenge with a French message and keeps what was typed', async () => {
    const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, batchId));
    const columns = Object.fromEntries(Object.entries(batch?.mapping ?? {}).map(([index, field]) => [`column_${index}`, field]));
    const refused = await browser.post(`/imports/${batchId}/correspondance`, { ...columns, matchKey: 'none', mode: 'create_only', defaultKindCode: 'startup', challengeId: draftChallengeId });
    expect(refused.status).toBe(422);
    expect(decode(refused.text)).toContain('Ce défi n’est pas ouvert');
    const saved = await browser.post(`/imports/${batchId}/correspondance`, { ...columns, matchKey: 'none', mode: 'create_only', defaultKindCode: 'startup', challengeId, unitIds: '' });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/imports/${batchId}/valeurs`);
  });

  test('the source column goes through the values step, the preview says what each row becomes', async () => {
    const values = await browser.get(`/imports/${batchId}/valeurs`);
    expect(values.status).toBe(200);
    const form = formOf(values.text);
    // « Salon EducaTech 2025 » → Salon, « Concours i-Lab » → Concours i-Lab, « Candidature spontanée » as written.
    const targetOf = (value: string) => {
      const key = Object.entries(form).find(([name, text]) => name.startsWith('from_source_') && text === value)?.[0];
      return key ? form[key.replace('from_', 'to_')] : undefined;
    };
    expect(targetOf('Salon EducaTech 2025')).toBe('salon');
    expect(targetOf('Concours i-Lab')).toBe('concours_ilab');
    expect(targetOf('Candidature spontanée')).toBe('candidature_spontanee');
    expect(targetOf('Incubateur')).toBe('incubateur');
    expect((await browser.post(`/imports/${batchId}/valeurs`, form)).status).toBe(303);

    const preview = await browser.get(`/imports/${batchId}`);
    expect(preview.status).toBe(200);
    const text = decode(preview.text);
    expect(text).toContain('Chaque ligne ajoute une piste au défi « Évaluation des compétences à distance »');
    expect(text).toContain('Déjà dans le défi');
    // The two « Tutorat Plus » are offered as candidates.
    for (const id of tutorat) expect(preview.text).toContain(`/structures/${id}`);
  });

  test('launched, the worker adds the cases to « repérée »; the report counts créées, déjà dans le défi, ambiguë, erreur', async () => {
    expect((await browser.post(`/imports/${batchId}/lancer`)).status).toBe(303);
    const done = await eventually(async () => {
      const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, batchId));
      return batch?.status === 'completed' ? batch : null;
    }, 30_000);
    expect({ created: done.createdCount, skipped: done.skippedCount, ambiguous: done.ambiguousCount, errors: done.errorCount }).toEqual({ created: 6, skipped: 2, ambiguous: 1, errors: 1 });

    const cases = await harness.db
      .select({ id: sourcingCases.id, stage: sourcingCases.stage, source: sourcingCases.source, tags: sourcingCases.tags, budget: sourcingCases.estimatedBudgetCents, ownerId: sourcingCases.ownerId, name: organizations.name, kind: organizations.kindCode, siret: organizations.siret, otherSirets: organizations.otherSirets, city: organizations.city, postalCode: organizations.postalCode, phone: organizations.phone })
      .from(sourcingCases)
      .innerJoin(organizations, eq(organizations.id, sourcingCases.organizationId))
      .where(eq(sourcingCases.challengeId, challengeId));
    const byName = new Map(cases.map((row) => [row.name, row]));
    expect([...byName.keys()].sort()).toEqual(['Accessilab SAS', "Coach'Appren", 'Dys&Lire', 'Kalimo', 'Lecto', 'Lumiquiz', 'Évalia'].sort());
    // Several SIRET in one cell: the first is the SIRET, the others the other SIRET; « / » too.
    expect(byName.get('Lumiquiz')).toMatchObject({ stage: 'reperee', source: 'salon', kind: 'startup', siret: '89834441174766', otherSirets: ['89834441161433'], postalCode: '75011', budget: 2_500_000 });
    expect(byName.get('Lumiquiz')?.tags.sort()).toEqual(['adaptive learning', 'évaluation']);
    expect(byName.get('Évalia')).toMatchObject({ siret: '95458228442014', otherSirets: ['95458228419509'], city: 'Montpellier', source: 'concours_ilab', budget: 1_250_050 });
    // Overseas: address and phone of La Réunion.
    expect(byName.get("Coach'Appren")).toMatchObject({ postalCode: '97400', source: 'candidature_spontanee', budget: 4_000_000, ownerId: importer.id });
    expect(byName.get("Coach'Appren")?.phone).toMatch(/262/);
    // Found by SIREN under another establishment's SIRET: the existing organisation, not a new one.
    expect(byName.get('Accessilab SAS')).toMatchObject({ siret: '84366979711995', source: 'incubateur' });
    expect(await harness.db.select().from(organizations).where(eq(organizations.name, 'Accessilab'))).toHaveLength(0);
    // Kalimo keeps its case as it was; Lumiquiz is one organisation although named twice.
    expect(byName.get('Kalimo')).toMatchObject({ id: kalimoCaseId, stage: 'rencontree' });
    expect(await harness.db.select().from(organizations).where(eq(organizations.name, 'Lumiquiz'))).toHaveLength(1);
    // Each case has its first stage row, moved by the import.
    const stages = await harness.db.select().from(sourcingCaseStages).where(inArray(sourcingCaseStages.caseId, cases.filter((row) => row.id !== kalimoCaseId).map((row) => row.id)));
    expect(stages).toHaveLength(6);
    expect(stages.every((stage) => stage.stage === 'reperee' && stage.movedBy === 'import' && stage.leftAt === null)).toBe(true);
    const journal = await harness.db.select().from(auditLog).where(and(eq(auditLog.action, 'sourcing_case.created'), eq(auditLog.entityType, 'sourcing_case')));
    expect(journal.length).toBeGreaterThanOrEqual(6);

    const rows = await harness.db.select().from(importRows).where(eq(importRows.batchId, batchId));
    const row = (line: number) => rows.find((item) => item.rowNumber === line);
    expect(row(5)?.outcome).toBe('skipped');
    expect(row(5)?.entityId).toBe(kalimoCaseId);
    // A SIREN written in groups in the « SIREN / SIRET » column is the SIREN: found by it, no warning.
    expect(row(5)?.warnings).toBeNull();
    expect(JSON.stringify(row(5)?.errors)).toContain('Déjà dans le défi');
    expect(row(11)?.outcome).toBe('skipped');
    expect(row(9)?.outcome).toBe('ambiguous');
    expect([...(row(9)?.candidateIds ?? [])].sort()).toEqual([...tutorat].sort());
    expect(row(10)?.outcome).toBe('error');
    // An unreadable budget, an invalid SIRET, an unknown owner: warnings, not refusals.
    expect(JSON.stringify(row(7)?.warnings)).toContain('budget illisible');
    expect(row(8)?.outcome).toBe('created');
    expect(JSON.stringify(row(6)?.warnings)).toContain('inconnu@example.fr');

    const report = await browser.get(`/imports/${batchId}?outcome=created`);
    expect(report.status).toBe(200);
    expect(report.text).toMatch(/href="\/sourcing\/pistes\/[0-9a-f-]{36}"/);
  });

  test('the ambiguous row is settled from the report by choosing one of the namesakes', async () => {
    const chosen = tutorat[1] ?? '';
    const response = await browser.post(`/imports/${batchId}/choix`, { choice_9: chosen });
    expect([200, 303]).toContain(response.status);
    const [created] = await harness.db.select().from(sourcingCases).where(and(eq(sourcingCases.challengeId, challengeId), eq(sourcingCases.organizationId, chosen)));
    expect(created?.stage).toBe('reperee');
    const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, batchId));
    expect({ created: batch?.createdCount, ambiguous: batch?.ambiguousCount }).toEqual({ created: 7, ambiguous: 0 });
  });

  test('the revert deletes the cases and the start-ups the import created, and leaves the others', async () => {
    const response = await browser.post(`/imports/${batchId}/annuler`);
    expect([200, 303]).toContain(response.status);
    const left = await harness.db.select({ id: sourcingCases.id }).from(sourcingCases).where(eq(sourcingCases.challengeId, challengeId));
    expect(left.map((row) => row.id)).toEqual([kalimoCaseId]);
    for (const name of ['Lumiquiz', 'Évalia', "Coach'Appren", 'Dys&Lire', 'Lecto']) {
      expect(await harness.db.select().from(organizations).where(eq(organizations.name, name))).toHaveLength(0);
    }
    expect(await harness.db.select().from(organizations).where(eq(organizations.name, 'Accessilab SAS'))).toHaveLength(1);
    expect(await harness.db.select().from(organizations).where(eq(organizations.name, 'Tutorat Plus'))).toHaveLength(2);
    const deleted = await harness.db.select().from(auditLog).where(eq(auditLog.action, 'sourcing_case.deleted'));
    expect(deleted).toHaveLength(7);
  });
});
