// The organisation page's « Sourcing d'innovation » tab (issue 14): the organisation's cases the
// reader may see (confidential ones only to their unit, owner, evaluators and admins), each with
// its challenge, stage, days in the stage, owner, next step and its latest pilot; « Nouvelle
// piste » for whoever adds cases.
import { t } from '../lib/i18n';
import { parisDayOf, parisDaysBetween } from '../lib/paris-time';
import { casesOfOrganization } from '../models/sourcing-links.model';
import type { ServiceContext } from './context';
import { can } from './permissions';
import { caseViewerOf } from './sourcing-cases.service';

export interface OrganizationSourcingTab {
  rows: Array<{
    id: string;
    href: string;
    challengeTitle: string;
    challengeHref: string | null;
    stageLabel: string;
    stage: string;
    daysInStage: number;
    ownerName: string | null;
    nextStep: string | null;
    nextStepOn: string | null;
    nextStepOverdue: boolean;
    confidential: boolean;
    pilotLabel: string | null;
    pilotOverdue: boolean;
  }>;
  /** « Nouvelle piste » (/sourcing/pistes/nouvelle?structure=…). */
  canCreate: boolean;
}

export async function sourcingTabOfOrganization(ctx: ServiceContext, organizationId: string): Promise<OrganizationSourcingTab | null> {
  const actor = ctx.actor;
  if (!actor || !can(actor, 'sourcing.read')) return null;
  const today = parisDayOf(ctx.now);
  const rows = await casesOfOrganization(ctx.db, organizationId, caseViewerOf(actor));
  return {
    rows: rows.map((row) => {
      const pilot = row.pilot;
      const pilotOverdue = Boolean(pilot && pilot.status !== 'clos' && pilot.endsOn && pilot.endsOn < today);
      const pilotLabel = !pilot
        ? null
        : pilotOverdue
          ? t('sourcingPilots.states.sans_decision')
          : pilot.status === 'clos' && pilot.decision
            ? `${t('sourcingPilots.statuses.clos')} — ${t(`sourcingPilots.decisions.${pilot.decision}`)}`
            : t(`sourcingPilots.statuses.${pilot.status}`);
      return {
        id: row.id,
        href: `/sourcing/pistes/${row.id}`,
        challengeTitle: row.challengeTitle ?? t('organizations.sourcingTab.spontaneous'),
        challengeHref: row.challengeId ? `/sourcing/defis/${row.challengeId}` : null,
        stage: row.stage,
        stageLabel: t(`sourcingCases.stages.${row.stage}`),
        daysInStage: Math.max(0, parisDaysBetween(parisDayOf(new Date(row.stageEnteredAt)), today)),
        ownerName: row.ownerName,
        nextStep: row.nextStep,
        nextStepOn: row.nextStepOn,
        nextStepOverdue: Boolean(row.nextStepOn && row.nextStepOn < today),
        confidential: row.confidential,
        pilotLabel,
        pilotOverdue,
      };
    }),
    canCreate: can(actor, 'sourcing.edit'),
  };
}
