// Merging two organisations or two contacts, and undoing it.
//
// A merge keeps one record (the "kept" one) with the values chosen field by field, list fields
// unioned; moves the merged record's relations to it; marks the merged record
// `merged_into_id = kept` (its URL then redirects) and stores in record_merges what both records
// looked like and which rows moved, so an admin can undo it exactly. All in one transaction,
// with a journal entry on each record.
//
// Undo policy: it is refused when it cannot be exact — the kept record was itself merged into
// another since, the merged one no longer points to the kept one, a later merge (not undone)
// involved either record (undo the latest first), or the kept contact was erased (RGPD). Plain
// edits made to the kept record after the merge do NOT block it: both records get back their
// values from before the merge (the edits stay readable in the journal, and the undo entry
// shows what was reverted), relations moved by the merge go back if they are still where the
// merge put them, and relations added since stay on the kept record. Exchange links and tasks
// (issue 12) move and come back the same way, and so do an organisation's sourcing cases (issue
// 14) — but a case in a challenge where the kept organisation already has one (one case per
// start-up and challenge) stays on the merged record; the merge screen says so beforehand and the
// journal entry counts it (moved 'sourcing_cases.left').
import { z } from 'zod';
import { ConflictError, NotFoundError } from '../lib/errors';
import { formatDate } from '../lib/format';
import { t } from '../lib/i18n';
import { formatPhone } from '../lib/phones';
import { parseInput } from '../lib/validation';
import { findContactById, listContacts, lockContactById, unitIdsOfContact, unitsOfContact, updateContactRow } from '../models/contacts.model';
import {
  type MergeEntity,
  type MergeListRow,
  addContactUnits,
  addOrganizationUnits,
  affiliationsOf,
  childIdsOf,
  deleteAffiliations,
  insertAffiliationRows,
  insertMerge,
  laterActiveMerges,
  listMerges,
  lockMergeById,
  markMergeUndone,
  moveEventLinks,
  moveExchangesAndTasks,
  moveSourcingCases,
  relationCounts,
  removeContactUnits,
  removeOrganizationUnits,
  repointAffiliations,
  repointChildren,
  repointConventionParties,
  repointSignatures,
  restoreConventionParties,
  restoreEventLinks,
  restoreExchangesAndTasks,
  restoreSignatures,
  restoreSourcingCases,
  setAffiliationsPrimary,
  sourcingCasesLeftOnMerge,
} from '../models/merges.model';
import {
  findOrganizationById,
  listKinds,
  lockOrganizationById,
  organizationLabels,
  pickOrganizations,
  unitIdsOfOrganization,
  unitsOfOrganization,
  updateOrganizationRow,
} from '../models/organizations.model';
import type { Affiliation, Contact, NewAffiliation, NewContact, NewOrganization, Organization, RecordMerge } from '../models/schema';
import { findUserById } from '../models/users.model';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { type ContactPairRow, type OrganizationPairRow, scoreContactPair, scoreOrganizationPair } from '../models/duplicates.model';
import { type DuplicateVerdict, contactReasons, findContactDuplicates, findOrganizationDuplicates, organizationReasons, verdictOf } from './duplicates.service';
import { assertCan, can } from './permissions';
import { restrictedFieldsFor } from './restricted-fields.service';

export const MERGES_PAGE_SIZE = 50;

type Entity = MergeEntity;
type AnyRecord = Record<string, unknown> & { id: string; mergedIntoId: string | null };

export const SEGMENT_OF: Record<Entity, 'structures' | 'contacts'> = { organization: 'structures', contact: 'contacts' };
export const ENTITY_OF_SEGMENT: Record<string, Entity | undefined> = { structures: 'organization', contacts: 'contact' };

/** One field picked as a whole: a group of columns that only make sense together (an address). */
interface FieldSpec {
  name: string;
  labelKey: string;
  columns: string[];
  /** Name of the restricted field (admin setting) that hides it from some readers. */
  restricted?: string;
  display?: (record: AnyRecord, lookups: Lookups) => string;
}

interface Lookups {
  names: Map<string, string>;
}

const text = (value: unknown): string => (value === null || value === undefined || value === '' ? '' : value instanceof Date ? formatDate(value) : String(value));

