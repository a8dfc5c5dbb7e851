// Exports of the filtered organisation and contact lists (CSV for French Excel, XLSX, vCard).
// Restricted fields are left out for people who may not see them on every record.
import { t } from '../lib/i18n';
import type { ExportColumn } from '../lib/exports/columns';
import type { VcardContact } from '../lib/exports/vcard';
import { formatPhone } from '../lib/phones';
import type { ContactListRow } from '../models/contacts.model';
import type { OrganizationListRow } from '../models/organizations.model';
import { listRestrictedFields } from '../models/restricted-fields.model';
import { recordAudit } from './audit.service';
import { iterateContacts } from './contacts.service';
import { type ServiceContext, inTransaction } from './context';
import { iterateOrganizations } from './organizations.service';
import { assertCan, hasRole } from './permissions';

type OrganizationExportRow = OrganizationListRow & { regionName: string | null };

async function hiddenFields(ctx: ServiceContext, entityType: 'organization' | 'contact'): Promise<Set<string>> {
  if (ctx.actor && hasRole(ctx.actor, 'admin')) return new Set();
  return new Set(await listRestrictedFields(ctx.db, entityType));
}

export async function organizationExport(ctx: ServiceContext, rawQuery: unknown) {
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
  await auditExport(ctx, 'organization', rawQuery);
  return {
    columns: columns.filter((column) => !column.field || !hidden.has(column.field)),
    rows: iterateOrganizations(ctx, rawQuery),
  };
}

export async function contactExport(ctx: ServiceContext, rawQuery: unknown) {
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
  await auditExport(ctx, 'contact', rawQuery);
  return {
    columns: columns.filter((column) => !column.field || !hidden.has(column.field)),
    rows: iterateContacts(ctx, rawQuery),
  };
}

/** vCards of the filtered contacts (erased people and opted-out ones are left out). */
export async function contactVcards(ctx: ServiceContext, rawQuery: unknown): Promise<AsyncGenerator<VcardContact>> {
  assertCan(ctx.actor, 'directory.export');
  const hidden = await hiddenFields(ctx, 'contact');
  await auditExport(ctx, 'contact', rawQuery, 'vcard');
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
  return cards();
}

/** Exports of personal data are traced: who exported what selection, when. */
async function auditExport(ctx: ServiceContext, entityType: string, rawQuery: unknown, format = 'tableur'): Promise<void> {
  await inTransaction(ctx, (tx) =>
    recordAudit(tx, ctx, {
      action: `${entityType}.exported`,
      entityType,
      entityId: 'liste',
      metadata: { filters: rawQuery as Record<string, unknown>, format },
    }),
  );
}
