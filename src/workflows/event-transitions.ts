// The events' status transitions (issue 13). Enforced by cancelEvent in
// src/services/events.service.ts, the one path that changes an event's status. Whether an event
// is past is read from its dates, not from a status.
import type { EventStatus, Role } from '../models/schema';
import type { TransitionTable } from './transitions';

/** Only people move events (through « Annuler l’événement »). */
export type EventMover = 'person';

const EDITORS: readonly Role[] = ['admin', 'manager', 'charge'];

export const EVENT_TRANSITIONS: TransitionTable<EventStatus, EventMover, Role> = [
  // « Annuler l’événement », with a reason: the invitees who had not declined are told (METHOD:CANCEL).
  { from: ['planifie'], to: 'annule', by: 'person', roles: EDITORS, ownUnitOnly: true },
];
