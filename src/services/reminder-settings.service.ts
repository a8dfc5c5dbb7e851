// /admin/relances: an admin's settings of the built-in reminder rules (offsets, send time, on/off,
// mandatory), each change journaled ('reminder_rule.updated', before → after); the preview of
// what the rules would send in the next 30 days (reminders.service.ts previewReminders, the
// sweep's own planning). /compte « Relances »: each person's choice per rule — courriel, résumé
// or aucun — journaled too; a mandatory rule cannot be switched off.
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { searchKey } from '../lib/geography';
import { parseInput } from '../lib/validation';
import { REMINDER_RULES, REMINDER_RULE_CODES, type ReminderRuleCode, type ReminderRuleDefaults, isReminderRuleCode } from '../models/reminder-rules';
import { type EffectiveRuleSettings, deliveryModeOf, readRuleSettings, readUserPreferences, writeRuleSettings, writeUserPreference } from '../models/reminder-settings.model';
import { REMINDER_DELIVERY_MODES, type ReminderDeliveryMode } from '../models/schema';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction, requireActor } from './context';
import { assertCan } from './permissions';
import { type ReminderPreviewItem, previewReminders } from './reminders.service';

const PREVIEW_DAYS = 30;
export const PREVIEW_PAGE_SIZE = 50;
/**
 * The earliest this many per rule: a large base plans tens of thousands of reminders in 30 days
 * (the convention and task rules over 20,000 conventions and 100,000 tasks), and reading them all
 * for a page of 50 took seconds. The page says when a rule was cut.
 */
export const PREVIEW_LIMIT_PER_RULE = 1_000;
const MAX_OFFSETS = 6;
const MAX_OFFSET_DAYS = 365;

const ruleLabel = (code: ReminderRuleCode) => t(`reminders.admin.rules.${code}`);

/** « J-90, J-30, J-7 », « le jour même », « J+1 ». */
function offsetLabel(days: number): string {
  if (days === 0) return t('reminders.admin.offsetSameDay');
  return days > 0 ? t('reminders.admin.offsetDay', { days }) : t('reminders.admin.offsetAfter', { days: -days });
}

export interface RuleView {
  code: ReminderRuleCode;
  /** The element id of its card (codes hold dots). */
  domId: string;
  label: string;
  hint: string;
  audienceLabel: string;
  userChoice: boolean;
  offsetsEditable: boolean;
  /** Set per circuit (/admin/circuits-des-conventions): no form here. */
  settingsElsewhere: boolean;
  /** The reciprocity rule's offset is « days before falling behind », not « days before the date ». */
  offsetsFieldLabel: string;
  settings: ReminderRuleDefaults;
  offsetsSummary: string;
  /** What the form shows: the settings, or what was sent when it was refused. */
  values: { enabled: boolean; mandatory: boolean; offsetsDays: string; sendTime: string };
}

function ruleView(code: ReminderRuleCode, settings: ReminderRuleDefaults, sent?: Record<string, unknown>): RuleView {
  const definition = REMINDER_RULES[code];
  const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);
  return {
    code,
    domId: `rule-${code.replace(/[^a-z_]/g, '-')}`,
    label: ruleLabel(code),
    hint: t(`reminders.admin.ruleHints.${code}`),
    audienceLabel: t(`reminders.admin.audiences.${definition.audience}`),
    userChoice: definition.userChoice,
    offsetsEditable: definition.offsetsEditable,
    settingsElsewhere: definition.settingsElsewhere === 'circuits',
    offsetsFieldLabel: t(code === 'reciprocity.behind' ? 'reminders.admin.fields.reciprocityOffsetsDays' : 'reminders.admin.fields.offsetsDays'),
    settings,
    offsetsSummary: definition.offsetsEditable ? settings.offsetsDays.map(offsetLabel).join(', ') : t('reminders.admin.offsetsNone'),
    values: sent
      ? { enabled: isChecked(sent.enabled), mandatory: isChecked(sent.mandatory), offsetsDays: text(sent.offsetsDays, ''), sendTime: text(sent.sendTime, '') }
      : { enabled: settings.enabled, mandatory: settings.mandatory, offsetsDays: settings.offsetsDays.join(', '), sendTime: settings.sendTime },
  };
}

/** A checkbox sent by a form: present (any of its usual values) or absent. */
function isChecked(value: unknown): boolean {
  return value === 'on' || value === '1' || value === 'true' || value === true;
}

