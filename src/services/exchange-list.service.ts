// The exchanges list (/echanges): filters in the URL, sort, pages, CSV/XLSX exports, the
// retention review (/echanges/a-revoir) and the exchanges section of a contact's GDPR export.
// Everyone signed in reads ('exchanges.read'); every statement of the model filters with
// exchangeVisibleTo(actor), so a confidential exchange and its count stay inside its circle.
import { z } from 'zod';
import { t } from '../lib/i18n';
import type { ExportColumn } from '../lib/exports/columns';
import { TAG_MAX_LENGTH } from '../lib/directory-fields';
import { formatDateTime, startOfParisDay } from '../lib/format';
import {
  COUNT_CAP,
  EXCHANGE_LIST_SORTS,
  type ExchangeExportRow,
  type ExchangeListFilters,
  type ExchangeListRow,
  type ExchangeKeyset,
  byExchange,
  contactsOfExchanges,
  exchangesAfter,
  exchangesWithContacts,
  keysetOf,
  listExchanges,
  listExchangesBefore,
  organizationsOfExchanges,
  outcomeArms,
  participantsOfExchanges,
  unitsOfExchanges,
} from '../models/exchange-list.model';
import { organizationLabels } from '../models/organizations.model';
import { EXCHANGE_KINDS, EXCHANGE_OUTCOMES } from '../models/schema';
import { readSetting } from '../models/settings.model';
import { type CaseLabel, caseSubjectsOfExchanges } from '../models/sourcing-links.model';
import { type Actor, type ServiceContext } from './context';
import { caseSubjectLabel } from './exchanges.service';
import { type SpreadsheetFormat, journaled } from './export-journal';
import { assertCan, can } from './permissions';
import { cachedActiveUnits, cachedActiveUserOptions, cachedOrganizationKinds } from './reference-lists';
import { caseViewerOf } from './sourcing-cases.service';

export const EXCHANGE_PAGE_SIZE = 50;
/** Pages reachable by number: COUNT_CAP rows. Deeper, the filters (or an export) do better than paging. */
export const EXCHANGE_MAX_PAGES = Math.ceil(COUNT_CAP / EXCHANGE_PAGE_SIZE);
/** Rows read per statement by an export. */
const EXPORT_CHUNK = 1000;

const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value));
/** A user id, or `me` (`moi` accepted too, as the directory's owner filter writes it). */
const userRef = z.union([z.literal('me'), z.literal('moi'), z.uuid()]);

/** Unknown or malformed values are ignored: a bookmarked URL keeps working. */
const listSchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  kind: z.enum(EXCHANGE_KINDS).optional().catch(undefined),
  from: isoDay.optional().catch(undefined),
  to: isoDay.optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  author: userRef.optional().catch(undefined),
  participant: userRef.optional().catch(undefined),
  orgKind: z.string().trim().regex(/^[a-z0-9_-]{1,50}$/).optional().catch(undefined),
  outcome: z.enum(EXCHANGE_OUTCOMES).optional().catch(undefined),
  tag: z.string().trim().max(TAG_MAX_LENGTH).optional().catch(undefined),
  organization: z.uuid().optional().catch(undefined),
  sort: z.enum(EXCHANGE_LIST_SORTS).default('date').catch('date'),
  dir: z.enum(['asc', 'desc']).default('desc').catch('desc'),
  page: z.coerce.number().int().min(1).max(EXCHANGE_MAX_PAGES).default(1).catch(1),
});

export type ExchangeListQuery = Omit<z.infer<typeof listSchema>, 'page'>;

/** The filters as given (without the page): what links, the sort headers and the exports keep. */
export function parseExchangeQuery(rawQuery: unknown): { query: ExchangeListQuery; page: number } {
  const { page, ...query } = listSchema.parse(rawQuery ?? {});
  return { query, page };
}

function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function userOf(actor: Actor, ref: string | undefined): string | undefined {
  return ref === 'me' || ref === 'moi' ? actor.id : ref;
}

