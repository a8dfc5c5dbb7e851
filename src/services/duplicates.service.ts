// Possible duplicates of a record being created or edited: shared SIREN/SIRET, UAI, e-mail or
// website domain, or a very similar name (trigram similarity). A warning, never a block.
// Also the "Doublons probables" page: candidate pairs over the whole file, and dismissals.
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rowsOf } from '../models/database';
import { textArray } from '../models/sql-arrays';
import { ConflictError } from '../lib/errors';
import { t } from '../lib/i18n';
import { websiteDomain } from '../lib/identifiers';
import { parseInput } from '../lib/validation';
import {
  CONTACT_NAME_SIMILARITY,
  CONTACT_NAMES_AGREE,
  CONTACT_PAIR_REASONS,
  HINT_SCORE_CAP,
  ORGANIZATION_NAMES_AGREE,
  type ContactPairReason,
  type ContactPairRow,
  type DuplicateEntity,
  ORGANIZATION_NAME_SIMILARITY,
  ORGANIZATION_PAIR_REASONS,
  type OrganizationPairReason,
  type OrganizationPairRow,
  insertDismissal,
  listContactPairs,
  listOrganizationPairs,
} from '../models/duplicates.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { assertCan, can } from './permissions';


export interface DuplicateCandidate {
  id: string;
  label: string;
  href: string;
  score: number;
  reasons: string[];
}

/** « probable »: the names agree and something else matches; « hint »: an identifier is shared but the names differ. */
export type DuplicateVerdict = 'probable' | 'hint';

/** The numbers of a normalised name (lower case, no accents): « universite toulouse iii » → ['iii']. */
export function nameNumbers(searchName: string): string[] {
  return [...new Set([...searchName.matchAll(/\b([0-9]+|[ivx]{1,4})\b/g)].map((match) => match[1] as string))].sort();
}

export function numbersConflict(first: string[], second: string[]): boolean {
  return first.length > 0 && second.length > 0 && first.join(' ') !== second.join(' ');
}

/**
 * The list's weighing (src/models/duplicates.model.ts), for the warnings of the forms: where
 * the names agree, identifier points add up with the name's; otherwise the pair is a hint,
 * capped below a same-name pair.
 */
function weigh(identifierPoints: number, namePoints: number, similarity: number, namesAgree: boolean, conflict: boolean): number {
  if (namesAgree) return identifierPoints + namePoints;
  return Math.min(conflict ? HINT_SCORE_CAP - 20 : HINT_SCORE_CAP, 10 + Math.round(identifierPoints / 10) + Math.round(similarity * 20));
}

const differentNames = (reason: string) => t('duplicates.reasons.differentNames', { reason });

/** Names at least this similar (pg_trgm similarity, 0–1) are flagged. */
const NAME_SIMILARITY = 0.55;
const MAX_CANDIDATES = 5;

interface CandidateRow {
  id: string;
  name: string;
  same_siret: boolean;
  same_siren: boolean;
  shared_uai: string[] | null;
  same_email: boolean;
  same_domain: boolean;
  name_similarity: number;
  search_name: string;
  draft_name: string;
}

