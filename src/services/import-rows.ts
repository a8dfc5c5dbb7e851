// One imported row: what it would do (plan: shown in the preview, re-checked by the run) and
// doing it (apply: inside the run's transaction). Rows are validated with the very schemas
// the directory's forms use, so an import can never store what a form would refuse.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Database } from '../models/database';
import { t } from '../lib/i18n';
import { organizationInputOf, contactInputOf, type KindChoice, type RowValues } from './imports/row-conversion';
import { sirenOfSiret } from '../lib/identifiers';
import { findActiveUserIdByEmail, findContactMatch, findEmployer, findOrganizationMatch } from '../models/imports.model';
import { affiliationsOfContact, insertAffiliation, insertContact, lockContactById, replaceContactUnits, unitIdsOfContact, updateContactRow } from '../models/contacts.model';
import { insertOrganization, lockOrganizationById, replaceOrganizationUnits, unitIdsOfOrganization, updateOrganizationRow } from '../models/organizations.model';
import type { ImportBatch, ImportOptions, NewContact, NewOrganization } from '../models/schema';
import { recordAudit, type AuditRecord } from './audit.service';
import { auditableContact, contactColumnsOf, contactSchema, type ContactInput } from './contacts.service';
import type { ServiceContext } from './context';
import { auditableOrganization, organizationColumnsOf, organizationSchema, type OrganizationInput } from './organizations.service';
import { can } from './permissions';

/** Field key → French message; `_row` for what concerns the whole row. */
export type RowErrors = Record<string, string>;

export type RowPlan =
  | { action: 'error'; errors: RowErrors }
  | { action: 'skip'; reason: string; targetId?: string }
  | { action: 'create' | 'update'; targetId?: string; apply: (tx: Database) => Promise<AppliedRow>; prepared?: PreparedCreate };

/**
 * A creation the run may write together with its chunk's other creations (one INSERT for
 * all of them) instead of row by row. `keys` are the row's values for the batch's match key:
 * a later row of the same chunk with one of them must see this record, so the run writes
 * the pending ones first.
 */
export interface PreparedCreate {
  keys: string[];
  organization: NewOrganization & { id: string };
  unitIds: string[];
  audit: AuditRecord;
}

/** A name as the match by name compares it (accents and case aside). */
function nameKey(name: string): string {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
}

function matchKeysOf(options: ImportOptions, input: OrganizationInput): string[] {
  switch (options.matchKey) {
    case 'siret':
      return input.siret ? [`siret:${input.siret}`] : [];
    case 'uai':
      return input.uai.map((code) => `uai:${code}`);
    case 'email':
      return input.email ? [`email:${input.email}`] : [];
    case 'name':
      return [`name:${nameKey(input.name)}`];
    default:
      return [];
  }
}

export interface AppliedRow {
  entityId: string;
  before?: Record<string, unknown>;
  createdOrganizationId?: string;
}

/** What every row of a batch shares: loaded once per run or preview. */
export interface RowContext {
  ctx: ServiceContext & { actor: NonNullable<ServiceContext['actor']> };
  batch: ImportBatch;
  options: ImportOptions;
  kinds: KindChoice[];
  /** Which fields the mapping fills: an update only touches those. */
  mappedFields: Set<string>;
}

/** Form schema field → the import field a message belongs to. */
const ERROR_FIELD: Record<string, string> = {
  kindCode: 'kind',
  emails: 'email',
  phones: 'phone',
  organizationId: 'organizationName',
};

function zodErrors(error: z.ZodError): RowErrors {
  const errors: RowErrors = {};
  for (const issue of error.issues) {
    const path = issue.path.length > 0 ? String(issue.path[0]) : '_row';
    const field = ERROR_FIELD[path] ?? path;
    errors[field] ??= issue.message;
  }
  return errors;
}

/** The schema's messages, except where a more precise one was already given. */
function addMissing(errors: RowErrors, more: RowErrors): void {
  for (const [field, message] of Object.entries(more)) errors[field] ??= message;
}

/** Values of `columns` in `record`, for the `before` a revert restores. */
function pick(record: Record<string, unknown>, columns: string[]): Record<string, unknown> {
  return Object.fromEntries(columns.map((column) => [column, record[column] ?? null]));
}

function union(current: string[] | null | undefined, added: string[] | null | undefined): string[] {
  return [...new Set([...(current ?? []), ...(added ?? [])])];
}

// ── Organisations ────────────────────────────────────────────────────────────────────────────

