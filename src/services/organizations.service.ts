// The organisations of the shared partner file: list, detail, create, edit, archive, restore.
// Rules live here: who may edit (roles × units × owner), validation, audit in the same
// transaction, and the duplicate warning shown on create and edit.
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { optionalId, optionalTrimmed, parseInput, requiredText, stringList } from '../lib/validation';
import {
  optionalEmailField,
  sirenField,
  siretField,
  siretListField,
  TAG_MAX_LENGTH,
  tagListField,
  uaiListField,
  websiteField,
} from '../lib/directory-fields';
import { type Commune, communeByCode, communesMatching, departmentName, listRegions, regionName, resolveCommune } from '../lib/geography';
import { sirenOfSiret } from '../lib/identifiers';
import { parsePhone } from '../lib/phones';
import {
  type ListCursor,
  type OrganizationListRow,
  ORGANIZATION_SORTS,
  affiliatedContacts,
  childrenOf,
  findKind,
  findOrganizationById,
  insertOrganization,
  listOrganizations,
  lockOrganizationById,
  organizationLabels,
  pickOrganizations,
  replaceOrganizationUnits,
  unitIdsOfOrganization,
  unitsOfOrganization,
  updateOrganizationRow,
} from '../models/organizations.model';
import { ORGANIZATION_STATUSES, type NewOrganization, type Organization } from '../models/schema';
import { findUnitsByIds } from '../models/units.model';
import { findUserById } from '../models/users.model';
import type { Database } from '../models/database';
import { recordAudit } from './audit.service';
import { conventionsOfOrganizationFor } from './conventions.service';
import { cachedActiveUnits, cachedActiveUserOptions, cachedOrganizationKinds } from './reference-lists';
import { type Actor, type ServiceContext, inTransaction } from './context';
import { findOrganizationDuplicates, type DuplicateCandidate } from './duplicates.service';
import { type OrganizationSourcingTab, sourcingTabOfOrganization } from './organization-sourcing.service';
import { assertCan, can, canAttachUnit, unitsAfterChange } from './permissions';
import { restrictedFieldsFor } from './restricted-fields.service';
import { RECIPROCITY_FILTERS, type PartnershipView, type ReciprocityListFilter, reciprocityOfOrganizations, resolveReciprocityListFilter } from './reciprocity.service';

export const ORGANIZATION_PAGE_SIZE = 50;

// ── List ─────────────────────────────────────────────────────────────────────────────────────

const cursorSchema = z
  .string()
  .max(400)
  .transform((value, context): ListCursor => {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
      const result = z.object({ key: z.string().max(300), id: z.uuid() }).parse(parsed);
      return result;
    } catch {
      context.addIssue({ code: 'custom', message: 'bad cursor' });
      return z.NEVER;
    }
  });

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const listSchema = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  kind: z.string().trim().max(50).optional().catch(undefined),
  status: z.enum(ORGANIZATION_STATUSES).optional().catch(undefined),
  region: z.string().regex(/^\d{2}$/).optional().catch(undefined),
  department: z.string().regex(/^(\d{2,3}|2[AB])$/).optional().catch(undefined),
  unit: z.uuid().optional().catch(undefined),
  owner: z.union([z.literal('moi'), z.uuid()]).optional().catch(undefined),
  tag: z.string().trim().max(TAG_MAX_LENGTH).optional().catch(undefined),
  inactive: z.coerce.number().int().min(1).max(120).optional().catch(undefined),
  reciprocite: z.enum(RECIPROCITY_FILTERS).optional().catch(undefined),
  archived: z.enum(['1']).optional().catch(undefined),
  sort: z.enum(ORGANIZATION_SORTS).default('name').catch('name'),
  dir: z.enum(['asc', 'desc']).default('asc').catch('asc'),
  after: cursorSchema.optional().catch(undefined),
  before: cursorSchema.optional().catch(undefined),
});

export type OrganizationListQuery = Omit<z.infer<typeof listSchema>, 'after' | 'before'>;

