import { sql } from 'drizzle-orm';
import { check, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, idColumn, updatedAt } from './columns';
import { users } from './users.schema';

const bytea = customType<{ data: Buffer }>({
  dataType() {
    return 'bytea';
  },
});

/** `sourcing_cases`: the « pistes » target — start-ups added to a challenge's « repérée » column (options.challengeId). */
export const IMPORT_ENTITY_TYPES = ['organizations', 'contacts', 'sourcing_cases'] as const;
export type ImportEntityType = (typeof IMPORT_ENTITY_TYPES)[number];

/**
 * analysed: file stored, encoding/delimiter/headers detected → mapped: columns mapped and
 * options chosen → queued → running → completed | failed (resumable) → reverted.
 */
export const IMPORT_STATUSES = ['analysed', 'mapped', 'queued', 'running', 'completed', 'failed', 'reverted'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** How a row finds "the same" record already in the file. */
export const IMPORT_MATCH_KEYS = ['siret', 'uai', 'email', 'name', 'none'] as const;
export type ImportMatchKey = (typeof IMPORT_MATCH_KEYS)[number];

/** What to do with rows that match an existing record, and with those that do not. */
export const IMPORT_MODES = ['create_only', 'update_only', 'create_and_update'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** Column index (as text, JSON keys) → field key; unmapped columns are absent. */
export type ImportMapping = Record<string, string>;

/**
 * How an update treats a field the record already has: `overwrite` (the file wins; for list
 * fields — UAI, tags, e-mails, phones, other SIRET — the file's items are added, none removed),
 * `fill_empty` (only a field that is empty gets the file's value), `never` (never touched).
 */
export const IMPORT_FIELD_POLICIES = ['overwrite', 'fill_empty', 'never'] as const;
export type ImportFieldPolicy = (typeof IMPORT_FIELD_POLICIES)[number];

/** Import fields whose values are codes from a closed list: the wizard maps the file's values to them. */
export const IMPORT_ENUMERATED_FIELDS = { organizations: ['kind', 'status'], contacts: ['civility', 'legalBasis'], sourcing_cases: ['source'] } as const;

export interface ImportOptions {
  matchKey: ImportMatchKey;
  mode: ImportMode;
  /** Kind given to organisations whose row names none (a CFA network file has no kind column). */
  defaultKindCode: string;
  defaultStatus: string;
  /** Units the created records belong to (the importer's by default). */
  unitIds: string[];
  /** Import field → policy on update; a field absent here takes its default (see defaultFieldPolicy). */
  fieldPolicies?: Record<string, ImportFieldPolicy>;
  /**
   * Enumerated field (kind, status, civility, legalBasis) → the file's value as written (trimmed)
   * → the target code chosen in the wizard.
   */
  valueMaps?: Record<string, Record<string, string>>;
  /** Enumerated field → the code a value absent from valueMaps takes (instead of a row error). */
  valueDefaults?: Record<string, string>;
  /** « pistes » target: the challenge whose « repérée » column receives the start-ups. */
  challengeId?: string;
}

/**
 * What the person chose for an ambiguous row (line number as text → choice), before the run
 * (from the preview) or after it (from the report): a record id, `skip`, or `create`.
 */
export type ImportRowChoices = Record<string, string>;

/** An optional cell the row was imported without: line and column are the row's and the mapping's. */
export interface ImportRowWarning {
  /** Import field key (the report shows the column's header). */
  field: string;
  value: string;
  message: string;
}

/** Record column → its value before and after the row's update (the report shows before → after). */
export type ImportRowChanges = Record<string, { before: unknown; after: unknown }>;

/** One uploaded file and its run: the unit of progress, report, resume and revert. */
export const importBatches = pgTable(
  'import_batches',
  {
    id: idColumn(),
    entityType: text('entity_type').$type<ImportEntityType>().notNull(),
    status: text('status').$type<ImportStatus>().notNull().default('analysed'),
    fileName: text('file_name').notNull(),
    fileSize: integer('file_size').notNull(),
    format: text('format').$type<'csv' | 'xlsx'>().notNull(),
    encoding: text('encoding'),
    delimiter: text('delimiter'),
    headers: text('headers').array().notNull().default(sql`'{}'::text[]`),
    /** Data rows (header excluded), counted while the upload was stored. */
    totalRows: integer('total_rows').notNull().default(0),
    mapping: jsonb('mapping').$type<ImportMapping>().notNull().default({}),
    options: jsonb('options').$type<ImportOptions | null>(),
    /** Rows handled so far, committed with them: a resumed run starts after this one. */
    processedRows: integer('processed_rows').notNull().default(0),
    createdCount: integer('created_count').notNull().default(0),
    updatedCount: integer('updated_count').notNull().default(0),
    skippedCount: integer('skipped_count').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    /** Rows that matched a record and changed nothing in it. */
    unchangedCount: integer('unchanged_count').notNull().default(0),
    /** Rows whose key designates several records (or rows of the file): waiting for a choice. */
    ambiguousCount: integer('ambiguous_count').notNull().default(0),
    /** Rows imported with at least one warning (an optional cell left out). */
    warningCount: integer('warning_count').notNull().default(0),
    /** Choices made for ambiguous rows before the run (see ImportRowChoices). */
    rowChoices: jsonb('row_choices').$type<ImportRowChoices>().notNull().default({}),
    failureMessage: text('failure_message'),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    revertedAt: timestamp('reverted_at', { withTimezone: true }),
    revertedById: uuid('reverted_by_id').references(() => users.id, { onDelete: 'set null' }),
  },
  (table) => [
    index('import_batches_created_idx').on(table.createdAt, table.id),
    index('import_batches_status_idx').on(table.status),
    check('import_batches_entity_check', sql`${table.entityType} in ('organizations', 'contacts', 'sourcing_cases')`),
  ],
);

/**
 * The uploaded file, in pieces of at most 1 MiB: any process (web or worker, any machine) can
 * stream it back, and no single value is ever as large as the file.
 */
export const importFileChunks = pgTable(
  'import_file_chunks',
  {
    batchId: uuid('batch_id')
      .notNull()
      .references(() => importBatches.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    data: bytea('data').notNull(),
  },
  (table) => [primaryKey({ columns: [table.batchId, table.position] })],
);

/**
 * created · updated (at least one field changed) · unchanged (matched, nothing to change) ·
 * skipped (mode or choice) · ambiguous (several records or rows share its key: waits for a
 * choice, then becomes updated, unchanged, created or skipped) · error.
 */
export const IMPORT_ROW_OUTCOMES = ['created', 'updated', 'unchanged', 'skipped', 'ambiguous', 'error'] as const;
export type ImportRowOutcome = (typeof IMPORT_ROW_OUTCOMES)[number];

/** What happened to each row: the report, the error file and the revert read it. */
export const importRows = pgTable(
  'import_rows',
  {
    batchId: uuid('batch_id')
      .notNull()
      .references(() => importBatches.id, { onDelete: 'cascade' }),
    /** Line in the file as a spreadsheet shows it (header = 1). */
    rowNumber: integer('row_number').notNull(),
    outcome: text('outcome').$type<ImportRowOutcome>().notNull(),
    entityId: uuid('entity_id'),
    /** Field → French message, for rows in error. */
    errors: jsonb('errors').$type<Record<string, string>>(),
    /** The row's cells, kept for rows in error so the error file can give them back. */
    cells: text('cells').array(),
    /** The record before an update, so a revert can put it back. */
    before: jsonb('before').$type<Record<string, unknown>>(),
    /** Organisations created on the way by a contact row (its employer), reverted with it. */
    createdOrganizationId: uuid('created_organization_id'),
    /** Optional cells left out of the record (the row was imported without them). */
    warnings: jsonb('warnings').$type<ImportRowWarning[]>(),
    /** What the row's update changed, field by field (before → after). */
    changes: jsonb('changes').$type<ImportRowChanges>(),
    /** Ambiguous rows: the records its key designates (the person chooses among them). */
    candidateIds: uuid('candidate_ids').array(),
    /** Ambiguous rows: the other lines of the file with the same key. */
    sameKeyRows: integer('same_key_rows').array(),
  },
  (table) => [
    primaryKey({ columns: [table.batchId, table.rowNumber] }),
    index('import_rows_outcome_idx').on(table.batchId, table.outcome),
    index('import_rows_warnings_idx').on(table.batchId, table.rowNumber).where(sql`warnings is not null`),
  ],
);

/** A saved column mapping ("Fichier AMUE des CFA"), offered for the next file of that shape. */
export const importPresets = pgTable(
  'import_presets',
  {
    id: idColumn(),
    entityType: text('entity_type').$type<ImportEntityType>().notNull(),
    name: text('name').notNull(),
    /** Header text (normalised) → field key: matches a file whose columns moved around. */
    fields: jsonb('fields').$type<Record<string, string>>().notNull(),
    /** The file's headers (normalised) when saved: a file with the same headers gets this preset at once. */
    headers: text('headers').array().notNull().default(sql`'{}'::text[]`),
    /** Value maps, value defaults and field policies chosen with this mapping (see ImportOptions). */
    settings: jsonb('settings').$type<Pick<ImportOptions, 'valueMaps' | 'valueDefaults' | 'fieldPolicies'>>().notNull().default({}),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('import_presets_name_key').on(table.entityType, table.name)],
);

export type ImportBatch = typeof importBatches.$inferSelect;
export type ImportRow = typeof importRows.$inferSelect;
export type ImportPreset = typeof importPresets.$inferSelect;
