// Possible duplicates of a record being created or edited: shared SIREN/SIRET, UAI, e-mail or
// website domain, or a very similar name (trigram similarity). A warning, never a block.
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf } from '../lib/database';
import { t } from '../lib/i18n';
import { websiteDomain } from '../lib/identifiers';
import type { ServiceContext } from './context';

/** A text[] parameter (drizzle would otherwise expand a JS array into a row of values). */
function textArray(items: readonly string[]): SQL {
  return items.length === 0 ? sql`'{}'::text[]` : sql`array[${sql.join(items.map((item) => sql`${item}`), sql`, `)}]::text[]`;
}

export interface DuplicateCandidate {
  id: string;
  label: string;
  href: string;
  score: number;
  reasons: string[];
}

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
}

export async function findOrganizationDuplicates(
  ctx: ServiceContext,
  draft: { id?: string; name: string; siren?: string | null; siret?: string | null; uai?: string[]; email?: string | null; website?: string | null },
): Promise<DuplicateCandidate[]> {
  const domain = draft.website ? websiteDomain(draft.website) : null;
  const uai = draft.uai ?? [];
  const result = await ctx.db.execute(sql`
    with draft as (select lower(immutable_unaccent(${draft.name})) as search_name)
    select o.id, o.name,
           (${draft.siret ?? null}::text is not null and o.siret = ${draft.siret ?? null}) as same_siret,
           (${draft.siren ?? null}::text is not null and o.siren = ${draft.siren ?? null}) as same_siren,
           (select array_agg(code) from unnest(o.uai) as code where code = any(${textArray(uai)})) as shared_uai,
           (${draft.email ?? null}::text is not null and o.email = ${draft.email ?? null}) as same_email,
           (${domain}::text is not null and o.website_domain = ${domain}) as same_domain,
           similarity(o.search_name, draft.search_name) as name_similarity
      from organizations o, draft
     where o.archived_at is null and o.merged_into_id is null
       and (${draft.id ?? null}::uuid is null or o.id <> ${draft.id ?? null}::uuid)
       and (   (${draft.siret ?? null}::text is not null and o.siret = ${draft.siret ?? null})
            or (${draft.siren ?? null}::text is not null and o.siren = ${draft.siren ?? null})
            or (cardinality(${textArray(uai)}) > 0 and o.uai && ${textArray(uai)})
            or (${draft.email ?? null}::text is not null and o.email = ${draft.email ?? null})
            or (${domain}::text is not null and o.website_domain = ${domain})
            or (o.search_name % draft.search_name and similarity(o.search_name, draft.search_name) >= ${NAME_SIMILARITY}))
     limit 50`);
  return rowsOf<CandidateRow>(result)
    .map((row) => {
      const reasons: string[] = [];
      let score = 0;
      const add = (reason: string, points: number) => {
        reasons.push(reason);
        score += points;
      };
      if (row.same_siret) add(t('duplicateWarnings.sameSiret'), 100);
      else if (row.same_siren) add(t('duplicateWarnings.sameSiren'), 60);
      if (row.shared_uai?.length) add(t('duplicateWarnings.sameUai', { codes: row.shared_uai.join(', ') }), 90);
      if (row.same_email) add(t('duplicateWarnings.sameEmail'), 70);
      if (row.same_domain) add(t('duplicateWarnings.sameDomain', { domain: domain ?? '' }), 40);
      const similarity = Number(row.name_similarity);
      if (similarity >= NAME_SIMILARITY) add(t('duplicateWarnings.similarName', { percent: Math.round(similarity * 100) }), Math.round(similarity * 50));
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
           similarity(c.search_name, draft.search_name) as name_similarity
      from contacts c, draft
     where c.archived_at is null and c.merged_into_id is null and c.erased_at is null
       and (${draft.id ?? null}::uuid is null or c.id <> ${draft.id ?? null}::uuid)
       and (   (cardinality(${textArray(draft.emails)}) > 0 and c.emails && ${textArray(draft.emails)})
            or (cardinality(${textArray(draft.phones)}) > 0 and c.phones && ${textArray(draft.phones)})
            or (c.search_name % draft.search_name and similarity(c.search_name, draft.search_name) >= 0.8))
     limit 50`);
  return rowsOf<ContactCandidateRow>(result)
    .map((row) => {
      const reasons: string[] = [];
      let score = 0;
      const add = (reason: string, points: number) => {
        reasons.push(reason);
        score += points;
      };
      if (row.shared_emails?.length) add(t('duplicateWarnings.sameContactEmail', { value: row.shared_emails.join(', ') }), 100);
      if (row.shared_phones?.length) add(t('duplicateWarnings.samePhone'), 60);
      const similarity = Number(row.name_similarity);
      if (similarity >= 0.8) add(t('duplicateWarnings.similarName', { percent: Math.round(similarity * 100) }), Math.round(similarity * 50));
      return { id: row.id, label: `${row.first_name} ${row.last_name}`.trim(), href: `/contacts/${row.id}`, score, reasons };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_CANDIDATES);
}
