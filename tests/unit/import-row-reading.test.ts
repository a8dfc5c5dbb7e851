// Reading imported rows without losing or inventing anything (issue 11): optional cells that are
// invalid become warnings, several identifiers per cell, addresses in one cell, the postcode as
// written, value maps for enumerated columns. Rows shaped like public registers; every name,
// address and identifier is invented (identifiers built with valid check digits).
import { normalizePostalCode, parseFrenchAddress } from '../../src/lib/french-address';
import { isValidSiren, isValidSiret, splitSiretList } from '../../src/lib/identifiers';
import type { ImportOptions } from '../../src/models/schema';
import { readAddress, readContactRow, readOrganizationRow, suggestValueTarget, type RowReading } from '../../src/services/imports/row-reading';
import { siretOf, uaiOf } from '../support/register-files';

const KINDS = [
  { code: 'universite', label: 'Université' },
  { code: 'ecole', label: 'École / grand établissement' },
  { code: 'startup', label: 'Start-up' },
  { code: 'entreprise', label: 'Entreprise' },
  { code: 'institution_publique', label: 'Institution publique (ministère, agence, opérateur)' },
  { code: 'collectivite', label: 'Collectivité territoriale' },
  { code: 'federation_sportive', label: 'Fédération sportive' },
  { code: 'creps', label: 'CREPS / centre sportif' },
  { code: 'tiers_lieu', label: 'Tiers-lieu (Campus connecté, Digitale académie)' },
  { code: 'cfa', label: 'CFA' },
  { code: 'lycee', label: 'Lycée' },
  { code: 'reseau_association', label: 'Réseau / association' },
  { code: 'opco', label: 'Opérateur de compétences (OPCO)' },
];

function optionsWith(more: Partial<ImportOptions> = {}): ImportOptions {
  return { matchKey: 'siret', mode: 'create_and_update', defaultKindCode: 'entreprise', defaultStatus: 'prospect', unitIds: [], ...more };
}

function row(cells: Record<string, string | string[]>): Map<string, string[]> {
  return new Map(Object.entries(cells).map(([field, value]) => [field, (Array.isArray(value) ? value : [value]).filter(Boolean)]));
}

function readOrganization(cells: Record<string, string | string[]>, more: Partial<ImportOptions> = {}) {
  return readOrganizationRow(row(cells), { kinds: KINDS, options: optionsWith(more) });
}

function accepted<T>(reading: RowReading<T>): Extract<RowReading<T>, { ok: true }> {
  if (!reading.ok) throw new Error(`row refused: ${JSON.stringify(reading.errors)}`);
  return reading;
}