const ORGANIZATION_FIELDS: FieldSpec[] = [
  { name: 'name', labelKey: 'organizations.name', columns: ['name'] },
  { name: 'acronym', labelKey: 'organizations.acronym', columns: ['acronym'] },
  { name: 'kindCode', labelKey: 'organizations.kind', columns: ['kindCode'], display: (r, l) => l.names.get(`kind:${String(r.kindCode)}`) ?? text(r.kindCode) },
  { name: 'status', labelKey: 'organizations.status', columns: ['status'], display: (r) => t(`organizations.statuses.${String(r.status)}`) },
  // SIREN follows SIRET: the SIREN is the SIRET's first nine digits.
  { name: 'siret', labelKey: 'organizations.siret', columns: ['siret', 'siren'], restricted: 'siret', display: (r) => text(r.siret) || (r.siren ? `SIREN ${String(r.siren)}` : '') },
  { name: 'website', labelKey: 'organizations.website', columns: ['website'] },
  { name: 'email', labelKey: 'organizations.email', columns: ['email'], restricted: 'email' },
  { name: 'phone', labelKey: 'organizations.phone', columns: ['phone'], restricted: 'phone', display: (r) => (r.phone ? formatPhone(String(r.phone)) : '') },
  {
    name: 'address',
    labelKey: 'organizations.address',
    columns: ['addressLine', 'postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
    restricted: 'addressLine',
    display: (r) => [r.addressLine, [r.postalCode, r.city].filter(Boolean).join(' ')].filter(Boolean).join(', '),
  },
  { name: 'parentId', labelKey: 'organizations.parent', columns: ['parentId'], display: (r, l) => (r.parentId ? l.names.get(`org:${String(r.parentId)}`) ?? '' : '') },
  { name: 'ownerId', labelKey: 'organizations.owner', columns: ['ownerId'], display: (r, l) => (r.ownerId ? l.names.get(`user:${String(r.ownerId)}`) ?? '' : '') },
  { name: 'description', labelKey: 'organizations.description', columns: ['description'], restricted: 'description' },
];

const CONTACT_FIELDS: FieldSpec[] = [
  { name: 'civility', labelKey: 'contacts.civility', columns: ['civility'] },
  { name: 'firstName', labelKey: 'contacts.firstName', columns: ['firstName'] },
  { name: 'lastName', labelKey: 'contacts.lastName', columns: ['lastName'] },
  { name: 'jobTitle', labelKey: 'contacts.jobTitle', columns: ['jobTitle'], restricted: 'jobTitle' },
  { name: 'linkedinUrl', labelKey: 'contacts.linkedinUrl', columns: ['linkedinUrl'], restricted: 'linkedinUrl' },
  { name: 'ownerId', labelKey: 'contacts.owner', columns: ['ownerId'], display: (r, l) => (r.ownerId ? l.names.get(`user:${String(r.ownerId)}`) ?? '' : '') },
  // The consent date belongs to the legal basis it proves.
  {
    name: 'legalBasis',
    labelKey: 'contacts.legalBasis',
    columns: ['legalBasis', 'consentAt'],
    display: (r) => t(`contacts.legalBases.${String(r.legalBasis)}`) + (r.consentAt ? ` (${formatDate(r.consentAt as Date)})` : ''),
  },
  { name: 'source', labelKey: 'contacts.source', columns: ['source'], display: (r) => (r.source ? t(`contacts.sources.${String(r.source)}`) : '') },
  { name: 'notes', labelKey: 'contacts.notes', columns: ['notes'], restricted: 'notes' },
];

/** List fields are unioned (kept record's items first). */
const LIST_FIELDS: Record<Entity, Array<{ name: string; labelKey: string; restricted?: string }>> = {
  organization: [
    { name: 'otherSirets', labelKey: 'organizations.otherSirets', restricted: 'siret' },
    { name: 'uai', labelKey: 'organizations.uai' },
    { name: 'tags', labelKey: 'organizations.tags', restricted: 'tags' },
  ],
  contact: [
    { name: 'emails', labelKey: 'contacts.emails', restricted: 'emails' },
    { name: 'phones', labelKey: 'contacts.phones', restricted: 'phones' },
    { name: 'tags', labelKey: 'contacts.tags', restricted: 'tags' },
  ],
};

const FIELDS: Record<Entity, FieldSpec[]> = { organization: ORGANIZATION_FIELDS, contact: CONTACT_FIELDS };

/** Columns an undo writes back from the snapshots (never ids, generated or source columns). */
const RESTORED_COLUMNS: Record<Entity, string[]> = {
  organization: [
    ...ORGANIZATION_FIELDS.flatMap((field) => field.columns),
    'otherSirets',
    'uai',
    'tags',
    'lastActivityAt',
    'archivedAt',
    'archivedById',
    'updatedById',
  ],
  contact: [...CONTACT_FIELDS.flatMap((field) => field.columns), 'emails', 'phones', 'tags', 'emailOptOut', 'emailOptOutAt', 'emailOptOutSource', 'lastActivityAt', 'archivedAt', 'archivedById', 'updatedById'],
};
const TIMESTAMP_COLUMNS = new Set(['lastActivityAt', 'archivedAt', 'consentAt', 'emailOptOutAt', 'createdAt', 'updatedAt']);

function union(first: unknown, second: unknown): string[] {
  return [...new Set([...((first as string[] | null) ?? []), ...((second as string[] | null) ?? [])])];
}

function latest(first: unknown, second: unknown): Date | null {
  const dates = [first, second].filter((value): value is Date => value instanceof Date);
  return dates.length === 0 ? null : new Date(Math.max(...dates.map((date) => date.getTime())));
}

function isEmpty(record: AnyRecord, field: FieldSpec): boolean {
  return field.columns.every((column) => record[column] === null || record[column] === undefined || record[column] === '');
}

function sameValue(kept: AnyRecord, merged: AnyRecord, field: FieldSpec): boolean {
  return field.columns.every((column) => JSON.stringify(kept[column] ?? null) === JSON.stringify(merged[column] ?? null));
}

/** The kept record's value unless it is empty and the other one is not. */
function defaultChoice(kept: AnyRecord, merged: AnyRecord, field: FieldSpec): 'kept' | 'merged' {
  return isEmpty(kept, field) && !isEmpty(merged, field) ? 'merged' : 'kept';
}

function labelOf(entity: Entity, record: AnyRecord): string {
  return entity === 'organization' ? String(record.name) : `${String(record.firstName ?? '')} ${String(record.lastName ?? '')}`.trim();
}

function hrefOf(entity: Entity, id: string): string {
  return `/${SEGMENT_OF[entity]}/${id}`;
}

/** What the journal and the snapshots keep of a record (generated search columns are noise). */
function auditable(record: AnyRecord): Record<string, unknown> {
  const { searchDocument: _document, searchName: _name, websiteDomain: _domain, ...rest } = record;
  return rest;
}

/** JSON as stored in jsonb (dates as ISO strings), so snapshots compare and restore predictably. */
function snapshot(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

const isUuid = (value: string) => z.uuid().safeParse(value).success;

async function loadRecord(ctx: ServiceContext, entity: Entity, id: string): Promise<AnyRecord> {
  const record = isUuid(id) ? (entity === 'organization' ? await findOrganizationById(ctx.db, id) : await findContactById(ctx.db, id)) : undefined;
  if (!record) throw new NotFoundError(t(entity === 'organization' ? 'organizations.notFound' : 'contacts.notFound'));
  return record as unknown as AnyRecord;
}

async function lockRecord(db: ServiceContext['db'], entity: Entity, id: string): Promise<AnyRecord | undefined> {
  const record = entity === 'organization' ? await lockOrganizationById(db, id) : await lockContactById(db, id);
  return record as unknown as AnyRecord | undefined;
}

/** Both records, locked in id order (two merges of the same pair cannot deadlock). */
async function lockPair(db: ServiceContext['db'], entity: Entity, keptId: string, mergedId: string): Promise<[AnyRecord | undefined, AnyRecord | undefined]> {
  const [first, second] = [keptId, mergedId].sort();
  const locked = new Map<string, AnyRecord | undefined>();
  locked.set(first as string, await lockRecord(db, entity, first as string));
  locked.set(second as string, await lockRecord(db, entity, second as string));
  return [locked.get(keptId), locked.get(mergedId)];
}

/** The rules a pair must meet to be merged, checked on the screen and again under lock. */
function assertMergeable(entity: Entity, kept: AnyRecord, merged: AnyRecord): void {
  if (kept.id === merged.id) throw new ConflictError(t('merges.sameRecord'));
  for (const record of [kept, merged]) {
    if (record.mergedIntoId) throw new ConflictError(t('merges.alreadyMerged', { name: labelOf(entity, record) }));
    if (entity === 'contact' && record.erasedAt) throw new ConflictError(t('merges.erased'));
  }
}

async function loadPair(ctx: ServiceContext, entity: Entity, keptId: string, mergedId: string): Promise<[AnyRecord, AnyRecord]> {
  if (keptId === mergedId) throw new ConflictError(t('merges.sameRecord'));
  const kept = await loadRecord(ctx, entity, keptId);
  const merged = await loadRecord(ctx, entity, mergedId);
  assertMergeable(entity, kept, merged);
  return [kept, merged];
}

async function unitIdsOf(db: ServiceContext['db'], entity: Entity, id: string): Promise<string[]> {
  return entity === 'organization' ? unitIdsOfOrganization(db, id) : unitIdsOfContact(db, id);
}

async function hiddenFieldsFor(ctx: ServiceContext, entity: Entity, records: AnyRecord[]): Promise<Set<string>> {
  const hidden = new Set<string>();
  for (const record of records) {
    const unitIds = await unitIdsOf(ctx.db, entity, record.id);
    for (const field of await restrictedFieldsFor(ctx, entity, { ownerId: record.ownerId as string | null, unitIds })) hidden.add(field);
  }
  return hidden;
}

// ── The merge screen ─────────────────────────────────────────────────────────────────────────

export interface MergeScreen {
  entity: Entity;
  segment: string;
  kept: { id: string; label: string; href: string; updatedAt: unknown };
  merged: { id: string; label: string; href: string; updatedAt: unknown };
  fields: Array<{ name: string; label: string; kept: string; merged: string; same: boolean; restricted: boolean; choice: 'kept' | 'merged' }>;
  lists: Array<{ label: string; kept: string; merged: string; result: string }>;
  units: { kept: string; merged: string; result: string };
  moves: { affiliations: number; children: number; conventions: number; exchanges: number; tasks: number; sourcingCases: number };
  /** « 3 rattachement(s) de contacts », … : what moves besides the values (none listed when zero). */
  moveItems: string[];
  /** Why the pair is proposed (as on /doublons), empty when nothing links the two records. */
  proposal: { reasons: string[]; verdict: DuplicateVerdict; verdictLabel: string; score: number } | null;
  actionHref: string;
  swapHref: string;
}

async function lookupsFor(ctx: ServiceContext, entity: Entity, records: AnyRecord[]): Promise<Lookups> {
  const names = new Map<string, string>();
  for (const record of records) {
    if (record.ownerId && !names.has(`user:${String(record.ownerId)}`)) {
      const user = await findUserById(ctx.db, String(record.ownerId));
      if (user) names.set(`user:${user.id}`, user.displayName);
    }
  }
  if (entity === 'organization') {
    for (const kind of await listKinds(ctx.db, { includeArchived: true })) names.set(`kind:${kind.code}`, kind.label);
    const parentIds = records.map((record) => record.parentId).filter((id): id is string => typeof id === 'string');
    for (const parent of await organizationLabels(ctx.db, parentIds)) names.set(`org:${parent.id}`, parent.name);
  }
  return { names };
}

export async function getMergeScreen(ctx: ServiceContext, entity: Entity, keptId: string, mergedId: string): Promise<MergeScreen> {
  assertCan(ctx.actor, 'directory.merge');
  const [kept, merged] = await loadPair(ctx, entity, keptId, mergedId);
  const [lookups, hidden, moves, pair, casesLeft] = await Promise.all([
    lookupsFor(ctx, entity, [kept, merged]),
    hiddenFieldsFor(ctx, entity, [kept, merged]),
    relationCounts(ctx.db, entity, merged.id),
    entity === 'organization' ? scoreOrganizationPair(ctx.db, kept.id, merged.id) : scoreContactPair(ctx.db, kept.id, merged.id),
    entity === 'organization' ? sourcingCasesLeftOnMerge(ctx.db, kept.id, merged.id) : Promise.resolve(0),
  ]);
  const moveItems = (
    entity === 'organization'
      ? [
          ['organizationAffiliations', moves.affiliations],
          ['children', moves.children],
          ['conventionParties', moves.conventions],
          ['exchanges', moves.exchanges],
          ['tasks', moves.tasks],
          // Sourcing cases (issue 14): those in a challenge where the kept one has a case stay behind.
          ['sourcingCases', moves.sourcingCases - casesLeft],
          ['sourcingCasesLeft', casesLeft],
        ]
      : [
          ['contactAffiliations', moves.affiliations],
          ['signatures', moves.conventions],
          ['exchanges', moves.exchanges],
          ['tasks', moves.tasks],
        ]
  )
    .filter(([, count]) => Number(count) > 0)
    .map(([key, count]) => t(`merges.moveItems.${String(key)}`, { count }));
  // Pairs come in id order: the numbers of the names are told kept first, as the screen shows them.
  const inScreenOrder = (row: OrganizationPairRow): OrganizationPairRow =>
    row.first_id === kept.id ? row : { ...row, first_numbers: row.second_numbers, second_numbers: row.first_numbers };
  const reasons = pair ? (entity === 'organization' ? organizationReasons(inScreenOrder(pair as OrganizationPairRow)) : contactReasons(pair as ContactPairRow)) : [];
  const proposal = pair && reasons.length > 0 ? { reasons, score: Number(pair.score), ...verdictOf(pair.names_agree) } : null;
  const restrictedText = t('organizations.restricted');
  const show = (record: AnyRecord, field: FieldSpec) => (field.display ? field.display(record, lookups) : field.columns.map((column) => text(record[column])).join(' ').trim());
  const unitNames = async (id: string) =>
    (entity === 'organization' ? await unitsOfOrganization(ctx.db, id) : await unitsOfContact(ctx.db, id)).map((unit) => unit.name);
  const [keptUnits, mergedUnits] = await Promise.all([unitNames(kept.id), unitNames(merged.id)]);
  const segment = SEGMENT_OF[entity];
  return {
    entity,
    segment,
    kept: { id: kept.id, label: labelOf(entity, kept), href: hrefOf(entity, kept.id), updatedAt: kept.updatedAt },
    merged: { id: merged.id, label: labelOf(entity, merged), href: hrefOf(entity, merged.id), updatedAt: merged.updatedAt },
    fields: FIELDS[entity].map((field) => {
      const restricted = Boolean(field.restricted && hidden.has(field.restricted));
      return {
        name: field.name,
        label: t(field.labelKey),
        kept: restricted ? restrictedText : show(kept, field) || '—',
        merged: restricted ? restrictedText : show(merged, field) || '—',
        same: sameValue(kept, merged, field),
        restricted,
        choice: defaultChoice(kept, merged, field),
      };
    }),
    lists: LIST_FIELDS[entity].map((field) => {
      const restricted = Boolean(field.restricted && hidden.has(field.restricted));
      const join = (items: string[]) => (restricted ? restrictedText : items.join(', ') || '—');
      return {
        label: t(field.labelKey),
        kept: join((kept[field.name] as string[]) ?? []),
        merged: join((merged[field.name] as string[]) ?? []),
        result: join(union(kept[field.name], merged[field.name])),
      };
    }),
    units: { kept: keptUnits.join(', ') || '—', merged: mergedUnits.join(', ') || '—', result: union(keptUnits, mergedUnits).join(', ') || '—' },
    moves,
    moveItems,
    proposal,
    actionHref: `/doublons/${segment}/${kept.id}/${merged.id}`,
    swapHref: `/doublons/${segment}/${merged.id}/${kept.id}`,
  };
}

// ── Merge ────────────────────────────────────────────────────────────────────────────────────

const choiceSchema = z.object({ choice: z.record(z.string(), z.enum(['kept', 'merged'])).optional().catch(undefined) });

function chosenValues(entity: Entity, kept: AnyRecord, merged: AnyRecord, choices: Record<string, 'kept' | 'merged'>, hidden: Set<string>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of FIELDS[entity]) {
    // A field this person may not read keeps its default: nobody picks blind.
    const restricted = Boolean(field.restricted && hidden.has(field.restricted));
    const choice = restricted ? defaultChoice(kept, merged, field) : choices[field.name] ?? defaultChoice(kept, merged, field);
    const source = choice === 'merged' ? merged : kept;
    for (const column of field.columns) values[column] = source[column] ?? null;
  }
  for (const field of LIST_FIELDS[entity]) values[field.name] = union(kept[field.name], merged[field.name]);
  values.lastActivityAt = latest(kept.lastActivityAt, merged.lastActivityAt);
  if (entity === 'organization') {
    // The kept record cannot become its own parent (when one record was the other's parent).
    if (values.parentId === kept.id || values.parentId === merged.id) values.parentId = null;
    // The SIRET not chosen as the main one stays one of the record's establishments (imports and
    // the duplicate check still find the record by it); the main one is not repeated there.
    const notChosen = [kept.siret, merged.siret].filter((siret): siret is string => typeof siret === 'string' && siret !== '' && siret !== values.siret);
    values.otherSirets = union(values.otherSirets, notChosen).filter((siret) => siret !== values.siret);
  } else {
    // A person who refused e-mails on either record keeps refusing them.
    values.emailOptOut = Boolean(kept.emailOptOut) || Boolean(merged.emailOptOut);
    // With the date and origin of that refusal (the kept record's when both refused).
    const refusal = kept.emailOptOut ? kept : merged.emailOptOut ? merged : null;
    values.emailOptOutAt = refusal?.emailOptOutAt ?? null;
    values.emailOptOutSource = refusal?.emailOptOutSource ?? null;
  }
  return values;
}

async function updateRecord(db: ServiceContext['db'], entity: Entity, id: string, values: Record<string, unknown>): Promise<AnyRecord> {
  const updated =
    entity === 'organization' ? await updateOrganizationRow(db, id, values as Partial<NewOrganization>) : await updateContactRow(db, id, values as Partial<NewContact>);
  return updated as unknown as AnyRecord;
}

type MovedRelations = Record<string, string[]>;

/**
 * Moves the merged record's affiliations (and, for an organisation, its child organisations) to
 * the kept record. A current affiliation that would duplicate one the kept record already has
 * (the same person in both organisations; both contacts in the same organisation) is removed
 * instead, its row kept in the snapshot; primary flags are fixed so a person keeps one.
 */
async function moveRelations(tx: ServiceContext['db'], entity: Entity, kept: AnyRecord, merged: AnyRecord): Promise<{ moved: MovedRelations; removed: Affiliation[] }> {
  const moved: MovedRelations = {};
  const otherSide = (affiliation: Affiliation) => (entity === 'organization' ? affiliation.contactId : affiliation.organizationId);
  const keptRows = await affiliationsOf(tx, entity, kept.id);
  const mergedRows = await affiliationsOf(tx, entity, merged.id);
  const keptCurrent = new Map(keptRows.filter((row) => !row.endDate).map((row) => [otherSide(row), row]));
  const removed = mergedRows.filter((row) => !row.endDate && keptCurrent.has(otherSide(row)));
  const madePrimary = removed
    .filter((row) => row.isPrimary)
    .map((row) => keptCurrent.get(otherSide(row)))
    .filter((row): row is Affiliation => Boolean(row && !row.isPrimary))
    // For a contact merge the kept person may already have a primary position elsewhere.
    .filter(() => entity === 'organization' || !keptRows.some((row) => row.isPrimary && !row.endDate))
    .map((row) => row.id);
  await deleteAffiliations(tx, removed.map((row) => row.id));
  await setAffiliationsPrimary(tx, madePrimary, true);
  const toMove = mergedRows.filter((row) => !removed.includes(row));
  moved.affiliations = await repointAffiliations(tx, entity, toMove.map((row) => row.id), merged.id, kept.id);
  if (removed.length > 0) moved['affiliations.removed'] = removed.map((row) => row.id);
  if (madePrimary.length > 0) moved['affiliations.madePrimary'] = madePrimary;
  if (entity === 'contact') {
    const keptHasPrimary = madePrimary.length > 0 || keptRows.some((row) => row.isPrimary && !row.endDate);
    const cleared = keptHasPrimary ? toMove.filter((row) => row.isPrimary).map((row) => row.id) : [];
    await setAffiliationsPrimary(tx, cleared, false);
    if (cleared.length > 0) moved['affiliations.primaryCleared'] = cleared;
    // The same person: the conventions the merged record signs are signed by the kept one.
    moved['convention_parties.signatory'] = await repointSignatures(tx, merged.id, kept.id);
  } else {
    moved['organizations.parent_id'] = await repointChildren(tx, await childIdsOf(tx, merged.id, kept.id), merged.id, kept.id);
    moved.convention_parties = await repointConventionParties(tx, merged.id, kept.id);
    // Its sourcing cases follow it (issue 14), except one in a challenge the kept organisation already has a case in.
    const cases = await moveSourcingCases(tx, merged.id, kept.id);
    if (cases.moved.length > 0) moved.sourcing_cases = cases.moved;
    if (cases.left.length > 0) moved['sourcing_cases.left'] = cases.left;
  }
  // The exchanges the merged record took part in and its tasks follow it (issue 12).
  const activity = await moveExchangesAndTasks(tx, entity, merged.id, kept.id);
  if (activity.linksMoved.length > 0) moved['exchanges.linked'] = activity.linksMoved;
  if (activity.linksRemoved.length > 0) moved['exchanges.unlinked'] = activity.linksRemoved;
  if (activity.tasks.length > 0) moved.tasks = activity.tasks;
  // Its events follow it too (issue 13): attended events count for the kept organisation.
  const eventLinks = await moveEventLinks(tx, entity, merged.id, kept.id);
  if (eventLinks.linksMoved.length > 0) moved['events.linked'] = eventLinks.linksMoved;
  if (eventLinks.linksRemoved.length > 0) moved['events.unlinked'] = eventLinks.linksRemoved;
  if (eventLinks.invitations.length > 0) moved.event_invitations = eventLinks.invitations;
  return { moved, removed };
}

export async function mergeRecords(ctx: ServiceContext, entity: Entity, keptId: string, mergedId: string, input: unknown): Promise<{ kept: AnyRecord; merge: RecordMerge }> {
  assertCan(ctx.actor, 'directory.merge');
  const actor = ctx.actor;
  const { choice } = parseInput(choiceSchema, input ?? {});
  const [screenKept, screenMerged] = await loadPair(ctx, entity, keptId, mergedId);
  const hidden = await hiddenFieldsFor(ctx, entity, [screenKept, screenMerged]);
  return inTransaction(ctx, async (tx) => {
    const [kept, merged] = await lockPair(tx, entity, keptId, mergedId);
    if (!kept || !merged) throw new NotFoundError();
    assertMergeable(entity, kept, merged);
    const keptUnitIds = await unitIdsOf(tx, entity, kept.id);
    const mergedUnitIds = await unitIdsOf(tx, entity, merged.id);
    const updated = await updateRecord(tx, entity, kept.id, { ...chosenValues(entity, kept, merged, choice ?? {}, hidden), updatedById: actor.id });
    const addedUnits = entity === 'organization' ? await addOrganizationUnits(tx, kept.id, mergedUnitIds) : await addContactUnits(tx, kept.id, mergedUnitIds);
    const { moved, removed } = await moveRelations(tx, entity, kept, merged);
    if (addedUnits.length > 0) moved[entity === 'organization' ? 'organization_units' : 'contact_units'] = addedUnits;
    await updateRecord(tx, entity, merged.id, { mergedIntoId: kept.id, updatedById: actor.id });
    const merge = await insertMerge(tx, {
      entityType: entity,
      keptId: kept.id,
      mergedId: merged.id,
      keptBefore: snapshot({ ...auditable(kept), unitIds: keptUnitIds }),
      mergedBefore: snapshot({ ...auditable(merged), unitIds: mergedUnitIds, removedAffiliations: removed }),
      movedRelations: moved,
      mergedById: actor.id,
    });
    const metadata = { mergeId: merge.id, keptId: kept.id, mergedId: merged.id, mergedLabel: labelOf(entity, merged) };
    await recordAudit(tx, ctx, {
      action: `${entity}.merged`,
      entityType: entity,
      entityId: kept.id,
      before: { ...auditable(kept), unitIds: keptUnitIds },
      after: { ...auditable(updated), unitIds: union(keptUnitIds, mergedUnitIds) },
      metadata: { ...metadata, moved: Object.fromEntries(Object.entries(moved).map(([key, ids]) => [key, ids.length])) },
    });
    await recordAudit(tx, ctx, {
      action: `${entity}.merged`,
      entityType: entity,
      entityId: merged.id,
      before: { mergedIntoId: null },
      after: { mergedIntoId: kept.id },
      metadata,
    });
    return { kept: updated, merge };
  });
}

// ── Undo ─────────────────────────────────────────────────────────────────────────────────────

function restoredValues(entity: Entity, before: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const column of RESTORED_COLUMNS[entity]) {
    if (!(column in before)) continue;
    const value = before[column];
    values[column] = TIMESTAMP_COLUMNS.has(column) && typeof value === 'string' ? new Date(value) : value ?? null;
  }
  return values;
}

