// SQL for the "Doublons probables" list: candidate pairs of organisations or contacts, scored,
// minus the pairs people dismissed as "not a duplicate".
//
// Cost on 50,000 organisations / 250,000 contacts: the exact keys (SIREN/SIRET, UAI, e-mail,
// website domain, identical name) are hash joins over the table, tens of milliseconds. A
// trigram comparison of every organisation against all others is not: measured at 5–30 ms per
// record through the GIN index on 50,000 bench-like names (4 to 25 minutes for the whole
// table), so similar names are compared once per change, in the background: the
// `duplicates.scan` job (scanOrganizationNames below) compares each organisation created or
// edited since its last pass with the whole table and keeps the pairs in duplicate_name_pairs.
// The list reads those pairs, plus a live pass over the few most recently changed records so a
// duplicate typed a second ago shows before the next scan (50 records ≈ 0.3–1.2 s).
import { sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database } from './database';
import { duplicateDismissals } from './schema';

export type DuplicateEntity = 'organization' | 'contact';

export const ORGANIZATION_PAIR_REASONS = ['identifiant', 'uai', 'courriel', 'site', 'nom'] as const;
export type OrganizationPairReason = (typeof ORGANIZATION_PAIR_REASONS)[number];
export const CONTACT_PAIR_REASONS = ['courriel', 'nom'] as const;
export type ContactPairReason = (typeof CONTACT_PAIR_REASONS)[number];

/** Names at least this similar (pg_trgm, 0–1) make a pair; also the threshold the GIN index filters at. */
export const ORGANIZATION_NAME_SIMILARITY = 0.6;
export const CONTACT_NAME_SIMILARITY = 0.8;
/**
 * Shared identifiers only confirm a duplicate when the names agree: the same name, or names at
 * least this similar with no conflicting numbers. CFA files carry lists of « probable » UAI that
 * overlap between different universities (Toulouse II and Toulouse III, Lyon 2 and Lyon 3): a
 * shared code between records whose names clearly differ is a hint to check, ranked below pairs
 * with the same name.
 */
export const ORGANIZATION_NAMES_AGREE = ORGANIZATION_NAME_SIMILARITY;
export const CONTACT_NAMES_AGREE = 0.5;
/** A hint (identifier shared, names differ) never scores above this; the same name alone scores 50. */
export const HINT_SCORE_CAP = 45;
/** Names whose numbers differ (« Lyon 2 » / « Lyon 3 », « Toulouse II » / « Toulouse III ») designate different bodies. */
export const NAME_NUMBER_PATTERN = '\\m([0-9]+|[ivx]{1,4})\\M';

/** A value shared by more records than this is generic (a hosting domain, a switchboard address), not an identity. */
const MAX_GROUP = 10;
/** How many recently changed organisations the trigram pass compares against the whole table. */
const RECENT_WINDOW = 50;
/** Organisations with more current contacts than this are skipped by the contact name pass (quadratic). */
const MAX_CONTACTS_PER_ORGANIZATION = 200;

export interface OrganizationPairRow {
  first_id: string;
  second_id: string;
  first_name: string;
  second_name: string;
  first_city: string | null;
  second_city: string | null;
  same_siret: boolean;
  same_siren: boolean;
  shared_uai: string[];
  same_email: boolean;
  shared_domain: string | null;
  same_name: boolean;
  name_similarity: number;
  /** Numbers in each name (arabic or roman), when they differ. */
  first_numbers: string[];
  second_numbers: string[];
  numbers_conflict: boolean;
  names_agree: boolean;
  score: number;
  total: number;
}

function dismissedFilter(entityType: DuplicateEntity): SQL {
  return sql`not exists (select 1 from ${duplicateDismissals} d
      where d.entity_type = ${entityType} and d.first_id = c.first_id and d.second_id = c.second_id)`;
}

