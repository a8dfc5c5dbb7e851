// Directory search: the header's suggestions and the full results page. Everyone signed in may
// search (`directory.read`); archived, merged and erased records never show up (the model's
// statements leave them out). When no group shown finds anything, each is searched again by
// its typo pass (one word of the query may hold a slip: src/models/search.model.ts); a search
// that finds something in any group is answered by its first statements alone, so typo
// results never mix with exact ones and the common case pays nothing for them.
import { z } from 'zod';
import {
  type ContactHit,
  type ExchangeHit,
  type OrganizationHit,
  type ParsedSearchQuery,
  type SearchFilters,
  type SearchPass,
  EXCHANGE_SUGGESTION_COUNT_CAP,
  SUGGESTION_LIMIT,
  MAX_QUERY_LENGTH,
  parseSearchQuery,
  searchContacts,
  searchExchanges,
  searchOrganizations,
} from '../models/search.model';
import { COUNT_CAP } from '../models/exchange-list.model';
import type { Actor, ServiceContext } from './context';
import { assertCan, can } from './permissions';
import { cachedOrganizationKinds } from './reference-lists';

export const SEARCH_PAGE_SIZE = 20;
/** Results are ranked: nobody reads page 21, and deep offsets only cost. */
export const SEARCH_MAX_PAGES = 20;
/** Per group when both groups are shown on one page. */
export const SEARCH_GROUP_PREVIEW = 10;
/** Shorter input matches half the directory: not worth a query. */
export const SEARCH_MIN_LENGTH = 2;

