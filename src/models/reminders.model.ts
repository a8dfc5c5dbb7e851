// Reminder occurrences (issue 13): the planning statements of every rule, the re-planning of
// what moved, the claim of what is due, and what a daily digest gathers. Planning is set-based:
// one statement per rule inserts every occurrence of its slots with `on conflict` on the unique
// key (rule, offset, subject, occurrence day, recipient), so sweeps that repeat, crash half-way
// or run side by side never plan one twice. The same statement bodies serve the admin preview
// (select instead of insert): there is one copy of each rule's query.
//
// A « slot » is one (offset, subject day) pair of a rule with its send instant, computed by the
// service with Luxon (src/lib/paris-time.ts: DST, working days); SQL only matches subjects to it.
import { sql, type SQL } from 'drizzle-orm';
import { type Database, rowsOf } from './database';
import { uuidArray } from './sql-arrays';
import type { ReminderRuleCode } from './reminder-rules';

export interface PlanSlot {
  offsetDays: number;
  /** The day reminded of (Paris): the meeting's, the deadline, the digest's own day. */
  subjectDay: string;
  /** Bounds of that Paris day as instants (for timestamp columns). */
  subjectStart: Date;
  subjectEnd: Date;
  /** When it goes out (the rule's Paris time on the send day). */
  dueAt: Date;
}

/** A rule whose subjects come from a list computed elsewhere (reciprocity: the cadence service). */
export interface ListedSubject {
  subjectType: string;
  subjectId: string;
  occursOn: string;
  userId: string;
  dueAt: Date;
  payload: Record<string, unknown>;
}

const IN_FORCE = sql.raw(`('signee', 'en_vigueur')`);

function slotsCte(slots: readonly PlanSlot[]): SQL {
  const records = slots.map((slot) => ({
    offset_days: slot.offsetDays,
    subject_day: slot.subjectDay,
    subject_start: slot.subjectStart.toISOString(),
    subject_end: slot.subjectEnd.toISOString(),
    due_at: slot.dueAt.toISOString(),
  }));
  return sql`s as (
    select * from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
      as s(offset_days int, subject_day date, subject_start timestamptz, subject_end timestamptz, due_at timestamptz)
  )`;
}

/**
 * Rows of `table` whose `column` instant falls in a slot's subject day and after its send time,
 * one arm per slot with the bounds as parameters: the planner sees each day's real range (a
 * few hundred meetings, not a guess over a million) and reads the participants by their keys.
 */
function inSlotDays(slots: readonly PlanSlot[], now: Date, table: 'exchanges' | 'events', column: 'occurred_at' | 'starts_at'): SQL {
  const extra = table === 'events' ? sql` and x.status = 'planifie'` : sql``;
  const arms = slots.map(
    (slot) => sql`select ${slot.offsetDays}::int as offset_days, ${slot.subjectDay}::date as subject_day, ${slot.dueAt.toISOString()}::timestamptz as slot_due_at, x.*
      from ${sql.raw(table)} x
      where x.${sql.raw(column)} >= ${slot.subjectStart.toISOString()}::timestamptz and x.${sql.raw(column)} < ${slot.subjectEnd.toISOString()}::timestamptz
        and x.${sql.raw(column)} > ${new Date(Math.max(slot.dueAt.getTime(), now.getTime())).toISOString()}::timestamptz${extra}`,
  );
  return sql`(${sql.join(arms, sql` union all `)})`;
}

/**
 * Each rule's occurrences for its slots, as rows (rule_code, offset_days, subject_type, subject_id,
 * occurs_on, recipient_key, user_id, contact_id, due_at, payload). `due_at` is never before the
 * subject's last change: a task created at 15:00 due today is not « late » for its 08:00 reminder.
 */
