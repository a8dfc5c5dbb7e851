import { NotFoundError } from '../lib/errors';
import { findUnitsByIds } from '../models/units.model';
import { findUserById } from '../models/users.model';
import type { ServiceContext } from './context';

/** What a person may see of their own account. */
export async function readOwnProfile(ctx: ServiceContext) {
  const actor = ctx.actor;
  if (!actor) throw new NotFoundError();
  const user = await findUserById(ctx.db, actor.id);
  if (!user) throw new NotFoundError();
  const units = await findUnitsByIds(ctx.db, actor.unitIds);
  return {
    email: user.email,
    displayName: user.displayName,
    roles: user.roles,
    units,
    lastLoginAt: user.lastLoginAt,
    passwordChangedAt: user.passwordChangedAt,
    createdAt: user.createdAt,
  };
}
