// Directory search: one ranked SQL statement per entity type, served by the GIN indexes on the
// generated columns `search_document` (full text, `fr_unaccent` = unaccent + French stemming)
// and `search_name` (accent- and case-free name, trigram ops).
//
// How a query matches (text mode), every word being required:
//   search_document @@ ((to_tsquery('fr_unaccent', 'w1') || to_tsquery('simple', 'w1:*')) && (… w2 …))
//       each word as its French stem (universités → universit) or, unstemmed, as the prefix of
//       an indexed word (as you type: 'univ' → université)
//   OR search_name %> 'w1' AND search_name %> 'w2'
//       each word close to a word of the name or acronym (typos: 'grenobel' → grenoble)
// Both sides are GIN-indexable, so PostgreSQL answers with a BitmapOr of two index scans and
// only visits the matching rows. Ranking, best first: exact acronym, exact name, ts_rank_cd
// (weights A name/acronym > B city/tags > C identifiers/emails > D description), then
// word_similarity (computed only for typo-only matches: it is the costly part), shorter
// names, name.
//
// One slip in a long name. `%>` holds at pg_trgm's word_similarity_threshold (0.6), and one
// wrong, missing or swapped letter in a 6–9 letter word scores 0.4–0.58 ('natinal' →
// national 0.55, 'remnes' → rennes 0.40): 'conservatoire natinal superieur de musique' found
// nothing. Lowering the threshold for every word would let short words match far too much
// ('paris' → parc 0.50, 'nantes' → nanterre 0.71), and the threshold is a setting (GUC), not
// an argument: changing it per statement costs a transaction and two more round trips. So
// when the statements above find nothing (the service sends it only when no group shown has
// a match: every search that finds something pays nothing more), a second statement, the
// typo pass, lets ONE word of 5+ letters be approximate while the others still match as words:
//   OR over each such word wi:
//     search_document @@ (every other word, as above)                  ← GIN (full text)
//     AND (search_name LIKE '%piece1%' OR … )                          ← GIN (trigrams)
//     AND (strict_word_similarity(wi, search_name) >= 0.4              ← a slip inside a word
//          OR word_similarity(wi, search_name) >= 0.5)                 ← a swap (wi of 7+ letters)
// The pieces (halves or thirds of wi, typoPieces()) are what one slip leaves whole: they let
// the trigram index narrow the rows too (BitmapAnd), so the similarity functions (several µs
// a row) only run on the rows both indexes kept. Without them 'lycee xxxxxx' filtered all
// 6,000 lycées of the 50,000-record bench directory (≈ 30 ms); with them, under 1 ms. The pass
// checks, beyond the first page, that the first statement matches nothing (`not exists`):
// a page past the last one of a normal search is empty too, and must not turn into typo
// results (on the first page, the empty first statement has already shown it). Contacts
// get the same pass, for queries of up to three words (a first and a last name).
//
// Why not the plain stemmed prefix `to_tsquery('fr_unaccent', 'w1:* & w2:*')`: the stemmer
// cuts words typed in full, and the prefix of a stem matches far too much ('marie' → 'mar':*
// finds Marennes, Mareuil, Marcq…). Why not plainto_tsquery()/websearch_to_tsquery(): they
// cannot express a prefix (`:*`), which the as-you-type box needs.
//
// User input never reaches the SQL text: every value is a bind parameter, and the words given
// to to_tsquery() are reduced to [a-z0-9] first, so they cannot carry tsquery operators.
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { rowsOf, type Database } from './database';
import { type ExchangeViewer, exchangeVisibleTo } from './exchange-visibility';

// ── Query parsing (pure) ────────────────────────────────────────────────────────────────────

export type SearchMode = 'empty' | 'text' | 'email' | 'siren' | 'siret' | 'uai';

export interface ParsedSearchQuery {
  mode: SearchMode;
  /** The input trimmed, whitespace collapsed, at most MAX_QUERY_LENGTH characters: compared (normalised in SQL) with names and acronyms. */
  text: string;
  /** Normalised words (lowercase, no accents), stop words dropped when other words remain. */
  words: string[];
  /** Words for trigram matching (typos); empty when the input is too short to be fuzzy about. */
  fuzzyWords: string[];
  /** Digits-only words ('lyon 2'): no trigrams to speak of, so the fuzzy side still requires them through the full text. */
  numberWords: string[];
  /** Words the typo pass may take as approximate, one at a time (5+ letters, and at least one other word to anchor it). */
  typoWords: string[];
  /** SIREN, SIRET or UAI, in the form they are stored. */
  identifier?: string;
  /** Email mode: a to_tsquery() string on the email lexeme and a LIKE pattern that checks the whole input. */
  email?: { tsquery: string; like: string };
}

