// The home page (/): what concerns me and my units today. Every block is one bounded query
// (src/models/dashboard.model.ts), all run side by side; each links to the list behind it.
import { z } from 'zod';
import { addDays } from '../lib/convention-dates';
import { isoDateInParis, startOfParisDay } from '../lib/format';
import {
  countExchangesOfUnits,
  listDormantOrganizationsOfUnits,
  listExchangesOfPerson,
  listExpiringConventionsOfUnits,
  listLatestExchangesOfUnits,
} from '../models/dashboard.model';
import type { ConventionStatus } from '../models/schema';
import { readSetting } from '../models/settings.model';
import type { ServiceContext } from './context';
import { assertCan, hasRole } from './permissions';
import { cachedActiveUnits } from './reference-lists';
import { STARTUP_KIND_CODE } from './startup-meeting.service';
import { myOpenTaskViews } from './task-pages.service';
import { partnershipsBehindOfUnits } from './reciprocity.service';
import { getInbox } from './workflow-inbox.service';
import { overduePilotsOfUnits } from './sourcing-pilots.service';
import { startupsMetThisYear } from './sourcing-stats.service';

/** Rows shown per block (the link leads to the whole list). */
export const DASHBOARD_BLOCK_SIZE = 6;
/** Conventions whose end or notice deadline falls within this many days. */
export const EXPIRING_WITHIN_DAYS = 90;
/** « Mes échanges des prochains jours »: from now to the end of the 7th day after today. */
export const COMING_DAYS = 7;
const CLOSED_CONVENTION_STATUSES: ConventionStatus[] = ['echue', 'resiliee', 'renouvelee'];

const querySchema = z.object({ unit: z.uuid().optional().catch(undefined) });

