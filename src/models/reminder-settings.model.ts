// Rule settings (an admin's changes over the built-in defaults) and users' per-rule choices.
// Owned by /admin/relances and /compte; read by the reminder sweep and dispatcher.
import { inArray, sql } from 'drizzle-orm';
import type { Database } from './database';
import { type ReminderDeliveryMode, reminderRuleSettings, userReminderPreferences } from './schema';
import { REMINDER_RULES, REMINDER_RULE_CODES, type ReminderRuleCode, type ReminderRuleDefaults, isReminderRuleCode } from './reminder-rules';

export type EffectiveRuleSettings = Record<ReminderRuleCode, ReminderRuleDefaults>;

/** Every rule's settings in force: the built-in defaults, overridden by the admin's row when there is one. */
export async function readRuleSettings(db: Database): Promise<EffectiveRuleSettings> {
  const rows = await db.select().from(reminderRuleSettings);
  const byCode = new Map(rows.map((row) => [row.ruleCode, row]));
  return Object.fromEntries(
    REMINDER_RULE_CODES.map((code) => {
      const row = byCode.get(code);
      const defaults = REMINDER_RULES[code].defaults;
      return [code, row ? { enabled: row.enabled, mandatory: row.mandatory, offsetsDays: row.offsetsDays, sendTime: row.sendTime } : { ...defaults, offsetsDays: [...defaults.offsetsDays] }];
    }),
  ) as EffectiveRuleSettings;
}

/** Users' choices, per user then per rule (a rule absent from a user's map: the default, « courriel »). */
export async function readUserPreferences(db: Database, userIds: readonly string[]): Promise<Map<string, Partial<Record<ReminderRuleCode, ReminderDeliveryMode>>>> {
  const result = new Map<string, Partial<Record<ReminderRuleCode, ReminderDeliveryMode>>>();
  if (userIds.length === 0) return result;
  const rows = await db.select().from(userReminderPreferences).where(inArray(userReminderPreferences.userId, [...new Set(userIds)]));
  for (const row of rows) {
    if (!isReminderRuleCode(row.ruleCode)) continue;
    const mine = result.get(row.userId) ?? {};
    mine[row.ruleCode] = row.mode;
    result.set(row.userId, mine);
  }
  return result;
}

/** How a rule reaches a user: their choice, unless the rule is mandatory (then at least « résumé » is kept: never « aucun »). */
export function deliveryModeOf(settings: ReminderRuleDefaults, choice: ReminderDeliveryMode | undefined): ReminderDeliveryMode {
  const mode = choice ?? 'courriel';
  return settings.mandatory && mode === 'aucun' ? 'courriel' : mode;
}

/** Saves an admin's settings of one rule (the whole row: a rule's settings are edited together). */
export async function writeRuleSettings(db: Database, code: ReminderRuleCode, values: ReminderRuleDefaults, updatedById: string | null): Promise<void> {
  const row = { enabled: values.enabled, mandatory: values.mandatory, offsetsDays: values.offsetsDays, sendTime: values.sendTime, updatedById };
  await db
    .insert(reminderRuleSettings)
    .values({ ruleCode: code, ...row })
    .onConflictDoUpdate({ target: reminderRuleSettings.ruleCode, set: { ...row, updatedAt: sql`now()` } });
}

/** Saves one user's choice for one rule. */
export async function writeUserPreference(db: Database, userId: string, code: ReminderRuleCode, mode: ReminderDeliveryMode): Promise<void> {
  await db
    .insert(userReminderPreferences)
    .values({ userId, ruleCode: code, mode })
    .onConflictDoUpdate({ target: [userReminderPreferences.userId, userReminderPreferences.ruleCode], set: { mode, updatedAt: sql`now()` } });
}