export interface OrganizationListView {
  /** The filters as given, without the cursor: what links and the export keep. */
  query: OrganizationListQuery;
  rows: Array<OrganizationListRow & { regionName: string | null; canEdit?: boolean; reciprocity?: PartnershipView }>;
  total: number;
  nextCursor: string | null;
  previousCursor: string | null;
  isFirstPage: boolean;
  /** Bulk exports are for chargé, manager and admin: a lecteur sees no export button. */
  canExport: boolean;
}

/** Filters shared by the list page and the exports. Unknown or malformed values are ignored. */
export function parseOrganizationQuery(rawQuery: unknown) {
  const parsed = listSchema.parse(rawQuery ?? {});
  const { after, before, ...query } = parsed;
  return { query, after, before };
}

function filtersOf(ctx: ServiceContext, query: OrganizationListQuery, reciprocity?: ReciprocityListFilter) {
  const canSeeArchived = can(ctx.actor, 'directory.archive');
  return {
    q: query.q || undefined,
    kind: query.kind || undefined,
    status: query.status,
    region: query.region,
    department: query.department,
    unitId: query.unit,
    ownerId: query.owner === 'moi' ? ctx.actor?.id : query.owner,
    tag: query.tag || undefined,
    inactiveMonths: query.inactive,
    reciprocity,
    archived: query.archived === '1' && canSeeArchived ? ('only' as const) : ('exclude' as const),
    sort: query.sort,
    direction: query.dir,
  };
}

export async function listOrganizationsPage(ctx: ServiceContext, rawQuery: unknown): Promise<OrganizationListView> {
  assertCan(ctx.actor, 'directory.read');
  const { query, after, before } = parseOrganizationQuery(rawQuery);
  const reciprocity = query.reciprocite ? await resolveReciprocityListFilter(ctx.db, query.reciprocite, ctx.now) : undefined;
  const page = await listOrganizations(ctx.db, filtersOf(ctx, query, reciprocity), { limit: ORGANIZATION_PAGE_SIZE, after, before }, ctx.now);
  // The reciprocity column: computed for the page's rows only (one statement).
  const reciprocityOfRows = await reciprocityOfOrganizations(ctx.db, page.rows.map((row) => row.id), ctx.now);
  return {
    query,
    rows: page.rows.map((row) => ({ ...row, regionName: row.regionCode ? regionName(row.regionCode) ?? null : null, reciprocity: reciprocityOfRows.get(row.id) })),
    total: page.total,
    nextCursor: page.next ? encodeCursor(page.next) : null,
    previousCursor: page.previous ? encodeCursor(page.previous) : null,
    isFirstPage: !after && !(before && page.previous === null),
    canExport: can(ctx.actor, 'directory.export'),
  };
}

/** Every row matching the filters, page after page, for exports (bounded memory). */
export async function* iterateOrganizations(ctx: ServiceContext, rawQuery: unknown): AsyncGenerator<OrganizationListRow & { regionName: string | null }> {
  assertCan(ctx.actor, 'directory.export');
  const { query } = parseOrganizationQuery(rawQuery);
  const reciprocity = query.reciprocite ? await resolveReciprocityListFilter(ctx.db, query.reciprocite, ctx.now) : undefined;
  const filters = filtersOf(ctx, query, reciprocity);
  let after: ListCursor | undefined;
  for (;;) {
    const page = await listOrganizations(ctx.db, filters, { limit: 1000, after }, ctx.now);
    for (const row of page.rows) yield { ...row, regionName: row.regionCode ? regionName(row.regionCode) ?? null : null };
    if (!page.next) return;
    after = page.next;
  }
}

// ── Reference lists for forms and filters ───────────────────────────────────────────────────