export const MAX_QUERY_LENGTH = 100;
const MAX_WORDS = 8;
const MAX_WORD_LENGTH = 40;
/** Below this many characters a word has too few trigrams to be matched approximately. */
const MIN_FUZZY_WORD_LENGTH = 3;
/**
 * The typo pass's word: below 5 letters one slip leaves too little of it (4 letters sharing
 * their first two with any word score 0.4: 'lyon' → lycée).
 */
const MIN_TYPO_WORD_LENGTH = 5;
/** strict_word_similarity (whole words) at or above which one word of the typo pass matches. */
const TYPO_STRICT_SIMILARITY = 0.4;
/**
 * word_similarity (best part of a word: catches swapped letters, 'travial' → travail 0.5
 * where the strict one gives 0.33) at or above which a word of 7+ letters matches. Shorter
 * words only through the strict one: 0.5 is then just « same first three letters » ('rouwn'
 * → rousse as much as rouen, 'paris' → parc).
 */
const TYPO_PART_SIMILARITY = 0.5;
const MIN_TYPO_PART_WORD_LENGTH = 7;

/**
 * French stop words, normalised. PostgreSQL's `french` dictionary drops them too, but only
 * inside the full-text side; dropping them here also keeps them out of the trigram side
 * ('creps de toulouse' must not require a word close to 'de').
 */
const STOP_WORDS = new Set(
  (
    'a au aux avec c ce ces d dans de des du en et j l la le les leur leurs m ma mes mon n ne ni nos notre ' +
    'ou par pas pour qu que qui s sa se ses son sur t ta tes ton un une vos votre y'
  ).split(' '),
);

/** Lowercase, accents stripped, ligatures expanded: the JavaScript twin of SQL `search_normalize()`. */
export function normalizeSearchText(input: string): string {
  return input
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss');
}

const EMPTY: ParsedSearchQuery = { mode: 'empty', text: '', words: [], fuzzyWords: [], numberWords: [], typoWords: [] };

export function parseSearchQuery(input: unknown): ParsedSearchQuery {
  if (typeof input !== 'string') return EMPTY;
  const text = input.replace(/\s+/g, ' ').trim().slice(0, MAX_QUERY_LENGTH).trim();
  if (!text) return EMPTY;
  const base = { ...EMPTY, text };

  const compact = text.replace(/\s/g, '');
  if (/^\d{14}$/.test(compact)) return { ...base, mode: 'siret', identifier: compact };
  if (/^\d{9}$/.test(compact)) return { ...base, mode: 'siren', identifier: compact };
  if (/^\d{7}[a-z]$/i.test(compact)) return { ...base, mode: 'uai', identifier: compact.toUpperCase() };

  if (text.includes('@')) {
    const email = normalizeSearchText(compact).replace(/[^a-z0-9._%+@-]/g, '');
    const at = email.indexOf('@');
    const local = email.slice(0, at);
    if (at > 0) {
      // A complete address is one lexeme of the `simple` tsvector; an incomplete one (typed so
      // far) is searched by its local part as a prefix, and the LIKE rechecks the rest.
      const complete = /^[^@]+@[^@.]+(\.[^@.]+)+$/.test(email);
      return {
        ...base,
        mode: 'email',
        email: { tsquery: `'${complete ? email : local}':*`, like: `%${escapeLike(email)}%` },
      };
    }
  }

  const all = [...new Set(normalizeSearchText(text).replace(/[^a-z0-9]+/g, ' ').trim().split(' '))]
    .filter(Boolean)
    .map((word) => word.slice(0, MAX_WORD_LENGTH))
    .slice(0, MAX_WORDS);
  if (all.length === 0) return EMPTY;
  const meaningful = all.filter((word) => !STOP_WORDS.has(word));
  const words = meaningful.length > 0 ? meaningful : all;
  const lettered = words.filter((word) => /[a-z]/.test(word));
  // A word still being typed ('universite ly') is too short to be approximated: no fuzzy side
  // then, or it would widen the match to every 'universite'.
  const fuzzyWords = lettered.length > 0 && lettered.every((word) => word.length >= MIN_FUZZY_WORD_LENGTH) ? lettered : [];
  const numberWords = fuzzyWords.length > 0 ? words.filter((word) => !/[a-z]/.test(word)) : [];
  const typoWords = words.length > 1 ? lettered.filter((word) => word.length >= MIN_TYPO_WORD_LENGTH) : [];
  return { ...base, mode: 'text', words, fuzzyWords, numberWords, typoWords };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (character) => `\\${character}`);
}