/** Import field → the organisation columns it writes on an update. */
const ORGANIZATION_COLUMNS_OF_FIELD: Record<string, string[]> = {
  name: ['name'],
  acronym: ['acronym'],
  kind: ['kindCode'],
  status: ['status'],
  siret: ['siret', 'siren'],
  siren: ['siren'],
  uai: ['uai'],
  website: ['website'],
  email: ['email'],
  phone: ['phone'],
  addressLine: ['addressLine', 'postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  postalCode: ['postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  city: ['postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  communeCode: ['postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  tags: ['tags'],
  description: ['description'],
  ownerEmail: ['ownerId'],
};

async function planOrganization(rows: RowContext, values: RowValues, db: Database): Promise<RowPlan> {
  const { options } = rows;
  const converted = organizationInputOf(values, {
    kinds: rows.kinds,
    defaultKindCode: options.defaultKindCode,
    defaultStatus: options.defaultStatus,
    unitIds: options.unitIds,
  });
  const errors: RowErrors = {};
  if (converted.kindProblem) errors.kind = t('imports.rowErrors.unknownKind', { value: converted.kindProblem });
  if (converted.statusProblem) errors.status = t('imports.rowErrors.unknownStatus', { value: converted.statusProblem });
  const parsed = organizationSchema.safeParse(converted.input);
  if (!parsed.success) addMissing(errors, zodErrors(parsed.error));
  let ownerId: string | null = null;
  if (converted.ownerEmail) {
    ownerId = (await findActiveUserIdByEmail(db, converted.ownerEmail)) ?? null;
    if (!ownerId) errors.ownerEmail = t('imports.rowErrors.unknownOwner', { value: converted.ownerEmail });
  }
  if (!parsed.success || Object.keys(errors).length > 0) return { action: 'error', errors };
  const input: OrganizationInput = parsed.data;
  const siren = input.siren ?? (input.siret ? sirenOfSiret(input.siret) : null);
  if (input.siret && input.siren && siren !== sirenOfSiret(input.siret)) {
    return { action: 'error', errors: { siren: t('organizations.sirenMismatch') } };
  }

  const match = await matchOrganization(options, input, db);
  if (match && options.mode === 'create_only') return { action: 'skip', reason: t('imports.skipReasons.exists'), targetId: match.id };
  if (!match && options.mode === 'update_only') return { action: 'skip', reason: t('imports.skipReasons.noMatch') };

  const columns = organizationColumnsOf(input);
  const { ctx } = rows;
  const batchId = rows.batch.id;
  if (!match) {
    const unitIds = options.unitIds.length > 0 ? options.unitIds : ctx.actor.unitIds;
    const id = randomUUID();
    const values = {
      ...(columns as NewOrganization),
      id,
      ownerId: ownerId ?? ctx.actor.id,
      createdById: ctx.actor.id,
      updatedById: ctx.actor.id,
      importBatchId: batchId,
    };
    return {
      action: 'create',
      prepared: {
        keys: matchKeysOf(options, input),
        organization: values,
        unitIds,
        audit: { action: 'organization.created', entityType: 'organization', entityId: id, after: { ...values, unitIds }, metadata: { importBatchId: batchId } },
      },
      apply: async (tx) => {
        const organization = await insertOrganization(tx, values);
        await replaceOrganizationUnits(tx, organization.id, unitIds);
        await recordAudit(tx, ctx, {
          action: 'organization.created',
          entityType: 'organization',
          entityId: organization.id,
          after: { ...auditableOrganization(organization), unitIds },
          metadata: { importBatchId: batchId },
        });
        return { entityId: organization.id };
      },
    };
  }

  const targetId = match.id;
  return {
    action: 'update',
    targetId,
    apply: async (tx) => {
      const current = await lockOrganizationById(tx, targetId);
      if (!current) throw new RowRefusedError({ _row: t('organizations.notFound') });
      const unitIds = await unitIdsOfOrganization(tx, targetId);
      if (!can(ctx.actor, 'directory.edit', { ownerId: current.ownerId, unitIds })) {
        throw new RowRefusedError({ _row: t('imports.rowErrors.notAllowed') });
      }
      // Only what the file fills: an empty or unmapped cell never blanks a field.
      const changed: Record<string, unknown> = {};
      for (const field of rows.mappedFields) {
        if (!values.has(field)) continue;
        for (const column of ORGANIZATION_COLUMNS_OF_FIELD[field] ?? []) {
          const value = column === 'ownerId' ? ownerId : (columns as Record<string, unknown>)[column];
          if (value === null || value === undefined) continue;
          changed[column] = column === 'uai' || column === 'tags' ? union(current[column], value as string[]) : value;
        }
      }
      const record = current as unknown as Record<string, unknown>;
      const keys = Object.keys(changed).filter((key) => JSON.stringify(record[key] ?? null) !== JSON.stringify(changed[key]));
      if (keys.length === 0) return { entityId: targetId, before: {} };
      const updated = await updateOrganizationRow(tx, targetId, { ...pick(changed, keys), updatedById: ctx.actor.id } as Partial<NewOrganization>);
      await recordAudit(tx, ctx, {
        action: 'organization.updated',
        entityType: 'organization',
        entityId: targetId,
        before: auditableOrganization(current),
        after: auditableOrganization(updated),
        metadata: { importBatchId: batchId },
      });
      return { entityId: targetId, before: pick(record, keys) };
    },
  };
}

function matchOrganization(options: ImportOptions, input: OrganizationInput, db: Database) {
  switch (options.matchKey) {
    case 'siret':
      return input.siret ? findOrganizationMatch(db, { siret: input.siret }) : Promise.resolve(undefined);
    case 'uai':
      return input.uai.length > 0 ? findOrganizationMatch(db, { uai: input.uai }) : Promise.resolve(undefined);
    case 'email':
      return input.email ? findOrganizationMatch(db, { email: input.email }) : Promise.resolve(undefined);
    case 'name':
      return findOrganizationMatch(db, { name: input.name });
    default:
      return Promise.resolve(undefined);
  }
}

// ── Contacts ─────────────────────────────────────────────────────────────────────────────────

const CONTACT_COLUMNS_OF_FIELD: Record<string, string[]> = {
  civility: ['civility'],
  firstName: ['firstName'],
  lastName: ['lastName'],
  fullName: ['firstName', 'lastName'],
  jobTitle: ['jobTitle'],
  email: ['emails'],
  phone: ['phones'],
  linkedinUrl: ['linkedinUrl'],
  tags: ['tags'],
  notes: ['notes'],
  legalBasis: ['legalBasis', 'consentAt'],
  consentDate: ['consentAt'],
};

async function planContact(rows: RowContext, values: RowValues, db: Database): Promise<RowPlan> {
  const { options, ctx } = rows;
  const converted = contactInputOf(values, { unitIds: options.unitIds });
  const errors: RowErrors = {};
  if (converted.problems.civility) errors.civility = t('imports.rowErrors.unknownCivility', { value: converted.problems.civility });
  if (converted.problems.legalBasis) errors.legalBasis = t('imports.rowErrors.unknownLegalBasis', { value: converted.problems.legalBasis });
  const parsed = contactSchema.safeParse(converted.input);
  if (!parsed.success) addMissing(errors, zodErrors(parsed.error));
  if (!parsed.success || Object.keys(errors).length > 0) {
    // "Nom" is what people see missing when neither a last name nor a full name was given.
    if (errors.lastName && !rows.mappedFields.has('lastName') && rows.mappedFields.has('fullName')) {
      errors.fullName = errors.lastName;
      delete errors.lastName;
    }
    return { action: 'error', errors };
  }
  const input: ContactInput = parsed.data;
  const employer = converted.employer
    ? await findEmployer(db, { siret: converted.employer.siret.replace(/\s/g, ''), uai: converted.employer.uai.toUpperCase(), name: converted.employer.name })
    : undefined;
  if (converted.employer && !employer && !converted.employer.name) {
    return { action: 'error', errors: { organizationSiret: t('imports.rowErrors.unknownEmployer') } };
  }

  const match =
    options.matchKey === 'email' ? await findContactMatch(db, { emails: input.emails }) : options.matchKey === 'name' ? await findContactMatch(db, { firstName: input.firstName, lastName: input.lastName }) : undefined;
  if (match && options.mode === 'create_only') return { action: 'skip', reason: t('imports.skipReasons.exists'), targetId: match.id };
  if (!match && options.mode === 'update_only') return { action: 'skip', reason: t('imports.skipReasons.noMatch') };

  const batchId = rows.batch.id;
  const columns = contactColumnsOf(input);
  /** The employer found, or created on the way (by name, with the import's default kind). */
  const employerId = async (tx: Database): Promise<{ id: string; created: boolean } | null> => {
    if (!converted.employer) return null;
    if (employer) return { id: employer.id, created: false };
    const again = await findEmployer(tx, { name: converted.employer.name });
    if (again) return { id: again.id, created: false };
    const organization = await insertOrganization(tx, {
      name: converted.employer.name,
      kindCode: options.defaultKindCode,
      status: 'prospect',
      siret: null,
      ownerId: ctx.actor.id,
      createdById: ctx.actor.id,
      updatedById: ctx.actor.id,
      importBatchId: batchId,
    });
    const unitIds = options.unitIds.length > 0 ? options.unitIds : ctx.actor.unitIds;
    await replaceOrganizationUnits(tx, organization.id, unitIds);
    await recordAudit(tx, ctx, {
      action: 'organization.created',
      entityType: 'organization',
      entityId: organization.id,
      after: { ...auditableOrganization(organization), unitIds },
      metadata: { importBatchId: batchId },
    });
    return { id: organization.id, created: true };
  };
  const affiliate = async (tx: Database, contactId: string, organizationId: string): Promise<void> => {
    const existing = await affiliationsOfContact(tx, contactId);
    if (existing.some((affiliation) => affiliation.organizationId === organizationId && !affiliation.endDate)) return;
    const affiliation = await insertAffiliation(tx, {
      contactId,
      organizationId,
      role: input.role ?? null,
      startDate: input.startDate ?? null,
      isPrimary: !existing.some((other) => other.isPrimary && !other.endDate),
      importBatchId: batchId,
      createdById: ctx.actor.id,
    });
    await recordAudit(tx, ctx, {
      action: 'affiliation.created',
      entityType: 'contact',
      entityId: contactId,
      after: { organizationId, role: affiliation.role, startDate: affiliation.startDate },
      metadata: { importBatchId: batchId, affiliationId: affiliation.id },
    });
  };

  if (!match) {
    return {
      action: 'create',
      apply: async (tx) => {
        const contact = await insertContact(tx, {
          ...(columns as NewContact),
          ownerId: ctx.actor.id,
          createdById: ctx.actor.id,
          updatedById: ctx.actor.id,
          importBatchId: batchId,
        });
        const unitIds = options.unitIds.length > 0 ? options.unitIds : ctx.actor.unitIds;
        await replaceContactUnits(tx, contact.id, unitIds);
        await recordAudit(tx, ctx, {
          action: 'contact.created',
          entityType: 'contact',
          entityId: contact.id,
          after: { ...auditableContact(contact), unitIds },
          metadata: { importBatchId: batchId },
        });
        const organization = await employerId(tx);
        if (organization) await affiliate(tx, contact.id, organization.id);
        return { entityId: contact.id, createdOrganizationId: organization?.created ? organization.id : undefined };
      },
    };
  }

  const targetId = match.id;
  return {
    action: 'update',
    targetId,
    apply: async (tx) => {
      const current = await lockContactById(tx, targetId);
      if (!current) throw new RowRefusedError({ _row: t('contacts.notFound') });
      const unitIds = await unitIdsOfContact(tx, targetId);
      if (!can(ctx.actor, 'directory.edit', { ownerId: current.ownerId, unitIds })) {
        throw new RowRefusedError({ _row: t('imports.rowErrors.notAllowed') });
      }
      const changed: Record<string, unknown> = {};
      for (const field of rows.mappedFields) {
        if (!values.has(field)) continue;
        for (const column of CONTACT_COLUMNS_OF_FIELD[field] ?? []) {
          const value = (columns as Record<string, unknown>)[column];
          if (value === null || value === undefined || value === '') continue;
          changed[column] = ['emails', 'phones', 'tags'].includes(column) ? union(current[column as 'emails'], value as string[]) : value;
        }
      }
      const record = current as unknown as Record<string, unknown>;
      const keys = Object.keys(changed).filter((key) => JSON.stringify(record[key] ?? null) !== JSON.stringify(changed[key]));
      let updated = current;
      if (keys.length > 0) {
        updated = await updateContactRow(tx, targetId, { ...pick(changed, keys), updatedById: ctx.actor.id } as Partial<NewContact>);
        await recordAudit(tx, ctx, {
          action: 'contact.updated',
          entityType: 'contact',
          entityId: targetId,
          before: auditableContact(current),
          after: auditableContact(updated),
          metadata: { importBatchId: batchId },
        });
      }
      const organization = await employerId(tx);
      if (organization) await affiliate(tx, targetId, organization.id);
      return { entityId: targetId, before: pick(record, keys), createdOrganizationId: organization?.created ? organization.id : undefined };
    },
  };
}

/** Thrown by apply when the row cannot be done after all: the row is reported in error. */
export class RowRefusedError extends Error {
  constructor(readonly errors: RowErrors) {
    super('row refused');
  }
}

export function planRow(rows: RowContext, values: RowValues, db: Database): Promise<RowPlan> {
  return rows.batch.entityType === 'organizations' ? planOrganization(rows, values, db) : planContact(rows, values, db);
}