/** The query as the model's filters; `from` and `to` are whole days in Paris, both included. */
function filtersOf(actor: Actor, query: ExchangeListQuery): ExchangeListFilters {
  return {
    q: query.q || undefined,
    kind: query.kind,
    from: query.from ? startOfParisDay(query.from) : undefined,
    to: query.to ? startOfParisDay(nextDay(query.to)) : undefined,
    unitId: query.unit,
    authorId: userOf(actor, query.author),
    participantId: userOf(actor, query.participant),
    orgKind: query.orgKind,
    outcome: query.outcome,
    tag: query.tag || undefined,
    organizationId: query.organization,
    sort: query.sort,
    direction: query.dir,
  };
}

export type ExchangeListItem = ExchangeListRow & { organizations: Array<{ id: string; name: string }>; sourcingCase?: { label: string; href: string } | null };

export interface ExchangeListView {
  query: ExchangeListQuery;
  rows: ExchangeListItem[];
  /** Matches, counted up to COUNT_CAP (`capped`: more than that). */
  total: number;
  capped: boolean;
  page: number;
  pageCount: number;
  canCreate: boolean;
  canExport: boolean;
  canReview: boolean;
  /** The organisation of `?organization=`, named in the filters. */
  organization: { id: string; name: string } | null;
}

async function withOrganizations(ctx: ServiceContext, rows: ExchangeListRow[]): Promise<ExchangeListItem[]> {
  const names = byExchange(await organizationsOfExchanges(ctx.db, rows.map((row) => row.id)));
  // The sourcing case an exchange is about (issue 14), named to whoever may read it.
  const cases = ctx.actor ? await caseSubjectsOfExchanges(ctx.db, rows.map((row) => row.id), caseViewerOf(ctx.actor)) : new Map<string, CaseLabel>();
  return rows.map((row) => {
    const found = cases.get(row.id);
    return { ...row, organizations: names.get(row.id) ?? [], sourcingCase: found ? { label: caseSubjectLabel(found), href: `/sourcing/pistes/${found.id}` } : null };
  });
}

/** One page of the list, for the signed-in person. */
export async function listExchangesPage(ctx: ServiceContext, rawQuery: unknown): Promise<ExchangeListView> {
  assertCan(ctx.actor, 'exchanges.read');
  const actor = ctx.actor;
  const { query, page } = parseExchangeQuery(rawQuery);
  const [found, organization] = await Promise.all([
    listExchanges(ctx.db, actor, filtersOf(actor, query), { limit: EXCHANGE_PAGE_SIZE, offset: (page - 1) * EXCHANGE_PAGE_SIZE }),
    query.organization ? organizationLabels(ctx.db, [query.organization]).then((labels) => labels[0] ?? null) : Promise.resolve(null),
  ]);
  const capped = found.total > COUNT_CAP;
  const pageCount = capped ? EXCHANGE_MAX_PAGES : Math.max(1, Math.ceil(found.total / EXCHANGE_PAGE_SIZE));
  // Past the last page (a bookmark after deletions): the first page instead.
  if (page > 1 && found.rows.length === 0) return listExchangesPage(ctx, { ...query, page: 1 });
  return {
    query,
    rows: await withOrganizations(ctx, found.rows),
    total: capped ? COUNT_CAP : found.total,
    capped,
    page,
    pageCount,
    canCreate: can(actor, 'exchanges.edit'),
    canExport: can(actor, 'exchanges.export'),
    canReview: can(actor, 'exchanges.review'),
    organization,
  };
}

/** Choices of the filter form (cached reference lists). */
export async function exchangeFilterOptions(ctx: ServiceContext) {
  assertCan(ctx.actor, 'exchanges.read');
  const [kinds, units, users] = await Promise.all([cachedOrganizationKinds(ctx.db), cachedActiveUnits(ctx.db), cachedActiveUserOptions(ctx.db)]);
  return {
    kinds: EXCHANGE_KINDS.map((value) => ({ value, label: t(`exchanges.kinds.${value}`) })),
    outcomes: EXCHANGE_OUTCOMES.map((value) => ({ value, label: t(`exchanges.outcomes.${value}`) })),
    orgKinds: kinds.map((kind) => ({ value: kind.code, label: kind.label })),
    units: units.filter((unit) => !unit.archivedAt).map((unit) => ({ value: unit.id, label: unit.name })),
    users: users.map((user) => ({ value: user.id, label: user.displayName })),
    sorts: EXCHANGE_LIST_SORTS.map((value) => ({ value, label: t(`exchangeList.sorts.${value}`) })),
    directions: (['desc', 'asc'] as const).map((value) => ({ value, label: t(`exchangeList.directions.${value}`) })),
  };
}

