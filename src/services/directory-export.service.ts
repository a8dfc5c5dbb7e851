// Exports of the filtered organisation and contact lists (CSV for French Excel, XLSX, vCard)
// and of one contact's card. Bulk exports carry personal data of many people: they are for
// chargé, manager and admin ('directory.export'), and each is journaled with the filter used
// and the number of rows sent. Restricted fields are left out for people who may not see them
// on every record.
import { t } from '../lib/i18n';
import type { ExportColumn } from '../lib/exports/columns';
import type { VcardContact } from '../lib/exports/vcard';
import { formatPhone } from '../lib/phones';
import { type ContactListRow, affiliationsOfContact, findContactById, unitIdsOfContact } from '../models/contacts.model';
import { NotFoundError } from '../lib/errors';
import { isUuid } from '../lib/validation';
import type { OrganizationListRow } from '../models/organizations.model';
import { listRestrictedFields } from '../models/restricted-fields.model';
import { iterateContacts, parseContactQuery } from './contacts.service';
import { recordAudit } from './audit.service';
import { type ServiceContext, inTransaction } from './context';
import { type SpreadsheetFormat, journaled } from './export-journal';
import { iterateOrganizations, parseOrganizationQuery } from './organizations.service';
import { assertCan, can, hasRole } from './permissions';
import { restrictedFieldsFor } from './restricted-fields.service';

type OrganizationExportRow = OrganizationListRow & { regionName: string | null };

async function hiddenFields(ctx: ServiceContext, entityType: 'organization' | 'contact'): Promise<Set<string>> {
  if (ctx.actor && hasRole(ctx.actor, 'admin')) return new Set();
  return new Set(await listRestrictedFields(ctx.db, entityType));
}

export type { SpreadsheetFormat };

export async function organizationExport(ctx: ServiceContext, rawQuery: unknown, format: SpreadsheetFormat) {
  assertCan(ctx.actor, 'directory.export');
  const hidden = await hiddenFields(ctx, 'organization');
  const columns: Array<ExportColumn<OrganizationExportRow> & { field?: string }> = [
    { key: 'name', label: t('organizations.name'), width: 40 },
    { key: 'acronym', label: t('organizations.acronym') },
    { key: 'kindLabel', label: t('organizations.kind') },
    { key: 'status', label: t('organizations.status'), format: (value) => t(`organizations.statuses.${String(value)}`) },
    { key: 'city', label: t('organizations.city') },
    { key: 'departmentCode', label: t('organizations.department') },
    { key: 'regionName', label: t('organizations.region') },
    { key: 'tags', label: t('organizations.tags'), field: 'tags' },
    { key: 'ownerName', label: t('organizations.owner') },
    { key: 'contactCount', label: t('organizations.contactCount'), type: 'number' },
    { key: 'lastActivityAt', label: t('organizations.lastActivity'), type: 'date' },
    { key: 'updatedAt', label: t('organizations.updatedAt'), type: 'datetime' },
    { key: 'id', label: 'Identifiant Passerelle' },
  ];
  return {
    columns: columns.filter((column) => !column.field || !hidden.has(column.field)),
    rows: journaled(ctx, 'organization', parseOrganizationQuery(rawQuery).query, format, iterateOrganizations(ctx, rawQuery)),
  };
}