function affiliationFromSnapshot(row: Record<string, unknown>): NewAffiliation {
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : undefined);
  return {
    id: String(row.id),
    contactId: String(row.contactId),
    organizationId: String(row.organizationId),
    role: (row.role as string | null) ?? null,
    startDate: (row.startDate as string | null) ?? null,
    endDate: (row.endDate as string | null) ?? null,
    isPrimary: Boolean(row.isPrimary),
    importBatchId: (row.importBatchId as string | null) ?? null,
    createdById: (row.createdById as string | null) ?? null,
    createdAt: date(row.createdAt),
    updatedAt: date(row.updatedAt),
  };
}

export async function undoMerge(ctx: ServiceContext, mergeId: string): Promise<{ merge: RecordMerge; keptHref: string; keptLabel: string; mergedLabel: string }> {
  assertCan(ctx.actor, 'directory.undoMerge');
  const actor = ctx.actor;
  if (!isUuid(mergeId)) throw new NotFoundError(t('merges.notFound'));
  return inTransaction(ctx, async (tx) => {
    const merge = await lockMergeById(tx, mergeId);
    if (!merge) throw new NotFoundError(t('merges.notFound'));
    if (merge.undoneAt) throw new ConflictError(t('merges.alreadyUndone'));
    const entity = merge.entityType as Entity;
    const [kept, merged] = await lockPair(tx, entity, merge.keptId, merge.mergedId);
    if (!kept || !merged) throw new ConflictError(t('merges.undoRecordGone'));
    if (kept.mergedIntoId) throw new ConflictError(t('merges.undoKeptMergedSince', { name: labelOf(entity, kept) }));
    if (merged.mergedIntoId !== kept.id) throw new ConflictError(t('merges.undoInconsistent'));
    if (entity === 'contact' && kept.erasedAt) throw new ConflictError(t('merges.undoErased'));
    if ((await laterActiveMerges(tx, entity, [kept.id, merged.id], merge.mergedAt, merge.id)).length > 0) {
      throw new ConflictError(t('merges.undoLaterMerge'));
    }
    const moved = merge.movedRelations ?? {};
    await setAffiliationsPrimary(tx, moved['affiliations.madePrimary'] ?? [], false);
    await setAffiliationsPrimary(tx, moved['affiliations.primaryCleared'] ?? [], true);
    await repointAffiliations(tx, entity, moved.affiliations ?? [], kept.id, merged.id);
    const removed = (merge.mergedBefore.removedAffiliations as Array<Record<string, unknown>> | undefined) ?? [];
    await insertAffiliationRows(tx, removed.map(affiliationFromSnapshot));
    if (entity === 'organization') {
      await repointChildren(tx, moved['organizations.parent_id'] ?? [], kept.id, merged.id);
      await restoreConventionParties(tx, moved.convention_parties ?? [], merged.id);
      await restoreSourcingCases(tx, moved.sourcing_cases ?? [], kept.id, merged.id);
      await removeOrganizationUnits(tx, kept.id, moved.organization_units ?? []);
    } else {
      await restoreSignatures(tx, moved['convention_parties.signatory'] ?? [], kept.id, merged.id);
      await removeContactUnits(tx, kept.id, moved.contact_units ?? []);
    }
    await restoreExchangesAndTasks(
      tx,
      entity,
      { linksMoved: moved['exchanges.linked'] ?? [], linksRemoved: moved['exchanges.unlinked'] ?? [], tasks: moved.tasks ?? [] },
      kept.id,
      merged.id,
    );
    await restoreEventLinks(
      tx,
      entity,
      { linksMoved: moved['events.linked'] ?? [], linksRemoved: moved['events.unlinked'] ?? [], invitations: moved.event_invitations ?? [] },
      kept.id,
      merged.id,
    );
    const keptRestored = await updateRecord(tx, entity, kept.id, { ...restoredValues(entity, merge.keptBefore), updatedById: actor.id });
    const mergedRestored = await updateRecord(tx, entity, merged.id, { ...restoredValues(entity, merge.mergedBefore), mergedIntoId: null, updatedById: actor.id });
    await markMergeUndone(tx, merge.id, actor.id);
    const metadata = { mergeId: merge.id, keptId: kept.id, mergedId: merged.id };
    await recordAudit(tx, ctx, { action: `${entity}.merge_undone`, entityType: entity, entityId: kept.id, before: auditable(kept), after: auditable(keptRestored), metadata });
    await recordAudit(tx, ctx, { action: `${entity}.merge_undone`, entityType: entity, entityId: merged.id, before: auditable(merged), after: auditable(mergedRestored), metadata });
    return { merge, keptHref: hrefOf(entity, kept.id), keptLabel: labelOf(entity, keptRestored), mergedLabel: labelOf(entity, mergedRestored) };
  });
}