export async function organizationFormOptions(ctx: ServiceContext) {
  // Inactive kinds stay in the list: filters offer them, and the form (ui/select) shows a
  // `retired` option only to the record that already has it.
  // Cached per process (src/services/reference-lists.ts): read on every list page.
  const [kinds, units, owners] = await Promise.all([cachedOrganizationKinds(ctx.db), cachedActiveUnits(ctx.db), cachedActiveUserOptions(ctx.db)]);
  return {
    kinds: kinds.map((kind) =>
      kind.archivedAt
        ? { value: kind.code, label: t('organizationKinds.inactiveSuffix', { label: kind.label }), retired: true }
        : { value: kind.code, label: kind.label, retired: false },
    ),
    statuses: ORGANIZATION_STATUSES.map((status) => ({ value: status, label: t(`organizations.statuses.${status}`) })),
    // `locked`: not one of the person's units — shown, but only an admin attaches a record to it.
    units: units.filter((unit) => !unit.archivedAt).map((unit) => ({ id: unit.id, name: unit.name, locked: !canAttachUnit(ctx.actor, unit.id) })),
    owners: owners.map((owner) => ({ value: owner.id, label: owner.displayName })),
    regions: listRegions().map((region) => ({ value: region.code, label: region.name })),
  };
}

/** The options of an empty creation form, for people who may create. */
export async function newOrganizationForm(ctx: ServiceContext) {
  assertCan(ctx.actor, 'directory.edit');
  return organizationFormOptions(ctx);
}

// ── Detail ───────────────────────────────────────────────────────────────────────────────────

export type OrganizationDetail =
  | { kind: 'redirect'; to: string }
  | {
      kind: 'found';
      organization: Organization;
      kindLabel: string;
      ownerName: string | null;
      regionName: string | null;
      departmentName: string | null;
      units: Array<{ id: string; name: string }>;
      parent: { id: string; name: string } | null;
      children: Array<{ id: string; name: string; kindLabel: string }>;
      people: { current: Awaited<ReturnType<typeof affiliatedContacts>>; past: Awaited<ReturnType<typeof affiliatedContacts>> };
      conventions: Awaited<ReturnType<typeof conventionsOfOrganizationFor>>;
      /** The « Sourcing d'innovation » tab (issue 14). */
      sourcing: OrganizationSourcingTab | null;
      hiddenFields: string[];
      permissions: { edit: boolean; archive: boolean; restore: boolean; merge: boolean; undoMerge: boolean };
    };

function isUuid(id: string): boolean {
  return z.uuid().safeParse(id).success;
}

async function loadOrganization(ctx: ServiceContext, id: string): Promise<Organization> {
  const organization = isUuid(id) ? await findOrganizationById(ctx.db, id) : undefined;
  if (!organization) throw new NotFoundError(t('organizations.notFound'));
  return organization;
}

export async function getOrganizationDetail(ctx: ServiceContext, id: string): Promise<OrganizationDetail> {
  assertCan(ctx.actor, 'directory.read');
  const organization = await loadOrganization(ctx, id);
  // A merged record lives on as a redirect to the one it was merged into.
  if (organization.mergedIntoId) return { kind: 'redirect', to: `/structures/${organization.mergedIntoId}` };
  if (organization.archivedAt && !can(ctx.actor, 'directory.archive')) throw new NotFoundError(t('organizations.notFound'));
  const [kind, units, children, people, parents, owner] = await Promise.all([
    findKind(ctx.db, organization.kindCode),
    unitsOfOrganization(ctx.db, organization.id),
    childrenOf(ctx.db, organization.id),
    affiliatedContacts(ctx.db, organization.id),
    organizationLabels(ctx.db, organization.parentId ? [organization.parentId] : []),
    organization.ownerId ? findUserById(ctx.db, organization.ownerId) : Promise.resolve(undefined),
  ]);
  const scope = { ownerId: organization.ownerId, unitIds: units.map((unit) => unit.id) };
  const [hiddenFields, conventions, sourcing] = await Promise.all([
    restrictedFieldsFor(ctx, 'organization', scope),
    conventionsOfOrganizationFor(ctx, organization.id),
    sourcingTabOfOrganization(ctx, organization.id),
  ]);
  return {
    kind: 'found',
    organization,
    kindLabel: kind?.label ?? organization.kindCode,
    ownerName: owner?.displayName ?? null,
    regionName: organization.regionCode ? regionName(organization.regionCode) ?? null : null,
    departmentName: organization.departmentCode ? departmentName(organization.departmentCode) ?? null : null,
    units,
    parent: parents[0] ?? null,
    children,
    people: { current: people.filter((person) => !person.endDate), past: people.filter((person) => person.endDate) },
    conventions,
    sourcing,
    hiddenFields,
    permissions: {
      edit: can(ctx.actor, 'directory.edit', scope),
      archive: can(ctx.actor, 'directory.archive', scope),
      restore: can(ctx.actor, 'directory.restore'),
      merge: can(ctx.actor, 'directory.merge'),
      undoMerge: can(ctx.actor, 'directory.undoMerge'),
    },
  };
}