// ── Exports ─────────────────────────────────────────────────────────────────────────────────

export type ExchangeExportItem = ExchangeExportRow & {
  organizations: string[];
  contacts: string[];
  participants: string[];
  units: string[];
};

/** Every row matching the filters, chunk after chunk by keyset (bounded memory, no deep OFFSET). */
async function* iterateExchanges(ctx: ServiceContext, actor: Actor, query: ExchangeListQuery): AsyncGenerator<ExchangeExportItem> {
  const filters = filtersOf(actor, query);
  if (filters.sort !== 'outcome') return yield* iterateChunks(ctx, actor, filters);
  // Sorted by outcome: one outcome after the other, each by date (no sort of every match per chunk).
  for (const arm of outcomeArms(filters)) yield* iterateChunks(ctx, actor, { ...filters, outcomeArm: arm, sort: 'date', direction: 'desc' });
}

async function* iterateChunks(ctx: ServiceContext, actor: Actor, filters: ExchangeListFilters): AsyncGenerator<ExchangeExportItem> {
  const erasedLabel = t('exchanges.erasedContact');
  let after: ExchangeKeyset | undefined;
  for (;;) {
    const rows = await exchangesAfter(ctx.db, actor, filters, EXPORT_CHUNK, after);
    if (rows.length === 0) return;
    const ids = rows.map((row) => row.id);
    const [organizations, contacts, participants, units] = await Promise.all([
      organizationsOfExchanges(ctx.db, ids),
      contactsOfExchanges(ctx.db, ids, erasedLabel),
      participantsOfExchanges(ctx.db, ids),
      unitsOfExchanges(ctx.db, ids),
    ]);
    const [byOrganization, byContact, byParticipant, byUnit] = [organizations, contacts, participants, units].map(byExchange) as [
      ReturnType<typeof byExchange>,
      ReturnType<typeof byExchange>,
      ReturnType<typeof byExchange>,
      ReturnType<typeof byExchange>,
    ];
    const names = (map: ReturnType<typeof byExchange>, id: string) => (map.get(id) ?? []).map((entry) => entry.name);
    for (const row of rows) {
      yield {
        ...row,
        organizations: names(byOrganization, row.id),
        contacts: names(byContact, row.id),
        participants: names(byParticipant, row.id),
        units: names(byUnit, row.id),
      };
    }
    if (rows.length < EXPORT_CHUNK) return;
    after = keysetOf(rows[rows.length - 1]!);
  }
}


/**
 * The filtered list as spreadsheet rows, for chargé, manager and admin ('exchanges.export').
 * Journaled once the rows are read (also when the download stops half-way), with the filters
 * used, the format and the row count, as the directory's exports are.
 */