function ruleSource(rule: ReminderRuleCode, now: Date, slots: readonly PlanSlot[]): SQL | null {
  switch (rule) {
    case 'meeting.day_before':
    case 'meeting.morning_of':
      return sql`
        select ${rule}::text as rule_code, e.offset_days, 'exchange'::text as subject_type, e.id as subject_id, e.subject_day as occurs_on,
          'user:' || ep.user_id as recipient_key, ep.user_id as user_id, null::uuid as contact_id, greatest(e.slot_due_at, e.updated_at) as due_at,
          jsonb_build_object('label', e.summary, 'at', e.occurred_at, 'place', coalesce(e.place, ''), 'link', '/echanges/' || e.id) as payload
        from ${inSlotDays(slots, now, 'exchanges', 'occurred_at')} e
        join exchange_participants ep on ep.exchange_id = e.id
        join users u on u.id = ep.user_id and u.active
        union all
        select ${rule}::text, ev.offset_days, 'event'::text, ev.id, ev.subject_day,
          'user:' || p.user_id, p.user_id, null::uuid, greatest(ev.slot_due_at, ev.updated_at),
          jsonb_build_object('label', ev.title, 'at', ev.starts_at, 'place', coalesce(ev.place, ev.visio_url, ''), 'link', '/evenements/' || ev.id)
        from ${inSlotDays(slots, now, 'events', 'starts_at')} ev
        join event_participants p on p.event_id = ev.id
        join users u on u.id = p.user_id and u.active`;
    case 'task.due_today':
    case 'task.overdue':
      return sql`
        select ${rule}::text as rule_code, s.offset_days, 'task'::text as subject_type, t.id as subject_id, s.subject_day as occurs_on,
          'user:' || t.assignee_id as recipient_key, t.assignee_id as user_id, null::uuid as contact_id, greatest(s.due_at, t.updated_at) as due_at,
          jsonb_build_object('label', t.title, 'date', t.due_on, 'link', '/taches/' || t.id) as payload
        from s
        cross join lateral (select * from tasks t where t.status = 'a_faire' and t.due_on = s.subject_day) t
        join users u on u.id = t.assignee_id and u.active`;
    case 'convention.end':
    case 'convention.notice': {
      const column = rule === 'convention.end' ? sql.raw('c.ends_on') : sql.raw('c.notice_deadline');
      return sql`
        select ${rule}::text as rule_code, s.offset_days, 'convention'::text as subject_type, c.id as subject_id, s.subject_day as occurs_on,
          'user:' || r.user_id as recipient_key, r.user_id as user_id, null::uuid as contact_id, greatest(s.due_at, c.updated_at) as due_at,
          jsonb_build_object('label', c.reference || ' — ' || c.title, 'date', ${column}, 'days', s.offset_days, 'link', '/conventions/' || c.id) as payload
        from s
        cross join lateral (select * from conventions c where ${column} = s.subject_day and c.status in ${IN_FORCE}) c
        cross join lateral (
          select c.owner_id as user_id where c.owner_id is not null
          union
          select uu.user_id from user_units uu join users m on m.id = uu.user_id where uu.unit_id = c.unit_id and 'manager' = any(m.roles)
        ) r
        join users u on u.id = r.user_id and u.active`;
    }
    case 'event.partner_day_before':
      return sql`
        select ${rule}::text as rule_code, ev.offset_days, 'event_invitation'::text as subject_type, i.id as subject_id, ev.subject_day as occurs_on,
          'contact:' || i.contact_id as recipient_key, null::uuid as user_id, i.contact_id as contact_id, greatest(ev.slot_due_at, ev.updated_at, i.responded_at) as due_at,
          jsonb_build_object('label', ev.title, 'at', ev.starts_at, 'eventId', ev.id, 'link', '/evenements/' || ev.id) as payload
        from ${inSlotDays(slots, now, 'events', 'starts_at')} ev
        join event_invitations i on i.event_id = ev.id and i.response = 'accepte'`;
    case 'digest.daily':
      return sql`
        select ${rule}::text as rule_code, s.offset_days, 'user'::text as subject_type, u.id as subject_id, s.subject_day as occurs_on,
          'user:' || u.id as recipient_key, u.id as user_id, null::uuid as contact_id, s.due_at as due_at, '{}'::jsonb as payload
        from s cross join users u where u.active`;
    case 'sourcing.pilot_end':
      return sql`
        select ${rule}::text as rule_code, s.offset_days, 'sourcing_pilot'::text as subject_type, p.id as subject_id, s.subject_day as occurs_on,
          'user:' || p.decision_owner_id as recipient_key, p.decision_owner_id as user_id, null::uuid as contact_id, greatest(s.due_at, p.updated_at) as due_at,
          jsonb_build_object('label', o.name || coalesce(' — ' || ch.title, ''), 'date', p.ends_on, 'days', s.offset_days, 'link', '/sourcing/pilotes/' || p.id) as payload
        from s
        cross join lateral (select * from sourcing_pilots p where p.status = 'en_cours' and p.ends_on = s.subject_day and p.decision_owner_id is not null) p
        join sourcing_cases c on c.id = p.case_id
        join organizations o on o.id = c.organization_id
        left join sourcing_challenges ch on ch.id = c.challenge_id
        join users u on u.id = p.decision_owner_id and u.active`;
    case 'sourcing.pilot_overdue':
      // The slot's subject day is the end date's weekly anniversary (end date, +7, +14…): the
      // first notice the day after the end date, then one a week, each under its own key.
      return sql`
        select ${rule}::text as rule_code, s.offset_days, 'sourcing_pilot'::text as subject_type, p.id as subject_id, s.subject_day as occurs_on,
          'user:' || r.user_id as recipient_key, r.user_id as user_id, null::uuid as contact_id, greatest(s.due_at, p.updated_at) as due_at,
          jsonb_build_object('label', o.name || coalesce(' — ' || ch.title, ''), 'date', p.ends_on, 'days', s.subject_day - p.ends_on, 'link', '/sourcing/pilotes/' || p.id) as payload
        from s
        cross join lateral (
          select * from sourcing_pilots p
          where p.status = 'en_cours' and p.ends_on <= s.subject_day and (s.subject_day - p.ends_on) % 7 = 0
        ) p
        join sourcing_cases c on c.id = p.case_id
        join organizations o on o.id = c.organization_id
        left join sourcing_challenges ch on ch.id = c.challenge_id
        cross join lateral (select p.decision_owner_id as user_id where p.decision_owner_id is not null union select c.owner_id where c.owner_id is not null) r
        join users u on u.id = r.user_id and u.active`;
    default:
      // reciprocity.behind comes from a list (plannedFromList); workflow.step_overdue is written by the workflow engine.
      return null;
  }
}