// ── Create and edit ──────────────────────────────────────────────────────────────────────────

const phoneField = () =>
  optionalTrimmed(40).transform((value, context) => {
    if (!value) return null;
    const parsed = parsePhone(value, 'FR');
    if (!parsed.ok) {
      context.addIssue({ code: 'custom', message: t('organizations.invalidPhone', { value }) });
      return z.NEVER;
    }
    return parsed.e164;
  });

const organizationSchema = z.object({
  name: requiredText(200),
  acronym: optionalTrimmed(40).transform((value) => value || null),
  kindCode: requiredText(50),
  status: z.enum(ORGANIZATION_STATUSES, { error: t('organizations.invalidStatus') }),
  siren: sirenField(),
  siret: siretField(),
  /** The organisation's other establishments (a register gives several SIRET for one body). */
  otherSirets: siretListField(),
  uai: uaiListField(),
  website: websiteField(),
  email: optionalEmailField(),
  phone: phoneField(),
  addressLine: optionalTrimmed(200).transform((value) => value || null),
  communeCode: optionalTrimmed(10).transform((value) => value || null),
  /** The commune field's text: read when no suggestion was chosen (without JavaScript). */
  communeQuery: optionalTrimmed(120).transform((value) => value || null),
  postalCode: optionalTrimmed(10).transform((value) => value || null),
  city: optionalTrimmed(120).transform((value) => value || null),
  tags: tagListField(),
  ownerId: optionalId(t('organizations.unknownOwner')),
  unitIds: stringList().pipe(z.array(z.uuid({ error: t('validation.unknownUnit') }))),
  parentId: optionalId(t('organizations.unknownParent')),
  description: optionalTrimmed(5000).transform((value) => value || null),
  /** « Partenaire suivi »: its reciprocity is followed even without a convention in force (issue 13). */
  followedPartner: z.preprocess((value) => value === 'on' || value === 'true' || value === '1' || value === true, z.boolean()),
  /** Ticked after the duplicate warning: "create it anyway". */
  confirmDuplicates: z.preprocess((value) => value === 'on' || value === 'true' || value === true, z.boolean()),
});

type OrganizationInput = z.infer<typeof organizationSchema>;

/** Raised (not thrown to the user as an error) when possible duplicates need a confirmation. */
export class DuplicatesFoundError extends Error {
  constructor(readonly candidates: DuplicateCandidate[]) {
    super('possible duplicates');
  }
}

type FormCommune =
  | { kind: 'typed'; commune: Commune; postalCode: string }
  | { kind: 'chosen' | 'address'; commune: Commune | null }
  | { kind: 'invalid'; message: string };

/**
 * The commune of the form. Text left in the commune field means no suggestion was chosen
 * (choosing one empties the field; without JavaScript nothing is chosen): that text must name
 * one commune (« Nantes », « 44200 Nantes », « Paris 11e »), or the field gets an error listing
 * the candidates. Otherwise the suggestion chosen (hidden INSEE code), or the commune that the
 * postcode and city typed by hand designate.
 */
