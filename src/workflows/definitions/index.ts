// The circuits known to this version of the code, by key. Tests and later features may
// register more (registerWorkflowDefinition); a key maps to its latest version.
import { validateDefinition } from '../engine';
import { CONVENTION_APPROVAL_KEY, conventionApprovalWorkflow } from './convention-approval.workflow';
import { CONVENTION_SIMPLIFIED_KEY, conventionSimplifiedWorkflow } from './convention-simplified.workflow';
import { SOURCING_COMMITTEE_KEY, SOURCING_COMMITTEE_LEGAL_KEY, sourcingCommitteeLegalWorkflow, sourcingCommitteeWorkflow } from './sourcing-committee.workflow';
import type { WorkflowDefinition } from './types';

const definitions = new Map<string, WorkflowDefinition>();
/** Settings overridden by configuration (WORKFLOW_SECOND_APPROVAL_THRESHOLD). */
const settingOverrides: Record<string, number> = {};

export function registerWorkflowDefinition(definition: WorkflowDefinition): void {
  validateDefinition(definition);
  definitions.set(definition.key, definition);
}

export function configureWorkflowSettings(settings: Record<string, number | undefined>): void {
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) settingOverrides[name] = value;
}

/** The definition as a run copies it: settings resolved now, so later changes leave the run alone. */
export function definitionForStart(key: string): WorkflowDefinition | undefined {
  const definition = definitions.get(key);
  if (!definition) return undefined;
  const settings = { ...definition.settings };
  for (const name of Object.keys(settings)) if (name in settingOverrides) settings[name] = settingOverrides[name] as number;
  return structuredClone({ ...definition, settings });
}

/** The registered definition itself (read only: copy it with definitionForStart to run it). */
export function findWorkflowDefinition(key: string): Readonly<WorkflowDefinition> | undefined {
  return definitions.get(key);
}

export function listWorkflowDefinitions(): WorkflowDefinition[] {
  return [...definitions.values()];
}

registerWorkflowDefinition(conventionApprovalWorkflow);
registerWorkflowDefinition(conventionSimplifiedWorkflow);
registerWorkflowDefinition(sourcingCommitteeWorkflow);
registerWorkflowDefinition(sourcingCommitteeLegalWorkflow);

/**
 * The circuits an admin may give a convention kind (/admin/circuits-des-conventions), the
 * default first. Each ends with the action that makes the convention « à signer ».
 */
export const CONVENTION_CIRCUIT_KEYS: readonly string[] = [CONVENTION_APPROVAL_KEY, CONVENTION_SIMPLIFIED_KEY];
export const DEFAULT_CONVENTION_CIRCUIT_KEY = CONVENTION_APPROVAL_KEY;

/** The committees a challenge may choose for its gates (/sourcing/defis form), the default first. */
export const SOURCING_CIRCUIT_KEYS: readonly string[] = [SOURCING_COMMITTEE_KEY, SOURCING_COMMITTEE_LEGAL_KEY];
export const DEFAULT_SOURCING_CIRCUIT_KEY = SOURCING_COMMITTEE_KEY;

export type { WorkflowDefinition } from './types';
