// The conventions' status transitions (docs/conventions.md, « Statuts »). Enforced by
// moveConventionStatus in src/services/conventions.service.ts, which every path that changes
// a convention's status goes through: the « Changer le statut » form ('person'), the approval
// circuit ('circuit'), the upload of the signed text ('signature'), the calendar job
// ('calendar'), termination ('termination') and a renewal avenant's signature ('renewal').
import type { ConventionStatus, Role } from '../models/schema';
import type { TransitionTable } from './transitions';

export type ConventionMover = 'person' | 'circuit' | 'signature' | 'calendar' | 'termination' | 'renewal';

/** Statuses in which the approval circuit, not a person, decides what comes next. */
export const CONVENTION_REVIEW_STATUSES: readonly ConventionStatus[] = ['en_revue', 'modifications_demandees'];

const EDITORS: readonly Role[] = ['admin', 'manager', 'charge'];

export const CONVENTION_TRANSITIONS: TransitionTable<ConventionStatus, ConventionMover, Role> = [
  // The approval circuit (src/services/convention-circuit.ts): submission and resubmission,
  // changes requested, approved (its last step sets « à signer »), rejected or cancelled.
  { from: ['brouillon', 'modifications_demandees'], to: 'en_revue', by: 'circuit' },
  { from: ['en_revue'], to: 'modifications_demandees', by: 'circuit' },
  { from: ['en_revue'], to: 'a_signer', by: 'circuit' },
  { from: ['en_revue', 'modifications_demandees'], to: 'brouillon', by: 'circuit' },
  // The signed text uploaded (« Version signée », by whoever may edit the convention): signed,
  // and in force at once when its start has come.
  { from: ['a_signer'], to: 'signee', by: 'signature' },
  { from: ['signee'], to: 'en_vigueur', by: 'signature' },
  // The calendar job (convention-lifecycle.service.ts): start date reached, end date passed.
  { from: ['signee'], to: 'en_vigueur', by: 'calendar' },
  { from: ['en_vigueur'], to: 'echue', by: 'calendar' },
  // A signed renewal avenant extends its parent.
  { from: ['signee', 'en_vigueur', 'echue', 'renouvelee'], to: 'renouvelee', by: 'renewal' },
  // Termination (its own form: date and reason). Not while the circuit reviews it: cancel the run first.
  { from: ['validee', 'a_signer', 'signee', 'en_vigueur', 'echue', 'renouvelee'], to: 'resiliee', by: 'termination', roles: ['admin', 'manager'], ownUnitOnly: true },
  // The « Changer le statut » form: take an approved text back to draft (it goes through the
  // circuit again), and, for admins only, record a convention signed outside Passerelle.
  { from: ['a_signer', 'validee'], to: 'brouillon', by: 'person', roles: EDITORS, ownUnitOnly: true },
  { from: ['validee'], to: 'a_signer', by: 'person', roles: ['admin', 'manager'], ownUnitOnly: true },
  { from: ['brouillon'], to: 'signee', by: 'person', roles: ['admin'] },
  { from: ['brouillon'], to: 'en_vigueur', by: 'person', roles: ['admin'] },
];
