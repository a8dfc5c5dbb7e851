// Import detection and row conversion: pure functions, no database.
import iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { headerKey, suggestMapping, valuesByField } from '../../src/services/imports/fields';
import { isoDate, resolveKind, splitFullName } from '../../src/services/imports/row-conversion';
import { readContactRow, readOrganizationRow } from '../../src/services/imports/row-reading';
import { decodeSample, detectDelimiter, detectEncoding, looksLikeXlsx, readTable } from '../../src/lib/imports/table-reader';

const KINDS = [
  { code: 'universite', label: 'Université' },
  { code: 'lycee', label: 'Lycée' },
  { code: 'cfa', label: 'CFA' },
  { code: 'ecole', label: 'École / grand établissement' },
  { code: 'tiers_lieu', label: 'Tiers-lieu (Campus connecté, Digitale académie)' },
  { code: 'entreprise', label: 'Entreprise' },
  { code: 'creps', label: 'CREPS / centre sportif' },
];

describe('encoding and delimiter', () => {
  test('BOM, strict UTF-8 and Windows-1252 are told apart', () => {
    expect(detectEncoding(Buffer.from('\uFEFFNom;Ville\n', 'utf8'))).toBe('utf-8');
    expect(detectEncoding(Buffer.from('Nom;Ville\nÉcole;Besançon\n', 'utf8'))).toBe('utf-8');
    const latin = iconv.encode('Nom;Ville\nÉcole;Besançon\n', 'windows-1252');
    expect(detectEncoding(latin)).toBe('windows-1252');
    expect(decodeSample(latin, 'windows-1252')).toContain('Besançon');
    expect(detectEncoding(Buffer.from([0xff, 0xfe, 0x4e, 0x00]))).toBe('utf-16le');
  });

  test('the delimiter that splits every line the same way wins, quoted commas aside', () => {
    expect(detectDelimiter('Nom;Adresse;Ville\n"A, B";1 rue X;Lyon\n')).toBe(';');
    expect(detectDelimiter('Nom,Ville\n"Lyon; 7e",Lyon\nB,Paris\n')).toBe(',');
    expect(detectDelimiter('Nom\tVille\nA\tLyon\n')).toBe('\t');
  });

  test('an XLSX file is recognised by its ZIP signature, not its name', () => {
    expect(looksLikeXlsx(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14]))).toBe(true);
    expect(looksLikeXlsx(Buffer.from('Nom;Ville'))).toBe(false);
  });

  test('rows come with their line in the file; blank lines are skipped', async () => {
    const rows = [];
    for await (const row of readTable(Readable.from([Buffer.from('Nom;Ville\nA;Lyon\n;\nB;Paris\n')]), { kind: 'csv', encoding: 'utf-8', delimiter: ';' })) rows.push(row);
    expect(rows).toEqual([
      { line: 1, cells: ['Nom', 'Ville'] },
      { line: 2, cells: ['A', 'Lyon'] },
      { line: 4, cells: ['B', 'Paris'] },
    ]);
  });
});

describe('column mapping', () => {
  test('French and English headers are recognised, accents and punctuation aside', () => {
    expect(headerKey('N° SIRET ')).toBe('n siret');
    const headers = ['Siret', 'UAI validée', 'Raison sociale', 'Adresse', 'Réseaux à jour', 'UAI potentielle 1', 'Website', 'E-mail'];
    const mapping = suggestMapping('organizations', headers);
    expect(mapping).toEqual({ '0': 'siret', '1': 'uai', '2': 'name', '3': 'addressLine', '4': 'tags', '6': 'website', '7': 'email' });
  });

  test('a preset (header → field) wins over the aliases', () => {
    const mapping = suggestMapping('organizations', ['Enseigne', 'Raison sociale'], { enseigne: 'name' });
    expect(mapping).toEqual({ '0': 'name' });
  });

  test('several columns feed a multi-valued field; empty cells are dropped', () => {
    const values = valuesByField(['0341089Z', '', '0342490X'], { '0': 'uai', '1': 'uai', '2': 'uai' });
    expect(values.get('uai')).toEqual(['0341089Z', '0342490X']);
  });
});

