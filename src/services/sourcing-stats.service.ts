// The funnel (/sourcing/statistiques, docs/sourcing-funnel.md): the figures of the sourcing
// pipeline over a period (Paris days, default the last two years), filtered by challenge, unit
// and source; each figure a chart (SVG geometry computed here) and its data table; the tables
// exported as CSV or XLSX (journaled). Everyone signed in reads it ('sourcing.read'); exporting
// is 'sourcing.export'. Also the dashboard's « start-ups rencontrées cette année »
// (startupsMetThisYear), from the same statement as the funnel's « start-ups rencontrées ».
import { t } from '../lib/i18n';
import type { FieldErrors } from '../lib/errors';
import { formatDate, formatNumber, isoDateInParis, startOfParisDay } from '../lib/format';
import { addParisDays, addParisMonths } from '../lib/paris-time';
import type { ExportColumn } from '../lib/exports/columns';
import { MEETING_KINDS, CASE_PIPELINE_STAGES, CASE_SOURCES, CASE_STAGES, PILOT_DECISIONS, type CaseSource, type CaseStage } from '../models/schema';
import {
  type Breakdown,
  type CaseFilters,
  type PilotOutcome,
  type PilotRow,
  type StageRow,
  listChallengeTitles,
  pilotFigures,
  stageFigures,
  startupsMetFigures,
} from '../models/sourcing-stats.model';
import { type BarInput, conversionSteps, horizontalBars, percent, secondsToDays, shares, type StageCounts } from '../workflows/sourcing-funnel';
import { type ServiceContext, requireActor } from './context';
import { type SpreadsheetFormat, journaled } from './export-journal';
import { assertCan, can, hasRole } from './permissions';
import { cachedActiveUnits } from './reference-lists';
import { STARTUP_KIND_CODE } from './startup-meeting.service';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The default period: the last two years, to today. */
export const DEFAULT_PERIOD_MONTHS = 24;
const MAX_PERIOD_DAYS = 3_660;
export const PILOT_OUTCOMES: readonly PilotOutcome[] = [...PILOT_DECISIONS, 'sans_decision'];

// ── The dashboard's figure ──────────────────────────────────────────────────────────────────

/**
 * « Start-ups rencontrées cette année » of these units: distinct organisations of kind
 * 'startup' with a meeting exchange (MEETING_KINDS) since 1 January (Paris) — confidential
 * exchanges counted only for those who may read them, as the dashboard always did. The funnel's
 * « start-ups rencontrées » is the same statement over its period.
 */
export async function startupsMetThisYear(ctx: ServiceContext, unitIds: readonly string[]): Promise<number> {
  const actor = requireActor(ctx);
  const yearStart = `${isoDateInParis(ctx.now).slice(0, 4)}-01-01`;
  const checkVisibility = !hasRole(actor, 'admin') && unitIds.some((unitId) => !actor.unitIds.includes(unitId));
  const rows = await startupsMetFigures(ctx.db, actor, unitIds, { from: startOfParisDay(yearStart), to: ctx.now, kindCode: STARTUP_KIND_CODE, exchangeKinds: MEETING_KINDS }, checkVisibility);
  return rows.find((row) => row.year === null && row.unitId === null)?.startups ?? 0;
}

// ── The query ───────────────────────────────────────────────────────────────────────────────

/** The filters as typed (kept on a 422). */
export interface StatsQuery {
  du: string;
  au: string;
  defi: string;
  unite: string;
  source: string;
}