/** Every rule with its settings in force, in the catalogue's order. */
export async function listReminderRules(ctx: ServiceContext): Promise<RuleView[]> {
  assertCan(ctx.actor, 'reminders.manage');
  const settings = await readRuleSettings(ctx.db);
  return REMINDER_RULE_CODES.map((code) => ruleView(code, settings[code]));
}

function ruleCodeOf(code: string): ReminderRuleCode {
  if (!isReminderRuleCode(code)) throw new NotFoundError();
  return code;
}

const offsetsSchema = z
  .string({ error: t('reminders.admin.errors.offsetsDays') })
  .trim()
  .max(60, t('reminders.admin.errors.offsetsDays'))
  .transform((text, context) => {
    const parts = text.split(/[\s,;]+/).filter(Boolean);
    const days = parts.map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
    if (parts.length === 0 || parts.length > MAX_OFFSETS || days.some((day) => !Number.isInteger(day) || day > MAX_OFFSET_DAYS)) {
      context.addIssue({ code: 'custom', message: t('reminders.admin.errors.offsetsDays') });
      return z.NEVER;
    }
    // One reminder per offset: duplicates dropped, the earliest reminder first (J-90 before J-7).
    return [...new Set(days)].sort((a, b) => b - a);
  });

const ruleSchema = z.object({
  enabled: z.unknown().optional().transform(isChecked),
  mandatory: z.unknown().optional().transform(isChecked),
  sendTime: z
    .string({ error: t('reminders.admin.errors.sendTime') })
    .trim()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, t('reminders.admin.errors.sendTime')),
});

/** The rule's settings from the form; what a rule does not let an admin choose stays as it is. */
function parseRuleForm(code: ReminderRuleCode, current: ReminderRuleDefaults, input: Record<string, unknown>): ReminderRuleDefaults {
  const definition = REMINDER_RULES[code];
  const schema = definition.offsetsEditable ? ruleSchema.extend({ offsetsDays: offsetsSchema }) : ruleSchema;
  const parsed = parseInput(schema, input) as z.infer<typeof ruleSchema> & { offsetsDays?: number[] };
  const offsetsDays = parsed.offsetsDays ?? current.offsetsDays;
  return {
    enabled: parsed.enabled,
    // « Mandatory » means « users cannot switch it off »: meaningless for a rule they do not choose.
    mandatory: definition.userChoice ? parsed.mandatory : current.mandatory,
    offsetsDays,
    sendTime: parsed.sendTime,
  };
}

const sameSettings = (a: ReminderRuleDefaults, b: ReminderRuleDefaults) =>
  a.enabled === b.enabled && a.mandatory === b.mandatory && a.sendTime === b.sendTime && a.offsetsDays.join(',') === b.offsetsDays.join(',');

/** Saves one rule's form; journaled with the fields that changed. Refused input: ValidationError (nothing written). */
export async function updateReminderRule(ctx: ServiceContext, rawCode: string, input: unknown): Promise<{ rule: RuleView; changed: boolean }> {
  const actor = requireActor(ctx);
  assertCan(actor, 'reminders.manage');
  const code = ruleCodeOf(rawCode);
  if (REMINDER_RULES[code].settingsElsewhere) throw new ConflictError(t('reminders.admin.settingsElsewhere'));
  const form = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  return inTransaction(ctx, async (tx) => {
    const current = (await readRuleSettings(tx))[code];
    const next = parseRuleForm(code, current, form);
    if (sameSettings(current, next)) return { rule: ruleView(code, current), changed: false };
    await writeRuleSettings(tx, code, next, actor.id);
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const field of ['enabled', 'mandatory', 'offsetsDays', 'sendTime'] as const) {
      if (JSON.stringify(current[field]) === JSON.stringify(next[field])) continue;
      // Offsets as text: the journal compares lists as sets (sorted), and their order is the rule's.
      before[field] = field === 'offsetsDays' ? current.offsetsDays.join(', ') : current[field];
      after[field] = field === 'offsetsDays' ? next.offsetsDays.join(', ') : next[field];
    }
    await recordAudit(tx, ctx, { action: 'reminder_rule.updated', entityType: 'reminder_rule', entityId: code, before, after });
    return { rule: ruleView(code, next), changed: true };
  });
}

