import type { Database, Transaction } from '../models/database';
import type { Capability, Role } from '../models/schema';

/** The signed-in person a service acts for. */
export interface Actor {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  unitIds: string[];
  /** Granted by an admin on top of roles (`dpo`: answers data subjects' requests). Absent = none. */
  capabilities?: readonly Capability[];
}

/**
 * What every service function receives instead of req/res (DESIGN.md §3): the database (or a
 * transaction in tests), who acts, and the time, so tests can fix the clock.
 */
export interface ServiceContext {
  db: Database;
  actor: Actor | null;
  now: Date;
  /** Public URL of the application, for links sent by email. */
  baseUrl: string;
  requestId?: string;
  ip?: string;
  /** Moves freshly written outbox rows to the queues now rather than at the next relay tick. */
  dispatchOutbox?: () => void;
}

/** Runs `work` in one transaction, then nudges the outbox relay. */
export async function inTransaction<T>(ctx: ServiceContext, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const result = await ctx.db.transaction(work);
  ctx.dispatchOutbox?.();
  return result;
}

export function requireActor(ctx: ServiceContext): Actor {
  if (!ctx.actor) throw new Error('this service needs a signed-in actor');
  return ctx.actor;
}
