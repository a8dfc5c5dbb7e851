// The reciprocity cadence (issue 13): qualifying meetings over the rolling last 12 months per
// partnership, its status and the date by which the next meeting must happen; the figures an
// admin sets per kind of organisation or convention kind (/admin/reciprocite, journaled).
// Rules: src/workflows/reciprocity.ts; SQL: src/models/reciprocity.model.ts.
import { z } from 'zod';
import { ValidationError } from '../lib/errors';
import { formatLongDate } from '../lib/format';
import { t } from '../lib/i18n';
import { addParisDays, parisDayOf, startOfParisDayInstant } from '../lib/paris-time';
import type { Database } from '../models/database';
import {
  type PartnershipRow,
  type ReciprocityFilter,
  type ReciprocityListFilter,
  type ReciprocityWindow,
  RECIPROCITY_FILTERS,
  countPartnershipsBehind,
  deleteReciprocityTargets,
  listReciprocityTargets,
  lockReciprocityTargets,
  partnershipRows,
  partnershipStatusesByKind,
  resolveReciprocityFilter,
  upsertReciprocityTarget,
} from '../models/reciprocity.model';
import { CONVENTION_KINDS, type ReciprocityTargetScope } from '../models/schema';
import {
  BEHIND_STATUSES,
  DEFAULT_RECIPROCITY_FIGURES,
  RECIPROCITY_STATUSES,
  type ReciprocityStatus,
  type ReciprocitySummary,
  fallsBehindWithin,
  summarizeReciprocity,
  windowStartDay,
} from '../workflows/reciprocity';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { assertCan } from './permissions';
import { cachedOrganizationKinds } from './reference-lists';

export type { ReciprocityStatus } from '../workflows/reciprocity';
export { RECIPROCITY_FILTERS, type ReciprocityFilter, type ReciprocityListFilter } from '../models/reciprocity.model';

/** The organisations list's filter, resolved on the window of `now` (see resolveReciprocityFilter). */
export function resolveReciprocityListFilter(db: Database, filter: ReciprocityFilter, now: Date): Promise<ReciprocityListFilter> {
  return resolveReciprocityFilter(db, filter, reciprocityWindow(now));
}

export interface PartnershipBehind {
  organizationId: string;
  organizationName: string;
  ownerId: string | null;
  status: ReciprocityStatus;
  meetings: number;
  minimum: number;
  target: number;
  /** Paris day by which the next meeting must happen to stay at the minimum (today or earlier when already behind). */
  nextDueOn: string;
}

/** The window of the day `now` falls on (Paris): its first day's start and now. */
export function reciprocityWindow(now: Date): ReciprocityWindow {
  return { now, windowStart: startOfParisDayInstant(windowStartDay(parisDayOf(now))) };
}

/** A partnership as the pages show it: its summary and, when behind or due soon, the day. */
export interface PartnershipView extends ReciprocitySummary {
  organizationId: string;
  name: string;
  ownerId: string | null;
  /** The next meeting must happen before this day (exclusive); null when already behind or never due. */
  dueBefore: string | null;
  behind: boolean;
  /** « 1 rencontre sur 3 visées ces 12 derniers mois » */
  meetingsText: string;
  /** « prochaine avant le samedi 14 mars 2026 », or what to do when behind; empty when never due. */
  dueText: string;
  statusLabel: string;
  /** DSFR badge variant of the status. */
  tone: 'success' | 'warning' | 'error';
}

const TONES: Record<ReciprocityStatus, PartnershipView['tone']> = { a_jour: 'success', a_surveiller: 'warning', en_retard: 'error', jamais_rencontre: 'error' };

function viewOf(row: PartnershipRow, today: string): PartnershipView {
  const summary = summarizeReciprocity(row.meetingDays, { minimum: row.minimum, target: row.target }, row.everMet, today);
  const behind = BEHIND_STATUSES.includes(summary.status);
  const dueBefore = behind ? null : summary.nextDueOn;
  const dueText =
    summary.status === 'jamais_rencontre' ? t('reciprocity.neverMet') : behind ? t('reciprocity.dueNow') : dueBefore ? t('reciprocity.dueBefore', { date: formatLongDate(dueBefore) }) : '';
  return {
    ...summary,
    organizationId: row.organizationId,
    name: row.name,
    ownerId: row.ownerId,
    behind,
    dueBefore,
    meetingsText: t(summary.meetings > 1 ? 'reciprocity.meetingsMany' : 'reciprocity.meetingsOne', { count: summary.meetings, target: summary.target }),
    dueText,
    statusLabel: t(`reciprocity.statuses.${summary.status}`),
    tone: TONES[summary.status],
  };
}

/** The reciprocity of organisations (the list's page): id → view; absent when not an active partnership. */
export async function reciprocityOfOrganizations(db: Database, organizationIds: readonly string[], now: Date): Promise<Map<string, PartnershipView>> {
  const rows = await partnershipRows(db, { kind: 'organizations', ids: organizationIds }, reciprocityWindow(now));
  const today = parisDayOf(now);
  return new Map(rows.map((row) => [row.organizationId, viewOf(row, today)]));
}