/** The card of a rule whose form was refused: what was sent, for the admin to correct. */
export async function refusedRuleView(ctx: ServiceContext, rawCode: string, input: unknown): Promise<RuleView> {
  assertCan(ctx.actor, 'reminders.manage');
  const code = ruleCodeOf(rawCode);
  const settings = await readRuleSettings(ctx.db);
  return ruleView(code, settings[code], (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>);
}

// ── the preview ───────────────────────────────────────────────────────────────────────────
const PREVIEW_SORTS = ['date', 'destinataire', 'regle'] as const;
const byDue = (a: ReminderPreviewItem, b: ReminderPreviewItem) => a.dueAt.getTime() - b.dueAt.getTime();
const PREVIEW_ORDER: Record<(typeof PREVIEW_SORTS)[number], (a: ReminderPreviewItem, b: ReminderPreviewItem) => number> = {
  date: byDue,
  destinataire: (a, b) => a.recipientLabel.localeCompare(b.recipientLabel, 'fr') || byDue(a, b),
  regle: (a, b) => REMINDER_RULE_CODES.indexOf(a.ruleCode) - REMINDER_RULE_CODES.indexOf(b.ruleCode) || byDue(a, b),
};
const previewSchema = z.object({
  regle: z
    .string()
    .refine((value) => isReminderRuleCode(value))
    .optional()
    .catch(undefined),
  destinataire: z.string().trim().max(100).optional().catch(undefined),
  tri: z.enum(PREVIEW_SORTS).default('date').catch('date'),
  page: z.coerce.number().int().min(1).max(100_000).default(1).catch(1),
});

export interface PreviewRowView extends ReminderPreviewItem {
  offsetLabel: string;
}

/** What the rules would send in the next 30 days, filtered by rule and by recipient (name or address, accents ignored), by pages. */
export async function reminderPreview(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'reminders.manage');
  const query = previewSchema.parse(rawQuery ?? {});
  const all = await previewReminders(ctx.db, {
    now: ctx.now,
    days: PREVIEW_DAYS,
    ...(query.regle ? { ruleCodes: [query.regle] } : {}),
    limitPerRule: PREVIEW_LIMIT_PER_RULE,
  });
  const perRule = new Map<string, number>();
  for (const item of all) perRule.set(item.ruleCode, (perRule.get(item.ruleCode) ?? 0) + 1);
  const cutRules = [...perRule].filter(([, count]) => count >= PREVIEW_LIMIT_PER_RULE).map(([code]) => ruleLabel(code as ReminderRuleCode));
  const wanted = query.destinataire ? searchKey(query.destinataire) : '';
  const matching = all
    .filter((item) => (!query.regle || item.ruleCode === query.regle) && (!wanted || searchKey(item.recipientLabel).includes(wanted)))
    .sort(PREVIEW_ORDER[query.tri]);
  const pageCount = Math.max(1, Math.ceil(matching.length / PREVIEW_PAGE_SIZE));
  const page = Math.min(query.page, pageCount);
  const rows: PreviewRowView[] = matching.slice((page - 1) * PREVIEW_PAGE_SIZE, page * PREVIEW_PAGE_SIZE).map((item) => ({ ...item, offsetLabel: offsetLabel(item.offsetDays) }));
  const urlQuery: Record<string, string> = {
    ...(query.regle ? { regle: query.regle } : {}),
    ...(query.destinataire ? { destinataire: query.destinataire } : {}),
    ...(query.tri !== 'date' ? { tri: query.tri } : {}),
  };
  return {
    rows,
    total: matching.length,
    /** Rules with more reminders than PREVIEW_LIMIT_PER_RULE in 30 days: only their earliest are listed. */
    cutRules,
    limitPerRule: PREVIEW_LIMIT_PER_RULE,
    query: { regle: query.regle ?? '', destinataire: query.destinataire ?? '', tri: query.tri, page },
    urlQuery,
    page,
    pageCount,
    ruleOptions: REMINDER_RULE_CODES.map((code) => ({ value: code, label: ruleLabel(code) })),
    sortOptions: PREVIEW_SORTS.map((value) => ({ value, label: t(`reminders.admin.preview.sorts.${value}`) })),
  };
}
export type ReminderPreviewPage = Awaited<ReturnType<typeof reminderPreview>>;

// ── a person's choices (/compte) ──────────────────────────────────────────────────────────
export interface PreferenceView {
  code: ReminderRuleCode;
  domId: string;
  label: string;
  hint: string;
  enabled: boolean;
  mandatory: boolean;
  /** The mode in force (a mandatory rule chosen « aucun » before it became mandatory: « courriel »). */
  mode: ReminderDeliveryMode;
  modes: Array<{ value: ReminderDeliveryMode; label: string; disabled: boolean; checked: boolean }>;
}