function formCommune(values: OrganizationInput): FormCommune {
  if (values.communeQuery) {
    const candidates = communesMatching(values.communeQuery, COMMUNE_CANDIDATES_SHOWN + 1);
    const [only] = candidates;
    if (candidates.length === 1 && only) {
      const typed = /(?:^|\D)(\d{5})(?!\d)/.exec(values.communeQuery)?.[1];
      const postalCode = typed ?? writtenPostalCode(only, values.postalCode) ?? onlyPostalCode(only) ?? '';
      return { kind: 'typed', commune: only, postalCode };
    }
    if (candidates.length === 0) return { kind: 'invalid', message: t('organizations.communeNotFound', { text: values.communeQuery }) };
    const list = candidates.slice(0, COMMUNE_CANDIDATES_SHOWN).map((commune) => `${commune.name} (${commune.postalCodes[0] ?? commune.departmentCode})`);
    if (candidates.length > COMMUNE_CANDIDATES_SHOWN) list.push('…');
    return { kind: 'invalid', message: t('organizations.communeAmbiguous', { text: values.communeQuery, candidates: list.join(', ') }) };
  }
  if (values.communeCode) return { kind: 'chosen', commune: communeByCode(values.communeCode) };
  if (values.postalCode || values.city) return { kind: 'address', commune: resolveCommune({ postalCode: values.postalCode, city: values.city }) };
  return { kind: 'address', commune: null };
}

const COMMUNE_CANDIDATES_SHOWN = 8;

/** A commune's postcode when it has only one (Paris 11e: 75011); none for Nantes, which has four. */
function onlyPostalCode(commune: Commune): string | undefined {
  return commune.postalCodes.length === 1 ? commune.postalCodes[0] : undefined;
}

/**
 * The postcode written beside a commune, kept when it can be the commune's: one of its
 * postcodes, or a CEDEX code of its department (44035 for Nantes). One left from another
 * commune (a record edited without JavaScript) is not.
 */
function writtenPostalCode(commune: Commune, postalCode: string | null): string | undefined {
  if (!postalCode) return undefined;
  if (commune.postalCodes.includes(postalCode)) return postalCode;
  const department = /^2[AB]$/.test(commune.departmentCode) ? '20' : commune.departmentCode.slice(0, 2);
  return postalCode.startsWith(department) ? postalCode : undefined;
}

/** Fills SIREN from SIRET and the postcode, city, department and region from the form's commune. */
function derivedColumns(values: OrganizationInput): Partial<NewOrganization> {
  const found = formCommune(values);
  const commune = found.kind === 'invalid' ? null : found.commune;
  return {
    siren: values.siren ?? (values.siret ? sirenOfSiret(values.siret) : null),
    communeCode: commune?.code ?? null,
    // A commune typed in the commune field replaces the postcode and city (those of the record
    // being edited, without JavaScript); one chosen or designated keeps what was typed there.
    // The postcode written is never replaced by the commune's main one (Paris 11e stays 75011,
    // Nantes 44200 stays 44200): a commune gives its postcode only when it has just one.
    city: found.kind === 'typed' ? found.commune.name : (values.city ?? commune?.name ?? null),
    postalCode: found.kind === 'typed' ? found.postalCode || null : (values.postalCode ?? (commune ? onlyPostalCode(commune) : undefined) ?? null),
    departmentCode: commune?.departmentCode ?? null,
    regionCode: commune?.regionCode ?? null,
  };
}

async function validateReferences(ctx: ServiceContext, values: OrganizationInput, self?: { id: string; kindCode: string }): Promise<void> {
  const selfId = self?.id;
  const errors: Record<string, string> = {};
  // An inactive kind is kept by the records that have it, but given to no other.
  const kind = await findKind(ctx.db, values.kindCode);
  if (!kind || (kind.archivedAt && kind.code !== self?.kindCode)) errors.kindCode = t('organizations.unknownKind');
  const units = await findUnitsByIds(ctx.db, values.unitIds);
  if (units.length !== new Set(values.unitIds).size) errors.unitIds = t('validation.unknownUnit');
  const commune = formCommune(values);
  if (commune.kind === 'invalid') errors.communeQuery = commune.message;
  else if (commune.kind === 'chosen' && !commune.commune) errors.communeCode = t('organizations.unknownCommune');
  if (values.siret && values.siren && sirenOfSiret(values.siret) !== values.siren) errors.siren = t('organizations.sirenMismatch');
  if (values.parentId) {
    if (values.parentId === selfId) errors.parentId = t('organizations.parentIsSelf');
    else if (!(await findOrganizationById(ctx.db, values.parentId))) errors.parentId = t('organizations.unknownParent');
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors, t('validation.formHasErrors'));
}