export async function contactExport(ctx: ServiceContext, rawQuery: unknown, format: SpreadsheetFormat) {
  assertCan(ctx.actor, 'directory.export');
  const hidden = await hiddenFields(ctx, 'contact');
  const columns: Array<ExportColumn<ContactListRow> & { field?: string }> = [
    { key: 'civility', label: t('contacts.civility') },
    { key: 'firstName', label: t('contacts.firstName') },
    { key: 'lastName', label: t('contacts.lastName') },
    { key: 'jobTitle', label: t('contacts.jobTitle'), field: 'jobTitle' },
    { key: 'organizationName', label: t('contacts.organization'), width: 40 },
    { key: 'emails', label: t('contacts.emails'), field: 'emails' },
    { key: 'phones', label: t('contacts.phones'), field: 'phones', format: (value) => (Array.isArray(value) ? value.map((phone) => formatPhone(String(phone))).join(', ') : '') },
    { key: 'tags', label: t('contacts.tags'), field: 'tags' },
    { key: 'ownerName', label: t('contacts.owner') },
    { key: 'legalBasis', label: t('contacts.legalBasis'), format: (value) => t(`contacts.legalBases.${String(value)}`) },
    { key: 'emailOptOut', label: t('contacts.emailOptOut'), format: (value) => (value ? t('common.yes') : t('common.no')) },
    { key: 'lastActivityAt', label: t('contacts.lastActivity'), type: 'date' },
    { key: 'updatedAt', label: t('contacts.updatedAt'), type: 'datetime' },
    { key: 'id', label: 'Identifiant Passerelle' },
  ];
  return {
    columns: columns.filter((column) => !column.field || !hidden.has(column.field)),
    rows: journaled(ctx, 'contact', parseContactQuery(rawQuery).query, format, iterateContacts(ctx, rawQuery)),
  };
}

/** vCards of the filtered contacts (erased people and opted-out ones are left out). */
export async function contactVcards(ctx: ServiceContext, rawQuery: unknown): Promise<AsyncGenerator<VcardContact>> {
  assertCan(ctx.actor, 'directory.export');
  const hidden = await hiddenFields(ctx, 'contact');
  async function* cards(): AsyncGenerator<VcardContact> {
    for await (const row of iterateContacts(ctx, rawQuery)) {
      if (row.erasedAt) continue;
      yield {
        id: row.id,
        civility: row.civility,
        firstName: row.firstName,
        lastName: row.lastName,
        jobTitle: hidden.has('jobTitle') ? null : row.jobTitle,
        emails: hidden.has('emails') ? [] : row.emails,
        phones: hidden.has('phones') ? [] : row.phones,
        organizationName: row.organizationName,
        updatedAt: row.updatedAt,
      };
    }
  }
  return journaled(ctx, 'contact', parseContactQuery(rawQuery).query, 'vcard', cards());
}

/**
 * One contact's card (« Télécharger la fiche (vCard) »), for the same people as the bulk
 * exports, with the fields they may see on the contact's page. A merged record answers with
 * the one it was merged into; an erased person has no card left to give (404), like an
 * archived one for people who may not see archives.
 */
export async function contactVcard(ctx: ServiceContext, id: string): Promise<{ kind: 'redirect'; to: string } | { kind: 'card'; card: VcardContact }> {
  assertCan(ctx.actor, 'directory.export');
  const contact = isUuid(id) ? await findContactById(ctx.db, id) : undefined;
  if (!contact || contact.erasedAt) throw new NotFoundError(t('contacts.notFound'));
  if (contact.mergedIntoId) return { kind: 'redirect', to: `/contacts/${contact.mergedIntoId}/vcard` };
  if (contact.archivedAt && !can(ctx.actor, 'directory.archive')) throw new NotFoundError(t('contacts.notFound'));
  const [unitIds, positions] = await Promise.all([unitIdsOfContact(ctx.db, id), affiliationsOfContact(ctx.db, id)]);
  const hidden = new Set(await restrictedFieldsFor(ctx, 'contact', { ownerId: contact.ownerId, unitIds }));
  const current = positions.find((position) => !position.endDate);
  await inTransaction(ctx, (tx) => recordAudit(tx, ctx, { action: 'contact.vcard_exported', entityType: 'contact', entityId: id }));
  return {
    kind: 'card',
    card: {
      id: contact.id,
      civility: contact.civility,
      firstName: contact.firstName,
      lastName: contact.lastName,
      jobTitle: hidden.has('jobTitle') ? null : contact.jobTitle,
      emails: hidden.has('emails') ? [] : contact.emails,
      phones: hidden.has('phones') ? [] : contact.phones,
      linkedinUrl: hidden.has('linkedinUrl') ? null : contact.linkedinUrl,
      organizationName: current?.organizationName ?? null,
      updatedAt: contact.updatedAt,
    },
  };
}

