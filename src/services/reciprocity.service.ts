// The reciprocity cadence (issue 13): qualifying meetings over the rolling last 12 months per
// partnership, its status and the date by which the next meeting must happen.
// STUB written by the lead with the contract: helper B replaces the bodies.
import type { Database } from '../models/database';

export type ReciprocityStatus = 'a_jour' | 'a_surveiller' | 'en_retard' | 'jamais_rencontre';

export interface PartnershipBehind {
  organizationId: string;
  organizationName: string;
  ownerId: string | null;
  status: ReciprocityStatus;
  meetings: number;
  minimum: number;
  target: number;
  /** Paris day by which the next meeting must happen to stay at the minimum (today or earlier when already behind). */
  nextDueOn: string;
}

/** Active partnerships « en retard » now, or that will be within `withinDays` (the reminder rule « reciprocity.behind »). */
export async function partnershipsFallingBehind(_db: Database, _options: { now: Date; withinDays: number }): Promise<PartnershipBehind[]> {
  return [];
}