/** The digest is itself the « résumé »: for it, a courriel or nothing. */
const modesOf = (code: ReminderRuleCode): readonly ReminderDeliveryMode[] => (code === 'digest.daily' ? ['courriel', 'aucun'] : REMINDER_DELIVERY_MODES);

/** The rules a person chooses for (those sent to users), with their choice; `sent` shows a refused form again. */
function preferenceViews(settings: EffectiveRuleSettings, choices: Partial<Record<ReminderRuleCode, ReminderDeliveryMode>>, sent?: Record<string, unknown>): PreferenceView[] {
  return REMINDER_RULE_CODES.filter((code) => REMINDER_RULES[code].userChoice).map((code) => {
    const rule = settings[code];
    const mode = deliveryModeOf(rule, choices[code]);
    const shown = typeof sent?.[code] === 'string' && (modesOf(code) as readonly string[]).includes(sent[code] as string) ? (sent[code] as ReminderDeliveryMode) : mode;
    return {
      code,
      domId: `pref-${code.replace(/[^a-z_]/g, '-')}`,
      label: ruleLabel(code),
      hint: t(`reminders.admin.ruleHints.${code}`),
      enabled: rule.enabled,
      mandatory: rule.mandatory,
      mode,
      modes: modesOf(code).map((value) => ({
        value,
        label: t(`reminders.preferences.modes.${value}`),
        disabled: rule.mandatory && value === 'aucun',
        checked: value === shown,
      })),
    };
  });
}

/** My choices, for the « Relances » section of /compte. */
export async function myReminderPreferences(ctx: ServiceContext, sent?: unknown): Promise<PreferenceView[]> {
  const actor = requireActor(ctx);
  const [settings, choices] = await Promise.all([readRuleSettings(ctx.db), readUserPreferences(ctx.db, [actor.id])]);
  const form = typeof sent === 'object' && sent !== null ? ((sent as Record<string, unknown>).mode as Record<string, unknown> | undefined) : undefined;
  return preferenceViews(settings, choices.get(actor.id) ?? {}, typeof form === 'object' && form !== null ? form : undefined);
}

/**
 * Saves my choices (`mode[<rule>]` = courriel | resume | aucun); a rule not sent keeps its choice.
 * « aucun » on a mandatory rule is refused with a message next to it. Journaled on the person's
 * account with the rules whose choice changed.
 */
export async function updateMyReminderPreferences(ctx: ServiceContext, input: unknown): Promise<{ changed: number }> {
  const actor = requireActor(ctx);
  const sent = typeof input === 'object' && input !== null ? (input as Record<string, unknown>).mode : undefined;
  const form = typeof sent === 'object' && sent !== null && !Array.isArray(sent) ? (sent as Record<string, unknown>) : {};
  return inTransaction(ctx, async (tx) => {
    // One statement after the other on the transaction (PGlite is one connection).
    const settings = await readRuleSettings(tx);
    const choices = (await readUserPreferences(tx, [actor.id])).get(actor.id) ?? {};
    const errors: Record<string, string> = {};
    const wanted: Array<[ReminderRuleCode, ReminderDeliveryMode]> = [];
    for (const code of REMINDER_RULE_CODES) {
      if (!REMINDER_RULES[code].userChoice || form[code] === undefined) continue;
      const value = form[code];
      if (typeof value !== 'string' || !(modesOf(code) as readonly string[]).includes(value)) {
        errors[`mode.${code}`] = t('reminders.preferences.errors.mode');
        continue;
      }
      if (value === 'aucun' && settings[code].mandatory) {
        errors[`mode.${code}`] = t('reminders.preferences.errors.mandatory');
        continue;
      }
      wanted.push([code, value as ReminderDeliveryMode]);
    }
    if (Object.keys(errors).length > 0) throw new ValidationError(errors);
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const [code, mode] of wanted) {
      const current = deliveryModeOf(settings[code], choices[code]);
      if (current === mode) continue;
      await writeUserPreference(tx, actor.id, code, mode);
      before[code] = current;
      after[code] = mode;
    }
    const changed = Object.keys(after).length;
    if (changed > 0) await recordAudit(tx, ctx, { action: 'reminder_preferences.updated', entityType: 'reminder_preferences', entityId: actor.id, before, after });
    return { changed };
  });
}
