// Settings an admin changes without a deployment. Each key has its default here; a missing
// row in app_settings means the default, so a fresh database needs no seeding.
import { eq, sql } from 'drizzle-orm';
import type { Database } from './database';
import { appSettings } from './schema';

export const SETTING_DEFAULTS = {
  /** Dashboard: partners of my units without any exchange for this many months. */
  'dashboard.dormantMonths': 6,
  /** Exchanges older than this many years are listed for review (GDPR retention). */
  'exchanges.retentionYears': 5,
} as const;

export type SettingKey = keyof typeof SETTING_DEFAULTS;
export type SettingValue<Key extends SettingKey> = (typeof SETTING_DEFAULTS)[Key] extends number ? number : (typeof SETTING_DEFAULTS)[Key];

export async function readSetting<Key extends SettingKey>(db: Database, key: Key): Promise<SettingValue<Key>> {
  const [row] = await db.select({ value: appSettings.value }).from(appSettings).where(eq(appSettings.key, key));
  return (row?.value ?? SETTING_DEFAULTS[key]) as SettingValue<Key>;
}

export async function writeSetting<Key extends SettingKey>(db: Database, key: Key, value: SettingValue<Key>, updatedById: string | null): Promise<void> {
  await db
    .insert(appSettings)
    .values({ key, value, updatedById })
    .onConflictDoUpdate({ target: appSettings.key, set: { value: sql`excluded.value`, updatedById, updatedAt: sql`now()` } });
}
