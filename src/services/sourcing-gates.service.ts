// Stage gates (« Comité de sourcing », docs/sourcing.md): starting a committee on a case (the
// owner chooses at least two evaluators; the challenge's sponsor decides), scorecards (hidden until
// every evaluator has submitted; conflict of interest → recused and replaced), the sponsor's go /
// no-go / complément, the run's outcome moving the case (moveCaseStage by 'gate'), the decision log.
import { SCORECARD_FORM, SPONSOR_DECISION_FORM } from '../workflows/definitions/sourcing-committee.workflow';
import { registerStepForm } from './workflows.service';

/** Registers the committee's status handler (onStatusChange('sourcing_case')) and its two step forms. */
export function registerSourcingGates(): void {
  registerStepForm(SCORECARD_FORM, (_run, step) => `/sourcing/comites/etapes/${step.id}/evaluation`);
  registerStepForm(SPONSOR_DECISION_FORM, (_run, step) => `/sourcing/comites/etapes/${step.id}/decision`);
}