/**
 * The unit rule conventions apply: a chargé or manager attaches a record only to their own
 * units (the other units it already had stay); an admin to any unit.
 */
function allowedUnits(actor: Actor, requested: readonly string[], previous: readonly string[]): string[] {
  const { unitIds, refused } = unitsAfterChange(actor, requested, previous);
  if (refused.length > 0) throw new ValidationError({ unitIds: t('organizations.unitNotYours') }, t('validation.formHasErrors'));
  return unitIds;
}

function columnsOf(values: OrganizationInput): Partial<NewOrganization> {
  return {
    name: values.name,
    acronym: values.acronym,
    kindCode: values.kindCode,
    status: values.status,
    siret: values.siret,
    otherSirets: values.otherSirets.filter((siret) => siret !== values.siret),
    uai: values.uai,
    website: values.website,
    email: values.email,
    phone: values.phone,
    addressLine: values.addressLine,
    postalCode: values.postalCode,
    tags: values.tags,
    ownerId: values.ownerId,
    parentId: values.parentId,
    description: values.description,
    followedPartner: values.followedPartner,
    ...derivedColumns(values),
  };
}

async function warnAboutDuplicates(ctx: ServiceContext, values: OrganizationInput, selfId?: string): Promise<void> {
  if (values.confirmDuplicates) return;
  const candidates = await findOrganizationDuplicates(ctx, {
    id: selfId,
    name: values.name,
    siren: values.siren ?? (values.siret ? sirenOfSiret(values.siret) : null),
    siret: values.siret,
    otherSirets: values.otherSirets,
    uai: values.uai,
    email: values.email,
    website: values.website,
  });
  if (candidates.length > 0) throw new DuplicatesFoundError(candidates);
}

/**
 * The checks of a creation that read the database (before any transaction, on ctx.db): kind,
 * units, commune, parent, then the unit rule. Returns the units the new record gets: its
 * creator's unless the form says otherwise. ValidationError on a wrong field.
 */
export async function checkNewOrganization(ctx: ServiceContext, actor: Actor, values: OrganizationInput): Promise<{ unitIds: string[] }> {
  await validateReferences(ctx, values);
  return { unitIds: allowedUnits(actor, values.unitIds.length > 0 ? values.unitIds : actor.unitIds, []) };
}

/** DuplicatesFoundError when the new organisation looks like existing ones, unless confirmed. */
export async function warnAboutOrganizationDuplicates(ctx: ServiceContext, values: OrganizationInput): Promise<void> {
  await warnAboutDuplicates(ctx, values);
}

/**
 * Inside the caller's transaction: inserts an organisation already checked (checkNewOrganization),
 * its units and the 'organization.created' journal entry. No permission check here: callers
 * have done it.
 */
export async function createOrganizationInTransaction(
  tx: Database,
  ctx: ServiceContext,
  actor: Actor,
  values: OrganizationInput,
  unitIds: string[],
): Promise<Organization> {
  const organization = await insertOrganization(tx, {
    ...(columnsOf(values) as NewOrganization),
    createdById: actor.id,
    updatedById: actor.id,
    ownerId: values.ownerId ?? actor.id,
  });
  await replaceOrganizationUnits(tx, organization.id, unitIds);
  await recordAudit(tx, ctx, {
    action: 'organization.created',
    entityType: 'organization',
    entityId: organization.id,
    after: { ...auditable(organization), unitIds },
  });
  return organization;
}

export async function createOrganization(ctx: ServiceContext, input: unknown): Promise<Organization> {
  assertCan(ctx.actor, 'directory.edit');
  const actor = ctx.actor;
  const values = parseInput(organizationSchema, input);
  const { unitIds } = await checkNewOrganization(ctx, actor, values);
  await warnAboutDuplicates(ctx, values);
  return inTransaction(ctx, (tx) => createOrganizationInTransaction(tx, ctx, actor, values, unitIds));
}

/** What the journal keeps of an organisation (generated search columns are noise there). */
function auditable(organization: Organization): Record<string, unknown> {
  const { searchDocument: _document, searchName: _name, websiteDomain: _domain, ...rest } = organization;
  return rest;
}

