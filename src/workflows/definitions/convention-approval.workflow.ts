// "Circuit de validation des conventions": legal and financial reviews at the same time, then
// the manager of the owning unit, then a second manager above an amount, then "à signer".
import type { WorkflowDefinition } from './types';

export const CONVENTION_APPROVAL_KEY = 'convention-approval';
/** Amount (euros, context.amount) above which a second manager approves. */
export const DEFAULT_SECOND_APPROVAL_THRESHOLD = 50_000;

export const conventionApprovalWorkflow: WorkflowDefinition = {
  key: CONVENTION_APPROVAL_KEY,
  version: 1,
  name: 'Circuit de validation des conventions',
  settings: { secondApprovalThreshold: DEFAULT_SECOND_APPROVAL_THRESHOLD },
  stages: [
    {
      key: 'reviews',
      label: 'Revues juridique et financière',
      steps: [
        { kind: 'approval', key: 'legal', label: 'Revue juridique', assignee: { role: 'juriste' }, due: { workingDays: 5 } },
        { kind: 'approval', key: 'finance', label: 'Revue financière', assignee: { role: 'finance' }, due: { workingDays: 5 } },
      ],
    },
    {
      key: 'direction',
      label: 'Validation direction',
      steps: [
        { kind: 'approval', key: 'direction', label: 'Validation direction', assignee: { role: 'manager', unit: 'subject' }, due: { workingDays: 3 } },
      ],
    },
    {
      key: 'direction-second',
      label: 'Seconde validation direction',
      when: { kind: 'contextAbove', field: 'amount', setting: 'secondApprovalThreshold' },
      steps: [
        {
          kind: 'approval',
          key: 'direction-second',
          label: 'Seconde validation direction (montant élevé)',
          assignee: { role: 'manager' },
          due: { workingDays: 3 },
          distinctFrom: ['direction'],
        },
      ],
    },
    {
      key: 'to-sign',
      label: 'À signer',
      steps: [{ kind: 'action', key: 'to-sign', label: 'Passage à la signature', handler: 'setSubjectStatus', params: { status: 'a_signer' } }],
    },
  ],
};
