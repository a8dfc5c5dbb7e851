// The funnel (/sourcing/statistiques): a known stage history, every figure computed by hand
// below; filters; the export's content and journal; permissions (lecteur reads, export needs
// 'sourcing.export'); the dashboard's « start-ups rencontrées cette année » is the same figure.
import { and, eq } from 'drizzle-orm';
import { listUnits } from '../../src/models/units.model';
import { auditLog, exchangeOrganizations, exchangeUnits, exchanges, sourcingCaseStages, sourcingCases, sourcingChallenges, sourcingPilots, type CaseSource, type CaseStage, type User } from '../../src/models/schema';
import { readSourcingStats, startupsMetThisYear } from '../../src/services/sourcing-stats.service';
import { isoDateInParis, startOfParisDay } from '../../src/lib/format';
import { buildOrganization } from '../support/directory-fixtures';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

const at = (day: string) => new Date(`${day}T10:00:00+01:00`);

describe('the sourcing funnel', () => {
  let harness: TestApp;
  let charge: User;
  let lecteur: User;
  let challengeId: string;
  let unitA: string;
  let unitB: string;

  /** A case with its history: [stage, entered day] in order; the last stays open. */
  async function caseWith(values: { challengeId: string | null; source: CaseSource; unitId: string; name: string }, history: Array<[CaseStage, string]>): Promise<string> {
    const organization = await buildOrganization(harness.db, { name: values.name, kindCode: 'startup', status: 'actif' });
    const [last] = history.slice(-1);
    const [row] = await harness.db
      .insert(sourcingCases)
      .values({ challengeId: values.challengeId, organizationId: organization.id, unitId: values.unitId, source: values.source, stage: last![0], stageEnteredAt: at(last![1]) })
      .returning();
    let from: CaseStage | null = null;
    for (const [index, [stage, day]] of history.entries()) {
      const next = history[index + 1];
      await harness.db.insert(sourcingCaseStages).values({ caseId: row!.id, stage, fromStage: from, enteredAt: at(day), leftAt: next ? at(next[1]) : null, movedBy: 'person' });
      from = stage;
    }
    return row!.id;
  }

  beforeAll(async () => {
    harness = await startTestApp();
    const units = await listUnits(harness.db);
    unitA = units.find((unit) => unit.code === 'DDPSI')!.id;
    unitB = units.find((unit) => unit.code === 'DCOM')!.id;
    charge = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    lecteur = await buildUser(harness.db, { roles: ['lecteur'], unitCodes: ['DDPSI'] });
    const [challenge] = await harness.db.insert(sourcingChallenges).values({ title: 'Évaluation des compétences à distance', problemStatement: 'Évaluer à distance', criteria: [], status: 'en_sourcing' }).returning();
    challengeId = challenge!.id;

    // A: X, salon, unit A — repérée 10 d, qualifiée 20 d, rencontrée (open).
    const caseA = await caseWith({ challengeId, source: 'salon', unitId: unitA, name: 'Apprenoscope' }, [['reperee', '2026-01-10'], ['qualifiee', '2026-01-20'], ['rencontree', '2026-02-09']]);
    // B: X, incubateur, unit A — 4, 5, 19, 31 days, then straight to contractualisation (a gate's go).
    const caseB = await caseWith({ challengeId, source: 'incubateur', unitId: unitA, name: 'Classe Agile' }, [
      ['reperee', '2026-02-01'],
      ['qualifiee', '2026-02-05'],
      ['rencontree', '2026-02-10'],
      ['evaluee', '2026-03-01'],
      ['contractualisation', '2026-04-01'],
    ]);
    // C: no challenge, salon, unit B — repérée 10 d then abandonnée (open).
    const caseC = await caseWith({ challengeId: null, source: 'salon', unitId: unitB, name: 'Lexidys' }, [['reperee', '2026-03-01'], ['abandonnee', '2026-03-11']]);
    // D: X, salon, unit A — repérée before the period, qualifiée in it (open).
    const caseD = await caseWith({ challengeId, source: 'salon', unitId: unitA, name: 'Quizzbox' }, [['reperee', '2025-06-01'], ['qualifiee', '2026-01-05']]);
    // E: after the period.
    await caseWith({ challengeId, source: 'veille', unitId: unitA, name: 'Tardive' }, [['reperee', '2026-08-01']]);

    // Pilots: B decided « déployer » in the period; A ended in the period without a decision;
    // D decided before the period; C ends after it (not counted).
    await harness.db.insert(sourcingPilots).values([
      { caseId: caseB, status: 'clos', startsOn: '2026-03-02', endsOn: '2026-03-14', decision: 'deployer', decidedAt: at('2026-03-15') },
      { caseId: caseA, status: 'en_cours', startsOn: '2026-03-01', endsOn: '2026-05-31' },
      { caseId: caseD, status: 'clos', startsOn: '2025-09-01', endsOn: '2025-11-30', decision: 'arreter', decidedAt: at('2025-12-01') },
      { caseId: caseC, status: 'en_cours', startsOn: '2026-03-01', endsOn: '2026-12-31' },
    ]);
  });
  afterAll(async () => {
    await harness.close();
  });

  const PERIOD = { du: '2026-01-01', au: '2026-06-30' };
  const tableRows = (view: Awaited<ReturnType<typeof readSourcingStats>>, id: string) => {
    const figures = view.figures!;
    const tables = [figures.startups.table, figures.funnel.table, figures.medians.table, figures.pilots.table, figures.bySource.stages, figures.bySource.pilots, figures.byChallenge.stages, figures.byChallenge.pilots];
    const table = tables.find((candidate) => candidate.id === id)!;
    return Object.fromEntries(table.rows.map((row) => [row.label, row.cells.map((cell) => cell.value)]));
  };

  it('counts entries, conversion to a further stage and median stays, by hand', async () => {
    const view = await readSourcingStats(await harness.context(charge), PERIOD);
    expect(view.errors).toBeNull();
    // [entered, advanced, conversion %, still there]
    expect(tableRows(view, 'entonnoir')).toEqual({
      Repérée: [3, 2, 66.7, 0],
      Qualifiée: [3, 2, 66.7, 1],
      Rencontrée: [2, 1, 50, 1],
      Évaluée: [1, 1, 100, 0],
      Expérimentation: [0, 0, null, 0],
      Contractualisation: [1, 0, 0, 1],
      Déployée: [0, null, null, 0],
      'En veille': [0, null, null, 0],
      Abandonnée: [1, null, null, 1],
    });
    // [median days, closed stays, open stays]: repérée 10, 4, 10 → 10; qualifiée 20, 5 → 12.5.
    expect(tableRows(view, 'durees')).toMatchObject({
      Repérée: [10, 3, 0],
      Qualifiée: [12.5, 2, 1],
      Rencontrée: [19, 1, 1],
      Évaluée: [31, 1, 0],
      Expérimentation: [null, 0, 0],
      Contractualisation: [null, 0, 1],
    });
    // Pilots: [count, share %]
    expect(tableRows(view, 'experimentations')).toEqual({
      Déployer: [1, 50],
      Prolonger: [0, 0],
      Itérer: [0, 0],
      Arrêter: [0, 0],
      'Sans décision': [1, 50],
      Total: [2, 100],
    });
    // By source and by challenge (columns: the nine stages).
    expect(tableRows(view, 'sources-etapes')).toEqual({
      Salon: [2, 2, 1, 0, 0, 0, 0, 0, 1],
      Incubateur: [1, 1, 1, 1, 0, 1, 0, 0, 0],
    });
    expect(tableRows(view, 'defis-etapes')).toEqual({
      'Évaluation des compétences à distance': [2, 3, 2, 1, 0, 1, 0, 0, 0],
      'Sans défi (sourcing spontané)': [1, 0, 0, 0, 0, 0, 0, 0, 1],
    });
    expect(tableRows(view, 'sources-experimentations')).toEqual({ Salon: [0, 0, 0, 0, 1], Incubateur: [1, 0, 0, 0, 0] });
    // The charts carry the same numbers.
    expect(view.figures!.funnel.chart.bars.map((bar) => bar.valueLabel).slice(0, 4)).toEqual(['3', '3', '2', '1']);
  });

  it('filters by source, challenge and unit', async () => {
    const ctx = await harness.context(charge);
    const incubateur = await readSourcingStats(ctx, { ...PERIOD, source: 'incubateur' });
    expect(tableRows(incubateur, 'entonnoir').Repérée).toEqual([1, 1, 100, 0]);
    expect(tableRows(incubateur, 'experimentations')['Sans décision']).toEqual([0, 0]);
    const spontaneous = await readSourcingStats(ctx, { ...PERIOD, defi: 'sans' });
    expect(tableRows(spontaneous, 'entonnoir').Repérée).toEqual([1, 0, 0, 0]);
    expect(tableRows(spontaneous, 'entonnoir').Abandonnée).toEqual([1, null, null, 1]);
    const ofUnitB = await readSourcingStats(ctx, { ...PERIOD, unite: unitB });
    expect(tableRows(ofUnitB, 'entonnoir')).toEqual(tableRows(spontaneous, 'entonnoir'));
    const ofChallenge = await readSourcingStats(ctx, { ...PERIOD, defi: challengeId });
    expect(tableRows(ofChallenge, 'entonnoir').Qualifiée).toEqual([3, 2, 66.7, 1]);
    expect(tableRows(ofChallenge, 'entonnoir').Repérée).toEqual([2, 2, 100, 0]);
  });

  it('refuses bad filters with 422, keeping what was typed', async () => {
    const browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
    const bad = await browser.get('/sourcing/statistiques?du=2026-13-45&au=2026-01-01&source=fax&defi=inconnu');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Saisissez une date valide');
    expect(bad.text).toContain('Cette source n’existe pas');
    expect(bad.text).toContain('Ce défi n’existe pas');
    expect(bad.text).toContain('value="2026-13-45"');
    const reversed = await browser.get('/sourcing/statistiques?du=2026-06-01&au=2026-01-01');
    expect(reversed.status).toBe(422);
    expect(reversed.text).toContain('La date de début doit précéder la date de fin');
  });

  it('shows the page to a lecteur, with charts and their tables, and no export', async () => {
    const browser = new TestBrowser(harness.app);
    await browser.login(lecteur.email);
    const page = await browser.get(`/sourcing/statistiques?du=${PERIOD.du}&au=${PERIOD.au}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<svg viewBox="0 0 340');
    expect(page.text).toContain('<caption>Pistes entrées dans chaque étape et conversion vers l’étape suivante</caption>');
    expect(page.text).toContain('<th scope="row">Repérée</th>');
    expect(page.text).toContain('66,7 %');
    expect(page.text).not.toContain('Exporter les tableaux');
    const refused = await browser.get(`/sourcing/statistiques?du=${PERIOD.du}&au=${PERIOD.au}&format=csv`);
    expect(refused.status).toBe(403);
    // The default period (two years to today) works too.
    expect((await browser.get('/sourcing/statistiques')).status).toBe(200);
  });

  it('exports the tables as CSV and XLSX for a chargé, journaled', async () => {
    const browser = new TestBrowser(harness.app);
    await browser.login(charge.email);
    const page = await browser.get(`/sourcing/statistiques?du=${PERIOD.du}&au=${PERIOD.au}&source=salon`);
    expect(page.text).toContain('Exporter les tableaux (CSV)');
    const csv = await browser.get(`/sourcing/statistiques?du=${PERIOD.du}&au=${PERIOD.au}&source=salon&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('Tableau;Ligne;Colonne;Valeur;Période');
    expect(lines).toContain('Pistes entrées dans chaque étape et conversion vers l’étape suivante;Repérée;Pistes entrées;2;Du 01/01/2026 au 30/06/2026');
    expect(lines).toContain('Issue des expérimentations;Sans décision;Expérimentations;1;Du 01/01/2026 au 30/06/2026');
    const xlsx = await browser.agent.get(`/sourcing/statistiques?du=${PERIOD.du}&au=${PERIOD.au}&format=xlsx`).buffer(true).parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(xlsx.status).toBe(200);
    expect((xlsx.body as Buffer).subarray(0, 2).toString()).toBe('PK');
    const journal = await harness.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'sourcing_case.exported'), eq(auditLog.entityId, 'statistiques')));
    expect(journal).toHaveLength(2);
    const csvEntry = journal.find((entry) => (entry.metadata as { format?: string }).format === 'csv');
    expect(csvEntry?.metadata).toMatchObject({ format: 'csv', complete: true, filters: { du: PERIOD.du, au: PERIOD.au, source: 'salon' } });
    expect((csvEntry?.metadata as { rowCount: number }).rowCount).toBe(lines.length - 2);
  });

  it('counts start-ups met per year and unit as the dashboard does', async () => {
    const [apprenoscope, other, notStartup] = await Promise.all([
      buildOrganization(harness.db, { name: 'Edumetrics', kindCode: 'startup', status: 'actif' }),
      buildOrganization(harness.db, { name: 'Tutorat Plus', kindCode: 'startup', status: 'actif' }),
      buildOrganization(harness.db, { name: 'Université de Brest', kindCode: 'universite', status: 'actif' }),
    ]);
    const now = new Date();
    const thisYear = isoDateInParis(now).slice(0, 4);
    const earlier = new Date(Math.max(startOfParisDay(`${thisYear}-01-01`).getTime() + 3_600_000, now.getTime() - 86_400_000));
    const lastYear = startOfParisDay(`${Number(thisYear) - 1}-06-15`);
    const meet = async (organizationId: string, unitIds: string[], kind: 'rendez_vous' | 'appel' | 'visio', when: Date) => {
      const [exchange] = await harness.db.insert(exchanges).values({ kind, occurredAt: when, summary: 'Rencontre', authorId: charge.id }).returning();
      await harness.db.insert(exchangeOrganizations).values({ exchangeId: exchange!.id, organizationId, occurredAt: when });
      await harness.db.insert(exchangeUnits).values(unitIds.map((unitId) => ({ exchangeId: exchange!.id, unitId, occurredAt: when })));
    };
    await meet(apprenoscope.id, [unitA, unitB], 'rendez_vous', earlier); // both units: once in the total
    await meet(other.id, [unitA], 'visio', earlier);
    await meet(other.id, [unitA], 'appel', earlier); // a call is not a meeting
    await meet(notStartup.id, [unitA], 'rendez_vous', earlier); // not a start-up
    await meet(other.id, [unitB], 'rendez_vous', lastYear);

    const ctx = await harness.context(charge);
    expect(await startupsMetThisYear(ctx, [unitA, unitB])).toBe(2);
    expect(await startupsMetThisYear(ctx, [unitA])).toBe(2);
    expect(await startupsMetThisYear(ctx, [unitB])).toBe(1);

    const view = await readSourcingStats(ctx, { du: `${Number(thisYear) - 1}-01-01`, au: isoDateInParis(now) });
    const table = view.figures!.startups.table;
    expect(table.columns).toEqual([String(Number(thisYear) - 1), thisYear, 'Période']);
    const rows = Object.fromEntries(table.rows.map((row) => [row.label, row.cells.map((cell) => cell.value)]));
    const names = new Map((await listUnits(harness.db)).map((unit) => [unit.id, unit.name]));
    expect(rows[names.get(unitA)!]).toEqual([0, 2, 2]);
    expect(rows[names.get(unitB)!]).toEqual([1, 1, 2]);
    expect(rows['Toutes unités (sans double compte)']).toEqual([1, 2, 2]);
    expect(view.figures!.startups.total).toBe(2);
  });

  it('counts a case that entered a stage twice once, advanced if it later went further', async () => {
    const [challenge] = await harness.db.insert(sourcingChallenges).values({ title: 'Tutorat entre pairs', problemStatement: 'Tutorat', criteria: [], status: 'en_sourcing' }).returning();
    await caseWith({ challengeId: challenge!.id, source: 'veille', unitId: unitA, name: 'Allers-retours' }, [
      ['reperee', '2026-01-01'],
      ['qualifiee', '2026-01-05'],
      ['reperee', '2026-01-10'],
      ['qualifiee', '2026-01-20'],
    ]);
    const view = await readSourcingStats(await harness.context(charge), { ...PERIOD, defi: challenge!.id });
    expect(tableRows(view, 'entonnoir').Repérée).toEqual([1, 1, 100, 0]);
    expect(tableRows(view, 'entonnoir').Qualifiée).toEqual([1, 0, 0, 1]);
    // Stays in repérée: 4 and 10 days → 7; in qualifiée: 5 days ended, one open.
    expect(tableRows(view, 'durees').Repérée).toEqual([7, 2, 0]);
    expect(tableRows(view, 'durees').Qualifiée).toEqual([5, 1, 1]);
  });
});