/** The organisation page's block: its reciprocity, or null when it is not an active partnership. */
export async function reciprocityOfOrganization(ctx: ServiceContext, organizationId: string): Promise<PartnershipView | null> {
  assertCan(ctx.actor, 'directory.read');
  return (await reciprocityOfOrganizations(ctx.db, [organizationId], ctx.now)).get(organizationId) ?? null;
}

/** Active partnerships « en retard » now, or that will be within `withinDays` (the reminder rule « reciprocity.behind »). */
export async function partnershipsFallingBehind(db: Database, options: { now: Date; withinDays: number }): Promise<PartnershipBehind[]> {
  const today = parisDayOf(options.now);
  const horizonStart = startOfParisDayInstant(windowStartDay(addParisDays(today, options.withinDays)));
  const rows = await partnershipRows(db, { kind: 'all' }, reciprocityWindow(options.now), { horizonStart, fallingByHorizon: true });
  const result: PartnershipBehind[] = [];
  for (const row of rows) {
    const summary = summarizeReciprocity(row.meetingDays, { minimum: row.minimum, target: row.target }, row.everMet, today);
    if (summary.nextDueOn === null || !fallsBehindWithin(summary.status, summary.nextDueOn, today, options.withinDays)) continue;
    result.push({
      organizationId: row.organizationId,
      organizationName: row.name,
      ownerId: row.ownerId,
      status: summary.status,
      meetings: summary.meetings,
      minimum: summary.minimum,
      target: summary.target,
      nextDueOn: summary.nextDueOn,
    });
  }
  return result;
}

/** The dashboard's block: partnerships of these units below their minimum, most behind first, and how many. */
export async function partnershipsBehindOfUnits(db: Database, unitIds: readonly string[], now: Date, limit: number): Promise<{ rows: PartnershipView[]; total: number }> {
  if (unitIds.length === 0) return { rows: [], total: 0 };
  const window = reciprocityWindow(now);
  const scope = { kind: 'units', unitIds } as const;
  const [rows, total] = await Promise.all([
    partnershipRows(db, scope, window, { statuses: BEHIND_STATUSES, limit }),
    countPartnershipsBehind(db, scope, window),
  ]);
  const today = parisDayOf(now);
  return { rows: rows.map((row) => viewOf(row, today)), total };
}

// ── Figures (/admin/reciprocite) ─────────────────────────────────────────────────────────

export interface FiguresRow {
  code: string;
  label: string;
  minimumField: string;
  targetField: string;
  /** What the form's fields show: the stored figures, or what was sent when shown again after an error. */
  minimumValue: string;
  targetValue: string;
  /** The admin's figures, or null: the default applies. */
  minimum: number | null;
  target: number | null;
  retired?: boolean;
  /** Active partnerships of this kind per status (organisation kinds only). */
  counts?: Record<ReciprocityStatus, number>;
}

export interface FiguresPage {
  defaults: { minimum: number; target: number };
  organizationKinds: FiguresRow[];
  conventionKinds: FiguresRow[];
  statuses: readonly ReciprocityStatus[];
}

/** The figures page; `sent`: the form's values, shown again after a refusal. */
export async function readReciprocityFigures(ctx: ServiceContext, sent?: Record<string, unknown>): Promise<FiguresPage> {
  assertCan(ctx.actor, 'reciprocity.manage');
  const [targets, kinds, counts] = await Promise.all([
    listReciprocityTargets(ctx.db),
    cachedOrganizationKinds(ctx.db),
    partnershipStatusesByKind(ctx.db, reciprocityWindow(ctx.now)),
  ]);
  const of = (scope: ReciprocityTargetScope, code: string) => targets.find((row) => row.scope === scope && row.scopeCode === code);
  const fields = (scope: ReciprocityTargetScope, code: string) => {
    const stored = of(scope, code);
    const minimumField = figureFieldName('minimum', scope, code);
    const targetField = figureFieldName('target', scope, code);
    const shown = (field: string, value: number | undefined) => (sent ? (typeof sent[field] === 'string' ? (sent[field] as string) : '') : value === undefined ? '' : String(value));
    return { minimumField, targetField, minimumValue: shown(minimumField, stored?.minimum), targetValue: shown(targetField, stored?.target) };
  };
  const countsOf = (code: string) =>
    Object.fromEntries(RECIPROCITY_STATUSES.map((status) => [status, counts.find((row) => row.kindCode === code && row.status === status)?.count ?? 0])) as Record<ReciprocityStatus, number>;
  return {
    defaults: { ...DEFAULT_RECIPROCITY_FIGURES },
    statuses: RECIPROCITY_STATUSES,
    organizationKinds: kinds.map((kind) => ({
      code: kind.code,
      label: kind.label,
      retired: Boolean(kind.archivedAt),
      minimum: of('organization_kind', kind.code)?.minimum ?? null,
      target: of('organization_kind', kind.code)?.target ?? null,
      counts: countsOf(kind.code),
      ...fields('organization_kind', kind.code),
    })),
    conventionKinds: CONVENTION_KINDS.map((kind) => ({
      code: kind,
      label: t(`conventions.kinds.${kind}`),
      minimum: of('convention_kind', kind)?.minimum ?? null,
      target: of('convention_kind', kind)?.target ?? null,
      ...fields('convention_kind', kind),
    })),
  };
}