/** A valid `YYYY-MM-DD` day (not 2026-02-30). */
function validDay(text: string): boolean {
  if (!ISO_DAY.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function text(raw: Record<string, unknown>, key: string): string {
  const value = raw[key];
  return typeof value === 'string' ? value.trim().slice(0, 100) : '';
}

interface ParsedQuery {
  query: StatsQuery;
  errors: FieldErrors;
  fromDay: string;
  lastDay: string;
  filters: CaseFilters;
}

async function parseQuery(ctx: ServiceContext, rawQuery: unknown, challengeIds: ReadonlySet<string>, unitIds: ReadonlySet<string>): Promise<ParsedQuery> {
  const raw = (rawQuery && typeof rawQuery === 'object' ? rawQuery : {}) as Record<string, unknown>;
  const today = isoDateInParis(ctx.now);
  const query: StatsQuery = { du: text(raw, 'du'), au: text(raw, 'au'), defi: text(raw, 'defi'), unite: text(raw, 'unite'), source: text(raw, 'source') };
  const errors: FieldErrors = {};
  const lastDay = query.au === '' ? today : query.au;
  const fromDay = query.du === '' ? addParisMonths(lastDay === today || validDay(lastDay) ? lastDay : today, -DEFAULT_PERIOD_MONTHS) : query.du;
  if (query.du !== '' && !validDay(query.du)) errors.du = t('sourcingStats.errors.date');
  if (query.au !== '' && !validDay(query.au)) errors.au = t('sourcingStats.errors.date');
  if (!errors.du && !errors.au) {
    if (fromDay > lastDay) errors.du = t('sourcingStats.errors.order');
    else if ((Date.parse(lastDay) - Date.parse(fromDay)) / 86_400_000 > MAX_PERIOD_DAYS) errors.du = t('sourcingStats.errors.span');
  }
  const filters: CaseFilters = {};
  if (query.defi === 'sans') filters.challengeId = 'sans';
  else if (query.defi !== '') {
    if (UUID.test(query.defi) && challengeIds.has(query.defi.toLowerCase())) filters.challengeId = query.defi.toLowerCase();
    else errors.defi = t('sourcingStats.errors.challenge');
  }
  if (query.unite !== '') {
    if (UUID.test(query.unite) && unitIds.has(query.unite.toLowerCase())) filters.unitId = query.unite.toLowerCase();
    else errors.unite = t('sourcingStats.errors.unit');
  }
  if (query.source !== '') {
    if ((CASE_SOURCES as readonly string[]).includes(query.source)) filters.source = query.source as CaseSource;
    else errors.source = t('sourcingStats.errors.source');
  }
  return { query, errors, fromDay, lastDay, filters };
}

// ── Tables (the page's and the export's) ────────────────────────────────────────────────────

export interface StatsCell {
  /** The number (exports write it as a number), null for « — ». */
  value: number | null;
  text: string;
}

export interface StatsTable {
  id: string;
  caption: string;
  /** Header of the first column (the row's name). */
  rowHeader: string;
  columns: string[];
  rows: Array<{ label: string; cells: StatsCell[]; total?: boolean }>;
}

const dash = () => t('sourcingStats.dash');
const countCell = (value: number): StatsCell => ({ value, text: formatNumber(value) });
const percentCell = (value: number | null): StatsCell => (value === null ? { value: null, text: dash() } : { value, text: t('sourcingStats.percent', { value: formatNumber(value) }) });
const daysCell = (value: number | null): StatsCell => (value === null ? { value: null, text: dash() } : { value, text: t('sourcingStats.days', { value: formatNumber(value) }) });
const stageLabel = (stage: CaseStage) => t(`sourcingCases.stages.${stage}`);
const sourceLabel = (source: string) => t(`sourcingCases.sources.${source}`);
const outcomeLabel = (outcome: PilotOutcome) => t(`sourcingStats.pilots.outcomes.${outcome}`);

/** The chart's bars with the same numbers as its table. */
function chartOf(title: string, bars: BarInput[]) {
  return { title, description: t('sourcingStats.chartOf', { title }), ...horizontalBars(bars) };
}

/** Key of a breakdown row: the source code or the challenge id ('' for spontaneous cases). */
function keyOf(row: { breakdown: Breakdown; source: string | null; challengeId: string | null }): string {
  return row.breakdown === 'source' ? (row.source ?? '') : (row.challengeId ?? '');
}

function breakdownTables<Row extends { breakdown: Breakdown; source: CaseSource | null; challengeId: string | null }>(
  rows: readonly Row[],
  breakdown: 'source' | 'challenge',
  columns: readonly string[],
  columnOf: (row: Row) => string,
  valueOf: (row: Row) => number,
  names: ReadonlyMap<string, string>,
): Array<{ label: string; cells: StatsCell[] }> {
  const byKey = new Map<string, Map<string, number>>();
  for (const row of rows) {
    if (row.breakdown !== breakdown) continue;
    const key = keyOf(row);
    const line = byKey.get(key) ?? new Map<string, number>();
    line.set(columnOf(row), valueOf(row));
    byKey.set(key, line);
  }
  const keys = breakdown === 'source' ? CASE_SOURCES.filter((source) => byKey.has(source)) : [...byKey.keys()].sort((a, b) => (names.get(a) ?? '').localeCompare(names.get(b) ?? '', 'fr'));
  return keys.map((key) => ({
    label: names.get(key) ?? key,
    cells: columns.map((column) => countCell(byKey.get(key)?.get(column) ?? 0)),
  }));
}

// ── The page ────────────────────────────────────────────────────────────────────────────────

/** Everything the page shows, or the typed filters and their errors (422). */
export async function readSourcingStats(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'sourcing.read');
  const actor = ctx.actor;
  const [challenges, units] = await Promise.all([listChallengeTitles(ctx.db), cachedActiveUnits(ctx.db)]);
  const parsed = await parseQuery(
    ctx,
    rawQuery,
    new Set(challenges.map((challenge) => challenge.id)),
    new Set(units.map((unit) => unit.id)),
  );
  const { query, errors, fromDay, lastDay, filters } = parsed;
  const options = {
    challenges: [{ value: 'sans', label: t('sourcingStats.noChallenge') }, ...challenges.map((challenge) => ({ value: challenge.id, label: challenge.title }))],
    units: units.map((unit) => ({ value: unit.id, label: unit.name })),
    sources: CASE_SOURCES.map((source) => ({ value: source, label: sourceLabel(source) })),
  };
  const canExport = can(actor, 'sourcing.export');
  if (Object.keys(errors).length > 0) {
    return { query, errors: { ...errors, _form: t('sourcingStats.errors.summary') }, options, canExport: false, figures: null };
  }

  const today = isoDateInParis(ctx.now);
  const period = { from: startOfParisDay(fromDay), to: startOfParisDay(addParisDays(lastDay, 1)) };
  const shownUnits = filters.unitId ? units.filter((unit) => unit.id === filters.unitId) : units;
  const shownUnitIds = shownUnits.map((unit) => unit.id);
  const checkVisibility = !hasRole(actor, 'admin') && shownUnitIds.some((unitId) => !actor.unitIds.includes(unitId));
  // Three statements side by side (each its own connection on the server; PGlite queues them).
  const [stageRows, pilotRows, metRows] = await Promise.all([
    stageFigures(ctx.db, period, filters),
    pilotFigures(ctx.db, { ...period, fromDay, lastDay, today }, filters),
    startupsMetFigures(ctx.db, actor, shownUnitIds, { ...period, kindCode: STARTUP_KIND_CODE, exchangeKinds: MEETING_KINDS, withCase: filters }, checkVisibility),
  ]);
  const challengeNames = new Map<string, string>([['', t('sourcingStats.noChallenge')], ...challenges.map((challenge) => [challenge.id, challenge.title] as [string, string])]);
  const sourceNames = new Map<string, string>(CASE_SOURCES.map((source) => [source, sourceLabel(source)]));
  const unitNames = new Map<string, string>(units.map((unit) => [unit.id, unit.name]));

  // Start-ups met: per year (all units), per unit (the period), the table unit × year.
  const firstYear = Number(fromDay.slice(0, 4));
  const lastYear = Number(lastDay.slice(0, 4));
  const years = Array.from({ length: lastYear - firstYear + 1 }, (_, index) => firstYear + index);
  const met = (year: number | null, unitId: string | null) => metRows.find((row) => row.year === year && row.unitId === unitId)?.startups ?? 0;
  const metUnits = shownUnits.filter((unit) => met(null, unit.id) > 0);
  const startups = {
    total: met(null, null),
    byYear: chartOf(t('sourcingStats.startups.byYear'), years.map((year) => ({ label: String(year), value: met(year, null), valueLabel: formatNumber(met(year, null)) }))),
    byUnit: chartOf(
      t('sourcingStats.startups.byUnit'),
      metUnits.map((unit) => ({ label: unit.name, value: met(null, unit.id), valueLabel: formatNumber(met(null, unit.id)) })),
    ),
    table: {
      id: 'startups',
      caption: t('sourcingStats.startups.tableCaption'),
      rowHeader: t('sourcingStats.startups.unitColumn'),
      columns: [...years.map(String), t('sourcingStats.startups.period')],
      rows: [
        ...metUnits.map((unit) => ({ label: unitNames.get(unit.id) ?? unit.id, cells: [...years.map((year) => countCell(met(year, unit.id))), countCell(met(null, unit.id))] })),
        { label: t('sourcingStats.startups.allUnits'), cells: [...years.map((year) => countCell(met(year, null))), countCell(met(null, null))], total: true },
      ],
    } satisfies StatsTable,
  };

  // The funnel: entries per stage, conversion, median time.
  const totals = new Map<CaseStage, StageRow>(stageRows.filter((row) => row.breakdown === 'total').map((row) => [row.stage, row]));
  const counts = new Map<CaseStage, StageCounts>([...totals].map(([stage, row]) => [stage, { entered: row.entered, advanced: row.advanced }]));
  const steps = conversionSteps(counts);
  const entered = (stage: CaseStage) => totals.get(stage)?.entered ?? 0;
  const medianDays = (stage: CaseStage) => secondsToDays(totals.get(stage)?.medianSeconds ?? null);
  const funnel = {
    chart: chartOf(
      t('sourcingStats.funnel.chart'),
      CASE_STAGES.map((stage) => ({ label: stageLabel(stage), value: entered(stage), valueLabel: formatNumber(entered(stage)), muted: !(CASE_PIPELINE_STAGES as readonly CaseStage[]).includes(stage) })),
    ),
    conversionChart: chartOf(
      t('sourcingStats.conversion.chart'),
      steps.map((step) => ({ label: t('sourcingStats.conversion.step', { from: stageLabel(step.from), to: stageLabel(step.to) }), value: step.rate ?? 0, valueLabel: percentCell(step.rate).text, muted: step.rate === null })),
    ),
    table: {
      id: 'entonnoir',
      caption: t('sourcingStats.funnel.tableCaption'),
      rowHeader: t('sourcingStats.funnel.stage'),
      columns: [t('sourcingStats.funnel.entered'), t('sourcingStats.funnel.advanced'), t('sourcingStats.funnel.conversion'), t('sourcingStats.funnel.stillThere')],
      rows: CASE_STAGES.map((stage) => {
        const step = steps.find((candidate) => candidate.from === stage);
        return {
          label: stageLabel(stage),
          cells: [countCell(entered(stage)), step ? countCell(step.advanced) : { value: null, text: dash() }, percentCell(step?.rate ?? null), countCell(totals.get(stage)?.openStays ?? 0)],
        };
      }),
    } satisfies StatsTable,
  };
  const medians = {
    chart: chartOf(
      t('sourcingStats.medians.chart'),
      CASE_STAGES.filter((stage) => stage !== 'deployee').map((stage) => ({ label: stageLabel(stage), value: medianDays(stage) ?? 0, valueLabel: daysCell(medianDays(stage)).text, muted: medianDays(stage) === null })),
    ),
    table: {
      id: 'durees',
      caption: t('sourcingStats.medians.tableCaption'),
      rowHeader: t('sourcingStats.funnel.stage'),
      columns: [t('sourcingStats.medians.median'), t('sourcingStats.medians.closedStays'), t('sourcingStats.medians.open')],
      rows: CASE_STAGES.map((stage) => ({
        label: stageLabel(stage),
        cells: [daysCell(medianDays(stage)), countCell(totals.get(stage)?.closedStays ?? 0), countCell(totals.get(stage)?.openStays ?? 0)],
      })),
    } satisfies StatsTable,
  };

  // Pilot outcomes.
  const pilotTotals = new Map<PilotOutcome, number>(pilotRows.filter((row) => row.breakdown === 'total').map((row) => [row.outcome, row.pilots]));
  const pilotCounts = PILOT_OUTCOMES.map((outcome) => pilotTotals.get(outcome) ?? 0);
  const pilotShares = shares(pilotCounts);
  const pilotTotal = pilotCounts.reduce((sum, value) => sum + value, 0);
  const pilots = {
    total: pilotTotal,
    chart: chartOf(
      t('sourcingStats.pilots.chart'),
      PILOT_OUTCOMES.map((outcome, index) => ({ label: outcomeLabel(outcome), value: pilotCounts[index] ?? 0, valueLabel: formatNumber(pilotCounts[index] ?? 0), muted: outcome === 'sans_decision' })),
    ),
    table: {
      id: 'experimentations',
      caption: t('sourcingStats.pilots.tableCaption'),
      rowHeader: t('sourcingStats.pilots.outcome'),
      columns: [t('sourcingStats.pilots.count'), t('sourcingStats.pilots.share')],
      rows: [
        ...PILOT_OUTCOMES.map((outcome, index) => ({ label: outcomeLabel(outcome), cells: [countCell(pilotCounts[index] ?? 0), percentCell(pilotShares[index] ?? null)] })),
        { label: t('sourcingStats.total'), cells: [countCell(pilotTotal), percentCell(percent(pilotTotal, pilotTotal))], total: true },
      ],
    } satisfies StatsTable,
  };

  // Breakdowns by source and by challenge.
  const stageColumns = CASE_STAGES.map(stageLabel);
  const outcomeColumns = PILOT_OUTCOMES.map(outcomeLabel);
  const breakdown = (kind: 'source' | 'challenge', names: ReadonlyMap<string, string>, group: 'bySource' | 'byChallenge') => ({
    stages: {
      id: `${kind === 'source' ? 'sources' : 'defis'}-etapes`,
      caption: t(`sourcingStats.${group}.stagesCaption`),
      rowHeader: t(`sourcingStats.${group}.column`),
      columns: stageColumns,
      rows: breakdownTables(stageRows, kind, CASE_STAGES, (row: StageRow) => row.stage, (row: StageRow) => row.entered, names),
    } satisfies StatsTable,
    pilots: {
      id: `${kind === 'source' ? 'sources' : 'defis'}-experimentations`,
      caption: t(`sourcingStats.${group}.pilotsCaption`),
      rowHeader: t(`sourcingStats.${group}.column`),
      columns: outcomeColumns,
      rows: breakdownTables(pilotRows, kind, PILOT_OUTCOMES, (row: PilotRow) => row.outcome, (row: PilotRow) => row.pilots, names),
    } satisfies StatsTable,
  });

  const exportQuery = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== '')).toString();
  return {
    query,
    errors: null,
    options,
    canExport,
    exportCsv: `/sourcing/statistiques?${exportQuery ? `${exportQuery}&` : ''}format=csv`,
    exportXlsx: `/sourcing/statistiques?${exportQuery ? `${exportQuery}&` : ''}format=xlsx`,
    figures: {
      period: t('sourcingStats.periodLabel', { from: formatDate(fromDay), to: formatDate(lastDay) }),
      fromDay,
      lastDay,
      empty: stageRows.length === 0 && pilotRows.length === 0 && startups.total === 0,
      startups,
      funnel,
      medians,
      pilots,
      bySource: breakdown('source', sourceNames, 'bySource'),
      byChallenge: breakdown('challenge', challengeNames, 'byChallenge'),
    },
  };
}

