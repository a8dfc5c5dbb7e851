// Who may read an exchange. Every reader of exchanges (the list, search, the timelines, the
// dashboard, exports, the GDPR export) filters with this one predicate, so a confidential
// exchange — and its count — never reaches someone outside its circle.
import { sql, type SQL } from 'drizzle-orm';
import { exchangeParticipants, exchangeUnits, exchanges } from './schema';
import { uuidArray } from './sql-arrays';

/** The reader, as the predicate needs them (an Actor fits). */
export interface ExchangeViewer {
  id: string;
  roles: readonly string[];
  unitIds: readonly string[];
}

/**
 * SQL true when `viewer` may read the exchange row in scope (the `exchanges` table, unaliased):
 * any non-confidential exchange; a confidential one only for admins, its author, its
 * participants and the members of its units.
 */
export function exchangeVisibleTo(viewer: ExchangeViewer): SQL {
  if (viewer.roles.includes('admin')) return sql`true`;
  const unitIds = uuidArray(viewer.unitIds);
  return sql`(not ${exchanges.confidential}
    or ${exchanges.authorId} = ${viewer.id}
    or exists (select 1 from ${exchangeParticipants} where ${exchangeParticipants.exchangeId} = ${exchanges.id} and ${exchangeParticipants.userId} = ${viewer.id})
    or exists (select 1 from ${exchangeUnits} where ${exchangeUnits.exchangeId} = ${exchanges.id} and ${exchangeUnits.unitId} = any(${unitIds})))`;
}

/** The same rule for one exchange already loaded (its participants and units read alongside). */
export function canViewExchange(viewer: ExchangeViewer, exchange: { confidential: boolean; authorId: string | null }, participantIds: readonly string[], unitIds: readonly string[]): boolean {
  if (!exchange.confidential || viewer.roles.includes('admin')) return true;
  if (exchange.authorId === viewer.id || participantIds.includes(viewer.id)) return true;
  return unitIds.some((unitId) => viewer.unitIds.includes(unitId));
}
