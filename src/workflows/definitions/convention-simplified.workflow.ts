// « Circuit simplifié »: for conventions with no financial or legal stakes of their own
// (stage, alternance: standard texts the legal department already approved as models), the
// manager of the owning unit validates alone, then the convention goes to signature. Its last
// stage is the same action as the default circuit's, so the convention status mapping
// (src/services/convention-circuit.ts) needs nothing more.
import type { WorkflowDefinition } from './types';

export const CONVENTION_SIMPLIFIED_KEY = 'convention-simplified';

export const conventionSimplifiedWorkflow: WorkflowDefinition = {
  key: CONVENTION_SIMPLIFIED_KEY,
  version: 1,
  name: 'Circuit simplifié (validation direction seule)',
  settings: {},
  stages: [
    {
      key: 'direction',
      label: 'Validation direction',
      steps: [
        { kind: 'approval', key: 'direction', label: 'Validation direction', assignee: { role: 'manager', unit: 'subject' }, due: { workingDays: 3 } },
      ],
    },
    {
      key: 'to-sign',
      label: 'À signer',
      steps: [{ kind: 'action', key: 'to-sign', label: 'Passage à la signature', handler: 'setSubjectStatus', params: { status: 'a_signer' } }],
    },
  ],
};
