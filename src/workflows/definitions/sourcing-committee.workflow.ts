// « Comité de sourcing »: the stage gate of a sourcing case (évaluée → expérimentation, → contractualisation).
// The evaluators the case's owner chose (context.evaluatorIds, at least two) each fill a scorecard
// at the same time, without seeing the others' (one step each, form 'sourcing-scorecard'); then
// the challenge's sponsor (context.sponsorId) decides go / no-go / complément d'information with a
// written rationale (form 'sourcing-decision'). src/services/sourcing-gates.service.ts owns both
// forms and moves the case on the run's outcome.
import type { ApprovalStepDefinition, StageDefinition, WorkflowDefinition } from './types';

export const SOURCING_COMMITTEE_KEY = 'sourcing-committee';
export const SOURCING_COMMITTEE_LEGAL_KEY = 'sourcing-committee-legal';

/** The step forms sourcing-gates.service registers (registerStepForm). */
export const SCORECARD_FORM = 'sourcing-scorecard';
export const SPONSOR_DECISION_FORM = 'sourcing-decision';

const evaluations = (): ApprovalStepDefinition => ({
  kind: 'approval',
  key: 'evaluation',
  label: 'Évaluation (grille)',
  assignee: { contextUsers: 'evaluatorIds' },
  due: { workingDays: 10 },
  form: SCORECARD_FORM,
});

const sponsorDecision = (): StageDefinition => ({
  key: 'sponsor',
  label: 'Décision du sponsor',
  steps: [{ kind: 'approval', key: 'sponsor', label: 'Décision du sponsor (go / no-go)', assignee: { contextUser: 'sponsorId' }, due: { workingDays: 5 }, form: SPONSOR_DECISION_FORM }],
});

export const sourcingCommitteeWorkflow: WorkflowDefinition = {
  key: SOURCING_COMMITTEE_KEY,
  version: 1,
  name: 'Comité de sourcing',
  settings: {},
  stages: [{ key: 'evaluations', label: 'Évaluations indépendantes', steps: [evaluations()] }, sponsorDecision()],
};

/**
 * The same committee with a legal and data-protection review beside the evaluations (a juriste
 * of the case's unit approves or asks for changes with the generic buttons): for challenges
 * whose solutions handle learners' personal data or lead to a contract.
 */
export const sourcingCommitteeLegalWorkflow: WorkflowDefinition = {
  key: SOURCING_COMMITTEE_LEGAL_KEY,
  version: 1,
  name: 'Comité de sourcing avec revue juridique et RGPD',
  settings: {},
  stages: [
    {
      key: 'evaluations',
      label: 'Évaluations indépendantes et revue juridique',
      steps: [evaluations(), { kind: 'approval', key: 'legal', label: 'Revue juridique et RGPD', assignee: { role: 'juriste' }, due: { workingDays: 10 } }],
    },
    sponsorDecision(),
  ],
};
