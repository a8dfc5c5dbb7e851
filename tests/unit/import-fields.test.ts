// Column headers of real registers suggest the right fields at the mapping step.
import { headerKey, normalisedHeaders, sameHeaders, suggestMapping } from '../../src/services/imports/fields';

function suggested(headers: string[]): Record<string, string> {
  const mapping = suggestMapping('organizations', headers);
  return Object.fromEntries(Object.entries(mapping).map(([index, field]) => [headers[Number(index)] ?? '', field]));
}

describe('header synonyms', () => {
  test('the national list of higher-education establishments, API-style headers', () => {
    const headers = [
      'uai', 'type_d_etablissement', 'uo_lib', 'uo_lib_officiel', 'sigle', 'siret', 'siren', 'statut_juridique_court', 'adresse_uai',
      'code_postal_uai', 'localite_acheminement_uai', 'com_code', 'com_nom', 'dep_nom', 'reg_nom', 'numero_telephone_uai', 'url', 'wikidata',
    ];
    expect(suggested(headers)).toEqual({
      uai: 'uai',
      type_d_etablissement: 'kind',
      uo_lib: 'name',
      sigle: 'acronym',
      siret: 'siret',
      siren: 'siren',
      adresse_uai: 'addressLine',
      code_postal_uai: 'postalCode',
      localite_acheminement_uai: 'city',
      com_code: 'communeCode',
      numero_telephone_uai: 'phone',
      url: 'website',
    });
  });

  test('the same list with French labels', () => {
    expect(suggested(['uai - identifiant', 'Libellé', 'Sigle', 'Type d’établissement', 'Adresse', 'Code postal', 'Localité', 'Téléphone', 'Site internet'])).toEqual({
      'uai - identifiant': 'uai',
      Libellé: 'name',
      Sigle: 'acronym',
      'Type d’établissement': 'kind',
      Adresse: 'addressLine',
      'Code postal': 'postalCode',
      Localité: 'city',
      Téléphone: 'phone',
      'Site internet': 'website',
    });
  });

  test('start-up laureates and company registers', () => {
    expect(suggested(['Libellé entreprise', 'Site web entreprise', 'N° SIRET', 'Localité', 'Code postal'])).toEqual({
      'Libellé entreprise': 'name',
      'Site web entreprise': 'website',
      'N° SIRET': 'siret',
      Localité: 'city',
      'Code postal': 'postalCode',
    });
    // « Raison sociale » comes first: « Enseigne » (also a name) is left for the person to map.
    expect(suggested(['Raison sociale', 'Enseigne', 'Numéro UAI'])).toEqual({ 'Raison sociale': 'name', 'Numéro UAI': 'uai' });
    expect(suggested(['Enseigne'])).toEqual({ Enseigne: 'name' });
  });
});

describe('same headers', () => {
  test('accents, case, punctuation and spacing aside, in the same order', () => {
    expect(headerKey('  N° SIRET ')).toBe('n siret');
    expect(sameHeaders(normalisedHeaders(['Libellé', 'N° SIRET']), normalisedHeaders(['libelle', 'n  siret']))).toBe(true);
    expect(sameHeaders(normalisedHeaders(['Libellé', 'N° SIRET']), normalisedHeaders(['N° SIRET', 'Libellé']))).toBe(false);
    expect(sameHeaders([], [])).toBe(false);
  });
});
