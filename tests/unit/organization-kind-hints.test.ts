// The kind an organisation's name suggests (src/lib/organization-kind-hints.ts), used by the
// imports when a file has no kind column: « Fédération » alone is no sports federation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { kindHintsOf } from '../../src/lib/organization-kind-hints';
import { resolveKind } from '../../src/services/imports/row-conversion';

const KINDS = ['universite', 'ecole', 'entreprise', 'federation_sportive', 'creps', 'tiers_lieu', 'cfa', 'lycee', 'reseau_association', 'opco'].map((code) => ({
  code,
  label: code,
}));

describe('kindHintsOf', () => {
  test.each([
    ['Fédération française de football', 'federation_sportive'],
    ['FEDERATION FRANCAISE DE RUGBY', 'federation_sportive'],
    ['Fédération française d’équitation', 'federation_sportive'],
    ['Fédération française de basket-ball', 'federation_sportive'],
    ['Fédération française de volley', 'federation_sportive'],
    ['Fédération française de tennis de table', 'federation_sportive'],
    ['Fédération française handisport', 'federation_sportive'],
    ['Fédération française du sport adapté', 'federation_sportive'],
    ['Fédération française des sports de glace', 'federation_sportive'],
    ['Fédération sportive et gymnique du travail', 'federation_sportive'],
    ['Comité national olympique et sportif français', 'federation_sportive'],
    ['Ligue de natation des Pays de la Loire', 'federation_sportive'],
    ['Comité régional de cyclisme d’Occitanie', 'federation_sportive'],
    ['Union nationale du sport scolaire', 'federation_sportive'],
    ['Tennis club de Grenoble', 'federation_sportive'],
    ['Fédération française de ski', 'federation_sportive'],
    ['Fédération française d’escrime', 'federation_sportive'],
    // Federations of trades, families and education are networks, not sport.
    ['Fédération nationale de la coiffure', 'reseau_association'],
    ['FEDERATION NATIONALE DE LA COIFFURE FRANCAISE', 'reseau_association'],
    ['Fédération française du bâtiment', 'reseau_association'],
    ['Fédération des conseils de parents d’élèves', 'reseau_association'],
    ['Fédération nationale de lutte contre le cancer', 'reseau_association'],
    ['Confédération des petites et moyennes entreprises', 'reseau_association'],
    ['Fédération de la formation professionnelle', 'reseau_association'],
  ])('« %s » → %s', (name, code) => {
    expect(kindHintsOf(name)[0]).toBe(code);
  });

  test('the places of sport that are schools, lycées or CREPS keep their own kind', () => {
    expect(kindHintsOf('CREPS de Vichy Auvergne')[0]).toBe('creps');
    expect(kindHintsOf('Lycée sportif de Font-Romeu')[0]).toBe('lycee');
    expect(kindHintsOf('École nationale de voile et des sports nautiques')[0]).toBe('ecole');
    expect(kindHintsOf('Université Savoie Mont Blanc')[0]).toBe('universite');
  });

  test('a sports word with no body of sport, or no hint at all, suggests nothing', () => {
    expect(kindHintsOf('Golf Investissements SAS')).toEqual([]);
    expect(kindHintsOf('EduPath SAS')).toEqual([]);
    expect(kindHintsOf('')).toEqual([]);
  });
});

describe('on the names of the public files', () => {
  test('the establishments of the AMUE network and the universities are never sport; a « université » is a university', () => {
    const data = path.join(__dirname, '..', '..', 'src', 'seed', 'data');
    const read = (file: string, separator: string, column: number) =>
      readFileSync(path.join(data, file), 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/)
        .slice(1)
        .map((line) => line.split(separator)[column] ?? '');
    const names = [...read('cfa-reseau-amue.csv', ';', 2), ...read('universites-francaises.csv', ',', 1)];
    expect(names.length).toBeGreaterThan(120);
    for (const name of names) {
      const [kind] = kindHintsOf(name);
      expect([name, kind]).not.toEqual([name, 'federation_sportive']);
      if (/(^|[\s'-])universit[eé]($|[\s'-])/i.test(name)) expect([name, kind]).toEqual([name, 'universite']);
    }
  });
});

describe('resolveKind from the name', () => {
  test('a sports federation only with a sports word; the others fall to the network kind, or the default', () => {
    expect(resolveKind('', 'Fédération française de rugby', KINDS, 'entreprise')).toEqual({ code: 'federation_sportive' });
    expect(resolveKind('', 'Fédération nationale de la coiffure', KINDS, 'entreprise')).toEqual({ code: 'reseau_association' });
    const withoutNetworks = KINDS.filter((kind) => kind.code !== 'reseau_association');
    expect(resolveKind('', 'Fédération nationale de la coiffure', withoutNetworks, 'entreprise')).toEqual({ code: 'entreprise' });
  });
});
