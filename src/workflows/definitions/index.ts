// The circuits known to this version of the code, by key. Tests and later features may
// register more (registerWorkflowDefinition); a key maps to its latest version.
import { validateDefinition } from '../engine';
import { conventionApprovalWorkflow } from './convention-approval.workflow';
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

export function listWorkflowDefinitions(): WorkflowDefinition[] {
  return [...definitions.values()];
}

registerWorkflowDefinition(conventionApprovalWorkflow);

export type { WorkflowDefinition } from './types';
