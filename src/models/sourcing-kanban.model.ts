// SQL of the kanban (/sourcing) and of the cases list (/sourcing/pistes): the same filters, the
// viewer's visibility (caseVisibleTo), one grouped query for the columns' counts and budgets and
// one windowed query for the cards (at most `perColumn` per stage). Kept lean: the benchmark
// compares the page with these statements run alone (docs/sourcing-kanban.md).
import { sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from './database';
import { type CaseViewer, caseVisibleTo } from './sourcing-cases.model';
import type { CaseSource, CaseStage } from './schema';

export interface CaseFilters {
  /** A challenge id, or 'aucun' for spontaneous cases (no challenge). */
  challengeId?: string | 'aucun';
  ownerId?: string;
  unitId?: string;
  source?: CaseSource;
  tag?: string;
  /** Part of the start-up's name. */
  q?: string;
  stage?: CaseStage;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (match) => `\\${match}`);
}

/** The WHERE of both views, on `sourcing_cases` (unaliased) and `organizations o` when q is set. */
function whereOf(viewer: CaseViewer, filters: CaseFilters): SQL {
  const parts: SQL[] = [caseVisibleTo(viewer)];
  if (filters.challengeId === 'aucun') parts.push(sql`sourcing_cases.challenge_id is null`);
  else if (filters.challengeId) parts.push(sql`sourcing_cases.challenge_id = ${filters.challengeId}`);
  if (filters.ownerId) parts.push(sql`sourcing_cases.owner_id = ${filters.ownerId}`);
  if (filters.unitId) parts.push(sql`sourcing_cases.unit_id = ${filters.unitId}`);
  if (filters.source) parts.push(sql`sourcing_cases.source = ${filters.source}`);
  if (filters.tag) parts.push(sql`sourcing_cases.tags @> array[${filters.tag}]::text[]`);
  if (filters.stage) parts.push(sql`sourcing_cases.stage = ${filters.stage}`);
  if (filters.q) parts.push(sql`o.search_name like '%' || search_normalize(${escapeLike(filters.q)}) || '%'`);
  return sql.join(parts, sql` and `);
}

function joinOrganization(filters: CaseFilters): SQL {
  return filters.q ? sql`join organizations o on o.id = sourcing_cases.organization_id` : sql``;
}

export interface ColumnSummary {
  stage: CaseStage;
  count: number;
  budgetCents: number;
}

/** Count and estimated budget of every stage holding a visible case (one grouped query). */
export async function summarizeColumns(db: Database, viewer: CaseViewer, filters: CaseFilters): Promise<ColumnSummary[]> {
  const result = await db.execute(sql`
    select sourcing_cases.stage as stage, count(*)::int as count, coalesce(sum(sourcing_cases.estimated_budget_cents), 0)::float8 as budget
    from sourcing_cases ${joinOrganization(filters)}
    where ${whereOf(viewer, filters)}
    group by sourcing_cases.stage`);
  return rowsOf<{ stage: CaseStage; count: number; budget: number }>(result).map((row) => ({ stage: row.stage, count: Number(row.count), budgetCents: Number(row.budget) }));
}

export interface KanbanCard {
  id: string;
  stage: CaseStage;
  organizationId: string;
  organizationName: string;
  challengeId: string | null;
  challengeTitle: string | null;
  ownerId: string | null;
  unitId: string | null;
  confidential: boolean;
  nextStep: string | null;
  nextStepOn: string | null;
  /** Paris days since the case entered its stage. */
  daysInStage: number;
  nextStepOverdue: boolean;
  /** A pilot not closed whose end date is past (no decision: « pilot purgatory »). */
  pilotOverdue: boolean;
}

interface CardRow {
  id: string;
  stage: CaseStage;
  organization_id: string;
  organization_name: string;
  challenge_id: string | null;
  challenge_title: string | null;
  owner_id: string | null;
  unit_id: string | null;
  confidential: boolean;
  next_step: string | null;
  next_step_on: string | null;
  days: number;
  overdue: boolean;
  pilot_overdue: boolean;
}