// ── Statements ──────────────────────────────────────────────────────────────────────────────

export interface SearchFilters {
  /** organization_kinds.code */
  kind?: string;
  /** INSEE region code */
  region?: string;
}

export interface SearchWindow {
  limit: number;
  offset: number;
}

/** Weights for ts_rank_cd, in PostgreSQL's order {D, C, B, A}. */
const RANK_WEIGHTS = sql.raw(`'{0.1, 0.2, 0.4, 1.0}'::real[]`);

/** Every word, as its French stem or as the unstemmed prefix of an indexed word (see the top of the file). */
function wordsQuery(words: string[]): SQL {
  return sql.join(
    words.map((word) => sql`(to_tsquery('fr_unaccent', ${word}) || to_tsquery('simple', ${`${word}:*`}))`),
    sql` && `,
  );
}

/** Table aliases: `o`/`c` the searched rows, `g` the same table in the typo pass's `not exists`. */
type Alias = 'o' | 'c' | 'g';

function fuzzyCondition(alias: Alias, parsed: ParsedSearchQuery): SQL | null {
  if (parsed.fuzzyWords.length === 0) return null;
  const conditions = parsed.fuzzyWords.map((word) => sql`${sql.raw(alias)}.search_name %> ${word}`);
  if (parsed.numberWords.length > 0) conditions.push(sql`${sql.raw(alias)}.search_document @@ (${wordsQuery(parsed.numberWords)})`);
  return sql.join(conditions, sql` and `);
}

/** Text mode, first statement: every word as a word, or every word close to a word of the name. */
function wordsCondition(alias: Alias, parsed: ParsedSearchQuery): SQL {
  const fts = sql`${sql.raw(alias)}.search_document @@ (${wordsQuery(parsed.words)})`;
  const fuzzy = fuzzyCondition(alias, parsed);
  return fuzzy ? sql`(${fts} or (${fuzzy}))` : fts;
}

/**
 * Pieces of a word such that one slip (a wrong, missing, extra or swapped letter) leaves at
 * least one of them whole: halves, thirds from 9 letters on (a swap across the cut between
 * halves breaks both; across a cut between thirds, the third piece is whole). 5 letters: its
 * first and last three, so a slip on the middle letter is not forgiven. Every piece has 3+
 * letters, i.e. at least one trigram: `search_name like '%piece%'` is a trigram index scan.
 */
export function typoPieces(word: string): string[] {
  if (word.length < 6) return [word.slice(0, 3), word.slice(-3)];
  const parts = word.length >= 9 ? 3 : 2;
  return Array.from({ length: parts }, (_, index) =>
    word.slice(Math.round((index * word.length) / parts), Math.round(((index + 1) * word.length) / parts)),
  );
}

/** Text mode, typo pass: all words but one as words, that one close to a word of the name (see the top of the file). */
function typoCondition(alias: Alias, parsed: ParsedSearchQuery): SQL {
  const table = sql.raw(alias);
  const arms = parsed.typoWords.map((word) => {
    const others = parsed.words.filter((other) => other !== word);
    const pieces = sql.join(
      typoPieces(word).map((piece) => sql`${table}.search_name like ${`%${escapeLike(piece)}%`}`),
      sql` or `,
    );
    const strict = sql`strict_word_similarity(${word}, ${table}.search_name) >= ${sql.raw(String(TYPO_STRICT_SIMILARITY))}`;
    const close =
      word.length >= MIN_TYPO_PART_WORD_LENGTH
        ? sql`(${strict} or word_similarity(${word}, ${table}.search_name) >= ${sql.raw(String(TYPO_PART_SIMILARITY))})`
        : strict;
    return sql`(${table}.search_document @@ (${wordsQuery(others)}) and (${pieces}) and ${close})`;
  });
  return sql`(${sql.join(arms, sql` or `)})`;
}

