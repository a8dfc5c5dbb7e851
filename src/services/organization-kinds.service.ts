// Organisation kinds: reference data an admin extends. A kind in use is never deleted (records
// and their history point at its code): it is deactivated, which only removes it from the form.
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError, uniqueViolationOf } from '../lib/errors';
import { t } from '../lib/i18n';
import { optionalTrimmed, parseInput, requiredText } from '../lib/validation';
import {
  countOrganizationsOfKind,
  deleteKind,
  findKindByCode,
  findKindByCodeOrLabel,
  findOtherKindByLabel,
  insertKind,
  listKindsWithUsage,
  nextKindPosition,
  updateKind,
} from '../models/organization-kinds.model';
import type { OrganizationKind } from '../models/schema';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { invalidatingAfter } from '../lib/reference-cache';
import { assertCan } from './permissions';

const CODE_PATTERN = /^[a-z][a-z0-9_]{1,49}$/;

/** « Tiers-lieu (Campus connecté) » → `tiers_lieu_campus_connecte`, like the seeded codes. */
export function kindCodeFromLabel(label: string): string {
  return label
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[_0-9]+|_+$/g, '')
    .slice(0, 50)
    .replace(/_+$/, '');
}

const positionField = () =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? undefined : typeof value === 'string' ? Number(value.trim()) : value),
    z.number({ error: t('organizationKinds.positionInvalid') }).int(t('organizationKinds.positionInvalid')).min(0, t('organizationKinds.positionInvalid')).max(10_000, t('organizationKinds.positionInvalid')).optional(),
  );

const detailsSchema = z.object({
  label: requiredText(120),
  description: optionalTrimmed(1000).transform((value) => value || null),
  position: positionField(),
});

const creationSchema = detailsSchema
  .extend({ code: optionalTrimmed(50) })
  .transform((values, context) => {
    const code = values.code ? values.code.toLowerCase() : kindCodeFromLabel(values.label);
    if (!CODE_PATTERN.test(code)) {
      context.addIssue({ code: 'custom', path: ['code'], message: values.code ? t('organizationKinds.codeInvalid') : t('organizationKinds.codeUnderivable') });
      return z.NEVER;
    }
    return { ...values, code };
  });

function assertAdmin(ctx: ServiceContext): void {
  assertCan(ctx.actor, 'referenceData.manage');
}

export async function listKindsForAdmin(ctx: ServiceContext) {
  assertAdmin(ctx);
  return listKindsWithUsage(ctx.db);
}

export async function getKind(ctx: ServiceContext, code: string): Promise<OrganizationKind> {
  assertAdmin(ctx);
  const kind = await findKindByCode(ctx.db, code);
  if (!kind) throw new NotFoundError(t('organizationKinds.notFound'));
  return kind;
}

function codeTaken(code: string, label: string): ValidationError {
  return new ValidationError({ code: t('organizationKinds.codeTaken', { code, label }) }, t('validation.formHasErrors'));
}
function labelTaken(label: string, code: string): ValidationError {
  return new ValidationError({ label: t('organizationKinds.labelTaken', { label, code }) }, t('validation.formHasErrors'));
}

/**
 * Refuses a code or label another kind already holds, with a message naming that kind. On a
 * rename (`selfCode`) only the label can clash, with another kind than this one.
 */
async function assertUnique(tx: ServiceContext['db'], values: { code: string; label: string }, selfCode?: string): Promise<void> {
  if (selfCode) {
    const other = await findOtherKindByLabel(tx, values.label, selfCode);
    if (other) throw labelTaken(values.label, other.code);
    return;
  }
  const clash = await findKindByCodeOrLabel(tx, values.code, values.label);
  if (!clash) return;
  if (clash.code.toLowerCase() === values.code.toLowerCase()) throw codeTaken(values.code, clash.label);
  throw labelTaken(values.label, clash.code);
}

/** Two admins saving at the same moment: the unique index decides, and says so next to the field. */
function asFieldError(error: unknown): unknown {
  const constraint = uniqueViolationOf(error);
  if (constraint === 'organization_kinds_label_key') return new ValidationError({ label: t('errors.duplicateValue') }, t('validation.formHasErrors'));
  if (constraint === 'organization_kinds_pkey') return new ValidationError({ code: t('errors.duplicateValue') }, t('validation.formHasErrors'));
  return error;
}

export async function createKind(ctx: ServiceContext, input: unknown): Promise<OrganizationKind> {
  assertAdmin(ctx);
  const values = parseInput(creationSchema, input);
  return invalidatingAfter(['organizationKinds'], inTransaction(ctx, async (tx) => {
    await assertUnique(tx, values);
    const position = values.position ?? (await nextKindPosition(tx));
    const kind = await insertKind(tx, { code: values.code, label: values.label, description: values.description, position }).catch((error: unknown) => {
      throw asFieldError(error);
    });
    await recordAudit(tx, ctx, { action: 'organizationKind.created', entityType: 'organizationKind', entityId: kind.code, after: kind });
    return kind;
  }));
}

/** Label, description and order; the code is a key stored in records and imports, so it stays. */
export async function updateKindDetails(ctx: ServiceContext, code: string, input: unknown): Promise<OrganizationKind> {
  assertAdmin(ctx);
  const values = parseInput(detailsSchema, input);
  return invalidatingAfter(['organizationKinds'], inTransaction(ctx, async (tx) => {
    const before = await findKindByCode(tx, code);
    if (!before) throw new NotFoundError(t('organizationKinds.notFound'));
    await assertUnique(tx, { code, label: values.label }, code);
    const after = await updateKind(tx, code, { label: values.label, description: values.description, position: values.position ?? before.position }).catch((error: unknown) => {
      throw asFieldError(error);
    });
    await recordAudit(tx, ctx, { action: 'organizationKind.updated', entityType: 'organizationKind', entityId: code, before, after });
    return after;
  }));
}

/** An inactive kind leaves the organisation form; records keep it and filters still list it. */
export async function setKindActive(ctx: ServiceContext, code: string, active: boolean): Promise<OrganizationKind> {
  assertAdmin(ctx);
  return invalidatingAfter(['organizationKinds'], inTransaction(ctx, async (tx) => {
    const before = await findKindByCode(tx, code);
    if (!before) throw new NotFoundError(t('organizationKinds.notFound'));
    const after = await updateKind(tx, code, { archivedAt: active ? null : ctx.now });
    await recordAudit(tx, ctx, {
      action: active ? 'organizationKind.reactivated' : 'organizationKind.deactivated',
      entityType: 'organizationKind',
      entityId: code,
      before,
      after,
    });
    return after;
  }));
}

/** Only a kind no record uses (merged and archived ones count) can go; otherwise deactivate it. */
export async function removeKind(ctx: ServiceContext, code: string): Promise<OrganizationKind> {
  assertAdmin(ctx);
  return invalidatingAfter(['organizationKinds'], inTransaction(ctx, async (tx) => {
    const before = await findKindByCode(tx, code);
    if (!before) throw new NotFoundError(t('organizationKinds.notFound'));
    const used = await countOrganizationsOfKind(tx, code);
    if (used > 0) throw new ConflictError(t('organizationKinds.deleteRefused', { label: before.label, count: used }));
    // The foreign key still guards against a record created meanwhile: the delete then fails.
    await deleteKind(tx, code);
    await recordAudit(tx, ctx, { action: 'organizationKind.deleted', entityType: 'organizationKind', entityId: code, before });
    return before;
  }));
}