export const SEARCH_TYPES = ['all', 'organizations', 'contacts', 'exchanges'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/**
 * INSEE regions (code officiel géographique 2024). A static list: it changes once a decade,
 * and reading the distinct codes of 50,000 organisations on every page would not be free.
 */
export const REGIONS: ReadonlyArray<{ code: string; name: string }> = [
  { code: '84', name: 'Auvergne-Rhône-Alpes' },
  { code: '27', name: 'Bourgogne-Franche-Comté' },
  { code: '53', name: 'Bretagne' },
  { code: '24', name: 'Centre-Val de Loire' },
  { code: '94', name: 'Corse' },
  { code: '44', name: 'Grand Est' },
  { code: '01', name: 'Guadeloupe' },
  { code: '03', name: 'Guyane' },
  { code: '32', name: 'Hauts-de-France' },
  { code: '11', name: 'Île-de-France' },
  { code: '04', name: 'La Réunion' },
  { code: '02', name: 'Martinique' },
  { code: '06', name: 'Mayotte' },
  { code: '28', name: 'Normandie' },
  { code: '75', name: 'Nouvelle-Aquitaine' },
  { code: '76', name: 'Occitanie' },
  { code: '52', name: 'Pays de la Loire' },
  { code: '93', name: "Provence-Alpes-Côte d'Azur" },
];

/** Unknown or malformed parameters fall back to their default: a bookmarked URL keeps working. */
const querySchema = z.object({
  q: z.string().max(500).catch('').default(''),
  type: z.enum(SEARCH_TYPES).catch('all').default('all'),
  kind: z.string().trim().regex(/^[a-z0-9_-]{1,50}$/).optional().catch(undefined),
  region: z.string().trim().regex(/^\d{2}$/).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(SEARCH_MAX_PAGES).default(1).catch(1),
});
export type SearchQuery = z.infer<typeof querySchema>;

function parseRequest(rawQuery: unknown): { query: SearchQuery; parsed: ParsedSearchQuery; tooShort: boolean } {
  const query = querySchema.parse(rawQuery ?? {});
  const parsed = parseSearchQuery(query.q);
  const tooShort = parsed.mode === 'empty' || parsed.text.length < SEARCH_MIN_LENGTH;
  return { query: { ...query, q: parsed.text }, parsed, tooShort };
}

export interface SearchSuggestions {
  q: string;
  tooShort: boolean;
  organizations: OrganizationHit[];
  organizationTotal: number;
  contacts: ContactHit[];
  contactTotal: number;
  /** Exchanges the person may read (confidential ones only inside their circle). */
  exchanges: ExchangeHit[];
  exchangeTotal: number;
  /** More than EXCHANGE_SUGGESTION_COUNT_CAP exchanges match (the total says « plus de »). */
  exchangesCapped: boolean;
}

/** Exchanges for the actor, or none without the permission. */
function exchangesFor(ctx: ServiceContext, actor: Actor, parsed: ParsedSearchQuery, window: { limit: number; offset: number }, countCap: number) {
  return can(actor, 'exchanges.read') ? searchExchanges(ctx.db, parsed, actor, window, countCap) : Promise.resolve({ rows: [], total: 0 });
}

/** Up to five organisations and five contacts, for the header box as one types. */
export async function suggest(ctx: ServiceContext, rawQuery: unknown): Promise<SearchSuggestions> {
  assertCan(ctx.actor, 'directory.read');
  const { parsed, tooShort } = parseRequest(rawQuery);
  if (tooShort) return { q: parsed.text, tooShort, organizations: [], organizationTotal: 0, contacts: [], contactTotal: 0, exchanges: [], exchangeTotal: 0, exchangesCapped: false };
  const window = { limit: SUGGESTION_LIMIT, offset: 0 };
  const search = (pass: SearchPass) =>
    Promise.all([searchOrganizations(ctx.db, parsed, {}, window, pass), searchContacts(ctx.db, parsed, {}, window, pass)]);
  // Exchanges have no typo pass: they are searched once, beside the directory's first statements.
  const [[firstOrganizations, firstContacts], exchanges] = await Promise.all([search('words'), exchangesFor(ctx, ctx.actor, parsed, window, EXCHANGE_SUGGESTION_COUNT_CAP)]);
  let [organizations, contacts] = [firstOrganizations, firstContacts];
  if (organizations.rows.length === 0 && contacts.rows.length === 0 && exchanges.rows.length === 0) [organizations, contacts] = await search('typo');
  return {
    q: parsed.text,
    tooShort,
    organizations: organizations.rows,
    organizationTotal: organizations.total,
    contacts: contacts.rows,
    contactTotal: contacts.total,
    exchanges: exchanges.rows,
    exchangeTotal: Math.min(exchanges.total, EXCHANGE_SUGGESTION_COUNT_CAP),
    exchangesCapped: exchanges.total > EXCHANGE_SUGGESTION_COUNT_CAP,
  };
}

export interface SearchGroup<T> {
  shown: boolean;
  rows: T[];
  total: number;
  /** More matches than the rows listed, on a page showing both groups. */
  hasMore: boolean;
}

export interface SearchResultsPage {
  query: SearchQuery;
  tooShort: boolean;
  organizations: SearchGroup<OrganizationHit>;
  contacts: SearchGroup<ContactHit>;
  exchanges: SearchGroup<ExchangeHit> & { capped: boolean };
  page: number;
  pageCount: number;
  filtered: boolean;
}

const HIDDEN = { shown: false, rows: [], total: 0, hasMore: false };
const HIDDEN_EXCHANGES = { ...HIDDEN, capped: false };

/**
 * The full page: both groups previewed (type=all) or one group paginated. Kind and region
 * filter organisations directly and contacts through their current organisation.
 */
export async function searchDirectory(ctx: ServiceContext, rawQuery: unknown): Promise<SearchResultsPage> {
  assertCan(ctx.actor, 'directory.read');
  const { query, parsed, tooShort } = parseRequest(rawQuery);
  const filters: SearchFilters = { kind: query.kind, region: query.region };
  const filtered = Boolean(query.kind || query.region);
  if (tooShort) return { query, tooShort, organizations: HIDDEN, contacts: HIDDEN, exchanges: HIDDEN_EXCHANGES, page: 1, pageCount: 1, filtered };

  const single = query.type !== 'all';
  const window = single
    ? { limit: SEARCH_PAGE_SIZE, offset: (query.page - 1) * SEARCH_PAGE_SIZE }
    : { limit: SEARCH_GROUP_PREVIEW, offset: 0 };
  const wanted = (type: SearchType) => query.type === 'all' || query.type === type;
  const search = (pass: SearchPass) =>
    Promise.all([
      wanted('organizations') ? searchOrganizations(ctx.db, parsed, filters, window, pass) : null,
      wanted('contacts') ? searchContacts(ctx.db, parsed, filters, window, pass) : null,
    ]);
  // Exchanges: no typo pass, and the directory's kind and region filters do not apply to them.
  const [[firstOrganizations, firstContacts], exchanges] = await Promise.all([
    search('words'),
    wanted('exchanges') ? exchangesFor(ctx, ctx.actor, parsed, window, COUNT_CAP) : Promise.resolve(null),
  ]);
  let [organizations, contacts] = [firstOrganizations, firstContacts];
  if (!organizations?.rows.length && !contacts?.rows.length && !exchanges?.rows.length && query.type !== 'exchanges') [organizations, contacts] = await search('typo');
  // Past the last page the window is empty and the count unknown: ask page 1 instead.
  const total = (organizations?.total ?? 0) + (contacts?.total ?? 0) + Math.min(exchanges?.total ?? 0, COUNT_CAP);
  if (single && query.page > 1 && total === 0) return searchDirectory(ctx, { ...query, page: 1 });

  const group = <T>(hits: { rows: T[]; total: number } | null): SearchGroup<T> =>
    hits ? { shown: true, rows: hits.rows, total: hits.total, hasMore: !single && hits.total > hits.rows.length } : HIDDEN;
  const pageCount = single ? Math.min(SEARCH_MAX_PAGES, Math.max(1, Math.ceil(total / SEARCH_PAGE_SIZE))) : 1;
  return {
    query,
    tooShort,
    organizations: group(organizations),
    contacts: group(contacts),
    exchanges: exchanges
      ? { ...group({ rows: exchanges.rows, total: Math.min(exchanges.total, COUNT_CAP) }), capped: exchanges.total > COUNT_CAP }
      : HIDDEN_EXCHANGES,
    page: single ? Math.min(query.page, pageCount) : 1,
    pageCount,
    filtered,
  };
}

/** Choices of the filter form. */
export async function searchFilterOptions(ctx: ServiceContext) {
  assertCan(ctx.actor, 'directory.read');
  // Inactive kinds too: records keep them, so searching by them must stay possible.
  const kinds = await cachedOrganizationKinds(ctx.db);
  return {
    kinds: kinds.map((kind) => ({ value: kind.code, label: kind.label })),
    regions: REGIONS.map((region) => ({ value: region.code, label: region.name })),
    maxLength: MAX_QUERY_LENGTH,
  };
}
