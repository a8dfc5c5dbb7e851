// The import wizard through HTTP, as a browser without JavaScript drives it: the value-mapping
// step of enumerated columns, update policies, presets found again by their headers, ambiguous
// rows' choices, and a report whose counts and filters tell what each row did.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { importBatches, importPresets, importRows, type User } from '../../src/models/schema';
import { buildOrganization } from '../support/directory-fixtures';
import { runImportBatch } from '../../src/services/import-run.service';
import { TestBrowser, buildUser, startTestApp, type TestApp } from '../support/harness';

let harness: TestApp;
let importer: User;
let browser: TestBrowser;
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'passerelle-import-wizard-'));

// Invented establishments; SIRET numbers with valid keys that belong to no one.
const ESTABLISHMENTS = [
  'Libellé;N° SIRET;Type d’établissement;Localité;Code postal;Statut',
  'Université des Hautes Terres;62819482199351;Université;Clermont-Ferrand;63000;Actif',
  'Institut national des arts appliqués;53888539336333;Grand établissement;Paris;75005;Prospect',
  'École supérieure de la mer;29729975288201;Autre établissement;Brest;29200;actif',
  'Université du Littoral Sud;26167513613411;Université;Sète;34200;',
].join('\r\n');

function csvFile(name: string, content: string): string {
  const file = path.join(tmpDir, name);
  fs.writeFileSync(file, `\uFEFF${content}`);
  return file;
}

async function upload(name: string, content: string, entityType = 'organizations'): Promise<string> {
  await browser.get('/imports/nouveau');
  const response = await browser.agent
    .post('/imports')
    .field('_csrf', browser.csrfToken)
    .field('entityType', entityType)
    .attach('file', csvFile(name, content), { filename: name, contentType: 'text/csv' });
  expect(response.status).toBe(303);
  return /\/imports\/([0-9a-f-]{36})/.exec(response.headers.location ?? '')?.[1] ?? '';
}

async function batchOf(id: string) {
  const [batch] = await harness.db.select().from(importBatches).where(eq(importBatches.id, id));
  if (!batch) throw new Error('batch missing');
  return batch;
}

/** The mapping form as the page suggests it, plus the options. */
async function mappingBody(id: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const batch = await batchOf(id);
  const columns = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [`column_${index}`, field]));
  return { ...columns, matchKey: 'siret', mode: 'create_and_update', defaultKindCode: 'entreprise', defaultStatus: 'prospect', ...extra };
}