function cardOf(row: CardRow): KanbanCard {
  return {
    id: row.id,
    stage: row.stage,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    challengeId: row.challenge_id,
    challengeTitle: row.challenge_title,
    ownerId: row.owner_id,
    unitId: row.unit_id,
    confidential: row.confidential,
    nextStep: row.next_step,
    nextStepOn: row.next_step_on,
    daysInStage: Number(row.days),
    nextStepOverdue: row.overdue === true,
    pilotOverdue: row.pilot_overdue === true,
  };
}

/** The columns' cards, most recently moved first, at most `perColumn` per stage (one windowed query). */
export async function listKanbanCards(db: Database, viewer: CaseViewer, filters: CaseFilters, perColumn: number, today: string): Promise<KanbanCard[]> {
  const result = await db.execute(sql`
    select x.id, x.stage, x.organization_id, org.name as organization_name, x.challenge_id, ch.title as challenge_title, x.owner_id, x.unit_id,
      x.confidential, x.next_step, x.next_step_on::text as next_step_on,
      (${today}::date - (x.stage_entered_at at time zone 'Europe/Paris')::date) as days,
      (x.next_step_on < ${today}::date) as overdue,
      exists (select 1 from sourcing_pilots p where p.case_id = x.id and p.status <> 'clos' and p.ends_on < ${today}::date) as pilot_overdue
    from (
      select sourcing_cases.*, row_number() over (partition by sourcing_cases.stage order by sourcing_cases.stage_entered_at desc, sourcing_cases.id) as rn
      from sourcing_cases ${joinOrganization(filters)}
      where ${whereOf(viewer, filters)}
    ) x
    join organizations org on org.id = x.organization_id
    left join sourcing_challenges ch on ch.id = x.challenge_id
    where x.rn <= ${perColumn}
    order by x.stage, x.rn`);
  return rowsOf<CardRow>(result).map(cardOf);
}

/** One card (after a move: the card re-rendered in its new column). */
export async function findKanbanCard(db: Database, caseId: string, today: string): Promise<KanbanCard | undefined> {
  const result = await db.execute(sql`
    select x.id, x.stage, x.organization_id, org.name as organization_name, x.challenge_id, ch.title as challenge_title, x.owner_id, x.unit_id,
      x.confidential, x.next_step, x.next_step_on::text as next_step_on,
      (${today}::date - (x.stage_entered_at at time zone 'Europe/Paris')::date) as days,
      (x.next_step_on < ${today}::date) as overdue,
      exists (select 1 from sourcing_pilots p where p.case_id = x.id and p.status <> 'clos' and p.ends_on < ${today}::date) as pilot_overdue
    from sourcing_cases x
    join organizations org on org.id = x.organization_id
    left join sourcing_challenges ch on ch.id = x.challenge_id
    where x.id = ${caseId}`);
  const [row] = rowsOf<CardRow>(result);
  return row ? cardOf(row) : undefined;
}

export const CASE_LIST_SORTS = ['entered', 'startup', 'stage', 'nextStep', 'budget'] as const;
export type CaseListSort = (typeof CASE_LIST_SORTS)[number];

export interface CaseListRow extends KanbanCard {
  ownerName: string | null;
  unitName: string | null;
  source: CaseSource;
  estimatedBudgetCents: number | null;
  tags: string[];
}

const STAGE_ORDER = sql.raw(
  `array_position(array['reperee','qualifiee','rencontree','evaluee','experimentation','contractualisation','deployee','en_veille','abandonnee']::text[], x.stage)`,
);

