import { Router, type Request, type Response } from 'express';
import { requireLogin } from '../web/auth-middleware';
import { ValidationError } from '../lib/errors';
import { CSV_CONTENT_TYPE, writeCsv } from '../lib/exports/csv';
import { deps, flash, redirectAfterPost, render, renderInvalid, serviceContext } from '../web/http';
import { t } from '../lib/i18n';
import { receiveUpload } from '../web/uploads';
import { IMPORT_ENTITY_TYPES, IMPORT_STATUSES, type ImportBatch } from '../models/schema';
import {
  ImportFileError,
  createImportBatch,
  getImportBatch,
  hasValueStep,
  importErrorRows,
  importReport,
  importWarningLines,
  launchImport,
  listImportsPage,
  mappingForm,
  needsValueStep,
  previewImport,
  resumeImport,
  revertImport,
  saveMapping,
  saveRowChoices,
  saveValues,
  valuesForm,
} from '../services/imports.service';
import { assertCan } from '../services/permissions';

function limitsOf(req: Request) {
  const { config } = deps(req);
  return { maxBytes: config.IMPORT_MAX_MB * 1024 * 1024, maxRows: config.IMPORT_MAX_ROWS };
}

function uploadPage(req: Request, res: Response, data: Record<string, unknown> = {}) {
  const { config } = deps(req);
  render(req, res, 'imports/new', {
    title: t('imports.newTitle'),
    entityTypes: IMPORT_ENTITY_TYPES.map((value) => ({ value, label: t(`imports.entityTypes.${value}`) })),
    fileHint: t('imports.fileHint', { maxMb: config.IMPORT_MAX_MB, maxRows: config.IMPORT_MAX_ROWS.toLocaleString('fr-FR') }),
    values: { entityType: 'organizations' },
    ...data,
  });
}

function formatLabel(batch: ImportBatch): string {
  if (batch.format === 'xlsx') return t('imports.formats.xlsx');
  return t('imports.formats.csv', { encoding: (batch.encoding ?? '').toUpperCase(), delimiter: t(`imports.delimiters.${batch.delimiter ?? ';'}`) });
}

/** Shared by every step's page: the batch's header and the step indicator. */
function stepData(batch: ImportBatch, step: 'mapping' | 'values' | 'preview' | 'run' | 'report') {
  const order = ['upload', 'mapping', 'values', 'preview', 'run', 'report'];
  const index = order.indexOf(step);
  return {
    title: batch.fileName,
    batch,
    step: { number: index + 1, total: order.length, label: t(`imports.steps.${step}`), next: order[index + 1] ? t(`imports.steps.${order[index + 1]}`) : null },
    detected: t('imports.detected', { rows: batch.totalRows.toLocaleString('fr-FR'), columns: batch.headers.length, format: formatLabel(batch) }),
    statusLabel: t(`imports.statuses.${batch.status}`),
  };
}

async function renderValues(req: Request, res: Response, id: string, extra: Record<string, unknown> = {}) {
  const form = await valuesForm(serviceContext(req), id);
  render(req, res, 'imports/values', { ...stepData(form.batch, 'values'), form, presetName: form.presetName, ...extra });
}

async function renderMapping(req: Request, res: Response, id: string, extra: Record<string, unknown> = {}) {
  const form = await mappingForm(serviceContext(req), id, typeof req.query.modele === 'string' ? req.query.modele : undefined);
  render(req, res, 'imports/mapping', { ...stepData(form.batch, 'mapping'), form, ...extra });
}

