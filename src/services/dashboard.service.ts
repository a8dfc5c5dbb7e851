import { countActiveOrganizations } from '../models/organizations.model';
import { findUnitsByIds } from '../models/units.model';
import type { ServiceContext } from './context';
import { assertCan } from './permissions';

/** The home page: a first set of figures; later issues add tasks, approvals and reminders. */
export async function readDashboard(ctx: ServiceContext) {
  assertCan(ctx.actor, 'dashboard.read');
  const [organizationCount, units] = await Promise.all([countActiveOrganizations(ctx.db), findUnitsByIds(ctx.db, ctx.actor.unitIds)]);
  return { organizationCount, units };
}