/** One page of the cases list with the total (count(*) over ()). */
export async function listCases(
  db: Database,
  viewer: CaseViewer,
  filters: CaseFilters,
  order: { sort: CaseListSort; direction: 'asc' | 'desc' },
  page: { limit: number; offset: number },
  today: string,
): Promise<{ rows: CaseListRow[]; total: number }> {
  const dir = sql.raw(order.direction === 'desc' ? 'desc' : 'asc');
  const orderBy: Record<CaseListSort, SQL> = {
    entered: sql`x.stage_entered_at ${dir}`,
    startup: sql`org.name ${dir}`,
    stage: sql`${STAGE_ORDER} ${dir}, x.stage_entered_at desc`,
    nextStep: sql`x.next_step_on ${dir} nulls last`,
    budget: sql`x.estimated_budget_cents ${dir} nulls last`,
  };
  const result = await db.execute(sql`
    select x.id, x.stage, x.organization_id, org.name as organization_name, x.challenge_id, ch.title as challenge_title, x.owner_id, x.unit_id,
      x.confidential, x.next_step, x.next_step_on::text as next_step_on, x.source, x.estimated_budget_cents, x.tags,
      u.display_name as owner_name, un.name as unit_name,
      (${today}::date - (x.stage_entered_at at time zone 'Europe/Paris')::date) as days,
      (x.next_step_on < ${today}::date) as overdue,
      exists (select 1 from sourcing_pilots p where p.case_id = x.id and p.status <> 'clos' and p.ends_on < ${today}::date) as pilot_overdue,
      count(*) over () as total
    from (
      select sourcing_cases.* from sourcing_cases ${joinOrganization(filters)} where ${whereOf(viewer, filters)}
    ) x
    join organizations org on org.id = x.organization_id
    left join sourcing_challenges ch on ch.id = x.challenge_id
    left join users u on u.id = x.owner_id
    left join units un on un.id = x.unit_id
    order by ${orderBy[order.sort]}, x.id
    limit ${page.limit} offset ${page.offset}`);
  const rows = rowsOf<CardRow & { source: CaseSource; estimated_budget_cents: number | null; tags: string[]; owner_name: string | null; unit_name: string | null; total: string | number }>(result);
  return {
    total: rows[0] ? Number(rows[0].total) : 0,
    rows: rows.map((row) => ({
      ...cardOf(row),
      ownerName: row.owner_name,
      unitName: row.unit_name,
      source: row.source,
      estimatedBudgetCents: row.estimated_budget_cents === null ? null : Number(row.estimated_budget_cents),
      tags: row.tags ?? [],
    })),
  };
}

/** The challenges offered by the filters and the form (title, status). */
export async function listChallengeChoices(db: Database): Promise<Array<{ id: string; title: string; status: string }>> {
  const result = await db.execute(sql`select id, title, status from sourcing_challenges order by (status = 'clos'), title limit 500`);
  return rowsOf<{ id: string; title: string; status: string }>(result);
}

/** Tags in use (the filter's choices), most used first. */
export async function listCaseTags(db: Database, limit = 100): Promise<string[]> {
  const result = await db.execute(sql`select tag from sourcing_cases, unnest(tags) as tag group by tag order by count(*) desc, tag limit ${limit}`);
  return rowsOf<{ tag: string }>(result).map((row) => row.tag);
}

/** Names shown on a case page: start-up, challenge, owner, unit, convention. */
export async function caseNames(db: Database, caseId: string) {
  const result = await db.execute(sql`
    select org.name as organization_name, ch.title as challenge_title, ch.status as challenge_status, u.display_name as owner_name, un.name as unit_name,
      conv.title as convention_title
    from sourcing_cases c
    join organizations org on org.id = c.organization_id
    left join sourcing_challenges ch on ch.id = c.challenge_id
    left join users u on u.id = c.owner_id
    left join units un on un.id = c.unit_id
    left join conventions conv on conv.id = c.convention_id
    where c.id = ${caseId}`);
  const [row] = rowsOf<{ organization_name: string; challenge_title: string | null; challenge_status: string | null; owner_name: string | null; unit_name: string | null; convention_title: string | null }>(result);
  return row;
}

/** Whether the person is an evaluator of one of the case's gates (reads a confidential case). */
export async function isEvaluatorOfCase(db: Database, caseId: string, userId: string): Promise<boolean> {
  const result = await db.execute(sql`select 1 as one from sourcing_gates where case_id = ${caseId} and ${userId} = any(evaluator_ids) limit 1`);
  return rowsOf(result).length > 0;
}

/** The stage history of a case with the movers' names. */
export async function listStagesWithNames(db: Database, caseId: string) {
  const result = await db.execute(sql`
    select s.id, s.stage, s.from_stage, s.entered_at, s.left_at, s.moved_by, s.reason, u.display_name as moved_by_name
    from sourcing_case_stages s left join users u on u.id = s.moved_by_id
    where s.case_id = ${caseId}
    order by s.entered_at, s.id`);
  return rowsOf<{ id: string; stage: CaseStage; from_stage: CaseStage | null; entered_at: Date | string; left_at: Date | string | null; moved_by: string; reason: string | null; moved_by_name: string | null }>(result);
}