describe('addresses in one cell', () => {
  test.each([
    ['12 rue du Chemin Vert 75011 Paris 11', { street: '12 rue du Chemin Vert', postalCode: '75011', town: 'Paris', district: '11', cedex: '' }],
    ['12 RUE DU CHEMIN VERT 75011 PARIS 11EME', { street: '12 RUE DU CHEMIN VERT', postalCode: '75011', town: 'PARIS', district: '11' }],
    ['8 boulevard Voltaire 75011 Paris 11e arrondissement', { postalCode: '75011', town: 'Paris', district: '11' }],
    ['1 PL DE L HOTEL DE VILLE BP 80518 44035 NANTES CEDEX 1', { street: '1 PL DE L HOTEL DE VILLE BP 80518', postalCode: '44035', town: 'NANTES', cedex: 'Cedex 1' }],
    ['10 rue des Landes CS 70001 35700 Rennes Cedex', { street: '10 rue des Landes CS 70001', postalCode: '35700', town: 'Rennes', cedex: 'Cedex' }],
    ['Bâtiment B\n4 bis quai de la Fosse\n44200 Nantes', { street: 'Bâtiment B, 4 bis quai de la Fosse', postalCode: '44200', town: 'Nantes' }],
    ['3 avenue Olivier Messiaen, Le Mans 72100', { street: '3 avenue Olivier Messiaen', postalCode: '72100', town: 'Le Mans' }],
    ['2091 route de Baduel 97300', { street: '2091 route de Baduel', postalCode: '97300', town: '' }],
    ['Campus de Fouillole 97 157 Pointe-à-Pitre\nFrance', { street: 'Campus de Fouillole', postalCode: '97157', town: 'Pointe-à-Pitre' }],
    ['Parc technologique, 2 rue Y, 13 290 Aix-en-Provence, FRANCE', { street: 'Parc technologique, 2 rue Y', postalCode: '13290', town: 'Aix-en-Provence' }],
    ['Avenue du 8 Mai 1945 75011 Paris', { street: 'Avenue du 8 Mai 1945', postalCode: '75011', town: 'Paris' }],
    ['Hôtel de Région, CS 20033, 69269 Lyon Cedex 02', { street: 'Hôtel de Région, CS 20033', postalCode: '69269', town: 'Lyon', cedex: 'Cedex 02' }],
    ['1 rue Z 13001 Marseille 1er', { postalCode: '13001', town: 'Marseille', district: '1' }],
  ])('« %s »', (cell, expected) => {
    expect(parseFrenchAddress(cell)).toMatchObject(expected);
  });

  test('a cell without a postcode is a street line as it stands', () => {
    expect(parseFrenchAddress('2091 route de Baduel')).toBeUndefined();
    expect(parseFrenchAddress('BP 80518')).toBeUndefined();
  });

  test('a postcode that lost its leading zero in a spreadsheet gets it back', () => {
    expect(normalizePostalCode('1000')).toBe('01000');
    expect(normalizePostalCode('75 011')).toBe('75011');
    expect(normalizePostalCode('2A004')).toBe('2A004');
  });

  test('the postcode written is kept, never the commune’s main one, and the arrondissement is found', () => {
    expect(readAddress(row({ addressLine: '12 RUE DU CHEMIN VERT 75011 PARIS 11' }))).toEqual({
      addressLine: '12 rue du Chemin Vert',
      postalCode: '75011',
      city: 'Paris',
      communeCode: '75111',
      warnings: [],
    });
    expect(readAddress(row({ addressLine: '4 bis quai de la Fosse 44200 Nantes' }))).toMatchObject({ postalCode: '44200', city: 'Nantes', communeCode: '44109' });
    expect(readAddress(row({ addressLine: '3 avenue Olivier Messiaen 72100 LE MANS' }))).toMatchObject({ postalCode: '72100', city: 'Le Mans', communeCode: '72181' });
  });

  test('with a town column too: the cell is split, the columns win where filled, the cell fills the rest', () => {
    // Today's bug: a town column stopped the split, and the postcode became the commune's main one.
    expect(readAddress(row({ addressLine: '4 bis quai de la Fosse 44200 Nantes', city: 'Nantes' }))).toMatchObject({
      addressLine: '4 bis quai de la Fosse',
      postalCode: '44200',
      city: 'Nantes',
      communeCode: '44109',
      warnings: [],
    });
    expect(readAddress(row({ addressLine: '12 rue du Chemin Vert 75011 Paris 11', city: 'PARIS 11' }))).toMatchObject({ postalCode: '75011', city: 'Paris', communeCode: '75111' });
    // A postcode column that says otherwise wins, and the difference is reported.
    const differing = readAddress(row({ addressLine: '4 bis quai de la Fosse 44000 Nantes', postalCode: '44200', city: 'Nantes' }));
    expect(differing).toMatchObject({ addressLine: '4 bis quai de la Fosse', postalCode: '44200' });
    expect(differing.warnings).toEqual([expect.objectContaining({ field: 'addressLine', message: expect.stringContaining('44000') })]);
  });

  test('a town column with its postcode, a postcode column without its zero', () => {
    expect(readAddress(row({ addressLine: '5 place Bernard', city: '75011 PARIS' }))).toMatchObject({ addressLine: '5 place Bernard', postalCode: '75011', city: 'Paris', communeCode: '75111' });
    expect(readAddress(row({ postalCode: '1000', city: 'Bourg-en-Bresse' }))).toMatchObject({ postalCode: '01000', communeCode: '01053' });
    expect(readAddress(row({ addressLine: '5 place Bernard', postalCode: '75011 PARIS' }))).toMatchObject({ postalCode: '75011', city: 'Paris', communeCode: '75111', warnings: [] });
  });

  test('a CEDEX postcode is kept with its mention; the commune is the town’s within the department', () => {
    expect(readAddress(row({ addressLine: '1 PL DE L HOTEL DE VILLE BP 80518 44035 NANTES CEDEX 1' }))).toMatchObject({
      // The street's capitals are B's french-case dictionary's business; BP stays in capitals.
      addressLine: expect.stringMatching(/^1 place de l'H[oô]tel de Ville BP 80518$/),
      postalCode: '44035',
      city: 'Nantes Cedex 1',
      communeCode: '44109',
      warnings: [],
    });
  });

  test('a town no commune bears is kept as written, with a warning; a name several communes bear is not guessed', () => {
    const unknown = readAddress(row({ addressLine: '1 chemin des Dunes', city: 'Xyzzyville-sur-Mer' }));
    expect(unknown).toMatchObject({ addressLine: '1 chemin des Dunes', city: 'Xyzzyville-sur-Mer', communeCode: '' });
    expect(unknown.warnings).toEqual([expect.objectContaining({ field: 'city', value: 'Xyzzyville-sur-Mer' })]);
    const ambiguous = readAddress(row({ city: 'Saint-Denis' }));
    expect(ambiguous).toMatchObject({ city: 'Saint-Denis', communeCode: '' });
    expect(ambiguous.warnings[0]?.message).toContain('plusieurs communes');
    expect(readAddress(row({ postalCode: '97400', city: 'SAINT DENIS' }))).toMatchObject({ city: 'Saint-Denis', communeCode: '97411', warnings: [] });
    // A town read from the address cell: the warning is on that column, with the cell as written.
    const fromCell = readAddress(row({ addressLine: '1 chemin des Dunes 99999 Xyzzyville' }));
    expect(fromCell).toMatchObject({ addressLine: '1 chemin des Dunes', postalCode: '99999', city: 'Xyzzyville', communeCode: '' });
    expect(fromCell.warnings).toEqual([expect.objectContaining({ field: 'addressLine', value: '1 chemin des Dunes 99999 Xyzzyville' })]);
  });
});

describe('several identifiers per cell', () => {
  test('SIRET separated by commas, semicolons, slashes, spaces or new lines; grouped digits stay one SIRET', () => {
    const [a, b, c] = [siretOf(1, 19), siretOf(1, 27), siretOf(2)];
    expect(splitSiretList(`${a},${b}`)).toEqual([a, b]);
    expect(splitSiretList(`${a} ; ${b}\n${c}`)).toEqual([a, b, c]);
    expect(splitSiretList(`${a} / ${b}`)).toEqual([a, b]);
    expect(splitSiretList(`${a} ${b}`)).toEqual([a, b]);
    const grouped = `${a.slice(0, 3)} ${a.slice(3, 6)} ${a.slice(6, 9)} ${a.slice(9)}`;
    expect(splitSiretList(grouped)).toEqual([a]);
    expect(splitSiretList(`${grouped}, ${b}`)).toEqual([a, b]);
  });

  test('a register row: the first valid SIRET is the SIRET, the others the other SIRET; every valid UAI is kept', () => {
    const reading = accepted(
      readOrganization({
        uai: `${uaiOf('75', 101)} ${uaiOf('75', 102)}\n${uaiOf('75', 103)}`,
        name: 'LYCEE DES METIERS DU CHEMIN VERT',
        siret: `${siretOf(1, 19)},${siretOf(1, 27)}`,
        addressLine: '12 RUE DU CHEMIN VERT 75011 PARIS 11',
        phone: '01 43 55 00 00',
      }),
    );
    expect(reading.input).toMatchObject({
      siret: siretOf(1, 19),
      otherSirets: [siretOf(1, 27)],
      uai: [uaiOf('75', 101), uaiOf('75', 102), uaiOf('75', 103)],
      addressLine: '12 rue du Chemin Vert',
      postalCode: '75011',
      city: 'Paris',
      communeCode: '75111',
      phone: '+33143550000',
    });
    expect(reading.warnings).toEqual([]);
  });

  test('an invalid identifier among valid ones is a warning; the valid ones are kept', () => {
    const reading = accepted(readOrganization({ name: 'Institut des arts du littoral', siret: `${siretOf(2)} / 12345678901234`, uai: `${uaiOf('44', 201)}, 0440000Q` }));
    expect(reading.input).toMatchObject({ siret: siretOf(2), otherSirets: [], uai: [uaiOf('44', 201)] });
    expect(reading.warnings).toEqual([
      expect.objectContaining({ field: 'siret', value: '12345678901234' }),
      expect.objectContaining({ field: 'uai', value: '0440000Q' }),
    ]);
  });

  test('a SIRET or SIREN a spreadsheet stored as a number gets its leading zeros back when that makes it valid', () => {
    // An invented SIRET whose SIREN starts with 00.
    const body = '00552013';
    const siren = body + [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(String).find((digit) => isValidSiren(body + digit));
    const nicBody = `${siren}0001`;
    const siret = nicBody + [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(String).find((digit) => isValidSiret(nicBody + digit));
    const reading = accepted(readOrganization({ name: 'Manufacture ancienne', siret: siret.replace(/^0+/, ''), siren: siren.replace(/^0+/, '') }));
    expect(reading.input).toMatchObject({ siret, siren });
    expect(reading.warnings).toEqual([]);
    // Digits that stay invalid with zeros are reported as written.
    expect(readOrganization({ name: 'Structure', siret: '1234567' }, { matchKey: 'name' }).warnings).toEqual([expect.objectContaining({ field: 'siret', value: '1234567' })]);
  });

  test('the same SIRET written twice is one SIRET (a key shared within the cell)', () => {
    const reading = accepted(readOrganization({ name: 'Campus des métiers du Maine', siret: [`${siretOf(6)};${siretOf(6)}`, siretOf(6)] }));
    expect(reading.input).toMatchObject({ siret: siretOf(6), otherSirets: [] });
  });
});

describe('an optional cell that is invalid does not refuse the row', () => {
  test('a bad optional phone: the row is imported without it, with a warning naming the value', () => {
    const reading = accepted(readOrganization({ name: 'Université du Sud de l’océan Indien', siret: siretOf(3), phone: '02 62 93', website: 'pas un site', email: 'scolarite@' }));
    expect(reading.input).toMatchObject({ name: 'Université du Sud de l’océan Indien', phone: null, website: null, email: null });
    expect(reading.warnings.map((warning) => [warning.field, warning.value])).toEqual([
      ['email', 'scolarite@'],
      ['phone', '02 62 93'],
      ['website', 'pas un site'],
    ]);
    expect(reading.warnings[1]?.message).toContain('« 02 62 93 »');
  });

  test('half the rows of a file with a bad optional phone are all imported', () => {
    const readings = Array.from({ length: 10 }, (_, index) =>
      readOrganization({ name: `CFA des métiers de la mer ${index + 1}`, siret: siretOf(100 + index), phone: index % 2 === 0 ? '02 98 00 00 0' : '02 98 00 00 01' }),
    );
    expect(readings.every((reading) => reading.ok)).toBe(true);
    expect(readings.filter((reading) => reading.warnings.length > 0)).toHaveLength(5);
  });

  test('a second e-mail or phone for an organisation is reported, not silently dropped', () => {
    const reading = accepted(readOrganization({ name: 'CREPS des Pays de la Loire', email: 'accueil@creps.example.fr; direction@creps.example.fr' }));
    expect(reading.input.email).toBe('accueil@creps.example.fr');
    expect(reading.warnings).toEqual([expect.objectContaining({ field: 'email', value: 'direction@creps.example.fr' })]);
  });

  test('a SIREN that contradicts the SIRET is left out with a warning', () => {
    const reading = accepted(readOrganization({ name: 'Atelier nantais', siret: siretOf(7), siren: siretOf(8).slice(0, 9) }));
    expect(reading.input).toMatchObject({ siret: siretOf(7), siren: null });
    expect(reading.warnings).toEqual([expect.objectContaining({ field: 'siren' })]);
  });

  test('only the required fields and the match key refuse the row', () => {
    expect(readOrganization({ siret: siretOf(9), phone: '01 02' })).toMatchObject({ ok: false, errors: { name: expect.any(String) } });
    // Match on SIRET: an invalid SIRET refuses the row…
    expect(readOrganization({ name: 'Structure sans SIRET valide', siret: '12345678901234' })).toMatchObject({ ok: false, errors: { siret: expect.any(String) } });
    // …matching on the UAI, it is a warning, and an invalid UAI refuses it.
    const byUai = readOrganization({ name: 'Structure sans SIRET valide', siret: '12345678901234', uai: uaiOf('35', 1) }, { matchKey: 'uai' });
    expect(byUai).toMatchObject({ ok: true, warnings: [expect.objectContaining({ field: 'siret' })] });
    expect(readOrganization({ name: 'Lycée breton', uai: '0350000Q' }, { matchKey: 'uai' })).toMatchObject({ ok: false, errors: { uai: expect.any(String) } });
    expect(readOrganization({ name: 'Lycée breton', email: 'pas-une-adresse' }, { matchKey: 'email' })).toMatchObject({ ok: false, errors: { email: expect.any(String) } });
  });

  test('long network tags are kept (100 characters); a longer one is a warning, the others kept', () => {
    const network = 'Campus des métiers et des qualifications d’excellence Industrie du futur Grand Est';
    const reading = accepted(readOrganization({ name: 'Lycée des métiers de la plasturgie', tags: `${network}; ${'x'.repeat(101)}; amue` }));
    expect(reading.input.tags).toEqual([network, 'amue']);
    expect(reading.warnings).toEqual([expect.objectContaining({ field: 'tags', value: 'x'.repeat(101) })]);
  });

  test('the owner e-mail is handed over for the caller to look up', () => {
    expect(accepted(readOrganization({ name: 'OPCO des métiers', ownerEmail: 'Chargee.Test@Example.fr' })).ownerEmail).toBe('chargee.test@example.fr');
  });
});

describe('enumerated columns', () => {
  test('the value map wins (case aside), then a code or label, then the default picked, never a row error', () => {
    const valueMaps = { kind: { 'Grand établissement': 'ecole', 'autre établissement': 'institution_publique' }, status: { Ouvert: 'actif' } };
    const map = (kind: string, status = '') => accepted(readOrganization({ name: 'Structure', kind, status }, { valueMaps, valueDefaults: { kind: 'reseau_association' } }));
    expect(map('GRAND ÉTABLISSEMENT').input.kindCode).toBe('ecole');
    expect(map('Autre établissement ').input.kindCode).toBe('institution_publique');
    expect(map('Université').input.kindCode).toBe('universite');
    expect(map('Établissement public expérimental')).toMatchObject({ input: { kindCode: 'reseau_association' }, warnings: [] });
    expect(map('Université', 'ouvert').input.status).toBe('actif');
  });

  test('without a map or a default: the import’s default kind and status, with a warning', () => {
    const reading = accepted(readOrganization({ name: 'Structure', kind: 'Licorne', status: 'peut-être' }));
    expect(reading.input).toMatchObject({ kindCode: 'entreprise', status: 'prospect' });
    expect(reading.warnings.map((warning) => warning.field)).toEqual(['kind', 'status']);
    expect(accepted(readOrganization({ name: 'Structure', status: 'En sommeil' })).input.status).toBe('en_sommeil');
  });

  test('no kind column: the name says the kind, else the default', () => {
    expect(accepted(readOrganization({ name: 'UNIVERSITE DES CARAIBES DU NORD' })).input.kindCode).toBe('universite');
    expect(accepted(readOrganization({ name: 'EduPath SAS' })).input.kindCode).toBe('entreprise');
  });

  test.each([
    ['kind', 'Grand établissement', 'ecole'],
    ['kind', 'Université', 'universite'],
    ['kind', 'UNIVERSITE', 'universite'],
    ['kind', 'Autre établissement', 'ecole'],
    ['kind', 'École d’ingénieurs', 'ecole'],
    ['kind', 'Communauté d’universités et établissements', 'universite'],
    ['kind', 'Lycée agricole', 'lycee'],
    ['kind', 'Centre de formation d’apprentis', 'cfa'],
    ['kind', 'Collectivité territoriale', 'collectivite'],
    ['kind', 'Start-up', 'startup'],
    ['status', 'Actif', 'actif'],
    ['status', 'Fermé', 'ancien'],
    ['status', 'Ancien partenaire', 'ancien'],
    ['status', 'inactif', 'en_sommeil'],
    ['civility', 'M', 'M.'],
    ['civility', 'Mr', 'M.'],
    ['civility', 'M.', 'M.'],
    ['civility', 'Madame', 'Mme'],
    ['civility', 'MLLE', 'Mme'],
    ['legalBasis', 'Intérêt légitime', 'interet_legitime'],
    ['legalBasis', 'Consentement', 'consentement'],
    ['legalBasis', 'Mission d’intérêt public', 'mission_interet_public'],
  ])('suggestValueTarget(%s, « %s ») → %s', (field, value, expected) => {
    const choices =
      field === 'kind'
        ? KINDS
        : field === 'status'
          ? ['prospect', 'actif', 'en_sommeil', 'ancien'].map((code) => ({ code, label: code }))
          : field === 'civility'
            ? ['M.', 'Mme'].map((code) => ({ code, label: code }))
            : ['interet_legitime', 'consentement', 'contrat', 'mission_interet_public'].map((code) => ({ code, label: code }));
    expect(suggestValueTarget(field, value, choices)).toBe(expected);
  });

  test('a suggestion is only ever one of the choices offered; nothing known → null', () => {
    expect(suggestValueTarget('kind', 'Grand établissement', KINDS.filter((kind) => kind.code !== 'ecole'))).not.toBe('ecole');
    expect(suggestValueTarget('kind', 'Licorne', KINDS)).toBeNull();
    expect(suggestValueTarget('civility', 'Dr', [{ code: 'M.', label: 'M.' }, { code: 'Mme', label: 'Mme' }])).toBeNull();
  });
});

describe('contact rows', () => {
  const read = (cells: Record<string, string | string[]>, more: Partial<ImportOptions> = {}) =>
    readContactRow(row(cells), { kinds: KINDS, options: optionsWith({ matchKey: 'email', ...more }) });

  test('a bad optional phone and an unknown civility: the person is imported, with warnings', () => {
    const reading = accepted(read({ civility: 'Dr', fullName: 'LEGRAND Odile', email: 'odile.legrand@example.fr', phone: '06 12 34 56 78; 06 12', jobTitle: 'Directrice' }));
    expect(reading.input).toMatchObject({ civility: null, firstName: 'Odile', lastName: 'LEGRAND', emails: ['odile.legrand@example.fr'], phones: ['+33612345678'], legalBasis: 'interet_legitime' });
    expect(reading.warnings.map((warning) => [warning.field, warning.value])).toEqual([
      ['civility', 'Dr'],
      ['phone', '06 12'],
    ]);
  });

  test('value maps for civility and legal basis', () => {
    const reading = accepted(read({ civility: 'Mlle', lastName: 'Bertin', email: 'c.bertin@example.fr', legalBasis: 'Abonnement lettre' }, { valueMaps: { civility: { mlle: 'Mme' }, legalBasis: { 'abonnement lettre': 'contrat' } } }));
    expect(reading.input).toMatchObject({ civility: 'Mme', legalBasis: 'contrat' });
  });

  test('a civility mapped or defaulted to « leave empty » is left empty without a warning', () => {
    const valueMaps = { civility: { Dr: '' } };
    expect(read({ civility: 'Dr', lastName: 'Bertin', email: 'c.bertin@example.fr' }, { valueMaps })).toMatchObject({ ok: true, input: { civility: null }, warnings: [] });
    expect(read({ civility: 'Pr', lastName: 'Bertin', email: 'c.bertin@example.fr' }, { valueMaps, valueDefaults: { civility: '' } })).toMatchObject({ ok: true, input: { civility: null }, warnings: [] });
    // A value longer than the values step keeps (200 characters) is found by its first 200.
    const long = `Mme ${'x'.repeat(250)}`;
    expect(read({ civility: long, lastName: 'Bertin', email: 'c.bertin@example.fr' }, { valueMaps: { civility: { [long.slice(0, 200)]: 'Mme' } } })).toMatchObject({ ok: true, input: { civility: 'Mme' }, warnings: [] });
  });

  test('the e-mail is the key: no valid address refuses the row; an invalid one beside a valid one is a warning', () => {
    expect(read({ lastName: 'Bertin', email: 'c.bertin@' })).toMatchObject({ ok: false, errors: { email: expect.any(String) } });
    const reading = accepted(read({ lastName: 'Bertin', email: 'c.bertin@example.fr, c.bertin@' }));
    expect(reading.input.emails).toEqual(['c.bertin@example.fr']);
    expect(reading.warnings).toEqual([expect.objectContaining({ field: 'email', value: 'c.bertin@' })]);
    // Matching on names, a bad e-mail is only a warning.
    expect(read({ lastName: 'Bertin', email: 'c.bertin@' }, { matchKey: 'name' })).toMatchObject({ ok: true, warnings: [expect.objectContaining({ field: 'email' })] });
  });

  test('the name is required (reported on the full-name column when that is the one mapped); consent needs its date', () => {
    expect(read({ fullName: '', email: 'x@example.fr', jobTitle: 'Chargée de mission' })).toMatchObject({ ok: false });
    expect(readContactRow(new Map([['fullName', ['']], ['email', ['x@example.fr']]]), { kinds: KINDS, options: optionsWith({ matchKey: 'email' }) })).toMatchObject({ ok: false, errors: { fullName: expect.any(String) } });
    expect(read({ lastName: 'Bertin', legalBasis: 'Consentement' })).toMatchObject({ ok: false, errors: { consentDate: expect.any(String) } });
    expect(read({ lastName: 'Bertin', legalBasis: 'Consentement', consentDate: '03/02/2025' })).toMatchObject({ ok: true, input: { consentDate: '2025-02-03' } });
  });

  test('an invalid date or LinkedIn address is a warning; the employer keeps only identifiers the form would accept', () => {
    const reading = accepted(read({ lastName: 'Bertin', startDate: '31/02/2024', linkedinUrl: 'linkedin bertin', organizationName: 'UNIVERSITE DE LA FORET GUYANAISE', organizationSiret: '123', organizationUai: uaiOf('973', 501) }));
    expect(reading.input).toMatchObject({ startDate: null, linkedinUrl: null });
    expect(reading.warnings.map((warning) => warning.field).sort()).toEqual(['linkedinUrl', 'organizationSiret', 'startDate']);
    expect(reading.employer).toEqual({ name: expect.stringMatching(/^Université de la forêt guyanaise$/i), siret: '', uai: uaiOf('973', 501) });
  });
});
