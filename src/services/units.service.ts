import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { parseInput, requiredText } from '../lib/validation';
import { UNIT_KINDS, type Unit } from '../models/schema';
import { findUnitByCodeOrName, findUnitById, insertUnit, listUnits, listUnitsWithMemberCounts, updateUnit } from '../models/units.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { invalidatingAfter } from '../lib/reference-cache';
import { assertCan } from './permissions';

/** Active units, for pickers. Everyone signed in may read them. */
export async function listActiveUnits(ctx: ServiceContext): Promise<Unit[]> {
  return listUnits(ctx.db);
}

export async function listUnitsForAdmin(ctx: ServiceContext) {
  assertCan(ctx.actor, 'units.manage');
  return listUnitsWithMemberCounts(ctx.db);
}

const unitSchema = z.object({
  code: requiredText(20)
    .transform((value) => value.toUpperCase())
    .pipe(z.string().regex(/^[A-Z0-9][A-Z0-9-]{1,19}$/, t('validation.code'))),
  name: requiredText(160),
  kind: z.enum(UNIT_KINDS, { error: t('validation.required') }),
});

export async function getUnit(ctx: ServiceContext, id: string): Promise<Unit> {
  assertCan(ctx.actor, 'units.manage');
  const unit = z.uuid().safeParse(id).success ? await findUnitById(ctx.db, id) : undefined;
  if (!unit) throw new NotFoundError();
  return unit;
}

export async function createUnit(ctx: ServiceContext, input: unknown): Promise<Unit> {
  assertCan(ctx.actor, 'units.manage');
  const values = parseInput(unitSchema, input);
  return invalidatingAfter(['units'], inTransaction(ctx, async (tx) => {
    if (await findUnitByCodeOrName(tx, values.code, values.name)) throw new ValidationError({ code: t('validation.unitTaken') });
    const unit = await insertUnit(tx, values);
    await recordAudit(tx, ctx, { action: 'unit.created', entityType: 'unit', entityId: unit.id, after: unit });
    return unit;
  }));
}

export async function updateUnitDetails(ctx: ServiceContext, id: string, input: unknown): Promise<Unit> {
  assertCan(ctx.actor, 'units.manage');
  const values = parseInput(unitSchema, input);
  return invalidatingAfter(['units'], inTransaction(ctx, async (tx) => {
    const before = await findUnitById(tx, id);
    if (!before) throw new NotFoundError();
    const clash = await findUnitByCodeOrName(tx, values.code, values.name);
    if (clash && clash.id !== id) throw new ValidationError({ code: t('validation.unitTaken') });
    const after = await updateUnit(tx, id, values);
    await recordAudit(tx, ctx, { action: 'unit.updated', entityType: 'unit', entityId: id, before, after });
    return after;
  }));
}

/** Archived units disappear from pickers; memberships and history stay. */
export async function setUnitArchived(ctx: ServiceContext, id: string, archived: boolean): Promise<Unit> {
  assertCan(ctx.actor, 'units.manage');
  return invalidatingAfter(['units'], inTransaction(ctx, async (tx) => {
    const before = await findUnitById(tx, id);
    if (!before) throw new NotFoundError();
    const after = await updateUnit(tx, id, { archivedAt: archived ? ctx.now : null });
    await recordAudit(tx, ctx, { action: archived ? 'unit.archived' : 'unit.restored', entityType: 'unit', entityId: id, before, after });
    return after;
  }));
}