/**
 * A person is looked for by first and last name: the contacts' typo pass is for queries of
 * up to 3 words. Longer ones are organisation names or job titles, which would make it a
 * scan of several full-text words over 250,000 contacts (5–25 ms on the bench directory)
 * on nearly every organisation search, whose contacts side finds nothing.
 */
const MAX_CONTACT_TYPO_WORDS = 3;

/** Whether a query that found nothing gets a typo pass. */
export function toleratesTypo(parsed: ParsedSearchQuery, entity: 'organizations' | 'contacts'): boolean {
  if (parsed.mode !== 'text' || parsed.typoWords.length === 0) return false;
  return entity === 'organizations' || parsed.words.length <= MAX_CONTACT_TYPO_WORDS;
}

/**
 * `words`: the normal search; `typo`: the second statement, only meaningful after the first
 * returned no row for the same window (on the first page it does not check that again).
 */
export type SearchPass = 'words' | 'typo';

interface Match {
  where: SQL;
  rank: SQL;
  similarity: SQL;
}

const NO_SCORE = { rank: sql`0::real`, similarity: sql`0::real` };

/**
 * The typo pass's score: full-text rank on any of the words (the exact ones; a name word
 * weighs more than a city), then the whole input's word similarity to the name.
 */
function typoMatch(alias: 'o' | 'c', parsed: ParsedSearchQuery, window: SearchWindow, live: (alias: Alias, where: SQL) => SQL): Match {
  const table = sql.raw(alias);
  const anyWord = sql.join(
    parsed.words.map((word) => sql`(to_tsquery('fr_unaccent', ${word}) || to_tsquery('simple', ${`${word}:*`}))`),
    sql` || `,
  );
  // On the first page, the empty first statement already proved that nothing matches every
  // word; further on, an empty page may only mean « past the last one »: check.
  const typo = typoCondition(alias, parsed);
  return {
    where: window.offset > 0 ? sql`${typo} and not exists (${live('g', wordsCondition('g', parsed))})` : typo,
    rank: sql`ts_rank_cd(${RANK_WEIGHTS}, ${table}.search_document, ${anyWord})`,
    similarity: sql`word_similarity(search_normalize(${parsed.text}), ${table}.search_name)`,
  };
}

/** Live organisations (not archived, not merged) matching `where` and the filters. */
function organizationConditions(alias: Alias, where: SQL, filters: SearchFilters): SQL {
  const table = sql.raw(alias);
  const conditions = [where, sql`${table}.archived_at is null`, sql`${table}.merged_into_id is null`];
  if (filters.kind) conditions.push(sql`${table}.kind_code = ${filters.kind}`);
  if (filters.region) conditions.push(sql`${table}.region_code = ${filters.region}`);
  return sql.join(conditions, sql` and `);
}

function organizationMatch(parsed: ParsedSearchQuery, filters: SearchFilters, window: SearchWindow, pass: SearchPass): Match {
  if (pass === 'typo') {
    if (!toleratesTypo(parsed, 'organizations')) return { where: sql`false`, ...NO_SCORE };
    return typoMatch('o', parsed, window, (alias, where) => sql`select 1 from organizations ${sql.raw(alias)} where ${organizationConditions(alias, where, filters)}`);
  }
  switch (parsed.mode) {
    case 'siren':
      return { where: sql`o.siren = ${parsed.identifier}`, ...NO_SCORE };
    case 'siret':
      return { where: sql`o.siret = ${parsed.identifier}`, ...NO_SCORE };
    case 'uai':
      return { where: sql`o.uai @> array[${parsed.identifier}]::text[]`, ...NO_SCORE };
    case 'email':
      return {
        where: sql`(o.search_document @@ to_tsquery('simple', ${parsed.email?.tsquery}) and lower(o.email) like ${parsed.email?.like})`,
        ...NO_SCORE,
      };
    case 'text': {
      const query = wordsQuery(parsed.words);
      const fts = sql`o.search_document @@ (${query})`;
      return {
        where: wordsCondition('o', parsed),
        rank: sql`ts_rank_cd(${RANK_WEIGHTS}, o.search_document, ${query})`,
        similarity: sql`case when ${fts} then 1 else word_similarity(search_normalize(${parsed.text}), o.search_name) end`,
      };
    }
    case 'empty':
      return { where: sql`false`, ...NO_SCORE };
  }
}