export function importsRouter(): Router {
  const router = Router();
  router.use(requireLogin);

  router.get('/', async (req, res) => {
    const page = await listImportsPage(serviceContext(req), req.query);
    render(
      req,
      res,
      'imports/index',
      {
        title: t('imports.title'),
        page,
        typeChoices: IMPORT_ENTITY_TYPES.map((value) => ({ value, label: t(`imports.entityTypesShort.${value}`) })),
        statusChoices: IMPORT_STATUSES.map((value) => ({ value, label: t(`imports.statuses.${value}`) })),
      },
      { fragment: { target: 'imports-results', partial: 'imports/results' } },
    );
  });

  router.get('/nouveau', (req, res) => {
    assertCan(req.actor, 'directory.import');
    // /imports/nouveau?type=sourcing_cases&defi=<id> (a challenge's « Importer des pistes »): target and challenge pre-selected.
    const type = typeof req.query.type === 'string' && (IMPORT_ENTITY_TYPES as readonly string[]).includes(req.query.type) ? req.query.type : 'organizations';
    const defi = typeof req.query.defi === 'string' && /^[0-9a-f-]{36}$/i.test(req.query.defi) ? req.query.defi : undefined;
    uploadPage(req, res, { values: { entityType: type, challengeId: type === 'sourcing_cases' ? defi : undefined } });
  });

  // multipart/form-data: CSRF is checked by receiveUpload (see src/web/uploads.ts).
  router.post('/', async (req, res) => {
    assertCan(req.actor, 'directory.import');
    const limits = limitsOf(req);
    let upload;
    try {
      upload = await receiveUpload(req, { maxBytes: limits.maxBytes, expectedToken: res.locals.csrfToken as string | undefined });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      res.status(422);
      return uploadPage(req, res, { errors: error.fieldErrors, errorSummary: true });
    }
    try {
      const entityType = upload.fields.entityType;
      if (!upload.file || upload.file.size === 0) throw new ImportFileError(upload.file ? t('imports.errors.empty') : t('imports.errors.noFile'));
      if (upload.file.truncated) throw new ImportFileError(t('imports.errors.tooLarge', { max: deps(req).config.IMPORT_MAX_MB }));
      const batch = await createImportBatch(
        serviceContext(req),
        { entityType, fileName: upload.file.name, filePath: upload.file.path, size: upload.file.size, challengeId: upload.fields.challengeId },
        limits,
      );
      flash(req, 'success', t('imports.uploaded', { name: batch.fileName, rows: batch.totalRows.toLocaleString('fr-FR') }));
      redirectAfterPost(res, `/imports/${batch.id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      res.status(422);
      uploadPage(req, res, { errors: error.fieldErrors, errorSummary: true, values: { entityType: upload.fields.entityType ?? 'organizations', challengeId: upload.fields.challengeId } });
    } finally {
      await upload.cleanup();
    }
  });

  /** The batch at its current step: mapping, preview, progress or report. */
  router.get('/:id', async (req, res) => {
    const ctx = serviceContext(req);
    const batch = await getImportBatch(ctx, req.params.id);
    if (batch.status === 'analysed') return renderMapping(req, res, batch.id);
    if (batch.status === 'mapped') {
      // The values of an enumerated column must be chosen before the preview can say what rows become.
      if (needsValueStep(batch)) return res.redirect(`/imports/${batch.id}/valeurs`);
      const preview = await previewImport(ctx, batch.id, { wholeFile: req.query.ambigues === 'tout' });
      return render(req, res, 'imports/preview', { ...stepData(batch, 'preview'), preview });
    }
    const report = await importReport(ctx, batch.id, req.query);
    const running = ['queued', 'running'].includes(batch.status);
    render(
      req,
      res,
      'imports/report',
      { ...stepData(batch, running ? 'run' : 'report'), report, running, refreshSeconds: running ? 2 : null },
      { fragment: { target: 'import-rows', partial: 'imports/report-rows' } },
    );
  });

  /** Polled by htmx every second while the import runs; once done, the whole page reloads. */
  router.get('/:id/progression', async (req, res) => {
    const report = await importReport(serviceContext(req), req.params.id, {});
    const running = ['queued', 'running'].includes(report.batch.status);
    if (!running && req.isHtmx) res.set('HX-Refresh', 'true');
    render(req, res, 'imports/progress-page', { title: report.batch.fileName, report, running }, { fragment: { target: 'import-progress', partial: 'imports/progress' } });
  });

  router.get('/:id/correspondance', (req, res) => renderMapping(req, res, req.params.id));

  router.post('/:id/correspondance', async (req, res) => {
    const id = req.params.id;
    try {
      const batch = await saveMapping(serviceContext(req), id, req.body as Record<string, unknown>);
      const valuesNext = hasValueStep(batch);
      flash(req, 'success', t(valuesNext ? 'imports.mappingSavedValuesNext' : 'imports.mappingSaved'));
      redirectAfterPost(res, valuesNext ? `/imports/${id}/valeurs` : `/imports/${id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const form = await mappingForm(serviceContext(req), id);
      // Keep what was chosen: columns, options and units as submitted.
      const body = req.body as Record<string, unknown>;
      form.columns = form.columns.map((column) => ({ ...column, field: String(body[`column_${column.index}`] ?? '') }));
      const units = ([] as unknown[]).concat(body.unitIds ?? []).map(String);
      form.units = form.units.map((unit) => ({ ...unit, checked: units.includes(unit.id) }));
      form.options = {
        ...form.options,
        matchKey: body.matchKey as never,
        mode: body.mode as never,
        defaultKindCode: String(body.defaultKindCode ?? ''),
        defaultStatus: String(body.defaultStatus ?? ''),
        ...(typeof body.challengeId === 'string' ? { challengeId: body.challengeId } : {}),
      };
      form.appliedPresetId = typeof body.appliedPresetId === 'string' ? body.appliedPresetId : null;
      renderInvalid(req, res, 'imports/mapping', { ...stepData(form.batch, 'mapping'), form, presetName: body.presetName }, error.fieldErrors);
    }
  });

  router.get('/:id/valeurs', (req, res) => renderValues(req, res, req.params.id));

  router.post('/:id/valeurs', async (req, res) => {
    const id = req.params.id;
    const body = req.body as Record<string, unknown>;
    try {
      await saveValues(serviceContext(req), id, body);
      flash(req, 'success', t('imports.valuesSaved'));
      redirectAfterPost(res, `/imports/${id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const form = await valuesForm(serviceContext(req), id);
      // Keep what was chosen.
      for (const field of form.fields) {
        for (const value of field.values) value.target = String(body[`to_${field.field}_${value.index}`] ?? value.target);
        field.defaultTarget = String(body[`default_${field.field}`] ?? field.defaultTarget);
      }
      for (const policy of form.policies) policy.value = String(body[`policy_${policy.field}`] ?? policy.value) as never;
      renderInvalid(req, res, 'imports/values', { ...stepData(form.batch, 'values'), form, presetName: body.presetName }, error.fieldErrors);
    }
  });

  /** Choices for ambiguous rows: from the preview (kept for the run) or the report (applied at once). */
  router.post('/:id/choix', async (req, res) => {
    const id = req.params.id;
    try {
      const { count, applied, ignored } = await saveRowChoices(serviceContext(req), id, req.body as Record<string, unknown>);
      flash(req, 'success', t(applied ? 'imports.choicesApplied' : 'imports.choicesSaved', { count }));
      // A row settled meanwhile, or a record merged or archived since the run: said, not silently dropped.
      if (ignored.length > 0) flash(req, 'warning', t('imports.choicesIgnored', { lines: ignored.join(', ') }));
      redirectAfterPost(res, applied ? `/imports/${id}?outcome=ambiguous` : `/imports/${id}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // The first reason is enough: the page shows the rows again with the choices still to make.
      flash(req, 'error', error.fieldErrors._form ?? Object.values(error.fieldErrors)[0] ?? t('imports.noChoice'));
      const batch = await getImportBatch(serviceContext(req), id);
      redirectAfterPost(res, batch.status === 'completed' ? `/imports/${id}?outcome=ambiguous` : `/imports/${id}#ambiguous`);
    }
  });

  router.post('/:id/lancer', async (req, res) => {
    try {
      await launchImport(serviceContext(req), req.params.id, (req.body ?? {}) as Record<string, unknown>);
    } catch (error) {
      // A choice refused (a record merged since the preview): nothing is launched, the rows are shown again.
      if (!(error instanceof ValidationError)) throw error;
      flash(req, 'error', error.fieldErrors._form ?? Object.values(error.fieldErrors)[0] ?? t('validation.formHasErrors'));
      return redirectAfterPost(res, `/imports/${req.params.id}#ambiguous`);
    }
    flash(req, 'info', t('imports.started'));
    redirectAfterPost(res, `/imports/${req.params.id}`);
  });

  router.post('/:id/reprendre', async (req, res) => {
    const batch = await resumeImport(serviceContext(req), req.params.id);
    flash(req, 'info', t('imports.resumed', { row: batch.processedRows + 1 }));
    redirectAfterPost(res, `/imports/${req.params.id}`);
  });

  router.post('/:id/annuler', async (req, res) => {
    const { batch, counts } = await revertImport(serviceContext(req), req.params.id);
    flash(req, 'success', t('imports.reverted', { name: batch.fileName, ...counts }));
    redirectAfterPost(res, `/imports/${req.params.id}`);
  });

  /** The rows in error with their reason, as French Excel opens it (UTF-8 BOM, semicolons). */
  router.get('/:id/erreurs.csv', async (req, res) => {
    const rows = importErrorRows(serviceContext(req), req.params.id);
    const head = await rows.next();
    if (head.done) return;
    const batch = head.value.batch;
    const name = batch.fileName.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_');
    res.set('Content-Type', CSV_CONTENT_TYPE);
    res.set('Content-Disposition', `attachment; filename="erreurs-${name}.csv"`);
    // Columns: the line, the reason, then the file's own columns so the rows can be fixed and re-imported.
    const columns = [
      { key: 'line', label: t('imports.errorFileLine') },
      { key: 'reason', label: t('imports.errorFileReason') },
      ...batch.headers.map((header, index) => ({ key: `c${index}`, label: header })),
    ];
    async function* lines() {
      for await (const item of rows) {
        if (!item.row) continue;
        const cells = item.row.cells ?? [];
        yield { line: String(item.row.rowNumber), reason: item.row.reason, ...Object.fromEntries(batch.headers.map((_header, index) => [`c${index}`, cells[index] ?? ''])) };
      }
    }
    await writeCsv(res, columns, lines());
  });

  /** Every cell left out of an imported row, with its reason: what to check or fix in the records. */
  router.get('/:id/avertissements.csv', async (req, res) => {
    const lines = importWarningLines(serviceContext(req), req.params.id);
    const head = await lines.next();
    if (head.done) return;
    const name = head.value.batch.fileName.replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '_');
    res.set('Content-Type', CSV_CONTENT_TYPE);
    res.set('Content-Disposition', `attachment; filename="avertissements-${name}.csv"`);
    const columns = [
      { key: 'line', label: t('imports.errorFileLine') },
      { key: 'column', label: t('imports.column') },
      { key: 'value', label: t('imports.fileValue') },
      { key: 'reason', label: t('imports.warningFileReason') },
    ];
    async function* rows() {
      for await (const item of lines) if (item.line) yield { ...item.line, line: String(item.line.line) };
    }
    await writeCsv(res, columns, rows());
  });

  return router;
}
