// Who may do what. Services call assertCan(); templates only read the booleans a service or
// the view model computed. Later features add their permissions to this table and to the
// role × route matrix in tests/integration/permissions-matrix.test.ts.
import { ForbiddenError } from '../lib/errors';
import { ROLES, type Capability, type Role } from '../models/schema';
import type { Actor } from './context';

const EVERYONE: readonly Role[] = ROLES;

export const PERMISSIONS = {
  'users.manage': ['admin'],
  'units.manage': ['admin'],
  'audit.read': ['admin'],
  'devMail.read': ['admin'],
  'dashboard.read': EVERYONE,
  'directory.read': EVERYONE,
  /** Unit-scoped: see `can` below. */
  'directory.edit': ['admin', 'manager', 'charge'],
  'directory.archive': ['admin', 'manager'],
  /** Restore an archived record, undo a merge, mark fields restricted. */
  'directory.restore': ['admin'],
  'directory.merge': ['admin', 'manager'],
  'directory.undoMerge': ['admin'],
  'directory.import': ['admin', 'manager', 'charge'],
  /**
   * Bulk exports (CSV, XLSX, vCard — personal data of many people), journaled with their filter.
   * A lecteur reads the shared file on screen only.
   */
  'directory.export': ['admin', 'manager', 'charge'],
  /**
   * GDPR access export (RGPD art. 15): everything held on one person, to answer their request.
   * Admins, and people an admin granted the `dpo` capability (CAPABILITY_PERMISSIONS).
   */
  'contacts.gdprExport': ['admin'],
  'contacts.erase': ['admin', 'manager'],
  'directory.restrictFields': ['admin'],
  /** Organisation kinds and other reference lists an admin can extend. */
  'referenceData.manage': ['admin'],
  /** Approval circuits: decide the steps assigned to one's role (or delegated); see workflows.service. */
  'workflows.decide': ['admin', 'manager', 'juriste', 'finance'],
  /** "Mes validations": steps to decide, notifications, own delegations (empty for a lecteur). */
  'workflows.inbox': EVERYONE,
  /** Follow the runs of one's units (/validations/circuits). */
  'workflows.follow': ['admin', 'manager'],
  /** Cancel runs, reassign steps (/admin/circuits). */
  'workflows.admin': ['admin'],
  /** Conventions: everyone reads; create and edit within one's units (see `can`). */
  'conventions.read': EVERYONE,
  'conventions.edit': ['admin', 'manager', 'charge'],
  'conventions.terminate': ['admin', 'manager'],
  /** Download a convention's files (signed texts may hold personal and financial data): not lecteur. */
  'conventions.documents': ['admin', 'manager', 'charge', 'juriste', 'finance'],
  /** Exchanges: everyone reads the non-confidential ones (the shared file is the point; see exchange-visibility.ts). */
  'exchanges.read': EVERYONE,
  /** Log an exchange; edit one's own or one's units' (see `can`). */
  'exchanges.edit': ['admin', 'manager', 'charge'],
  /** Delete: the author within 24 hours, admins at any time (the service checks the delay), with a reason. */
  'exchanges.delete': ['admin', 'manager', 'charge'],
  /** Export the exchanges list (CSV, XLSX: names of partners and contacts), journaled with its filter; as 'directory.export'. */
  'exchanges.export': ['admin', 'manager', 'charge'],
  /** /echanges/a-revoir: exchanges past the retention period (GDPR review). */
  'exchanges.review': ['admin', 'manager'],
  /** « Mes tâches »: everyone sees the tasks assigned to them. */
  'tasks.read': EVERYONE,
  /** Create, complete, postpone, reassign tasks (one's own, or one's units' for a manager). */
  'tasks.edit': ['admin', 'manager', 'charge'],
  /** Settings without a deployment (/admin/parametres): thresholds, retention. */
  'settings.manage': ['admin'],
  /** Reciprocity events (/evenements): everyone reads (the shared file). */
  'events.read': EVERYONE,
  /** Create, edit, cancel events, invite contacts, record attendance: within one's units (see `can`). */
  'events.edit': ['admin', 'manager', 'charge'],
  /** Export an event's attendance list (names of partners' people), journaled. */
  'events.export': ['admin', 'manager', 'charge'],
  /** Reminder rules, their offsets and the 30-day preview (/admin/relances). */
  'reminders.manage': ['admin'],
  /** Reciprocity figures per kind of organisation or convention (/admin/reciprocite). */
  'reciprocity.manage': ['admin'],
  /** /agenda (one's own; a manager also their units'), the personal iCal feed. */
  'agenda.read': EVERYONE,
  /** The header's bell and /notifications (one's own). */
  'notifications.read': EVERYONE,
  /** Innovation sourcing (/sourcing): everyone reads challenges and non-confidential cases (see sourcing-cases.service canReadCase). */
  'sourcing.read': EVERYONE,
  /** Create and edit challenges and cases, move cards, start gates, run pilots: within the record's units or as its owner (see `can`). */
  'sourcing.edit': ['admin', 'manager', 'charge'],
  /** Be chosen as an evaluator of a committee (score the cases assigned to one): not lecteur. */
  'sourcing.evaluate': ['admin', 'manager', 'charge', 'juriste', 'finance'],
  /** Sponsor a challenge (decide its gates go / no-go) and decide a pilot's closing as its decision owner. */
  'sourcing.sponsor': ['admin', 'manager'],
  /** Exports: the decision log (CSV, PDF), the funnel (CSV, XLSX), journaled. */
  'sourcing.export': ['admin', 'manager', 'charge'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Permissions a capability grants whatever the person's roles (an admin grants it: /admin/utilisateurs/<id>). */
export const CAPABILITY_PERMISSIONS: Record<Capability, readonly Permission[]> = {
  dpo: ['contacts.gdprExport'],
};

function grantedByCapability(actor: Actor, permission: Permission): boolean {
  return (actor.capabilities ?? []).some((capability) => CAPABILITY_PERMISSIONS[capability]?.includes(permission));
}

/** A record's owner and units; edits outside them are refused for non-admins. */
export interface RecordScope {
  ownerId?: string | null;
  unitIds?: string[];
}

export function hasRole(actor: Pick<Actor, 'roles'>, role: Role): boolean {
  return actor.roles.includes(role);
}

export function can(actor: Actor | null, permission: Permission, scope?: RecordScope): boolean {
  if (!actor) return false;
  const allowed: readonly Role[] = PERMISSIONS[permission];
  if (!actor.roles.some((role) => allowed.includes(role)) && !grantedByCapability(actor, permission)) return false;
  if (!scope || hasRole(actor, 'admin')) return true;
  if (scope.ownerId && scope.ownerId === actor.id) return true;
  // A record that belongs to no unit yet is editable by anyone holding the permission.
  if (!scope.unitIds || scope.unitIds.length === 0) return true;
  return scope.unitIds.some((unitId) => actor.unitIds.includes(unitId));
}

/**
 * The units a record ends up attached to when `actor` asks for `requested` (DESIGN: the unit
 * rule conventions already apply). An admin attaches any unit. Anyone else adds or removes
 * only their own units; the other units the record had (`previous`) stay as they were, and
 * asking for a unit that is neither theirs nor already there is `refused`.
 */
export function unitsAfterChange(
  actor: Pick<Actor, 'roles' | 'unitIds'>,
  requested: readonly string[],
  previous: readonly string[] = [],
): { unitIds: string[]; refused: string[] } {
  const wanted = [...new Set(requested)];
  if (hasRole(actor, 'admin')) return { unitIds: wanted, refused: [] };
  const mine = new Set(actor.unitIds);
  const refused = wanted.filter((unitId) => !mine.has(unitId) && !previous.includes(unitId));
  const kept = previous.filter((unitId) => !mine.has(unitId));
  return { unitIds: [...new Set([...wanted.filter((unitId) => mine.has(unitId)), ...kept])], refused };
}

/** Whether the actor may attach a record to this unit (forms grey out the others). */
export function canAttachUnit(actor: Pick<Actor, 'roles' | 'unitIds'> | null, unitId: string): boolean {
  return !!actor && (hasRole(actor, 'admin') || actor.unitIds.includes(unitId));
}

export function assertCan(actor: Actor | null, permission: Permission, scope?: RecordScope): asserts actor is Actor {
  if (!can(actor, permission, scope)) throw new ForbiddenError();
}