/** Form field names: `minimum__organization_kind__cfa`, `target__convention_kind__cadre`. */
export function figureFieldName(which: 'minimum' | 'target', scope: ReciprocityTargetScope, code: string): string {
  return `${which}__${scope}__${code}`;
}

const figureValue = z
  .string()
  .trim()
  .max(3)
  .optional()
  .transform((value) => (value === undefined || value === '' ? null : value));

type Change = { scope: ReciprocityTargetScope; code: string; minimum: number; target: number } | { scope: ReciprocityTargetScope; code: string; reset: true };

/**
 * Saves the figures of every kind from one form: both fields empty → the default applies (the
 * row goes); otherwise whole numbers, 0 ≤ minimum ≤ target ≤ 52. Refused as a whole with a
 * message per field (422). Each change is journaled on its kind.
 */
export async function saveReciprocityFigures(ctx: ServiceContext, input: unknown): Promise<{ changed: number }> {
  assertCan(ctx.actor, 'reciprocity.manage');
  const actorId = ctx.actor.id;
  const body = (input ?? {}) as Record<string, unknown>;
  const kinds = await cachedOrganizationKinds(ctx.db);
  const scopes: Array<{ scope: ReciprocityTargetScope; codes: string[] }> = [
    { scope: 'organization_kind', codes: kinds.map((kind) => kind.code) },
    { scope: 'convention_kind', codes: [...CONVENTION_KINDS] },
  ];
  const errors: Record<string, string> = {};
  const wanted: Change[] = [];
  for (const { scope, codes } of scopes) {
    for (const code of codes) {
      const minimumField = figureFieldName('minimum', scope, code);
      const targetField = figureFieldName('target', scope, code);
      if (!(minimumField in body) && !(targetField in body)) continue;
      const minimumText = figureValue.safeParse(typeof body[minimumField] === 'string' ? body[minimumField] : undefined);
      const targetText = figureValue.safeParse(typeof body[targetField] === 'string' ? body[targetField] : undefined);
      const minimumRaw = minimumText.success ? minimumText.data : 'x';
      const targetRaw = targetText.success ? targetText.data : 'x';
      if (minimumRaw === null && targetRaw === null) {
        wanted.push({ scope, code, reset: true });
        continue;
      }
      const minimum = minimumRaw === null ? NaN : Number(minimumRaw);
      const target = targetRaw === null ? NaN : Number(targetRaw);
      let valid = true;
      if (!Number.isInteger(minimum) || minimum < 0 || minimum > 52 || !/^\d+$/.test(minimumRaw ?? '')) {
        errors[minimumField] = t('reciprocity.admin.errors.minimum');
        valid = false;
      }
      if (!Number.isInteger(target) || target < 1 || target > 52 || !/^\d+$/.test(targetRaw ?? '')) {
        errors[targetField] = t('reciprocity.admin.errors.target');
        valid = false;
      }
      if (valid && target < minimum) {
        errors[targetField] = t('reciprocity.admin.errors.targetBelowMinimum');
        valid = false;
      }
      if (valid) wanted.push({ scope, code, minimum, target });
    }
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));

  return inTransaction(ctx, async (tx) => {
    let changed = 0;
    for (const { scope } of scopes) {
      const current = await lockReciprocityTargets(tx, scope);
      const resets: string[] = [];
      for (const change of wanted.filter((item) => item.scope === scope)) {
        const before = current.find((row) => row.scopeCode === change.code);
        if ('reset' in change) {
          if (!before) continue;
          resets.push(change.code);
          await recordAudit(tx, ctx, {
            action: 'reciprocityTarget.reset',
            entityType: scope,
            entityId: change.code,
            before: { minimum: before.minimum, target: before.target },
            after: { minimum: null, target: null },
          });
          changed += 1;
          continue;
        }
        if (before && before.minimum === change.minimum && before.target === change.target) continue;
        await upsertReciprocityTarget(tx, { scope, scopeCode: change.code, minimum: change.minimum, target: change.target, updatedById: actorId });
        await recordAudit(tx, ctx, {
          action: 'reciprocityTarget.set',
          entityType: scope,
          entityId: change.code,
          before: { minimum: before?.minimum ?? null, target: before?.target ?? null },
          after: { minimum: change.minimum, target: change.target },
        });
        changed += 1;
      }
      await deleteReciprocityTargets(tx, scope, resets);
    }
    return { changed };
  });
}

/** The list's filter choices, labelled. */
export function reciprocityFilterChoices(): Array<{ value: ReciprocityFilter; label: string }> {
  return RECIPROCITY_FILTERS.map((value) => ({ value, label: t(`reciprocity.filters.${value}`) }));
}