export type SourcingStatsView = Awaited<ReturnType<typeof readSourcingStats>>;

/** Every table of the page, in its order. */
export function tablesOf(view: SourcingStatsView): StatsTable[] {
  const figures = view.figures;
  if (!figures) return [];
  return [
    figures.startups.table,
    figures.funnel.table,
    figures.medians.table,
    figures.pilots.table,
    figures.bySource.stages,
    figures.bySource.pilots,
    figures.byChallenge.stages,
    figures.byChallenge.pilots,
  ];
}

// ── Export ──────────────────────────────────────────────────────────────────────────────────

export interface StatsExportRow extends Record<string, unknown> {
  table: string;
  row: string;
  column: string;
  value: number | string | null;
  period: string;
}

/**
 * The page's tables as one long sheet — one line per cell (table, row, column, value) — for
 * 'sourcing.export'. Journaled (`sourcing_case.exported`, entity id 'statistiques') with the
 * filters and the number of lines. A 422 query is a ValidationError (the route shows the page).
 */
export async function sourcingStatsExport(ctx: ServiceContext, rawQuery: unknown, format: SpreadsheetFormat) {
  assertCan(ctx.actor, 'sourcing.export');
  const view = await readSourcingStats(ctx, rawQuery);
  const columns: Array<ExportColumn<StatsExportRow>> = [
    { key: 'table', label: t('sourcingStats.export.table'), width: 50 },
    { key: 'row', label: t('sourcingStats.export.row'), width: 40 },
    { key: 'column', label: t('sourcingStats.export.column'), width: 30 },
    { key: 'value', label: t('sourcingStats.export.value'), type: 'number' },
    { key: 'period', label: t('sourcingStats.export.period'), width: 26 },
  ];
  const period = view.figures?.period ?? '';
  const rows: StatsExportRow[] = [];
  for (const table of tablesOf(view)) {
    for (const line of table.rows) {
      line.cells.forEach((cell, index) => rows.push({ table: table.caption, row: line.label, column: table.columns[index] ?? '', value: cell.value, period }));
    }
  }
  async function* lines() {
    yield* rows;
  }
  return { view, columns, rows: journaled(ctx, 'sourcing_case', { ...view.query }, format, lines(), 'statistiques') };
}