export function exchangeExport(ctx: ServiceContext, rawQuery: unknown, format: SpreadsheetFormat) {
  assertCan(ctx.actor, 'exchanges.export');
  const { query } = parseExchangeQuery(rawQuery);
  const columns: Array<ExportColumn<ExchangeExportItem>> = [
    { key: 'occurredAt', label: t('exchangeList.export.occurredAt'), type: 'datetime' },
    { key: 'kind', label: t('exchangeList.kind'), format: (value) => t(`exchanges.kinds.${String(value)}`) },
    { key: 'summary', label: t('exchangeList.summary'), width: 50 },
    { key: 'organizations', label: t('exchangeList.organizations'), width: 40 },
    { key: 'contacts', label: t('exchangeList.export.contacts'), width: 30 },
    { key: 'participants', label: t('exchangeList.export.participants'), width: 30 },
    { key: 'authorName', label: t('exchangeList.author') },
    { key: 'outcome', label: t('exchangeList.outcome'), format: (value) => (value ? t(`exchanges.outcomes.${String(value)}`) : '') },
    { key: 'tags', label: t('exchangeList.tags') },
    { key: 'confidential', label: t('exchangeList.confidential'), format: (value) => (value ? t('common.yes') : t('common.no')) },
    { key: 'units', label: t('exchangeList.export.units') },
    { key: 'durationMinutes', label: t('exchangeList.export.durationMinutes'), type: 'number' },
    { key: 'place', label: t('exchangeList.export.place') },
    { key: 'notes', label: t('exchangeList.export.notes'), width: 60 },
    { key: 'id', label: 'Identifiant Passerelle' },
  ];
  return { columns, rows: journaled(ctx, 'exchange', query, format, iterateExchanges(ctx, ctx.actor, query)) };
}


// ── Retention review ─────────────────────────────────────────────────────────────────────────

const reviewSchema = z.object({ page: z.coerce.number().int().min(1).max(EXCHANGE_MAX_PAGES).default(1).catch(1) });

export interface RetentionReview {
  years: number;
  cutoff: Date;
  rows: ExchangeListItem[];
  total: number;
  capped: boolean;
  page: number;
  pageCount: number;
}

/** Exchanges older than the retention period (setting 'exchanges.retentionYears'), oldest first: managers and admins. */
export async function retentionReview(ctx: ServiceContext, rawQuery: unknown): Promise<RetentionReview> {
  assertCan(ctx.actor, 'exchanges.review');
  const { page } = reviewSchema.parse(rawQuery ?? {});
  const years = await readSetting(ctx.db, 'exchanges.retentionYears');
  const cutoff = new Date(ctx.now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  const found = await listExchangesBefore(ctx.db, ctx.actor, cutoff, { limit: EXCHANGE_PAGE_SIZE, offset: (page - 1) * EXCHANGE_PAGE_SIZE });
  if (page > 1 && found.rows.length === 0) return retentionReview(ctx, { page: 1 });
  const capped = found.total > COUNT_CAP;
  return {
    years,
    cutoff,
    rows: await withOrganizations(ctx, found.rows),
    total: capped ? COUNT_CAP : found.total,
    capped,
    page,
    pageCount: capped ? EXCHANGE_MAX_PAGES : Math.max(1, Math.ceil(found.total / EXCHANGE_PAGE_SIZE)),
  };
}

// ── GDPR access export ───────────────────────────────────────────────────────────────────────

/**
 * The exchanges where the person (or a record merged into theirs) is present, for the access
 * export (RGPD art. 15). All of them, confidential ones included: the export is made by an
 * admin or the DPO to answer the person, who is entitled to everything held on them.
 */
export const exchangesPersonalDataSection = {
  key: 'exchanges',
  titleKey: 'exchangeList.gdprSection',
  async load(db: ServiceContext['db'], person: { contactIds: string[] }): Promise<Array<Record<string, unknown>>> {
    const rows = await exchangesWithContacts(db, person.contactIds);
    const organizations = byExchange(await organizationsOfExchanges(db, rows.map((row) => row.id)));
    // Keys and values in words: the page lists them as « clé : valeur », the JSON file is read by the person.
    return rows.map((row) => ({
      [t('exchangeList.date')]: formatDateTime(row.occurredAt),
      [t('exchangeList.kind')]: t(`exchanges.kinds.${row.kind}`),
      [t('exchangeList.organizations')]: (organizations.get(row.id) ?? []).map((entry) => entry.name).join(', '),
      [t('exchangeList.export.place')]: row.place ?? '',
      [t('exchangeList.summary')]: row.summary,
      [t('exchangeList.export.notes')]: row.notes ?? '',
      [t('exchangeList.outcome')]: row.outcome ? t(`exchanges.outcomes.${row.outcome}`) : '',
      [t('exchangeList.author')]: row.authorName ?? '',
      [t('exchangeList.confidential')]: row.confidential ? t('common.yes') : t('common.no'),
    }));
  },
};