/** Pairs of organisations, best score first. `reason` limits the list to pairs found by that rule. */
export async function listOrganizationPairs(
  db: Database,
  options: { reason?: OrganizationPairReason; limit: number; offset: number },
): Promise<OrganizationPairRow[]> {
  const wanted = (reason: OrganizationPairReason) => !options.reason || options.reason === reason;
  const generators: SQL[] = [];
  if (wanted('identifiant')) {
    generators.push(sql`select a.id, b.id from org a join org b on b.siren = a.siren and a.id < b.id
        where a.siren in (select siren from org where siren is not null group by siren having count(*) <= ${MAX_GROUP})`);
    generators.push(sql`select a.id, b.id from org a join org b on b.siret = a.siret and a.id < b.id
        where a.siret in (select siret from org where siret is not null group by siret having count(*) <= ${MAX_GROUP})`);
  }
  if (wanted('uai')) {
    generators.push(sql`select a.id, b.id from org_uai a join org_uai b on b.code = a.code and a.id < b.id
        where a.code in (select code from org_uai group by code having count(*) <= ${MAX_GROUP})`);
  }
  if (wanted('courriel')) {
    generators.push(sql`select a.id, b.id from org a join org b on lower(b.email) = lower(a.email) and a.id < b.id
        where lower(a.email) in (select lower(email) from org where email is not null group by 1 having count(*) <= ${MAX_GROUP})`);
  }
  if (wanted('site')) {
    generators.push(sql`select a.id, b.id from org a join org b on b.website_domain = a.website_domain and a.id < b.id
        where a.website_domain in (select website_domain from org where website_domain is not null group by 1 having count(*) <= ${MAX_GROUP})`);
  }
  if (wanted('nom')) {
    // Same accent- and case-free name in the same commune (or where one has none): a lycée
    // Jean-Moulin in Lyon and another in Albi are two lycées.
    generators.push(sql`select a.id, b.id from org a join org b on b.search_name = a.search_name and a.id < b.id
        where (a.commune_code is null or b.commune_code is null or a.commune_code = b.commune_code)
          and a.search_name in (select search_name from org group by 1 having count(*) <= ${MAX_GROUP})`);
    generators.push(sql`select p.first_id, p.second_id from duplicate_name_pairs p
        join org a on a.id = p.first_id join org b on b.id = p.second_id
        where p.entity_type = 'organization'`);
    generators.push(sql`select least(a.id, b.id), greatest(a.id, b.id)
        from (select id, search_name, commune_code from org order by updated_at desc limit ${RECENT_WINDOW}) a
        cross join lateral (
          select o.id from organizations o
           where o.search_name % a.search_name and o.id <> a.id
             and o.merged_into_id is null and o.archived_at is null
             and (a.commune_code is null or o.commune_code is null or a.commune_code = o.commune_code)
           order by similarity(o.search_name, a.search_name) desc
           limit 5) b`);
  }
  return db.transaction(async (tx) => {
    // Local to this transaction: the GIN index then only returns names at least this similar.
    await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(ORGANIZATION_NAME_SIMILARITY)}, true)`);
    const result = await tx.execute(sql`
      with org as materialized (
        select id, siren, siret, uai, email, website_domain, search_name, commune_code, updated_at
          from organizations where merged_into_id is null and archived_at is null
      ),
      org_uai as (select id, unnest(uai) as code from org),
      candidates (first_id, second_id) as (${sql.join(generators, sql` union `)}),
      ${organizationScoring()}
      select ranked.*, count(*) over ()::int as total
        from ranked
       order by score desc, first_id, second_id
       limit ${options.limit} offset ${options.offset}`);
    return rowsOf<OrganizationPairRow>(result);
  });
}

/** The numbers of a name (search_name: lower case, no accents), as a sorted text[]. */
function nameNumbers(column: SQL): SQL {
  return sql`array(select distinct m[1] from regexp_matches(${column}, ${NAME_NUMBER_PATTERN}, 'g') as m order by 1)`;
}

/**
 * The `scored` and `ranked` CTEs over `candidates (first_id, second_id)`. Where the names agree,
 * identifiers add up (SIRET 100, SIREN 60, UAI 90, e-mail 70, website 40) with the name (same
 * name 50, similar up to 50). Where they do not, the pair is a hint: a few points per
 * identifier and for the names' likeness, capped at HINT_SCORE_CAP, lower still when the names'
 * numbers conflict.
 */
function organizationScoring(): SQL {
  return sql`scored as (
        select c.first_id, c.second_id, a.name as first_name, b.name as second_name, a.city as first_city, b.city as second_city,
               coalesce(a.siret = b.siret, false) as same_siret,
               coalesce(a.siren = b.siren, false) as same_siren,
               array(select unnest(a.uai) intersect select unnest(b.uai) order by 1) as shared_uai,
               coalesce(lower(a.email) = lower(b.email), false) as same_email,
               case when a.website_domain = b.website_domain then a.website_domain end as shared_domain,
               a.search_name = b.search_name as same_name,
               similarity(a.search_name, b.search_name) as name_similarity,
               ${nameNumbers(sql`a.search_name`)} as first_numbers,
               ${nameNumbers(sql`b.search_name`)} as second_numbers
          from candidates c
          join organizations a on a.id = c.first_id
          join organizations b on b.id = c.second_id
         where ${dismissedFilter('organization')}
      ),
      weighed as (
        select scored.*,
               (cardinality(first_numbers) > 0 and cardinality(second_numbers) > 0 and first_numbers <> second_numbers) as numbers_conflict,
               (case when same_siret then 100 when same_siren then 60 else 0 end)
               + (case when cardinality(shared_uai) > 0 then 90 else 0 end)
               + (case when same_email then 70 else 0 end)
               + (case when shared_domain is not null then 40 else 0 end) as identifier_points
          from scored
      ),
      ranked as (
        select weighed.*,
               (same_name or (name_similarity >= ${ORGANIZATION_NAMES_AGREE} and not numbers_conflict)) as names_agree,
               case
                 when same_name or (name_similarity >= ${ORGANIZATION_NAMES_AGREE} and not numbers_conflict)
                   then identifier_points + (case when same_name then 50 else round(name_similarity * 50)::int end)
                 else least(case when numbers_conflict then ${HINT_SCORE_CAP} - 20 else ${HINT_SCORE_CAP} end,
                            10 + round(identifier_points / 10.0)::int + round(name_similarity * 20)::int)
               end as score
          from weighed
      )`;
}

/** One pair of organisations as the list would show it (its reasons), or undefined when nothing links them. */
export async function scoreOrganizationPair(db: Database, firstId: string, secondId: string): Promise<OrganizationPairRow | undefined> {
  const [low, high] = [firstId, secondId].sort();
  const result = await db.execute(sql`
    with candidates (first_id, second_id) as (select ${low}::uuid, ${high}::uuid),
    ${organizationScoring()}
    select ranked.*, 1 as total from ranked`);
  return rowsOf<OrganizationPairRow>(result)[0];
}

export interface ContactPairRow {
  first_id: string;
  second_id: string;
  first_name: string;
  second_name: string;
  first_organization: string | null;
  second_organization: string | null;
  shared_emails: string[];
  shared_phones: string[];
  shared_organization: string | null;
  same_name: boolean;
  name_similarity: number;
  names_agree: boolean;
  score: number;
  total: number;
}

/** Pairs of contacts: a shared e-mail, or the same (or a very similar) name in the same organisation. */
export async function listContactPairs(
  db: Database,
  options: { reason?: ContactPairReason; limit: number; offset: number },
): Promise<ContactPairRow[]> {
  const wanted = (reason: ContactPairReason) => !options.reason || options.reason === reason;
  const generators: SQL[] = [];
  if (wanted('courriel')) {
    generators.push(sql`select a.id, b.id from person_email a join person_email b on b.email = a.email and a.id < b.id
        where a.email in (select email from person_email group by 1 having count(*) <= ${MAX_GROUP})`);
  }
  if (wanted('nom')) {
    generators.push(sql`select a.contact_id, b.contact_id
          from current_position a
          join current_position b on b.organization_id = a.organization_id and a.contact_id < b.contact_id
          join person pa on pa.id = a.contact_id
          join person pb on pb.id = b.contact_id
         where a.organization_id in (select organization_id from current_position group by 1 having count(*) <= ${MAX_CONTACTS_PER_ORGANIZATION})
           and (pa.search_name = pb.search_name or similarity(pa.search_name, pb.search_name) >= ${CONTACT_NAME_SIMILARITY})`);
  }
  const result = await db.execute(sql`
    with person as materialized (
      select id, emails, search_name from contacts where merged_into_id is null and archived_at is null and erased_at is null
    ),
    person_email as (select p.id, lower(e) as email from person p cross join unnest(p.emails) as e),
    current_position as materialized (
      select distinct f.contact_id, f.organization_id
        from affiliations f join person p on p.id = f.contact_id
       where f.end_date is null
    ),
    candidates (first_id, second_id) as (${sql.join(generators, sql` union `)}),
    ${contactScoring()}
    select ranked.*, count(*) over ()::int as total
      from ranked
     order by score desc, first_id, second_id
     limit ${options.limit} offset ${options.offset}`);
  return rowsOf<ContactPairRow>(result);
}

/**
 * The `scored` and `ranked` CTEs over contact `candidates`. A shared e-mail (100) or phone (30)
 * confirms a duplicate when the names agree (the same, or at least CONTACT_NAMES_AGREE similar:
 * « O. Vasseur » and « Odile Vasseur »); a shared switchboard or team address between two
 * different names is a hint, capped at HINT_SCORE_CAP. The same (or a very similar) name in the
 * same organisation adds 80 (or up to 60).
 */
function contactScoring(): SQL {
  return sql`scored as (
      select c.first_id, c.second_id,
             trim(a.first_name || ' ' || a.last_name) as first_name, trim(b.first_name || ' ' || b.last_name) as second_name,
             (select o.name from affiliations f join organizations o on o.id = f.organization_id
               where f.contact_id = a.id and f.end_date is null order by f.is_primary desc, f.created_at limit 1) as first_organization,
             (select o.name from affiliations f join organizations o on o.id = f.organization_id
               where f.contact_id = b.id and f.end_date is null order by f.is_primary desc, f.created_at limit 1) as second_organization,
             array(select lower(e) from unnest(a.emails) e intersect select lower(e) from unnest(b.emails) e order by 1) as shared_emails,
             array(select unnest(a.phones) intersect select unnest(b.phones) order by 1) as shared_phones,
             (select o.name from affiliations fa
                join affiliations fb on fb.organization_id = fa.organization_id and fb.contact_id = b.id and fb.end_date is null
                join organizations o on o.id = fa.organization_id
               where fa.contact_id = a.id and fa.end_date is null order by o.name limit 1) as shared_organization,
             a.search_name = b.search_name as same_name,
             similarity(a.search_name, b.search_name) as name_similarity
        from candidates c
        join contacts a on a.id = c.first_id
        join contacts b on b.id = c.second_id
       where ${dismissedFilter('contact')}
    ),
    weighed as (
      select scored.*,
             (same_name or name_similarity >= ${CONTACT_NAMES_AGREE}) as names_agree,
             (case when cardinality(shared_emails) > 0 then 100 else 0 end)
             + (case when cardinality(shared_phones) > 0 then 30 else 0 end) as identifier_points
        from scored
    ),
    ranked as (
      select weighed.*,
             case
               when names_agree then identifier_points
                 + (case when shared_organization is null then 0
                         when same_name then 80
                         when name_similarity >= ${CONTACT_NAME_SIMILARITY} then round(name_similarity * 60)::int
                         else 0 end)
               else least(${HINT_SCORE_CAP}, 10 + round(identifier_points / 10.0)::int + round(name_similarity * 20)::int)
             end as score
        from weighed
    )`;
}

/** One pair of contacts as the list would show it, or undefined when nothing links them. */
export async function scoreContactPair(db: Database, firstId: string, secondId: string): Promise<ContactPairRow | undefined> {
  const [low, high] = [firstId, secondId].sort();
  const result = await db.execute(sql`
    with candidates (first_id, second_id) as (select ${low}::uuid, ${high}::uuid),
    ${contactScoring()}
    select ranked.*, 1 as total from ranked`);
  return rowsOf<ContactPairRow>(result)[0];
}

/** Stores "not a duplicate" for a pair (ids in canonical order); doing it twice is harmless. */
export async function insertDismissal(
  db: Database,
  values: { entityType: DuplicateEntity; firstId: string; secondId: string; dismissedById: string | null },
): Promise<boolean> {
  const rows = await db.insert(duplicateDismissals).values(values).onConflictDoNothing().returning({ firstId: duplicateDismissals.firstId });
  return rows.length > 0;
}

/**
 * One pass of the background name comparison: the next `batchSize` organisations changed since
 * the last pass (keyset on updated_at, id) lose their old pairs and get their most similar live
 * neighbours (same commune, or one without). Returns how many were scanned; 0 = up to date.
 * Two scans at once: the second finds the state row locked and does nothing.
 */
export async function scanOrganizationNames(db: Database, batchSize: number): Promise<{ scanned: number; pairs: number }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`insert into duplicate_scan_state (entity_type) values ('organization') on conflict do nothing`);
    const [state] = rowsOf<{ last_updated_at: string | null; last_id: string | null }>(
      // As text: a JS Date would drop the microseconds and the keyset would never move past a row.
      await tx.execute(sql`select last_updated_at::text, last_id from duplicate_scan_state where entity_type = 'organization' for update skip locked`),
    );
    if (!state) return { scanned: 0, pairs: 0 };
    await tx.execute(sql`select set_config('pg_trgm.similarity_threshold', ${String(ORGANIZATION_NAME_SIMILARITY)}, true)`);
    const batch = rowsOf<{ id: string; updated_at: string }>(
      await tx.execute(sql`
        select id, updated_at::text as updated_at from organizations
         where (updated_at, id) > (coalesce(${state.last_updated_at}::timestamptz, '-infinity'), coalesce(${state.last_id}::uuid, '00000000-0000-0000-0000-000000000000'))
         order by updated_at, id
         limit ${batchSize}`),
    );
    if (batch.length === 0) return { scanned: 0, pairs: 0 };
    const ids = sql`array[${sql.join(batch.map((row) => sql`${row.id}`), sql`, `)}]::uuid[]`;
    await tx.execute(sql`delete from duplicate_name_pairs where entity_type = 'organization' and (first_id = any(${ids}) or second_id = any(${ids}))`);
    const inserted = rowsOf<{ n: number }>(
      await tx.execute(sql`
        with added as (
          insert into duplicate_name_pairs (entity_type, first_id, second_id, similarity)
          select 'organization', least(a.id, b.id), greatest(a.id, b.id), max(b.score)
            from organizations a
            cross join lateral (
              select o.id, similarity(o.search_name, a.search_name) as score from organizations o
               where o.search_name % a.search_name and o.id <> a.id
                 and o.merged_into_id is null and o.archived_at is null
                 and (a.commune_code is null or o.commune_code is null or a.commune_code = o.commune_code)
               order by score desc
               limit 5) b
           where a.id = any(${ids}) and a.merged_into_id is null and a.archived_at is null
           group by least(a.id, b.id), greatest(a.id, b.id)
          on conflict (entity_type, first_id, second_id) do update set similarity = excluded.similarity, computed_at = now()
          returning 1)
        select count(*)::int as n from added`),
    )[0]?.n ?? 0;
    const last = batch[batch.length - 1] as { id: string; updated_at: string };
    await tx.execute(sql`update duplicate_scan_state set last_updated_at = ${last.updated_at}::timestamptz, last_id = ${last.id}::uuid, scanned_at = now() where entity_type = 'organization'`);
    return { scanned: batch.length, pairs: inserted };
  });
}
