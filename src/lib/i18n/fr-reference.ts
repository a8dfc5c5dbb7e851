// French strings of the reference data (communes) and of identifier validation. Top-level
// groups here must not exist in another catalogue file.
export const frReference = {
  identifiers: {
    invalidSiret: 'Le SIRET doit comporter 14 chiffres et sa clé de contrôle être valide (vérifiez la saisie).',
    invalidSiren: 'Le SIREN doit comporter 9 chiffres et sa clé de contrôle être valide.',
    invalidUai: 'Code UAI invalide : {codes}. Un UAI compte 7 chiffres suivis d’une lettre de contrôle.',
    invalidPhone: 'Le numéro « {value} » n’est pas un numéro de téléphone valide.',
    invalidWebsite: 'Saisissez une adresse de site web valide, par exemple https://www.exemple.fr.',
    invalidEmailInList: 'L’adresse « {value} » n’est pas une adresse électronique valide.',
    tagTooLong: 'L’étiquette « {value} » est trop longue ({max} caractères au plus).',
    invalidSiretInList: 'SIRET invalide : {values}. Un SIRET compte 14 chiffres et sa clé de contrôle doit être valide.',
    invalidDate: 'Saisissez une date valide.',
  },
  reference: {
    communeSuggestions: 'Communes proposées',
    noCommune: 'Aucune commune ne correspond.',
    department: 'Département',
    region: 'Région',
  },
} as const;