/** Live contacts (not archived, merged or erased) matching `where`; the filters keep those currently attached to a matching organisation. */
function contactConditions(alias: Alias, where: SQL, filters: SearchFilters): SQL {
  const table = sql.raw(alias);
  const conditions = [where, sql`${table}.archived_at is null`, sql`${table}.merged_into_id is null`, sql`${table}.erased_at is null`];
  if (filters.kind || filters.region) {
    const orgConditions = [sql`fa.contact_id = ${table}.id`, sql`fa.end_date is null`];
    if (filters.kind) orgConditions.push(sql`fo.kind_code = ${filters.kind}`);
    if (filters.region) orgConditions.push(sql`fo.region_code = ${filters.region}`);
    conditions.push(
      sql`exists (select 1 from affiliations fa join organizations fo on fo.id = fa.organization_id where ${sql.join(orgConditions, sql` and `)})`,
    );
  }
  return sql.join(conditions, sql` and `);
}

/**
 * Contacts' names are indexed with the `simple` configuration (a surname is not a French
 * word) and job titles and tags with `fr_unaccent`: the same per-word query fits both.
 */
function contactMatch(parsed: ParsedSearchQuery, filters: SearchFilters, window: SearchWindow, pass: SearchPass): Match {
  if (pass === 'typo') {
    if (!toleratesTypo(parsed, 'contacts')) return { where: sql`false`, ...NO_SCORE };
    return typoMatch('c', parsed, window, (alias, where) => sql`select 1 from contacts ${sql.raw(alias)} where ${contactConditions(alias, where, filters)}`);
  }
  switch (parsed.mode) {
    case 'email':
      return {
        where: sql`(c.search_document @@ to_tsquery('simple', ${parsed.email?.tsquery}) and lower(immutable_text_list(c.emails)) like ${parsed.email?.like})`,
        ...NO_SCORE,
      };
    case 'text': {
      const query = wordsQuery(parsed.words);
      const fts = sql`c.search_document @@ (${query})`;
      return {
        where: wordsCondition('c', parsed),
        rank: sql`ts_rank_cd(${RANK_WEIGHTS}, c.search_document, ${query})`,
        similarity: sql`case when ${fts} then 1 else word_similarity(search_normalize(${parsed.text}), c.search_name) end`,
      };
    }
    default:
      // Identifiers belong to organisations; an empty query matches nothing.
      return { where: sql`false`, ...NO_SCORE };
  }
}

/** The organisations statement: ranked page of matches plus the total, in one round trip. */
export function organizationSearchStatement(parsed: ParsedSearchQuery, filters: SearchFilters, window: SearchWindow, pass: SearchPass = 'words'): SQL {
  const { where, rank, similarity } = organizationMatch(parsed, filters, window, pass);
  // The window count sits in its own subquery so the ORDER BY … LIMIT above it is a top-N
  // heapsort rather than a full sort of every match; kind labels are joined after the LIMIT.
  return sql`select r.id, r.name, r.acronym, r.city, r.department_code as "departmentCode", r.status,
    k.label as "kindLabel", r.total
  from (
    select * from (
      select o.id, o.name, o.acronym, o.kind_code, o.city, o.department_code, o.status,
        (count(*) over ())::int as total,
        coalesce(search_normalize(o.acronym) = search_normalize(${parsed.text}), false) as exact_acronym,
        o.search_name = search_normalize(${parsed.text}) || ' ' || coalesce(search_normalize(o.acronym), '') as exact_name,
        ${rank} as rank,
        ${similarity} as similarity
      from organizations o
      where ${organizationConditions('o', where, filters)}
    ) m
    order by exact_acronym desc, exact_name desc, rank desc, similarity desc, length(name), name, id
    limit ${window.limit} offset ${window.offset}
  ) r
  join organization_kinds k on k.code = r.kind_code
  order by r.exact_acronym desc, r.exact_name desc, r.rank desc, r.similarity desc, length(r.name), r.name, r.id`;
}

