// Wires the sourcing pipeline's parts together, once per process (web and worker: decisions are
// taken in web requests, deadlines and escalations in workers): the committee's run outcomes move
// cases and its step forms are linked from « Mes validations » (sourcing-gates.service), entering
// « expérimentation » opens a pilot and entering « contractualisation » writes a convention draft
// (sourcing-pilots.service). Called by src/boot.ts configureProcess, like registerConventionCircuit.
import { registerSourcingGates } from './sourcing-gates.service';
import { registerSourcingPilots } from './sourcing-pilots.service';

let registered = false;
export function registerSourcingPipeline(): void {
  if (registered) return;
  registered = true;
  registerSourcingGates();
  registerSourcingPilots();
}
