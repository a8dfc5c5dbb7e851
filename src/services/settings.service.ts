// /admin/parametres: the settings an admin changes without a deployment (settings.model.ts
// holds their defaults). Each changed value is journaled ('setting.updated', before → after).
import { z } from 'zod';
import { t } from '../lib/i18n';
import { parseInput } from '../lib/validation';
import { readSetting, writeSetting, type SettingKey } from '../models/settings.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { assertCan } from './permissions';

/** The form's fields, the setting each one edits and its bounds. */
const FIELDS = {
  dormantMonths: { key: 'dashboard.dormantMonths', min: 1, max: 36 },
  retentionYears: { key: 'exchanges.retentionYears', min: 1, max: 30 },
} as const satisfies Record<string, { key: SettingKey; min: number; max: number }>;

type SettingField = keyof typeof FIELDS;
export type SettingsValues = Record<SettingField, number>;

const wholeNumber = (field: SettingField) => {
  const { min, max } = FIELDS[field];
  const message = t(`appSettings.errors.${field}`);
  return z
    .string({ error: message })
    .trim()
    .regex(/^\d{1,3}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
};

const settingsSchema = z.object({ dormantMonths: wholeNumber('dormantMonths'), retentionYears: wholeNumber('retentionYears') });

async function readAll(ctx: ServiceContext): Promise<SettingsValues> {
  const [dormantMonths, retentionYears] = await Promise.all([readSetting(ctx.db, FIELDS.dormantMonths.key), readSetting(ctx.db, FIELDS.retentionYears.key)]);
  return { dormantMonths, retentionYears };
}

export async function getSettings(ctx: ServiceContext): Promise<SettingsValues> {
  assertCan(ctx.actor, 'settings.manage');
  return readAll(ctx);
}

/** Saves the form; returns how many settings changed (0: nothing written, nothing journaled). */
export async function updateSettings(ctx: ServiceContext, input: unknown): Promise<{ changed: number }> {
  assertCan(ctx.actor, 'settings.manage');
  const actorId = ctx.actor.id;
  const values = parseInput(settingsSchema, input);
  return inTransaction(ctx, async (tx) => {
    let changed = 0;
    for (const field of Object.keys(FIELDS) as SettingField[]) {
      const { key } = FIELDS[field];
      const before = await readSetting(tx, key);
      const after = values[field];
      if (before === after) continue;
      await writeSetting(tx, key, after, actorId);
      await recordAudit(tx, ctx, { action: 'setting.updated', entityType: 'setting', entityId: key, before: { [field]: before }, after: { [field]: after } });
      changed += 1;
    }
    return { changed };
  });
}