/** The contacts statement; `filters` keep contacts currently attached to a matching organisation. */
export function contactSearchStatement(parsed: ParsedSearchQuery, filters: SearchFilters, window: SearchWindow, pass: SearchPass = 'words'): SQL {
  const { where, rank, similarity } = contactMatch(parsed, filters, window, pass);
  // The current organisation (primary first) is looked up after the LIMIT.
  return sql`select r.id, r.first_name as "firstName", r.last_name as "lastName", r.job_title as "jobTitle", r.total,
    org.id as "organizationId", org.name as "organizationName"
  from (
    select * from (
      select c.id, c.first_name, c.last_name, c.job_title,
        (count(*) over ())::int as total,
        c.search_name = search_normalize(${parsed.text}) as exact_name,
        ${rank} as rank,
        ${similarity} as similarity
      from contacts c
      where ${contactConditions('c', where, filters)}
    ) m
    order by exact_name desc, rank desc, similarity desc, last_name, first_name, id
    limit ${window.limit} offset ${window.offset}
  ) r
  left join lateral (
    select o.id, o.name from affiliations a join organizations o on o.id = a.organization_id
    where a.contact_id = r.id and a.end_date is null and o.archived_at is null and o.merged_into_id is null
    order by a.is_primary desc, a.start_date desc nulls last
    limit 1
  ) org on true
  order by r.exact_name desc, r.rank desc, r.similarity desc, r.last_name, r.first_name, r.id`;
}

/**
 * Exchanges (issue 12): the same words (French stem, or prefix as one types) over the summary
 * (A), tags (B) and notes (C), only those `viewer` may read (exchangeVisibleTo, over the
 * unaliased table), most recent first — an exchange is looked for by what was said and when,
 * and ranking every match of a common word among a million exchanges would cost more than
 * the box can wait. The total stops at `countCap + 1` (« plus de … »), counted in date order (a
 * common word walks the date index up to the cap rather than building the bitmap of every
 * match: ~70,000 for one word of the bench data). Text mode only:
 * identifiers and addresses belong to the directory.
 */
export function exchangeSearchStatement(parsed: ParsedSearchQuery, viewer: ExchangeViewer, window: SearchWindow, countCap: number): SQL {
  const where = sql`exchanges.search_document @@ (${wordsQuery(parsed.words)}) and ${exchangeVisibleTo(viewer)}`;
  return sql`select e.id, e.summary, e.kind, e.occurred_at as "occurredAt", e.confidential,
    (select count(*)::int from (select 1 from exchanges where ${where} order by exchanges.occurred_at desc, exchanges.id desc limit ${countCap + 1}) capped) as total
  from (
    select exchanges.id, exchanges.summary, exchanges.kind, exchanges.occurred_at, exchanges.confidential
    from exchanges
    where ${where}
    order by exchanges.occurred_at desc, exchanges.id desc
    limit ${window.limit} offset ${window.offset}
  ) e
  order by e.occurred_at desc, e.id desc`;
}

// ── Running them ────────────────────────────────────────────────────────────────────────────

export interface OrganizationHit {
  id: string;
  name: string;
  acronym: string | null;
  city: string | null;
  departmentCode: string | null;
  status: string;
  kindLabel: string;
}

export interface ContactHit {
  id: string;
  firstName: string;
  lastName: string;
  jobTitle: string | null;
  organizationId: string | null;
  organizationName: string | null;
}

export interface ExchangeHit {
  id: string;
  summary: string;
  kind: string;
  occurredAt: Date;
  confidential: boolean;
}

export interface SearchHits<T> {
  rows: T[];
  total: number;
}

async function run<T>(db: Database, statement: SQL): Promise<SearchHits<T>> {
  const rows = rowsOf<T & { total: number }>(await db.execute(statement));
  const total = Number(rows[0]?.total ?? 0);
  return { rows: rows.map(({ total: _total, ...row }) => row as unknown as T), total };
}

/** No query worth running: skip the round trip. */
function nothingToMatch(parsed: ParsedSearchQuery, entity: 'organizations' | 'contacts'): boolean {
  if (parsed.mode === 'empty') return true;
  return entity === 'contacts' && (parsed.mode === 'siren' || parsed.mode === 'siret' || parsed.mode === 'uai');
}