export async function findOrganizationDuplicates(
  ctx: ServiceContext,
  draft: { id?: string; name: string; siren?: string | null; siret?: string | null; otherSirets?: string[]; uai?: string[]; email?: string | null; website?: string | null },
): Promise<DuplicateCandidate[]> {
  const domain = draft.website ? websiteDomain(draft.website) : null;
  const uai = draft.uai ?? [];
  // Every SIRET of the draft against every SIRET of a record (its main one and its other establishments').
  const sirets = [...new Set([draft.siret, ...(draft.otherSirets ?? [])].filter((siret): siret is string => Boolean(siret)))];
  const result = await ctx.db.execute(sql`
    with draft as (select lower(immutable_unaccent(${draft.name})) as search_name)
    select o.id, o.name,
           (o.siret = any(${textArray(sirets)}) or o.other_sirets && ${textArray(sirets)}) as same_siret,
           (${draft.siren ?? null}::text is not null and o.siren = ${draft.siren ?? null}) as same_siren,
           (select array_agg(code) from unnest(o.uai) as code where code = any(${textArray(uai)})) as shared_uai,
           (${draft.email ?? null}::text is not null and o.email = ${draft.email ?? null}) as same_email,
           (${domain}::text is not null and o.website_domain = ${domain}) as same_domain,
           similarity(o.search_name, draft.search_name) as name_similarity,
           o.search_name, draft.search_name as draft_name
      from organizations o, draft
     where o.archived_at is null and o.merged_into_id is null
       and (${draft.id ?? null}::uuid is null or o.id <> ${draft.id ?? null}::uuid)
       and (   (cardinality(${textArray(sirets)}) > 0 and (o.siret = any(${textArray(sirets)}) or o.other_sirets && ${textArray(sirets)}))
            or (${draft.siren ?? null}::text is not null and o.siren = ${draft.siren ?? null})
            or (cardinality(${textArray(uai)}) > 0 and o.uai && ${textArray(uai)})
            or (${draft.email ?? null}::text is not null and o.email = ${draft.email ?? null})
            or (${domain}::text is not null and o.website_domain = ${domain})
            or (o.search_name % draft.search_name and similarity(o.search_name, draft.search_name) >= ${NAME_SIMILARITY}))
     limit 50`);
  return rowsOf<CandidateRow>(result)
    .map((row) => {
      const identifiers: string[] = [];
      let points = 0;
      const add = (reason: string, value: number) => {
        identifiers.push(reason);
        points += value;
      };
      if (row.same_siret) add(t('duplicateWarnings.sameSiret'), 100);
      else if (row.same_siren) add(t('duplicateWarnings.sameSiren'), 60);
      if (row.shared_uai?.length) add(t('duplicateWarnings.sameUai', { codes: row.shared_uai.join(', ') }), 90);
      if (row.same_email) add(t('duplicateWarnings.sameEmail'), 70);
      if (row.same_domain) add(t('duplicateWarnings.sameDomain', { domain: domain ?? '' }), 40);
      const similarity = Number(row.name_similarity);
      const [mine, theirs] = [nameNumbers(row.draft_name), nameNumbers(row.search_name)];
      const conflict = numbersConflict(mine, theirs);
      const sameName = row.draft_name === row.search_name;
      const agree = sameName || (similarity >= ORGANIZATION_NAMES_AGREE && !conflict);
      const reasons = agree ? identifiers : identifiers.map(differentNames);
      if (similarity >= NAME_SIMILARITY && !conflict) reasons.push(t('duplicateWarnings.similarName', { percent: Math.round(similarity * 100) }));
      if (conflict) reasons.push(numbersReason(similarity, mine, theirs));
      const score = weigh(points, sameName ? 50 : similarity >= NAME_SIMILARITY ? Math.round(similarity * 50) : 0, similarity, agree, conflict);
      return { id: row.id, label: row.name, href: `/structures/${row.id}`, score, reasons };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_CANDIDATES);
}

interface ContactCandidateRow {
  id: string;
  first_name: string;
  last_name: string;
  shared_emails: string[] | null;
  shared_phones: string[] | null;
  name_similarity: number;
  same_name: boolean;
}

export async function findContactDuplicates(
  ctx: ServiceContext,
  draft: { id?: string; firstName: string; lastName: string; emails: string[]; phones: string[] },
): Promise<DuplicateCandidate[]> {
  const result = await ctx.db.execute(sql`
    with draft as (select lower(immutable_unaccent(${draft.firstName} || ' ' || ${draft.lastName})) as search_name)
    select c.id, c.first_name, c.last_name,
           (select array_agg(e) from unnest(c.emails) as e where e = any(${textArray(draft.emails)})) as shared_emails,
           (select array_agg(p) from unnest(c.phones) as p where p = any(${textArray(draft.phones)})) as shared_phones,
           similarity(c.search_name, draft.search_name) as name_similarity,
           c.search_name = draft.search_name as same_name
      from contacts c, draft
     where c.archived_at is null and c.merged_into_id is null and c.erased_at is null
       and (${draft.id ?? null}::uuid is null or c.id <> ${draft.id ?? null}::uuid)
       and (   (cardinality(${textArray(draft.emails)}) > 0 and c.emails && ${textArray(draft.emails)})
            or (cardinality(${textArray(draft.phones)}) > 0 and c.phones && ${textArray(draft.phones)})
            or (c.search_name % draft.search_name and similarity(c.search_name, draft.search_name) >= 0.8))
     limit 50`);
  return rowsOf<ContactCandidateRow>(result)
    .map((row) => {
      const identifiers: string[] = [];
      let points = 0;
      const add = (reason: string, value: number) => {
        identifiers.push(reason);
        points += value;
      };
      if (row.shared_emails?.length) add(t('duplicateWarnings.sameContactEmail', { value: row.shared_emails.join(', ') }), 100);
      if (row.shared_phones?.length) add(t('duplicateWarnings.samePhone'), 60);
      const similarity = Number(row.name_similarity);
      const agree = row.same_name || similarity >= CONTACT_NAMES_AGREE;
      const reasons = agree ? identifiers : identifiers.map(differentNames);
      if (similarity >= 0.8) reasons.push(t('duplicateWarnings.similarName', { percent: Math.round(similarity * 100) }));
      const score = weigh(points, similarity >= 0.8 ? Math.round(similarity * 50) : 0, similarity, agree, false);
      return { id: row.id, label: `${row.first_name} ${row.last_name}`.trim(), href: `/contacts/${row.id}`, score, reasons };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_CANDIDATES);
}

// ── The "Doublons probables" page ────────────────────────────────────────────────────────────

export const PAIRS_PAGE_SIZE = 25;

const pairQuerySchema = z.object({
  type: z.enum(['structures', 'contacts']).default('structures').catch('structures'),
  motif: z.string().max(20).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});

export interface DuplicatePairView {
  firstId: string;
  secondId: string;
  first: { label: string; detail: string | null; href: string };
  second: { label: string; detail: string | null; href: string };
  score: number;
  reasons: string[];
  verdict: DuplicateVerdict;
  verdictLabel: string;
  mergeHref: string;
}

function numbersReason(similarity: number, first: string[], second: string[]): string {
  const show = (numbers: string[]) => numbers.map((number) => number.toUpperCase()).join(', ');
  return t('duplicates.reasons.numbersDiffer', { percent: Math.round(similarity * 100), first: show(first), second: show(second) });
}

/** Why a pair of organisations is proposed, in words: « Même UAI (0311383K), noms différents ». */
export function organizationReasons(row: OrganizationPairRow): string[] {
  const identifiers: string[] = [];
  if (row.same_siret) identifiers.push(t('duplicateWarnings.sameSiret'));
  else if (row.same_siren) identifiers.push(t('duplicateWarnings.sameSiren'));
  if (row.shared_uai.length > 0) identifiers.push(t('duplicateWarnings.sameUai', { codes: row.shared_uai.join(', ') }));
  if (row.same_email) identifiers.push(t('duplicateWarnings.sameEmail'));
  if (row.shared_domain) identifiers.push(t('duplicateWarnings.sameDomain', { domain: row.shared_domain }));
  const reasons = row.names_agree ? identifiers : identifiers.map(differentNames);
  const similarity = Number(row.name_similarity);
  if (row.same_name) reasons.push(t('duplicates.reasons.sameName'));
  else if (row.numbers_conflict) reasons.push(numbersReason(similarity, row.first_numbers, row.second_numbers));
  else if (similarity >= ORGANIZATION_NAME_SIMILARITY) reasons.push(t('duplicateWarnings.similarName', { percent: Math.round(similarity * 100) }));
  return reasons;
}

/** Why a pair of contacts is proposed, in words. */
export function contactReasons(row: ContactPairRow): string[] {
  const identifiers: string[] = [];
  if (row.shared_emails.length > 0) identifiers.push(t('duplicateWarnings.sameContactEmail', { value: row.shared_emails.join(', ') }));
  if (row.shared_phones.length > 0) identifiers.push(t('duplicateWarnings.samePhone'));
  const reasons = row.names_agree ? identifiers : identifiers.map(differentNames);
  const similarity = Number(row.name_similarity);
  if (row.shared_organization && row.same_name) reasons.push(t('duplicates.reasons.sameNameSameOrganization', { organization: row.shared_organization }));
  else if (row.shared_organization && similarity >= CONTACT_NAME_SIMILARITY) {
    reasons.push(t('duplicates.reasons.similarNameSameOrganization', { organization: row.shared_organization, percent: Math.round(similarity * 100) }));
  } else if (row.same_name) reasons.push(t('duplicates.reasons.sameName'));
  return reasons;
}

export function verdictOf(namesAgree: boolean): { verdict: DuplicateVerdict; verdictLabel: string } {
  const verdict: DuplicateVerdict = namesAgree ? 'probable' : 'hint';
  return { verdict, verdictLabel: t(`duplicates.verdicts.${verdict}`) };
}

/** One page of candidate pairs, best score first, for the entity type and reason asked. */
export async function listDuplicatePairsPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'directory.read');
  const parsed = pairQuerySchema.parse(rawQuery ?? {});
  const isOrganization = parsed.type === 'structures';
  const reasons: readonly string[] = isOrganization ? ORGANIZATION_PAIR_REASONS : CONTACT_PAIR_REASONS;
  const motif = parsed.motif && reasons.includes(parsed.motif) ? parsed.motif : undefined;
  const query = { type: parsed.type, motif, page: parsed.page };
  const window = { limit: PAIRS_PAGE_SIZE, offset: (parsed.page - 1) * PAIRS_PAGE_SIZE };
  let total = 0;
  let pairs: DuplicatePairView[];
  if (isOrganization) {
    const rows = await listOrganizationPairs(ctx.db, { reason: motif as OrganizationPairReason | undefined, ...window });
    total = rows[0]?.total ?? 0;
    pairs = rows.map((row) => ({
      firstId: row.first_id,
      secondId: row.second_id,
      first: { label: row.first_name, detail: row.first_city, href: `/structures/${row.first_id}` },
      second: { label: row.second_name, detail: row.second_city, href: `/structures/${row.second_id}` },
      score: Number(row.score),
      reasons: organizationReasons(row),
      ...verdictOf(row.names_agree),
      mergeHref: `/doublons/structures/${row.first_id}/${row.second_id}`,
    }));
  } else {
    const rows = await listContactPairs(ctx.db, { reason: motif as ContactPairReason | undefined, ...window });
    total = rows[0]?.total ?? 0;
    pairs = rows.map((row) => ({
      firstId: row.first_id,
      secondId: row.second_id,
      first: { label: row.first_name, detail: row.first_organization, href: `/contacts/${row.first_id}` },
      second: { label: row.second_name, detail: row.second_organization, href: `/contacts/${row.second_id}` },
      score: Number(row.score),
      reasons: contactReasons(row),
      ...verdictOf(row.names_agree),
      mergeHref: `/doublons/contacts/${row.first_id}/${row.second_id}`,
    }));
  }
  return {
    query,
    pairs,
    total,
    pageCount: Math.max(1, Math.ceil(total / PAIRS_PAGE_SIZE)),
    reasonChoices: reasons.map((value) => ({ value, label: t(`duplicates.reasonFilters.${value}`) })),
    canMerge: can(ctx.actor, 'directory.merge'),
  };
}

const dismissSchema = z.object({
  type: z.enum(['structures', 'contacts']),
  firstId: z.uuid(),
  secondId: z.uuid(),
});

/** "Pas un doublon": the pair leaves the list for everyone. */
export async function dismissPair(ctx: ServiceContext, input: unknown): Promise<{ type: 'structures' | 'contacts' }> {
  assertCan(ctx.actor, 'directory.merge');
  const values = parseInput(dismissSchema, input);
  if (values.firstId === values.secondId) throw new ConflictError(t('merges.sameRecord'));
  const [firstId, secondId] = [values.firstId.toLowerCase(), values.secondId.toLowerCase()].sort() as [string, string];
  const entityType: DuplicateEntity = values.type === 'structures' ? 'organization' : 'contact';
  const actor = ctx.actor;
  await inTransaction(ctx, async (tx) => {
    const inserted = await insertDismissal(tx, { entityType, firstId, secondId, dismissedById: actor.id });
    if (!inserted) return;
    await recordAudit(tx, ctx, {
      action: 'duplicates.dismissed',
      entityType,
      entityId: firstId,
      // On both records' timelines.
      metadata: { related: [secondId], secondId },
    });
  });
  return { type: values.type };
}