/** The values form as the page shows it (every select at its suggested target), as a browser would post it. */
function formOf(html: string): Record<string, string> {
  const form: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="(from_[a-zA-Z]+_\d+)" value="([^"]*)"/g)) form[match[1] ?? ''] = decode(match[2] ?? '');
  for (const match of html.matchAll(/<select[^>]*name="((?:to|default|policy)_[a-zA-Z_0-9]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    const selected = /<option value="([^"]*)" selected>/.exec(match[2] ?? '');
    form[match[1] ?? ''] = decode(selected?.[1] ?? '');
  }
  return form;
}

function decode(text: string): string {
  return text.replace(/&#x27;/g, "'").replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x3D;/g, '=');
}

/** The text a person reads (tags and attributes left out): no catalogue key may show raw. */
function visibleText(html: string): string {
  return decode(html.replace(/<script[\s\S]*?<\/script>/g, ' ').replace(/<[^>]+>/g, ' '));
}

function expectNoRawKeys(html: string): void {
  // A file name (« contacts.csv ») is not a key.
  const raw = visibleText(html).match(/\b(?:imports|common|validation|organizations|contacts|errors)\.(?!(?:csv|xlsx|tsv|txt)\b)[a-zA-Z][\w.]*/g);
  expect(raw ?? []).toEqual([]);
}

beforeAll(async () => {
  harness = await startTestApp();
  importer = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
  browser = new TestBrowser(harness.app);
  await browser.login(importer.email);
});
afterAll(async () => {
  await harness.close();
  fs.rmSync(tmpDir, { recursive: true, force: true });
});

describe('the value-mapping step', () => {
  let batchId: string;

  test('French register headers are recognised at upload', async () => {
    batchId = await upload('etablissements.csv', ESTABLISHMENTS);
    const batch = await batchOf(batchId);
    const mapped = Object.fromEntries(Object.entries(batch.mapping).map(([index, field]) => [batch.headers[Number(index)], field]));
    expect(mapped).toEqual({ Libellé: 'name', 'N° SIRET': 'siret', 'Type d’établissement': 'kind', Localité: 'city', 'Code postal': 'postalCode', Statut: 'status' });
  });

  test('after the mapping, the file’s distinct values are listed with their counts and a suggested target', async () => {
    const saved = await browser.post(`/imports/${batchId}/correspondance`, await mappingBody(batchId, { presetName: 'Établissements (test)' }));
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/imports/${batchId}/valeurs`);
    // The preview waits for the values: the batch's page leads to the step.
    const batchPage = await browser.get(`/imports/${batchId}`);
    expect(batchPage.status).toBe(302);
    expect(batchPage.headers.location).toBe(`/imports/${batchId}/valeurs`);

    const page = await browser.get(`/imports/${batchId}/valeurs`);
    expect(page.status).toBe(200);
    expectNoRawKeys(page.text);
    expect(page.text).toContain('Étape 3 sur 6');
    expect(page.text).toContain('« Type de structure » (colonne « Type d’établissement ») : 3 valeur(s) différente(s)');
    const form = formOf(page.text);
    const targetOf = (field: string, value: string) => {
      const key = Object.keys(form).find((name) => name.startsWith(`from_${field}_`) && form[name] === value) ?? '';
      return form[key.replace('from_', 'to_')];
    };
    expect(targetOf('kind', 'Université')).toBe('universite');
    expect(targetOf('kind', 'Grand établissement')).toBe('ecole');
    // The registers' « Autre établissement » is an establishment of higher education too.
    expect(targetOf('kind', 'Autre établissement')).toBe('ecole');
    // « Actif » and « actif » are two values as written; both suggest the same code.
    expect(targetOf('status', 'Actif')).toBe('actif');
    expect(targetOf('status', 'actif')).toBe('actif');
    expect(targetOf('status', 'Prospect')).toBe('prospect');
    // Row counts: « Université » is on two rows.
    expect(visibleText(page.text)).toMatch(/Université\s+2\b/);
    // The update policies of the mapped fields, with their defaults.
    expect(form.policy_name).toBe('fill_empty');
    expect(form.policy_addressLine).toBe('fill_empty');
    expect(form.policy_siret).toBe('fill_empty');
    expect(form.policy_otherSirets).toBe('overwrite');
    expect(page.text).toContain('Compléter seulement les champs vides');
    // The preset named at the mapping step is offered again here.
    expect(page.text).toContain('value="Établissements (test)"');
  });

  test('a value left unknown is refused with the form kept (422)', async () => {
    const page = await browser.get(`/imports/${batchId}/valeurs`);
    const form = formOf(page.text);
    const refused = await browser.post(`/imports/${batchId}/valeurs`, { ...form, default_kind: 'pas-un-type', policy_name: 'overwrite' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choisissez une valeur dans la liste.');
    expect(formOf(refused.text).policy_name).toBe('overwrite');
  });

  test('the chosen targets, defaults and policies are saved in the batch and in the preset', async () => {
    const page = await browser.get(`/imports/${batchId}/valeurs`);
    const form = formOf(page.text);
    const autre = Object.keys(form).find((name) => form[name] === 'Autre établissement') ?? '';
    const saved = await browser.post(`/imports/${batchId}/valeurs`, {
      ...form,
      [autre.replace('from_', 'to_')]: 'institution_publique',
      default_kind: 'reseau_association',
      default_status: 'prospect',
      policy_name: 'never',
      policy_addressLine: 'overwrite',
      presetName: 'Établissements (test)',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/imports/${batchId}`);
    const batch = await batchOf(batchId);
    expect(batch.options?.valueMaps).toEqual({
      kind: { Université: 'universite', 'Grand établissement': 'ecole', 'Autre établissement': 'institution_publique' },
      status: { Actif: 'actif', Prospect: 'prospect', actif: 'actif' },
    });
    expect(batch.options?.valueDefaults).toEqual({ kind: 'reseau_association', status: 'prospect' });
    expect(batch.options?.fieldPolicies).toMatchObject({ name: 'never', addressLine: 'overwrite', siret: 'fill_empty', otherSirets: 'overwrite' });
    const [preset] = await harness.db.select().from(importPresets).where(eq(importPresets.name, 'Établissements (test)'));
    expect(preset?.headers).toEqual(['libelle', 'n siret', 'type d etablissement', 'localite', 'code postal', 'statut']);
    expect(preset?.settings).toEqual({ valueMaps: batch.options?.valueMaps, valueDefaults: batch.options?.valueDefaults, fieldPolicies: batch.options?.fieldPolicies });

    // Now the preview: it names the policies and leads back to the step.
    const preview = await browser.get(`/imports/${batchId}`);
    expect(preview.status).toBe(200);
    expectNoRawKeys(preview.text);
    expect(preview.text).toContain('Étape 4 sur 6');
    expect(visibleText(preview.text)).toContain('Nom : ne jamais modifier');
    expect(preview.text).toContain(`href="/imports/${batchId}/valeurs"`);
    // Each enumerated cell shows the code it takes.
    expect(visibleText(preview.text).replace(/\s+/g, ' ')).toContain('Autre établissement → Institution publique (ministère, agence, opérateur)');
  });

  test('a file with the same columns gets the preset at once: fields, value maps and policies, and says so', async () => {
    const secondId = await upload('etablissements-2027.csv', ESTABLISHMENTS.replace('Université des Hautes Terres', 'Université des Hautes Terres (2027)'));
    const second = await batchOf(secondId);
    expect(Object.values(second.mapping).sort()).toEqual(['city', 'kind', 'name', 'postalCode', 'siret', 'status']);
    expect(second.options?.valueMaps?.kind?.['Autre établissement']).toBe('institution_publique');
    expect(second.options?.fieldPolicies?.name).toBe('never');
    const page = await browser.get(`/imports/${secondId}`);
    expect(page.text).toContain('Modèle « Établissements (test) » appliqué : mêmes colonnes.');
    expectNoRawKeys(page.text);
    // Through the mapping again, the value step keeps the preset's choices.
    await browser.post(`/imports/${secondId}/correspondance`, await mappingBody(secondId));
    const values = formOf((await browser.get(`/imports/${secondId}/valeurs`)).text);
    const autre = Object.keys(values).find((name) => values[name] === 'Autre établissement') ?? '';
    expect(values[autre.replace('from_', 'to_')]).toBe('institution_publique');
    expect(values.policy_name).toBe('never');
  });

  test('a column of free text mapped as a kind: 200 values listed at most, the others take the default', async () => {
    const lines = ['Nom;Type'];
    for (let index = 1; index <= 205; index += 1) lines.push(`Structure ${index};Catégorie ${index}`);
    const id = await upload('categories.csv', lines.join('\r\n'));
    await browser.post(`/imports/${id}/correspondance`, await mappingBody(id, { matchKey: 'none', mode: 'create_only' }));
    const page = await browser.get(`/imports/${id}/valeurs`);
    expect(page.text).toContain('Seules les 200 premières valeurs différentes sont listées');
    const form = formOf(page.text);
    expect(Object.keys(form).filter((name) => name.startsWith('from_kind_'))).toHaveLength(200);
    expect(page.text).toContain('Aucune fiche existante ne sera modifiée');
    expect((await browser.post(`/imports/${id}/valeurs`, { ...form, default_kind: 'reseau_association' })).status).toBe(303);
    const batch = await batchOf(id);
    expect(Object.keys(batch.options?.valueMaps?.kind ?? {})).toHaveLength(200);
    expect(batch.options?.valueDefaults?.kind).toBe('reseau_association');
  });

  test('a preset chosen in the list for a file whose columns differ brings its settings with its fields', async () => {
    // One column more than the preset's file: not the same headers, so nothing is applied at upload.
    const id = await upload('etablissements-plus.csv', ESTABLISHMENTS.split('\r\n').map((line, index) => `${line};${index === 0 ? 'Remarque' : ''}`).join('\r\n'));
    expect((await batchOf(id)).options).toBeNull();
    const [preset] = await harness.db.select().from(importPresets).where(eq(importPresets.name, 'Établissements (test)'));
    const page = await browser.get(`/imports/${id}/correspondance?modele=${preset?.id}`);
    expect(page.text).toContain(`name="appliedPresetId" value="${preset?.id}"`);
    await browser.post(`/imports/${id}/correspondance`, await mappingBody(id, { appliedPresetId: preset?.id ?? '' }));
    const batch = await batchOf(id);
    expect(batch.options?.valueMaps?.kind?.['Autre établissement']).toBe('institution_publique');
    expect(batch.options?.fieldPolicies?.name).toBe('never');
  });

  test('a mapping without enumerated columns in create-only mode goes straight to the preview', async () => {
    const id = await upload('noms.csv', 'Raison sociale;Enseigne\r\nAtelier des Communs;Les Communs\r\n');
    const saved = await browser.post(`/imports/${id}/correspondance`, await mappingBody(id, { matchKey: 'none', mode: 'create_only' }));
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toBe(`/imports/${id}`);
    expect((await browser.get(`/imports/${id}`)).status).toBe(200);
  });
});

describe('the preview says what each row will do', () => {
  test('an update lists its changes (curated name kept), an invalid optional cell is a warning, not an error', async () => {
    await buildOrganization(harness.db, { name: 'ICN Business School (essai)', siret: '13114402426468', unitCodes: ['DDPSI'] });
    const id = await upload(
      'registre.csv',
      ['Raison sociale;Siret;Téléphone;Site web', 'ECOLE ENSEIGNEMENT SUPERIEUR PRIVE ICN;13114402426468;12;https://www.icn-essai.example', 'Atelier des Sources;;03 85 00 00 00;'].join('\r\n'),
    );
    await browser.post(`/imports/${id}/correspondance`, await mappingBody(id));
    const preview = await browser.get(`/imports/${id}`);
    expect(preview.status).toBe(200);
    expectNoRawKeys(preview.text);
    const text = visibleText(preview.text).replace(/\s+/g, ' ');
    expect(text).toContain('Mise à jour');
    expect(text).toMatch(/Site web : \(vide\) → https:\/\/www\.icn-essai\.example/);
    expect(text).not.toContain('Nom : ICN Business School');
    expect(preview.text).toContain('passerelle-cell--warning');
    expect(text).toContain('1 ligne(s) seront importées sans une valeur invalide');
    expect(text).toContain('Aucune erreur dans cet aperçu.');
  });
});

describe('the values step of a contacts file', () => {
  test('civilities and legal bases written as people write them get their code', async () => {
    const id = await upload(
      'contacts.csv',
      [
        'Civilité;Prénom;Nom;Courriel;Base légale',
        'Monsieur;Paul;Martinez-Essai;paul.martinez@exemple.test;Intérêt légitime',
        'Madame;Lina;Dupré-Essai;lina.dupre@exemple.test;consentement',
        'Mme;Zoé;Arnaud-Essai;zoe.arnaud@exemple.test;Intérêt légitime',
        'Dr;Malik;Benali-Essai;malik.benali@exemple.test;',
      ].join('\r\n'),
      'contacts',
    );
    const saved = await browser.post(`/imports/${id}/correspondance`, await mappingBody(id, { matchKey: 'email', defaultKindCode: 'entreprise' }));
    expect(saved.headers.location).toBe(`/imports/${id}/valeurs`);
    const page = await browser.get(`/imports/${id}/valeurs`);
    expectNoRawKeys(page.text);
    const form = formOf(page.text);
    const targetOf = (field: string, value: string) => form[(Object.keys(form).find((name) => name.startsWith(`from_${field}_`) && form[name] === value) ?? '').replace('from_', 'to_')];
    expect(targetOf('civility', 'Monsieur')).toBe('M.');
    expect(targetOf('civility', 'Madame')).toBe('Mme');
    expect(targetOf('civility', 'Mme')).toBe('Mme');
    expect(targetOf('legalBasis', 'Intérêt légitime')).toBe('interet_legitime');
    expect(targetOf('legalBasis', 'consentement')).toBe('consentement');
    expect(form.policy_email).toBe('overwrite');
    expect(page.text).toContain('Ajouter les valeurs du fichier (aucune retirée)');
    expect((await browser.post(`/imports/${id}/valeurs`, form)).status).toBe(303);
    expect((await batchOf(id)).options?.valueMaps?.civility).toMatchObject({ Monsieur: 'M.', Madame: 'Mme' });
  });
});

describe('the report tells what each row did', () => {
  let batchId: string;
  let first: { id: string };
  let second: { id: string };

  beforeAll(async () => {
    batchId = await upload('rapport.csv', ESTABLISHMENTS);
    first = await buildOrganization(harness.db, { name: 'Université des Hautes Terres', siret: '62819482199351', city: 'Clermont-Ferrand', unitCodes: ['DDPSI'] });
    second = await buildOrganization(harness.db, { name: 'UHT — antenne', otherSirets: ['62819482199351'], uai: ['0632000E'], unitCodes: ['DDPSI'] });
    const updated = await buildOrganization(harness.db, { name: 'École supérieure de la mer', siret: '29729975288201', kindCode: 'ecole', unitCodes: ['DDPSI'] });
    // The rows as a finished run leaves them (the run itself is tested with the matching).
    await harness.db.insert(importRows).values([
      { batchId, rowNumber: 2, outcome: 'ambiguous', candidateIds: [first.id, second.id], sameKeyRows: [5] },
      { batchId, rowNumber: 3, outcome: 'created', entityId: updated.id, warnings: [{ field: 'postalCode', value: '750', message: 'code postal incomplet : laissé vide' }] },
      { batchId, rowNumber: 4, outcome: 'updated', entityId: updated.id, changes: { kindCode: { before: 'ecole', after: 'universite' }, postalCode: { before: null, after: '29200' } } },
      { batchId, rowNumber: 5, outcome: 'unchanged', entityId: updated.id },
    ]);
    await harness.db
      .update(importBatches)
      .set({ status: 'completed', processedRows: 4, createdCount: 1, updatedCount: 1, unchangedCount: 1, ambiguousCount: 1, warningCount: 1, mapping: { '0': 'name', '1': 'siret', '2': 'kind', '3': 'city', '4': 'postalCode' } })
      .where(eq(importBatches.id, batchId));
  });

  test('seven counts, each a link to its rows', async () => {
    const page = await browser.get(`/imports/${batchId}`);
    expect(page.status).toBe(200);
    expectNoRawKeys(page.text);
    const text = visibleText(page.text).replace(/\s+/g, ' ');
    for (const label of ['1 Créées', '1 Mises à jour', '1 Inchangées', '0 Ignorées', '1 Ambiguës', '0 En erreur', '1 Avec avertissements']) expect(text).toContain(label);
    for (const key of ['created', 'updated', 'unchanged', 'skipped', 'ambiguous', 'error', 'warning']) expect(page.text).toContain(`href="/imports/${batchId}?outcome=${key}"`);
  });

  test('updated rows show before → after with the catalogue’s labels', async () => {
    const page = await browser.get(`/imports/${batchId}?outcome=updated`);
    const text = visibleText(page.text).replace(/\s+/g, ' ');
    expect(text).toContain('Type : École / grand établissement → Université');
    expect(text).toContain('Code postal : (vide) → 29200');
    expect(text).not.toMatch(/\b5 Inchangée/);
  });

  test('the unchanged filter lists only those rows; warnings name line, column, value and reason', async () => {
    const unchanged = visibleText((await browser.get(`/imports/${batchId}?outcome=unchanged`)).text).replace(/\s+/g, ' ');
    expect(unchanged).toContain('Inchangée');
    expect(unchanged).not.toContain('Mise à jour Type');
    const warnings = await browser.get(`/imports/${batchId}?outcome=warning`, { 'HX-Request': 'true', 'HX-Target': 'import-rows' });
    expect(warnings.text).toContain('id="import-rows"');
    expect(visibleText(warnings.text)).toContain('Ligne 3, colonne « Code postal », valeur « 750 » : code postal incomplet : laissé vide');
    expectNoRawKeys(warnings.text);
  });

  test('the warnings download as CSV, one line per cell (line, column, value, reason)', async () => {
    const page = await browser.get(`/imports/${batchId}`);
    expect(page.text).toContain(`href="/imports/${batchId}/avertissements.csv"`);
    const csv = await browser.get(`/imports/${batchId}/avertissements.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toContain('avertissements-rapport.csv');
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(lines).toEqual(['Ligne;Colonne du fichier;Valeur dans le fichier;Avertissement', '3;Code postal;750;code postal incomplet : laissé vide']);
  });

  test('ambiguous rows show their candidates, the other lines with the same key, and a choice per row', async () => {
    const page = await browser.get(`/imports/${batchId}?outcome=ambiguous`);
    expectNoRawKeys(page.text);
    expect(page.text).toContain(`href="/structures/${first.id}"`);
    expect(page.text).toContain(`href="/structures/${second.id}"`);
    expect(visibleText(page.text)).toContain('SIRET 62819482199351');
    expect(visibleText(page.text)).toContain('UAI 0632000E');
    expect(visibleText(page.text)).toContain('même clé que les lignes 5');
    expect(page.text).toContain(`name="choice_2" value="${first.id}"`);
    expect(page.text).toContain('name="choice_2" value="skip"');
    expect(page.text).toContain('name="choice_2" value="create"');
    expect(page.text).toContain(`action="/imports/${batchId}/choix"`);
  });

  test('a choice form without any choice is refused with a message, nothing changes', async () => {
    const response = await browser.post(`/imports/${batchId}/choix`, { choice_2: '' });
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe(`/imports/${batchId}?outcome=ambiguous`);
    const page = await browser.get(response.headers.location ?? '');
    expect(page.text).toContain('Choisissez une option pour au moins une ligne.');
    expect((await batchOf(batchId)).ambiguousCount).toBe(1);
  });
});

describe('an ambiguous row beyond the preview, settled after the run', () => {
  test('found on demand in the whole file, left « ambiguë » by the run, then applied from the report', async () => {
    const shared = '49920707413748';
    const main = await buildOrganization(harness.db, { name: 'Lycée des Volcans', siret: shared, unitCodes: ['DDPSI'] });
    const annex = await buildOrganization(harness.db, { name: 'Lycée des Volcans — annexe', otherSirets: [shared], unitCodes: ['DDPSI'] });
    const lines = ['Raison sociale;Siret'];
    for (let index = 1; index <= 22; index += 1) lines.push(`Tiers-lieu numéro ${index};`);
    lines.push(`Lycée des Volcans;${shared}`);
    const id = await upload('tiers-lieux.csv', lines.join('\r\n'));
    const mapped = await browser.post(`/imports/${id}/correspondance`, await mappingBody(id));
    expect(mapped.headers.location).toBe(`/imports/${id}/valeurs`);
    // No enumerated column: the policies step is offered but the preview does not wait for it.
    const preview = await browser.get(`/imports/${id}`);
    expect(preview.status).toBe(200);
    expect(visibleText(preview.text)).toContain('Aucune ligne ambiguë parmi les lignes de l’aperçu.');
    const scanned = await browser.get(`/imports/${id}?ambigues=tout`);
    expectNoRawKeys(scanned.text);
    expect(scanned.text).toContain(`name="choice_24" value="${main.id}"`);
    expect(scanned.text).toContain(`name="choice_24" value="${annex.id}"`);

    // Launched without a choice: the run leaves the row to decide.
    expect((await browser.post(`/imports/${id}/lancer`)).status).toBe(303);
    expect(await runImportBatch(harness.db, id)).toBe('completed');
    expect(await batchOf(id)).toMatchObject({ createdCount: 22, ambiguousCount: 1 });
    const report = await browser.get(`/imports/${id}?outcome=ambiguous`);
    expect(report.text).toContain(`name="choice_24" value="${main.id}"`);
    expect(visibleText(report.text)).toContain('Appliquer les choix');

    const applied = await browser.post(`/imports/${id}/choix`, { choice_24: main.id });
    expect(applied.status).toBe(303);
    expect(applied.headers.location).toBe(`/imports/${id}?outcome=ambiguous`);
    expect(visibleText((await browser.get(applied.headers.location ?? '')).text)).toContain('1 ligne(s) traitée(s) selon vos choix.');
    const batch = await batchOf(id);
    expect(batch.ambiguousCount).toBe(0);
    const [row] = await harness.db.select().from(importRows).where(eq(importRows.batchId, id)).then((rows) => rows.filter((item) => item.rowNumber === 24));
    expect(row?.entityId).toBe(main.id);
    expect(['updated', 'unchanged']).toContain(row?.outcome);

    // The same choice again (a second tab, a double submit): nothing changes and the page says so.
    const again = await browser.post(`/imports/${id}/choix`, { choice_24: annex.id });
    expect(visibleText((await browser.get(again.headers.location ?? '')).text)).toContain('Choix non appliqué pour les lignes 24');
    expect((await harness.db.select().from(importRows).where(eq(importRows.batchId, id))).find((item) => item.rowNumber === 24)?.entityId).toBe(main.id);
  });
});

describe('launching with the choices ticked', () => {
  test('« Lancer » saves the ambiguous rows’ choices it carries, and the run follows them', async () => {
    const shared = '79282010276160';
    const kept = await buildOrganization(harness.db, { name: 'CFA des Puys', siret: shared, unitCodes: ['DDPSI'] });
    await buildOrganization(harness.db, { name: 'CFA des Puys — site 2', otherSirets: [shared], unitCodes: ['DDPSI'] });
    const id = await upload('cfa.csv', `Raison sociale;Siret\r\nCFA des Puys;${shared}\r\n`);
    await browser.post(`/imports/${id}/correspondance`, await mappingBody(id));
    const preview = await browser.get(`/imports/${id}`);
    // The radios and the launch button are in one form.
    expect(preview.text).toMatch(new RegExp(`<form method="post" action="/imports/${id}/lancer">[\\s\\S]*name="choice_2"[\\s\\S]*Lancer l’import`));
    expect((await browser.post(`/imports/${id}/lancer`, { choice_2: kept.id })).status).toBe(303);
    expect(await batchOf(id)).toMatchObject({ status: 'queued', rowChoices: { '2': kept.id } });
    expect(await runImportBatch(harness.db, id)).toBe('completed');
    expect((await batchOf(id)).ambiguousCount).toBe(0);
    const [row] = await harness.db.select().from(importRows).where(eq(importRows.batchId, id));
    expect(row?.entityId).toBe(kept.id);
  });
});

describe('a batch is its creator’s', () => {
  test('someone else gets « not found » on the values step, the choices and the warnings file', async () => {
    const id = await upload('a-moi.csv', ESTABLISHMENTS);
    await browser.post(`/imports/${id}/correspondance`, await mappingBody(id));
    const other = await buildUser(harness.db, { roles: ['charge'], unitCodes: ['DDPSI'] });
    const stranger = new TestBrowser(harness.app);
    await stranger.login(other.email);
    await stranger.get('/imports/nouveau');
    expect((await stranger.get(`/imports/${id}/valeurs`)).status).toBe(404);
    expect((await stranger.post(`/imports/${id}/valeurs`, { default_kind: 'ecole' })).status).toBe(404);
    expect((await stranger.post(`/imports/${id}/choix`, { choice_2: 'skip' })).status).toBe(404);
    expect((await stranger.get(`/imports/${id}/avertissements.csv`)).status).toBe(404);
    expect((await stranger.get(`/imports/${id}?ambigues=tout`)).status).toBe(404);
    expect((await batchOf(id)).rowChoices).toEqual({});
  });
});

describe('the list of imports', () => {
  test('every string comes from the catalogue (no raw key such as common.resultCount)', async () => {
    const page = await browser.get('/imports');
    expect(page.status).toBe(200);
    expectNoRawKeys(page.text);
    expect(visibleText(page.text)).toMatch(/\d+ résultat\(s\)/);
    expect(visibleText(page.text).replace(/\s+/g, ' ')).toContain('22 créée(s) · 1 inchangée(s)');
    const filtered = await browser.get('/imports?status=completed', { 'HX-Request': 'true', 'HX-Target': 'imports-results' });
    expectNoRawKeys(filtered.text);
    const completed = (await harness.db.select().from(importBatches).where(eq(importBatches.status, 'completed'))).length;
    expect(visibleText(filtered.text)).toContain(`${completed} résultat(s)`);
    expectNoRawKeys((await browser.get('/imports/nouveau')).text);
  });
});