// ── The list of merges ───────────────────────────────────────────────────────────────────────

const mergeListSchema = z.object({
  type: z.enum(['structures', 'contacts']).default('structures').catch('structures'),
  fiche: z.uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});

export async function listMergesPage(ctx: ServiceContext, rawQuery: unknown) {
  assertCan(ctx.actor, 'directory.merge');
  const query = mergeListSchema.parse(rawQuery ?? {});
  const entity = ENTITY_OF_SEGMENT[query.type] as Entity;
  const rows = await listMerges(ctx.db, { entityType: entity, recordId: query.fiche, limit: MERGES_PAGE_SIZE, offset: (query.page - 1) * MERGES_PAGE_SIZE });
  const total = rows[0]?.total ?? 0;
  const canUndo = can(ctx.actor, 'directory.undoMerge');
  return {
    query,
    total,
    pageCount: Math.max(1, Math.ceil(total / MERGES_PAGE_SIZE)),
    rows: rows.map((row: MergeListRow) => ({
      ...row,
      keptHref: hrefOf(entity, row.keptId),
      mergedLabel: labelOf(entity, { id: row.mergedId, mergedIntoId: null, ...row.mergedBefore }),
      canUndo: canUndo && !row.undoneAt,
    })),
  };
}

// ── Choosing the record to merge with ────────────────────────────────────────────────────────

