// Fields an admin marks restricted (e.g. a partner's phone number or internal notes): everyone
// reads the shared file, but these fields only show to admins, the record's owner and people of
// the record's units.
import { z } from 'zod';
import { t } from '../lib/i18n';
import { parseInput, stringList } from '../lib/validation';
import { listRestrictedFields, replaceRestrictedFields } from '../models/restricted-fields.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { assertCan, hasRole, type RecordScope } from './permissions';

/** Fields that may be restricted, per record type (identity fields never are). */
export const RESTRICTABLE_FIELDS = {
  organization: ['siret', 'siren', 'phone', 'email', 'addressLine', 'description', 'tags'],
  contact: ['emails', 'phones', 'linkedinUrl', 'notes', 'jobTitle', 'tags'],
} as const;
export type RestrictableEntity = keyof typeof RESTRICTABLE_FIELDS;

/** Restricted fields this actor may not see on this record. */
export async function restrictedFieldsFor(ctx: ServiceContext, entityType: RestrictableEntity, scope: RecordScope): Promise<string[]> {
  const actor = ctx.actor;
  if (!actor || hasRole(actor, 'admin')) return [];
  if (scope.ownerId && scope.ownerId === actor.id) return [];
  if (scope.unitIds?.some((unitId) => actor.unitIds.includes(unitId))) return [];
  return listRestrictedFields(ctx.db, entityType);
}

export async function restrictionSettings(ctx: ServiceContext) {
  assertCan(ctx.actor, 'directory.restrictFields');
  const entries = await Promise.all(
    (Object.keys(RESTRICTABLE_FIELDS) as RestrictableEntity[]).map(async (entityType) => {
      const restricted = await listRestrictedFields(ctx.db, entityType);
      return {
        entityType,
        label: t(`restrictions.entities.${entityType}`),
        fields: RESTRICTABLE_FIELDS[entityType].map((field) => ({
          field,
          label: t(`restrictions.fields.${entityType}.${field}`),
          restricted: restricted.includes(field),
        })),
      };
    }),
  );
  return entries;
}

const settingsSchema = z.object({ organization: stringList(), contact: stringList() });

export async function saveRestrictionSettings(ctx: ServiceContext, input: unknown): Promise<void> {
  assertCan(ctx.actor, 'directory.restrictFields');
  const values = parseInput(settingsSchema, input);
  await inTransaction(ctx, async (tx) => {
    for (const entityType of Object.keys(RESTRICTABLE_FIELDS) as RestrictableEntity[]) {
      const allowed: readonly string[] = RESTRICTABLE_FIELDS[entityType];
      const fields = values[entityType].filter((field) => allowed.includes(field));
      const before = await listRestrictedFields(tx, entityType);
      await replaceRestrictedFields(tx, entityType, fields, ctx.actor?.id ?? null);
      await recordAudit(tx, ctx, {
        action: 'restrictions.updated',
        entityType: 'restricted_fields',
        entityId: entityType,
        before: { fields: before },
        after: { fields },
      });
    }
  });
}