export async function getOrganizationForEdit(ctx: ServiceContext, id: string) {
  const organization = await loadOrganization(ctx, id);
  if (organization.mergedIntoId) throw new NotFoundError(t('organizations.notFound'));
  const unitIds = await unitIdsOfOrganization(ctx.db, organization.id);
  assertCan(ctx.actor, 'directory.edit', { ownerId: organization.ownerId, unitIds });
  const parent = organization.parentId ? (await organizationLabels(ctx.db, [organization.parentId]))[0] ?? null : null;
  return { organization, unitIds, parent };
}

export async function updateOrganization(ctx: ServiceContext, id: string, input: unknown): Promise<Organization> {
  const current = await getOrganizationForEdit(ctx, id);
  const values = parseInput(organizationSchema, input);
  await validateReferences(ctx, values, { id, kindCode: current.organization.kindCode });
  const unitIds = allowedUnits(ctx.actor as Actor, values.unitIds, current.unitIds);
  await warnAboutDuplicates(ctx, values, id);
  return inTransaction(ctx, async (tx) => {
    const before = await lockOrganizationById(tx, id);
    if (!before) throw new NotFoundError(t('organizations.notFound'));
    const updated = await updateOrganizationRow(tx, id, { ...columnsOf(values), updatedById: ctx.actor?.id ?? null });
    await replaceOrganizationUnits(tx, id, unitIds);
    await recordAudit(tx, ctx, {
      action: 'organization.updated',
      entityType: 'organization',
      entityId: id,
      before: { ...auditable(before), unitIds: current.unitIds },
      after: { ...auditable(updated), unitIds },
    });
    return updated;
  });
}

const archiveSchema = z.object({ reason: optionalTrimmed(500).transform((value) => value || null) });

export async function archiveOrganization(ctx: ServiceContext, id: string, input: unknown): Promise<Organization> {
  const organization = await loadOrganization(ctx, id);
  const unitIds = await unitIdsOfOrganization(ctx.db, id);
  assertCan(ctx.actor, 'directory.archive', { ownerId: organization.ownerId, unitIds });
  const { reason } = parseInput(archiveSchema, input ?? {});
  return inTransaction(ctx, async (tx) => {
    const before = await lockOrganizationById(tx, id);
    if (!before) throw new NotFoundError(t('organizations.notFound'));
    if (before.archivedAt) return before;
    const updated = await updateOrganizationRow(tx, id, { archivedAt: ctx.now, archivedById: ctx.actor?.id ?? null });
    await recordAudit(tx, ctx, {
      action: 'organization.archived',
      entityType: 'organization',
      entityId: id,
      before: { archivedAt: null },
      after: { archivedAt: updated.archivedAt },
      metadata: reason ? { reason } : {},
    });
    return updated;
  });
}

export async function restoreOrganization(ctx: ServiceContext, id: string): Promise<Organization> {
  assertCan(ctx.actor, 'directory.restore');
  await loadOrganization(ctx, id);
  return inTransaction(ctx, async (tx) => {
    const before = await lockOrganizationById(tx, id);
    if (!before) throw new NotFoundError(t('organizations.notFound'));
    if (!before.archivedAt) return before;
    const updated = await updateOrganizationRow(tx, id, { archivedAt: null, archivedById: null });
    await recordAudit(tx, ctx, {
      action: 'organization.restored',
      entityType: 'organization',
      entityId: id,
      before: { archivedAt: before.archivedAt },
      after: { archivedAt: null },
    });
    return updated;
  });
}

/** Organisations matching a typed name, for the parent and affiliation pickers. */
export async function pickOrganizationsFor(ctx: ServiceContext, query: string) {
  assertCan(ctx.actor, 'directory.read');
  const text = query.trim().slice(0, 100);
  if (text.length < 2) return [];
  return pickOrganizations(ctx.db, text, 10);
}

// The import (src/services/imports.service.ts) validates rows with the same rules as the form.
export { organizationSchema, columnsOf as organizationColumnsOf, auditable as auditableOrganization, type OrganizationInput };
