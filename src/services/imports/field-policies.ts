// How an import's update treats each field of a record it matched: overwrite, fill only an empty
// field, or never touch it (ImportOptions.fieldPolicies). Pure: the wizard lists the choices
// from here and the run (src/services/import-rows.ts) applies them.
import type { ImportEntityType, ImportFieldPolicy, ImportOptions } from '../../models/schema/imports.schema';

/**
 * Policy key → the record columns it governs. Keys are import field keys (the wizard labels
 * them with `imports.fields.<key>`). Fields that only make sense together share one key:
 * « Adresse » (addressLine) covers the street, postal code and commune — a postal code from the
 * file next to a street kept from the record would describe no place; « SIRET » covers the SIREN
 * it derives from; « Base légale » its consent date.
 */
const ORGANIZATION_POLICY_COLUMNS: Record<string, string[]> = {
  name: ['name'],
  acronym: ['acronym'],
  kind: ['kindCode'],
  status: ['status'],
  siret: ['siret', 'siren'],
  otherSirets: ['otherSirets'],
  uai: ['uai'],
  website: ['website'],
  email: ['email'],
  phone: ['phone'],
  addressLine: ['addressLine', 'postalCode', 'city', 'communeCode', 'departmentCode', 'regionCode'],
  tags: ['tags'],
  description: ['description'],
  ownerEmail: ['ownerId'],
};

const CONTACT_POLICY_COLUMNS: Record<string, string[]> = {
  civility: ['civility'],
  firstName: ['firstName'],
  lastName: ['lastName'],
  jobTitle: ['jobTitle'],
  email: ['emails'],
  phone: ['phones'],
  linkedinUrl: ['linkedinUrl'],
  tags: ['tags'],
  notes: ['notes'],
  legalBasis: ['legalBasis', 'consentAt'],
};

/** Record columns holding lists: `overwrite` adds the file's items and removes none. */
const LIST_COLUMNS = new Set(['uai', 'tags', 'otherSirets', 'emails', 'phones']);

function policyColumns(entityType: ImportEntityType): Record<string, string[]> {
  return entityType === 'organizations' ? ORGANIZATION_POLICY_COLUMNS : CONTACT_POLICY_COLUMNS;
}

/** The fields that take a policy, in the order the wizard shows them. */
export function policyFields(entityType: ImportEntityType): string[] {
  return Object.keys(policyColumns(entityType));
}

/** Whether a policy field holds a list (UAI, tags, other SIRET, a contact's e-mails and phones). */
export function isListPolicyField(entityType: ImportEntityType, field: string): boolean {
  return (policyColumns(entityType)[field] ?? []).some((column) => LIST_COLUMNS.has(column));
}

/**
 * The policy of a field the person did not choose: lists get the file's missing items added
 * (`overwrite`, which never removes one); every other field is only filled when empty, so the
 * curated text of a record (« ICN Business School ») is never replaced by a register's
 * (« Ecole Enseignement Superieur Prive Icn »).
 */
export function defaultFieldPolicy(entityType: ImportEntityType, field: string): ImportFieldPolicy {
  return isListPolicyField(entityType, field) ? 'overwrite' : 'fill_empty';
}

/** The policy field that governs a record column (undefined: the column is not imported). */
export function policyFieldOfColumn(entityType: ImportEntityType, column: string): string | undefined {
  for (const [field, columns] of Object.entries(policyColumns(entityType))) if (columns.includes(column)) return field;
  return undefined;
}

/** The record columns a policy field governs. */
export function columnsOfPolicyField(entityType: ImportEntityType, field: string): string[] {
  return policyColumns(entityType)[field] ?? [];
}

/** The policy in force for a field: the batch's choice, else the default. */
export function fieldPolicy(options: Pick<ImportOptions, 'fieldPolicies'>, entityType: ImportEntityType, field: string): ImportFieldPolicy {
  return options.fieldPolicies?.[field] ?? defaultFieldPolicy(entityType, field);
}

/** Every policy in force, for summaries (« Nom : compléter seulement… »). */
export function effectiveFieldPolicies(options: Pick<ImportOptions, 'fieldPolicies'>, entityType: ImportEntityType): Record<string, ImportFieldPolicy> {
  return Object.fromEntries(policyFields(entityType).map((field) => [field, fieldPolicy(options, entityType, field)]));
}
