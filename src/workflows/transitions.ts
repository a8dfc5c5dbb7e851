// Status transition tables: which moves a record's status may make, and who may make each.
// Pure (no I/O): a feature declares its table here (convention-transitions.ts; sourcing cases
// and events next), and one service function per feature enforces it on every path that changes
// the status. A move is made either by a person (through a form: roles, and for non-admins
// membership of the record's unit) or by a part of the system named in the table (the approval
// circuit, the calendar job…), which no form can borrow.

export interface Transition<Status extends string, Mover extends string, Role extends string = string> {
  from: readonly Status[];
  to: Status;
  /** Who makes the move: 'person' for a form, or the one part of the system that may. */
  by: Mover;
  /** For moves people make: the roles that may (nobody else, whatever their other rights). */
  roles?: readonly Role[];
  /** The person must hold one of their units on the record (admins excepted). */
  ownUnitOnly?: boolean;
}

export type TransitionTable<Status extends string, Mover extends string, Role extends string = string> = readonly Transition<Status, Mover, Role>[];

/** Who asks for a move: the mover, and for a person their roles and whether the record is theirs. */
export interface MoveRequest<Mover extends string, Role extends string = string> {
  by: Mover;
  roles?: readonly Role[];
  /** The person holds one of the record's units (or owns it); admins always do. */
  inUnit?: boolean;
}

/** 'allowed'; 'notPermitted' (the move exists for this mover, not for this person); 'notAllowed' (no such move). */
export type MoveVerdict = 'allowed' | 'notPermitted' | 'notAllowed';

function personMay<Role extends string>(transition: Transition<string, string, Role>, request: MoveRequest<string, Role>): boolean {
  if (!transition.roles) return true;
  const roles = request.roles ?? [];
  if (!roles.some((role) => transition.roles?.includes(role))) return false;
  return !transition.ownUnitOnly || request.inUnit === true || roles.includes('admin' as Role);
}

/** Checks one move against the table. Staying in the same status is not a move (callers skip it). */
export function checkMove<Status extends string, Mover extends string, Role extends string>(
  table: TransitionTable<Status, Mover, Role>,
  from: Status,
  to: Status,
  request: MoveRequest<Mover, Role>,
): MoveVerdict {
  const candidates = table.filter((transition) => transition.by === request.by && transition.to === to && transition.from.includes(from));
  if (candidates.length === 0) return 'notAllowed';
  return candidates.some((transition) => personMay(transition, request)) ? 'allowed' : 'notPermitted';
}

/** The statuses this mover may reach from `from` now (the choices a form offers), in table order. */
export function movesFrom<Status extends string, Mover extends string, Role extends string>(
  table: TransitionTable<Status, Mover, Role>,
  from: Status,
  request: MoveRequest<Mover, Role>,
): Status[] {
  const reachable = table.filter((transition) => transition.by === request.by && transition.from.includes(from) && transition.to !== from && personMay(transition, request)).map((transition) => transition.to);
  return [...new Set(reachable)];
}

/** Every move a mover makes, as [from, to] pairs (a job's batch moves, documentation, tests). */
export function movesBy<Status extends string, Mover extends string, Role extends string>(table: TransitionTable<Status, Mover, Role>, by: Mover): Array<[Status, Status]> {
  return table.filter((transition) => transition.by === by).flatMap((transition) => transition.from.map((from) => [from, transition.to] as [Status, Status]));
}