/** `pass: 'typo'` only after the words pass found nothing (see SearchPass); without a typo word it sends nothing. */
export async function searchOrganizations(
  db: Database,
  parsed: ParsedSearchQuery,
  filters: SearchFilters,
  window: SearchWindow,
  pass: SearchPass = 'words',
): Promise<SearchHits<OrganizationHit>> {
  if (nothingToMatch(parsed, 'organizations') || (pass === 'typo' && !toleratesTypo(parsed, 'organizations'))) return { rows: [], total: 0 };
  return run<OrganizationHit>(db, organizationSearchStatement(parsed, filters, window, pass));
}

export async function searchContacts(
  db: Database,
  parsed: ParsedSearchQuery,
  filters: SearchFilters,
  window: SearchWindow,
  pass: SearchPass = 'words',
): Promise<SearchHits<ContactHit>> {
  if (nothingToMatch(parsed, 'contacts') || (pass === 'typo' && !toleratesTypo(parsed, 'contacts'))) return { rows: [], total: 0 };
  return run<ContactHit>(db, contactSearchStatement(parsed, filters, window, pass));
}

/** Exchanges matching every word, for `viewer`; total capped at countCap + 1. Nothing outside text mode. */
export async function searchExchanges(db: Database, parsed: ParsedSearchQuery, viewer: ExchangeViewer, window: SearchWindow, countCap: number): Promise<SearchHits<ExchangeHit>> {
  if (parsed.mode !== 'text') return { rows: [], total: 0 };
  const result = await run<ExchangeHit & { occurredAt: Date | string }>(db, exchangeSearchStatement(parsed, viewer, window, countCap));
  // A raw statement returns timestamps as text on some drivers: one type for the views.
  return { total: result.total, rows: result.rows.map((row) => ({ ...row, occurredAt: new Date(row.occurredAt) })) };
}

export const SUGGESTION_LIMIT = 5;
/** The header box counts exchanges up to here (« Échanges (plus de 100) »): a count per keystroke must stay cheap. */
export const EXCHANGE_SUGGESTION_COUNT_CAP = 100;

const dialect = new PgDialect();

export interface RawStatement {
  text: string;
  params: unknown[];
  /** Its typo pass: sent (all of them in parallel) when none of the statements returned a row. */
  fallback?: { text: string; params: unknown[] };
}

/**
 * The exact statements the suggestions box sends for `q` (organisations, then contacts, then
 * exchanges as `exchanges.viewer` may read them; the app runs them in parallel, then the typo passes when none found anything: see
 * suggest() in src/services/search.service.ts), as `{ text, params }` for `pg`:
 * bench/run-directory.ts replays them as the raw-SQL baseline of GET /recherche/suggestions.
 */
export function searchSuggestionsSql(
  q: string,
  limit = SUGGESTION_LIMIT,
  exchanges: { viewer: ExchangeViewer; countCap: number } = { viewer: { id: '00000000-0000-4000-8000-000000000000', roles: ['lecteur'], unitIds: [] }, countCap: EXCHANGE_SUGGESTION_COUNT_CAP },
): RawStatement[] {
  const parsed = parseSearchQuery(q);
  const window = { limit, offset: 0 };
  const toQuery = (statement: SQL) => {
    const query = dialect.sqlToQuery(statement);
    return { text: query.sql, params: query.params };
  };
  const statements: RawStatement[] = [];
  if (!nothingToMatch(parsed, 'organizations')) {
    statements.push({
      ...toQuery(organizationSearchStatement(parsed, {}, window)),
      ...(toleratesTypo(parsed, 'organizations') ? { fallback: toQuery(organizationSearchStatement(parsed, {}, window, 'typo')) } : {}),
    });
  }
  if (!nothingToMatch(parsed, 'contacts')) {
    statements.push({
      ...toQuery(contactSearchStatement(parsed, {}, window)),
      ...(toleratesTypo(parsed, 'contacts') ? { fallback: toQuery(contactSearchStatement(parsed, {}, window, 'typo')) } : {}),
    });
  }
  if (parsed.mode === 'text') statements.push(toQuery(exchangeSearchStatement(parsed, exchanges.viewer, window, exchanges.countCap)));
  return statements;
}