describe('organisation rows', () => {
  const context = { kinds: KINDS, options: { matchKey: 'siret' as const, mode: 'create_and_update' as const, defaultKindCode: 'entreprise', defaultStatus: 'prospect', unitIds: [] } };

  test('a national-register row in capitals becomes a readable record with its address split', () => {
    const values = new Map([
      ['name', ['UNIVERSITE MONTPELLIER III PAUL VALERY']],
      ['addressLine', ['RTE DE MENDE 34090 MONTPELLIER']],
      ['uai', ['0341089Z 0342490X', '0341089Z']],
      ['tags', ['amue']],
    ]);
    const reading = readOrganizationRow(values, context);
    expect(reading).toMatchObject({ ok: true, warnings: [] });
    expect(reading.ok && reading.input).toMatchObject({
      name: 'Université Montpellier III Paul Valéry',
      kindCode: 'universite',
      status: 'prospect',
      addressLine: 'Route de Mende',
      postalCode: '34090',
      city: 'Montpellier',
      uai: ['0341089Z', '0342490X'],
      tags: ['amue'],
    });
  });

  test('kind: from its column (code or label), else from the name, else the default', () => {
    expect(resolveKind('Lycée', 'X', KINDS, 'entreprise')).toEqual({ code: 'lycee' });
    expect(resolveKind('cfa', 'X', KINDS, 'entreprise')).toEqual({ code: 'cfa' });
    expect(resolveKind('', 'Campus connecté de Mende', KINDS, 'entreprise')).toEqual({ code: 'tiers_lieu' });
    expect(resolveKind('', 'CREPS de Toulouse', KINDS, 'entreprise')).toEqual({ code: 'creps' });
    expect(resolveKind('', 'Institut d’études politiques', KINDS, 'entreprise')).toEqual({ code: 'ecole' });
    expect(resolveKind('', 'EduPath SAS', KINDS, 'entreprise')).toEqual({ code: 'entreprise' });
    expect(resolveKind('licorne', 'X', KINDS, 'entreprise')).toEqual({ unknown: 'licorne' });
  });

  test('an unknown status is a warning (the default is taken), a French one is understood', () => {
    expect(readOrganizationRow(new Map([['name', ['A']], ['status', ['En sommeil']]]), context)).toMatchObject({ ok: true, input: { status: 'en_sommeil' } });
    expect(readOrganizationRow(new Map([['name', ['A']], ['status', ['peut-être']]]), context)).toMatchObject({
      ok: true,
      input: { status: 'prospect' },
      warnings: [{ field: 'status', value: 'peut-être', message: expect.any(String) }],
    });
  });
});

describe('contact rows', () => {
  test('full names, civilities, dates and the employer', () => {
    expect(splitFullName('DUPONT Marie')).toEqual({ firstName: 'Marie', lastName: 'DUPONT' });
    expect(splitFullName('Marie Dupont')).toEqual({ firstName: 'Marie', lastName: 'Dupont' });
    expect(isoDate('5/3/2024')).toBe('2024-03-05');
    const contactContext = { kinds: KINDS, options: { matchKey: 'email' as const, mode: 'create_and_update' as const, defaultKindCode: 'entreprise', defaultStatus: 'prospect', unitIds: [] } };
    const reading = readContactRow(
      new Map([
        ['civility', ['Madame']],
        ['fullName', ['DURAND Sophie']],
        ['email', ['Sophie.Durand@Example.fr; s.durand@example.org']],
        ['organizationName', ['UNIVERSITE DE TOULON']],
        ['consentDate', ['01/02/2025']],
      ]),
      contactContext,
    );
    if (!reading.ok) throw new Error(JSON.stringify(reading.errors));
    expect(reading.warnings).toEqual([]);
    expect(reading.input).toMatchObject({ civility: 'Mme', firstName: 'Sophie', lastName: 'DURAND', emails: ['sophie.durand@example.fr', 's.durand@example.org'], consentDate: '2025-02-01', source: 'import' });
    expect(reading.employer).toEqual({ name: 'Université de Toulon', siret: '', uai: '' });
    expect(readContactRow(new Map([['lastName', ['X']], ['civility', ['Dr']]]), contactContext)).toMatchObject({ ok: true, warnings: [{ field: 'civility', value: 'Dr' }] });
  });
});