/** The other record for a merge: likely duplicates of this one, and a search by name. */
export async function mergePartnersFor(ctx: ServiceContext, entity: Entity, id: string, rawQuery: string | undefined) {
  assertCan(ctx.actor, 'directory.merge');
  const record = await loadRecord(ctx, entity, id);
  if (record.mergedIntoId) throw new ConflictError(t('merges.alreadyMerged', { name: labelOf(entity, record) }));
  const q = (rawQuery ?? '').trim().slice(0, 100);
  const segment = SEGMENT_OF[entity];
  const mergeHref = (otherId: string) => `/doublons/${segment}/${record.id}/${otherId}`;
  let candidates: Array<{ id: string; label: string; reasons: string[] }> = [];
  let found: Array<{ id: string; label: string; detail: string }> = [];
  if (entity === 'organization') {
    const organization = record as unknown as Organization;
    candidates = await findOrganizationDuplicates(ctx, {
      id: organization.id,
      name: organization.name,
      siren: organization.siren,
      siret: organization.siret,
      uai: organization.uai,
      email: organization.email,
      website: organization.website,
    });
    if (q.length >= 2) {
      found = (await pickOrganizations(ctx.db, q, 10))
        .filter((row) => row.id !== record.id)
        .map((row) => ({ id: row.id, label: row.name + (row.acronym ? ` (${row.acronym})` : ''), detail: row.city ?? '' }));
    }
  } else {
    const contact = record as unknown as Contact;
    candidates = await findContactDuplicates(ctx, { id: contact.id, firstName: contact.firstName, lastName: contact.lastName, emails: contact.emails, phones: contact.phones });
    if (q.length >= 2) {
      const page = await listContacts(ctx.db, { q, archived: 'exclude', sort: 'name', direction: 'asc' }, { limit: 10 }, ctx.now);
      found = page.rows
        .filter((row) => row.id !== record.id && !row.erasedAt)
        .map((row) => ({ id: row.id, label: `${row.firstName} ${row.lastName}`.trim(), detail: row.organizationName ?? '' }));
    }
  }
  return {
    entity,
    segment,
    record: { id: record.id, label: labelOf(entity, record), href: hrefOf(entity, record.id) },
    q,
    candidates: candidates.map((candidate) => ({ ...candidate, mergeHref: mergeHref(candidate.id) })),
    found: found.map((row) => ({ ...row, mergeHref: mergeHref(row.id) })),
  };
}