const COLUMNS = sql.raw('rule_code, offset_days, subject_type, subject_id, occurs_on, recipient_key, user_id, contact_id, due_at, payload');
const KEY = sql.raw('rule_code, offset_days, subject_type, subject_id, occurs_on, recipient_key');

/**
 * Inserts `planned` rows; an occurrence cancelled earlier whose subject is back at that date
 * (a date moved, then moved back) is planned again — it was never sent.
 */
function insertPlanned(ctes: SQL, source: SQL): SQL {
  return sql`
    with ${ctes}, planned as (${source})
    insert into reminder_occurrences (${COLUMNS})
    select distinct on (${KEY}) ${COLUMNS} from planned order by ${KEY}, due_at
    on conflict (${KEY}) do update
      set status = 'planifiee', cancel_reason = null, handled_at = null, due_at = excluded.due_at, payload = excluded.payload
      where reminder_occurrences.status = 'annulee'`;
}

/** Plans a rule's occurrences for its slots (one statement). Returns the rows inserted or revived. */
export async function planRule(db: Database, rule: ReminderRuleCode, slots: readonly PlanSlot[], now: Date): Promise<number> {
  if (slots.length === 0) return 0;
  const source = ruleSource(rule, now, slots);
  if (!source) return 0;
  const result = await db.execute(insertPlanned(slotsCte(slots), source));
  return Number((result as unknown as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0);
}

function listSource(subjects: readonly ListedSubject[], rule: ReminderRuleCode, offsetDays: number): SQL {
  const records = subjects.map((item) => ({
    subject_type: item.subjectType,
    subject_id: item.subjectId,
    occurs_on: item.occursOn,
    user_id: item.userId,
    due_at: item.dueAt.toISOString(),
    payload: item.payload,
  }));
  return sql`
    select ${rule}::text as rule_code, ${offsetDays}::int as offset_days, l.subject_type, l.subject_id, l.occurs_on,
      'user:' || l.user_id as recipient_key, l.user_id, null::uuid as contact_id, l.due_at, l.payload
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb)
      as l(subject_type text, subject_id uuid, occurs_on date, user_id uuid, due_at timestamptz, payload jsonb)
    join users u on u.id = l.user_id and u.active`;
}

/** Plans occurrences of a rule whose subjects come from a list (one statement). */
export async function planFromList(db: Database, rule: ReminderRuleCode, offsetDays: number, subjects: readonly ListedSubject[]): Promise<number> {
  if (subjects.length === 0) return 0;
  const result = await db.execute(insertPlanned(sql`nothing as (select 1)`, listSource(subjects, rule, offsetDays)));
  return Number((result as unknown as { rowCount?: number }).rowCount ?? 0);
}

export interface PreviewRow {
  ruleCode: ReminderRuleCode;
  offsetDays: number;
  subjectType: string;
  subjectId: string;
  occursOn: string;
  recipientKey: string;
  userId: string | null;
  contactId: string | null;
  recipientLabel: string;
  dueAt: Date;
  payload: Record<string, unknown>;
}

/** Preview filters: one recipient (user), at most `limit` rows per rule, earliest first. */
export interface PreviewFilter {
  userId?: string | null;
  limit?: number | null;
}

const previewSelect = (ctes: SQL, source: SQL, filter: PreviewFilter) => sql`
  with ${ctes}, planned as (${source})
  select p.rule_code as "ruleCode", p.offset_days as "offsetDays", p.subject_type as "subjectType", p.subject_id as "subjectId",
    p.occurs_on::text as "occursOn", p.recipient_key as "recipientKey", p.user_id as "userId", p.contact_id as "contactId",
    coalesce(u.display_name, trim(c.first_name || ' ' || c.last_name), '') as "recipientLabel", p.due_at as "dueAt", p.payload
  from planned p
  left join users u on u.id = p.user_id
  left join contacts c on c.id = p.contact_id
  ${filter.userId ? sql`where p.user_id = ${filter.userId}::uuid` : sql``}
  order by p.due_at, p.subject_id
  ${filter.limit ? sql`limit ${filter.limit}` : sql``}`;

interface RawPreviewRow extends Omit<PreviewRow, 'dueAt'> {
  dueAt: string | Date;
}
const toPreview = (rows: RawPreviewRow[]): PreviewRow[] => rows.map((row) => ({ ...row, dueAt: new Date(row.dueAt) }));

/** What planRule would plan for these slots, with the recipient's name (the admin preview). */
export async function previewRule(db: Database, rule: ReminderRuleCode, slots: readonly PlanSlot[], now: Date, filter: PreviewFilter = {}): Promise<PreviewRow[]> {
  if (slots.length === 0) return [];
  const source = ruleSource(rule, now, slots);
  if (!source) return [];
  return toPreview(rowsOf<RawPreviewRow>(await db.execute(previewSelect(slotsCte(slots), source, filter))));
}

export async function previewFromList(db: Database, rule: ReminderRuleCode, offsetDays: number, subjects: readonly ListedSubject[], filter: PreviewFilter = {}): Promise<PreviewRow[]> {
  if (subjects.length === 0) return [];
  return toPreview(rowsOf<RawPreviewRow>(await db.execute(previewSelect(sql`nothing as (select 1)`, listSource(subjects, rule, offsetDays), filter))));
}

/**
 * Approval steps whose half-way reminder or deadline falls in [from, to): the workflow engine
 * sends those itself (its timers), the preview shows them with the people they will reach.
 */
export async function previewWorkflowSteps(db: Database, from: Date, to: Date, filter: PreviewFilter = {}): Promise<PreviewRow[]> {
  const rows = rowsOf<RawPreviewRow>(
    await db.execute(sql`
      with timers as (
        select st.id, st.label, st.assignee_user_id, st.assignee_role, st.assignee_unit_id, 1 as offset_days, st.remind_at as due_at
        from workflow_steps st where st.status = 'active' and st.kind = 'approval' and st.reminded_at is null and st.remind_at >= ${from.toISOString()}::timestamptz and st.remind_at < ${to.toISOString()}::timestamptz
        union all
        select st.id, st.label, st.assignee_user_id, st.assignee_role, st.assignee_unit_id, 0, st.due_at
        from workflow_steps st where st.status = 'active' and st.kind = 'approval' and st.escalated_at is null and st.due_at >= ${from.toISOString()}::timestamptz and st.due_at < ${to.toISOString()}::timestamptz
      )
      select 'workflow.step_overdue' as "ruleCode", t.offset_days as "offsetDays", 'workflow_step' as "subjectType", t.id as "subjectId",
        (t.due_at at time zone 'Europe/Paris')::date::text as "occursOn", 'user:' || u.id as "recipientKey", u.id as "userId", null as "contactId",
        u.display_name as "recipientLabel", t.due_at as "dueAt", jsonb_build_object('label', t.label, 'link', '/validations/etapes/' || t.id) as payload
      from timers t
      join users u on u.active and (u.id = t.assignee_user_id or (t.assignee_user_id is null and t.assignee_role = any(u.roles)
        and (t.assignee_unit_id is null or exists (select 1 from user_units uu where uu.user_id = u.id and uu.unit_id = t.assignee_unit_id))))
      ${filter.userId ? sql`where u.id = ${filter.userId}::uuid` : sql``}
      order by t.due_at
      limit ${filter.limit ?? 2000}`),
  );
  return toPreview(rows);
}

/**
 * Planned occurrences whose subject no longer matches (date moved, task done, event cancelled,
 * convention terminated, answer changed, recipient changed) → « annulee » with the reason; the
 * next planning inserts the new date under its own key. One statement.
 */
export async function cancelStaleOccurrences(db: Database, now: Date): Promise<number> {
  const result = await db.execute(sql`
    with stale as (
      select o.id,
        case o.subject_type
          when 'task' then case
            when t.id is null then 'sujet_supprime'
            when t.status <> 'a_faire' then 'tache_close'
            when t.due_on <> o.occurs_on then 'date_modifiee'
            when o.user_id is distinct from t.assignee_id then 'destinataire_change' end
          when 'exchange' then case
            when e.id is null then 'sujet_supprime'
            when (e.occurred_at at time zone 'Europe/Paris')::date <> o.occurs_on then 'date_modifiee'
            when not exists (select 1 from exchange_participants ep where ep.exchange_id = e.id and ep.user_id = o.user_id) then 'destinataire_change' end
          when 'event' then case
            when ev.id is null then 'sujet_supprime'
            when ev.status <> 'planifie' then 'evenement_annule'
            when (ev.starts_at at time zone 'Europe/Paris')::date <> o.occurs_on then 'date_modifiee'
            when not exists (select 1 from event_participants p where p.event_id = ev.id and p.user_id = o.user_id) then 'destinataire_change' end
          when 'event_invitation' then case
            when i.id is null or iev.id is null then 'sujet_supprime'
            when iev.status <> 'planifie' then 'evenement_annule'
            when i.response <> 'accepte' then 'reponse_modifiee'
            when (iev.starts_at at time zone 'Europe/Paris')::date <> o.occurs_on then 'date_modifiee' end
          when 'convention' then case
            when c.id is null then 'sujet_supprime'
            when c.status not in ${IN_FORCE} then 'convention_close'
            when (case o.rule_code when 'convention.end' then c.ends_on else c.notice_deadline end) is distinct from o.occurs_on then 'date_modifiee'
            when o.user_id is distinct from c.owner_id and not exists (
              select 1 from user_units uu join users m on m.id = uu.user_id where uu.unit_id = c.unit_id and uu.user_id = o.user_id and 'manager' = any(m.roles)
            ) then 'destinataire_change' end
          when 'user' then case when du.id is null or not du.active then 'destinataire_inactif' end
          when 'sourcing_pilot' then case
            when sp.id is null then 'sujet_supprime'
            when sp.status <> 'en_cours' then 'experimentation_close'
            when o.rule_code = 'sourcing.pilot_end' and sp.ends_on is distinct from o.occurs_on then 'date_modifiee'
            when o.rule_code = 'sourcing.pilot_overdue' and (sp.ends_on is null or sp.ends_on > o.occurs_on or (o.occurs_on - sp.ends_on) % 7 <> 0) then 'date_modifiee'
            when o.user_id is distinct from sp.decision_owner_id and (o.rule_code <> 'sourcing.pilot_overdue' or o.user_id is distinct from spc.owner_id) then 'destinataire_change' end
        end as reason
      from reminder_occurrences o
      left join tasks t on o.subject_type = 'task' and t.id = o.subject_id
      left join exchanges e on o.subject_type = 'exchange' and e.id = o.subject_id
      left join events ev on o.subject_type = 'event' and ev.id = o.subject_id
      left join event_invitations i on o.subject_type = 'event_invitation' and i.id = o.subject_id
      left join events iev on iev.id = i.event_id
      left join conventions c on o.subject_type = 'convention' and c.id = o.subject_id
      left join users du on o.subject_type = 'user' and du.id = o.subject_id
      left join sourcing_pilots sp on o.subject_type = 'sourcing_pilot' and sp.id = o.subject_id
      left join sourcing_cases spc on spc.id = sp.case_id
      where o.status = 'planifiee'
    )
    update reminder_occurrences o
    set status = 'annulee', cancel_reason = stale.reason, handled_at = ${now.toISOString()}::timestamptz
    from stale
    where o.id = stale.id and stale.reason is not null and o.status = 'planifiee'`);
  return Number((result as unknown as { rowCount?: number }).rowCount ?? 0);
}

// ── dispatch ──────────────────────────────────────────────────────────────────────────────
export interface ClaimedOccurrence {
  id: string;
  ruleCode: ReminderRuleCode;
  offsetDays: number;
  subjectType: string;
  subjectId: string;
  occursOn: string;
  userId: string | null;
  contactId: string | null;
  dueAt: Date;
  payload: Record<string, unknown>;
  userEmail: string | null;
  userName: string | null;
  userActive: boolean | null;
}

/**
 * Locks up to `limit` due occurrences (« planifiee », due_at ≤ now) for the caller's transaction;
 * rows another dispatcher holds are skipped (two workers never take the same row). `digests`
 * chooses the daily digests or every other rule (digests go last: they gather the others).
 */
export async function claimDueOccurrences(tx: Database, now: Date, limit: number, digests: boolean): Promise<ClaimedOccurrence[]> {
  const rows = rowsOf<Omit<ClaimedOccurrence, 'dueAt'> & { dueAt: string | Date }>(
    await tx.execute(sql`
      select o.id, o.rule_code as "ruleCode", o.offset_days as "offsetDays", o.subject_type as "subjectType", o.subject_id as "subjectId",
        o.occurs_on::text as "occursOn", o.user_id as "userId", o.contact_id as "contactId", o.due_at as "dueAt", o.payload,
        u.email as "userEmail", u.display_name as "userName", u.active as "userActive"
      from reminder_occurrences o
      left join users u on u.id = o.user_id
      where o.status = 'planifiee' and o.due_at <= ${now.toISOString()}::timestamptz
        and (o.rule_code = 'digest.daily') = ${digests}
      order by o.due_at, o.id
      limit ${limit}
      for update of o skip locked`),
  );
  return rows.map((row) => ({ ...row, dueAt: new Date(row.dueAt) }));
}

export interface OccurrenceOutcome {
  id: string;
  status: 'envoyee' | 'resumee' | 'ignoree' | 'annulee';
  delivery: string;
  late: boolean;
  cancelReason?: string | null;
  /** The e-mail written for it (looked up by this idempotency key). */
  emailKey?: string | null;
}

/** Records the outcome of claimed occurrences (one statement; only rows still « planifiee »). */
export async function recordOutcomes(tx: Database, outcomes: readonly OccurrenceOutcome[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  const records = outcomes.map((item) => ({
    id: item.id,
    status: item.status,
    delivery: item.delivery,
    late: item.late,
    cancel_reason: item.cancelReason ?? null,
    email_key: item.emailKey ?? null,
  }));
  await tx.execute(sql`
    update reminder_occurrences o
    set status = r.status, delivery = r.delivery, late = r.late, cancel_reason = r.cancel_reason, handled_at = ${now.toISOString()}::timestamptz,
      email_id = (select m.id from emails m where m.idempotency_key = r.email_key)
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(id uuid, status text, delivery text, late boolean, cancel_reason text, email_key text)
    where o.id = r.id and o.status = 'planifiee'`);
}

/** The digest that carried « résumé » occurrences. */
export async function attachToDigest(tx: Database, digestId: string, occurrenceIds: readonly string[]): Promise<void> {
  if (occurrenceIds.length === 0) return;
  await tx.execute(sql`update reminder_occurrences set digest_id = ${digestId}::uuid where id = any(${uuidArray(occurrenceIds)}) and digest_id is null`);
}

/** Occurrences a workflow step's timer sent (the engine sends them; recorded for the history and the digest). */
export async function recordSentByEngine(
  tx: Database,
  rows: ReadonlyArray<{ offsetDays: number; stepId: string; occursOn: string; userId: string; at: Date; payload: Record<string, unknown> }>,
): Promise<void> {
  if (rows.length === 0) return;
  const records = rows.map((row) => ({ offset_days: row.offsetDays, subject_id: row.stepId, occurs_on: row.occursOn, user_id: row.userId, at: row.at.toISOString(), payload: row.payload }));
  await tx.execute(sql`
    insert into reminder_occurrences (rule_code, offset_days, subject_type, subject_id, occurs_on, recipient_key, user_id, due_at, status, delivery, handled_at, payload)
    select 'workflow.step_overdue', r.offset_days, 'workflow_step', r.subject_id, r.occurs_on, 'user:' || r.user_id, r.user_id, r.at, 'envoyee', 'courriel', r.at, r.payload
    from jsonb_to_recordset(${JSON.stringify(records)}::jsonb) as r(offset_days int, subject_id uuid, occurs_on date, user_id uuid, at timestamptz, payload jsonb)
    on conflict (${KEY}) do nothing`);
}

// ── what a digest gathers ─────────────────────────────────────────────────────────────────
export interface DigestItem {
  userId: string;
  section: 'rappels' | 'taches' | 'rencontres' | 'echeances' | 'validations';
  label: string;
  detail: string | null;
  link: string | null;
  occurrenceId?: string;
  ruleCode?: string;
  mandatory?: boolean;
}

/**
 * For the users of a batch of digests (a few statements for all of them, not per user): their
 * « résumé » occurrences not yet carried, open tasks due by `day`, meetings of `day`, deadlines of
 * conventions they own or manage within 30 days, approvals waiting on them.
 */
export async function digestContents(tx: Database, userIds: readonly string[], day: { iso: string; start: Date; end: Date; in30: string }): Promise<DigestItem[]> {
  if (userIds.length === 0) return [];
  const ids = uuidArray(userIds);
  const items: DigestItem[] = [];
  const pending = rowsOf<{ id: string; userId: string; ruleCode: string; payload: Record<string, unknown> }>(
    await tx.execute(sql`
      select id, user_id as "userId", rule_code as "ruleCode", payload from reminder_occurrences
      where user_id = any(${ids}) and status = 'resumee' and digest_id is null
      order by due_at limit 5000`),
  );
  for (const row of pending) {
    items.push({ userId: row.userId, section: 'rappels', label: String(row.payload.label ?? ''), detail: row.ruleCode, link: typeof row.payload.link === 'string' ? row.payload.link : null, occurrenceId: row.id, ruleCode: row.ruleCode });
  }
  const tasks = rowsOf<{ userId: string; id: string; title: string; dueOn: string }>(
    await tx.execute(sql`
      select t.assignee_id as "userId", t.id, t.title, t.due_on::text as "dueOn"
      from unnest(${ids}) as me(id)
      cross join lateral (select * from tasks t where t.assignee_id = me.id and t.status = 'a_faire' and t.due_on <= ${day.iso}::date order by t.due_on, t.id limit 20) t`),
  );
  for (const row of tasks) items.push({ userId: row.userId, section: 'taches', label: row.title, detail: row.dueOn, link: `/taches/${row.id}` });
  const meetings = rowsOf<{ userId: string; id: string; label: string; at: string | Date; kind: string }>(
    await tx.execute(sql`
      select ep.user_id as "userId", e.id, e.summary as label, e.occurred_at as at, 'exchange' as kind
      from exchanges e join exchange_participants ep on ep.exchange_id = e.id
      where ep.user_id = any(${ids}) and e.occurred_at >= ${day.start.toISOString()}::timestamptz and e.occurred_at < ${day.end.toISOString()}::timestamptz
      union all
      select p.user_id, ev.id, ev.title, ev.starts_at, 'event'
      from events ev join event_participants p on p.event_id = ev.id
      where p.user_id = any(${ids}) and ev.status = 'planifie' and ev.starts_at >= ${day.start.toISOString()}::timestamptz and ev.starts_at < ${day.end.toISOString()}::timestamptz
      order by 4`),
  );
  for (const row of meetings) {
    items.push({ userId: row.userId, section: 'rencontres', label: row.label, detail: new Date(row.at).toISOString(), link: row.kind === 'event' ? `/evenements/${row.id}` : `/echanges/${row.id}` });
  }
  const deadlines = rowsOf<{ userId: string; id: string; label: string; endsOn: string | null; noticeDeadline: string | null }>(
    await tx.execute(sql`
      select r.user_id as "userId", c.id, c.reference || ' — ' || c.title as label,
        case when c.ends_on between ${day.iso}::date and ${day.in30}::date then c.ends_on::text end as "endsOn",
        case when c.notice_deadline between ${day.iso}::date and ${day.in30}::date then c.notice_deadline::text end as "noticeDeadline"
      from conventions c
      cross join lateral (
        select c.owner_id as user_id where c.owner_id = any(${ids})
        union
        select uu.user_id from user_units uu join users m on m.id = uu.user_id where uu.unit_id = c.unit_id and uu.user_id = any(${ids}) and 'manager' = any(m.roles)
      ) r
      where c.status in ${IN_FORCE}
        and (c.ends_on between ${day.iso}::date and ${day.in30}::date or c.notice_deadline between ${day.iso}::date and ${day.in30}::date)
      order by least(c.ends_on, c.notice_deadline)`),
  );
  for (const row of deadlines) {
    items.push({ userId: row.userId, section: 'echeances', label: row.label, detail: JSON.stringify({ endsOn: row.endsOn, noticeDeadline: row.noticeDeadline }), link: `/conventions/${row.id}` });
  }
  const approvals = rowsOf<{ userId: string; title: string; link: string | null }>(
    await tx.execute(sql`
      select distinct on (n.user_id, n.step_id) n.user_id as "userId", n.title, n.link
      from notifications n
      where n.user_id = any(${ids}) and n.step_id is not null and n.done_at is null
      order by n.user_id, n.step_id, n.created_at`),
  );
  for (const row of approvals) items.push({ userId: row.userId, section: 'validations', label: row.title, detail: null, link: row.link });
  return items;
}

/** The last time a sweep finished (its heartbeat), to plan what fell due while no sweep ran. */
export async function lastSweepAt(db: Database, name: string): Promise<Date | null> {
  const [row] = rowsOf<{ at: string | Date }>(await db.execute(sql`select last_run_at as at from job_heartbeats where name = ${name}`));
  return row ? new Date(row.at) : null;
}
