// Pilots (« expérimentations », docs/sourcing.md): opened when a case enters « expérimentation »,
// success criteria written before the start, milestones whose checks are tasks, the closing
// decision (déployer, prolonger once, itérer, arrêter) with the criteria's results, pilots past
// their end without a decision (flags, dashboard, reminders); « contractualisation » writes a
// convention draft with the start-up as party and the case linked.

/** Registers what entering « expérimentation » and « contractualisation » does (onCaseEnteredStage). */
export function registerSourcingPilots(): void {
  // Implemented by the pilots feature.
}