/** A list's URL with its filters (empty values left out). */
function link(path: string, params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

function monthsBefore(now: Date, months: number): Date {
  // The directory's « sans activité depuis N mois » filter computes its limit the same way.
  const limit = new Date(now);
  limit.setMonth(limit.getMonth() - months);
  return limit;
}

/** My open tasks due in [dueFrom, dueTo] (« Mes tâches »'s query and rows), soonest first, and how many. */
export async function readDashboard(ctx: ServiceContext, rawQuery: unknown = {}) {
  assertCan(ctx.actor, 'dashboard.read');
  const actor = ctx.actor;
  const query = querySchema.parse(rawQuery ?? {});
  const canSwitchUnit = hasRole(actor, 'admin') || hasRole(actor, 'manager');
  const activeUnits = await cachedActiveUnits(ctx.db);
  // A manager or an admin may look at any unit; anyone else at one of their own.
  const unitChoices = canSwitchUnit ? activeUnits : activeUnits.filter((unit) => actor.unitIds.includes(unit.id));
  const chosen = query.unit && unitChoices.some((unit) => unit.id === query.unit) ? query.unit : undefined;
  const unitIds = chosen ? [chosen] : activeUnits.filter((unit) => actor.unitIds.includes(unit.id)).map((unit) => unit.id);
  // One unit shown: the lists behind the blocks are filtered by it.
  const unitParam = unitIds.length === 1 ? unitIds[0] : undefined;
  // Confidential exchanges are counted only for those who may read them all.
  const checkVisibility = !hasRole(actor, 'admin') && unitIds.some((unitId) => !actor.unitIds.includes(unitId));

  const today = isoDateInParis(ctx.now);
  const weekEnd = addDays(today, COMING_DAYS);
  const expiringUntil = addDays(today, EXPIRING_WITHIN_DAYS);
  const monthStart = `${today.slice(0, 7)}-01`;
  const yearStart = `${today.slice(0, 4)}-01-01`;

  // « Partenariats en retard de réciprocité » (issue 13): run beside the other blocks.
  const reciprocityBehind = partnershipsBehindOfUnits(ctx.db, unitIds, ctx.now, DASHBOARD_BLOCK_SIZE);
  reciprocityBehind.catch(() => undefined); // awaited below; keeps a failure elsewhere from leaving it unhandled
  // « Expérimentations sans décision » (issue 14: no pilot purgatory), beside the others too.
  const pilotsOverdue = overduePilotsOfUnits(ctx, unitIds, DASHBOARD_BLOCK_SIZE);
  pilotsOverdue.catch(() => undefined);
  const [overdueTasks, upcomingTasks, myExchanges, inbox, expiring, dormant, latestExchanges, exchangesThisMonth, exchangesThisYear, startupsThisYear] = await Promise.all([
    myOpenTaskViews(ctx, { dueTo: addDays(today, -1) }, DASHBOARD_BLOCK_SIZE),
    myOpenTaskViews(ctx, { dueFrom: today, dueTo: weekEnd }, DASHBOARD_BLOCK_SIZE),
    listExchangesOfPerson(ctx.db, actor, ctx.now, startOfParisDay(addDays(weekEnd, 1)), DASHBOARD_BLOCK_SIZE),
    getInbox(ctx, {}),
    listExpiringConventionsOfUnits(ctx.db, unitIds, { from: today, to: expiringUntil, excludeStatuses: CLOSED_CONVENTION_STATUSES }, DASHBOARD_BLOCK_SIZE),
    readSetting(ctx.db, 'dashboard.dormantMonths').then(async (months) => ({
      months,
      ...(await listDormantOrganizationsOfUnits(ctx.db, unitIds, monthsBefore(ctx.now, months), DASHBOARD_BLOCK_SIZE)),
    })),
    listLatestExchangesOfUnits(ctx.db, actor, unitIds, ctx.now, DASHBOARD_BLOCK_SIZE),
    countExchangesOfUnits(ctx.db, actor, unitIds, startOfParisDay(monthStart), ctx.now, checkVisibility),
    countExchangesOfUnits(ctx.db, actor, unitIds, startOfParisDay(yearStart), ctx.now, checkVisibility),
    // The funnel's figure (/sourcing/statistiques): one definition of « start-ups rencontrées ».
    startupsMetThisYear(ctx, unitIds),
  ]);

  const reciprocity = await reciprocityBehind;
  const overduePilots = await pilotsOverdue;

  return {
    today,
    unitChoices: unitChoices.map((unit) => ({ value: unit.id, label: unit.name })),
    /** The select is offered when there is something to switch to. */
    canSwitchUnit: unitChoices.length > 1 || (canSwitchUnit && unitChoices.length > 0),
    chosenUnitId: chosen ?? '',
    shownUnits: activeUnits.filter((unit) => unitIds.includes(unit.id)).map((unit) => unit.name),
    dormantMonths: dormant.months,
    expiringWithinDays: EXPIRING_WITHIN_DAYS,
    tasks: {
      overdue: overdueTasks,
      upcoming: upcomingTasks,
      overdueLink: link('/taches', { vue: 'mes', statut: 'a_faire', echeance: 'en_retard' }),
      upcomingLink: link('/taches', { vue: 'mes', statut: 'a_faire' }),
    },
    myExchanges: { ...myExchanges, link: link('/echanges', { participant: 'me', from: today, to: weekEnd, sort: 'date', dir: 'asc' }) },
    approvals: { rows: inbox.items.slice(0, DASHBOARD_BLOCK_SIZE), total: inbox.total, link: '/validations' },
    conventions: {
      ...expiring,
      endLink: link('/conventions', { unit: unitParam, expiring: EXPIRING_WITHIN_DAYS, on: 'fin', sort: 'endsOn', dir: 'asc' }),
      noticeLink: link('/conventions', { unit: unitParam, expiring: EXPIRING_WITHIN_DAYS, on: 'preavis', sort: 'endsOn', dir: 'asc' }),
    },
    dormant: { rows: dormant.rows, total: dormant.total, link: link('/structures', { unit: unitParam, status: 'actif', inactive: dormant.months, sort: 'activity', dir: 'asc' }) },
    reciprocity: { ...reciprocity, link: link('/structures', { unit: unitParam, reciprocite: 'en_retard_ou_jamais' }) },
    overduePilots,
    latestExchanges: { rows: latestExchanges, link: link('/echanges', { unit: unitParam, to: today }) },
    counts: {
      exchangesThisMonth,
      exchangesThisYear,
      startupsThisYear,
      monthLink: link('/echanges', { unit: unitParam, from: monthStart, to: today }),
      yearLink: link('/echanges', { unit: unitParam, from: yearStart, to: today }),
      startupsLink: link('/echanges', { unit: unitParam, orgKind: STARTUP_KIND_CODE, from: yearStart, to: today }),
    },
  };
}

export type DashboardView = Awaited<ReturnType<typeof readDashboard>>;
