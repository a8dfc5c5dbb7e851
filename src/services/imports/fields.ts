// The fields an import can fill, per kind of record, with the column headers (French and
// English, as people write them) that suggest each one.
import type { ImportEntityType, ImportMapping } from '../../models/schema/imports.schema';

export interface ImportField {
  key: string;
  /** Several columns may feed it (UAI, tags, e-mails, phones): their values are combined. */
  multiple?: boolean;
  /** Normalised headers (see headerKey) that suggest this field. */
  aliases: string[];
}

const ORGANIZATION_FIELDS: ImportField[] = [
  // Registers' own headers too: the national list of higher-education establishments (French
  // labels, « uai - identifiant », and its API names, `uo_lib`, `code_postal_uai`…), start-up
  // competitions' laureates (« Libellé entreprise »), SIRENE-like exports (« Enseigne »).
  {
    key: 'name',
    aliases: [
      'nom', 'raison sociale', 'nom de la structure', 'structure', 'organisation', 'organization', 'name', 'company', 'entreprise', 'etablissement',
      'denomination', 'denomination sociale', 'nom etablissement', 'nom de l etablissement', 'libelle', 'libelle etablissement', 'libelle entreprise',
      'nom entreprise', 'nom de l entreprise', 'nom de la societe', 'societe', 'uo lib', 'uo lib officiel', 'libelle officiel', 'nom officiel',
      'appellation officielle', 'enseigne', 'nom usuel', 'denomination usuelle', 'intitule', 'nom de l organisme', 'organisme',
    ],
  },
  { key: 'acronym', aliases: ['sigle', 'acronyme', 'acronym', 'abreviation', 'nom court', 'sigle etablissement'] },
  {
    key: 'kind',
    aliases: ['type', 'type de structure', 'categorie', 'kind', 'category', 'type d etablissement', 'type etablissement', 'typologie', 'type d organisme', 'categorie d etablissement'],
  },
  { key: 'status', aliases: ['statut', 'status', 'etat de la relation', 'statut de la relation'] },
  {
    key: 'siret',
    aliases: ['siret', 'numero siret', 'n siret', 'no siret', 'num siret', 'siret etablissement', 'siret entreprise', 'code siret', 'siret de l etablissement', 'siret siege'],
  },
  { key: 'siren', aliases: ['siren', 'numero siren', 'n siren', 'no siren', 'siren entreprise'] },
  {
    key: 'uai',
    multiple: true,
    aliases: ['uai', 'uai validee', 'code uai', 'rne', 'numero uai', 'n uai', 'no uai', 'uai identifiant', 'identifiant uai', 'uai etablissement', 'code rne', 'numero rne'],
  },
  { key: 'website', aliases: ['site web', 'site', 'site internet', 'url', 'website', 'web', 'site web entreprise', 'site internet entreprise', 'adresse du site', 'lien', 'url site'] },
  { key: 'email', aliases: ['email', 'e mail', 'courriel', 'adresse electronique', 'mail', 'adresse mail', 'adresse e mail', 'email entreprise', 'mel', 'courriel etablissement'] },
  {
    key: 'phone',
    aliases: ['telephone', 'tel', 'phone', 'numero de telephone', 'standard', 'numero telephone uai', 'telephone uai', 'telephone etablissement', 'telephone entreprise', 'n telephone', 'no telephone'],
  },
  {
    key: 'addressLine',
    aliases: ['adresse', 'address', 'adresse postale', 'rue', 'voie', 'adresse uai', 'adresse etablissement', 'adresse entreprise', 'adresse du siege', 'adresse complete', 'numero et voie', 'adresse ligne 1'],
  },
  { key: 'postalCode', aliases: ['code postal', 'cp', 'postal code', 'zip', 'zip code', 'code postal uai', 'code postal etablissement', 'code postal entreprise'] },
  {
    key: 'city',
    aliases: ['ville', 'commune', 'city', 'localite', 'localite acheminement uai', 'localite d acheminement', 'com nom', 'nom de la commune', 'commune etablissement', 'ville entreprise', 'ville etablissement'],
  },
  { key: 'communeCode', aliases: ['code commune', 'code insee', 'insee', 'code insee commune', 'com code', 'code commune insee'] },
  { key: 'tags', multiple: true, aliases: ['tags', 'etiquettes', 'themes', 'thematiques', 'mots cles', 'reseaux', 'reseaux a jour', 'reseau'] },
  { key: 'description', aliases: ['description', 'commentaire', 'commentaires', 'remarques', 'observations'] },
  { key: 'ownerEmail', aliases: ['responsable', 'proprietaire', 'owner', 'charge de relation', 'referent'] },
];

const CONTACT_FIELDS: ImportField[] = [
  { key: 'civility', aliases: ['civilite', 'civility', 'titre', 'title'] },
  { key: 'firstName', aliases: ['prenom', 'first name', 'firstname', 'given name'] },
  { key: 'lastName', aliases: ['nom', 'nom de famille', 'last name', 'lastname', 'surname', 'family name'] },
  { key: 'fullName', aliases: ['nom complet', 'full name', 'prenom nom', 'contact', 'personne'] },
  { key: 'jobTitle', aliases: ['fonction', 'poste', 'job title', 'titre du poste', 'intitule de poste'] },
  { key: 'email', multiple: true, aliases: ['email', 'e mail', 'courriel', 'adresse electronique', 'mail', 'adresse mail', 'email 2', 'courriel 2'] },
  { key: 'phone', multiple: true, aliases: ['telephone', 'tel', 'phone', 'portable', 'mobile', 'telephone mobile', 'telephone fixe'] },
  { key: 'linkedinUrl', aliases: ['linkedin', 'profil linkedin', 'url linkedin'] },
  { key: 'tags', multiple: true, aliases: ['tags', 'etiquettes', 'themes', 'mots cles'] },
  { key: 'notes', aliases: ['notes', 'commentaire', 'commentaires', 'remarques'] },
  { key: 'legalBasis', aliases: ['base legale', 'legal basis', 'base juridique'] },
  { key: 'source', aliases: ['source', 'origine', 'provenance'] },
  { key: 'consentDate', aliases: ['date de consentement', 'consentement', 'consent date'] },
  { key: 'organizationName', aliases: ['structure', 'organisation', 'organization', 'entreprise', 'societe', 'company', 'etablissement', 'employeur', 'raison sociale'] },
  { key: 'organizationSiret', aliases: ['siret', 'siret structure', 'siret de la structure'] },
  { key: 'organizationUai', aliases: ['uai', 'uai structure', 'code uai'] },
  { key: 'role', aliases: ['role', 'role dans la structure', 'fonction dans la structure'] },
  { key: 'startDate', aliases: ['date de debut', 'debut', 'depuis', 'start date'] },
];

/**
 * « Pistes »: start-ups added to a challenge. The start-up's cells are the organisation's (SIRET
 * column may hold several SIRET/SIREN; address in one cell), the others are the case's.
 */
const SOURCING_CASE_FIELDS: ImportField[] = [
  {
    key: 'name',
    aliases: [
      ...(ORGANIZATION_FIELDS[0]?.aliases ?? []),
      'start up', 'startup', 'nom de la start up', 'nom de la startup', 'nom start up', 'jeune pousse', 'laureat', 'solution', 'nom de la solution',
    ],
  },
  { key: 'siret', aliases: [...(ORGANIZATION_FIELDS.find((field) => field.key === 'siret')?.aliases ?? []), 'siren siret', 'siret siren', 'siret s', 'identifiants', 'identifiant'] },
  { key: 'siren', aliases: ['siren', 'numero siren', 'n siren', 'no siren', 'siren entreprise'] },
  { key: 'website', aliases: ORGANIZATION_FIELDS.find((field) => field.key === 'website')?.aliases ?? [] },
  { key: 'email', aliases: ORGANIZATION_FIELDS.find((field) => field.key === 'email')?.aliases ?? [] },
  { key: 'phone', aliases: ORGANIZATION_FIELDS.find((field) => field.key === 'phone')?.aliases ?? [] },
  { key: 'addressLine', aliases: [...(ORGANIZATION_FIELDS.find((field) => field.key === 'addressLine')?.aliases ?? []), 'ville et adresse', 'adresse et ville', 'localisation', 'siege'] },
  { key: 'postalCode', aliases: ORGANIZATION_FIELDS.find((field) => field.key === 'postalCode')?.aliases ?? [] },
  { key: 'city', aliases: ORGANIZATION_FIELDS.find((field) => field.key === 'city')?.aliases ?? [] },
  { key: 'source', aliases: ['source', 'origine', 'provenance', 'canal', 'reperee via', 'repere via', 'source de reperage', 'comment connue'] },
  {
    key: 'summary',
    aliases: ['resume', 'description', 'notes', 'note', 'commentaire', 'commentaires', 'remarques', 'observations', 'pitch', 'description de la solution', 'offre'],
  },
  { key: 'tags', multiple: true, aliases: ['tags', 'etiquettes', 'themes', 'thematiques', 'mots cles', 'domaine', 'domaines', 'secteur'] },
  { key: 'estimatedBudget', aliases: ['budget', 'budget estime', 'budget estimatif', 'budget previsionnel', 'montant', 'montant estime', 'cout estime', 'estimation'] },
  { key: 'ownerEmail', aliases: ['responsable', 'proprietaire', 'owner', 'charge de relation', 'referent', 'charge d innovation', 'suivi par', 'email du responsable'] },
];

export function importFields(entityType: ImportEntityType): ImportField[] {
  if (entityType === 'sourcing_cases') return SOURCING_CASE_FIELDS;
  return entityType === 'organizations' ? ORGANIZATION_FIELDS : CONTACT_FIELDS;
}

/** "N° SIRET " → "n siret", "Adresse e-mail" → "adresse e mail": accents, case and punctuation off. */
export function headerKey(header: string): string {
  return header
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[°º]/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * A first mapping from the headers: a saved preset wins, then the aliases. A single-valued
 * field takes the first column that suggests it; a multi-valued one takes them all.
 */
export function suggestMapping(entityType: ImportEntityType, headers: string[], presetFields?: Record<string, string>): ImportMapping {
  const fields = importFields(entityType);
  const byKey = new Map(fields.map((field) => [field.key, field]));
  const mapping: ImportMapping = {};
  const taken = new Set<string>();
  headers.forEach((header, index) => {
    const key = headerKey(header);
    if (!key) return;
    const fromPreset = presetFields?.[key];
    const field = fromPreset ? byKey.get(fromPreset) : fields.find((candidate) => candidate.aliases.includes(key));
    if (!field || (taken.has(field.key) && !field.multiple)) return;
    mapping[String(index)] = field.key;
    taken.add(field.key);
  });
  return mapping;
}

/** The mapping as a preset: header text → field, so it applies to a file whose columns moved. */
export function presetFieldsOf(headers: string[], mapping: ImportMapping): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [index, field] of Object.entries(mapping)) {
    const header = headers[Number(index)];
    if (header !== undefined && headerKey(header)) fields[headerKey(header)] = field;
  }
  return fields;
}

/** Field → the row's values for it (several for multi-valued fields), empty cells dropped. */
export function valuesByField(cells: string[], mapping: ImportMapping): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [index, field] of Object.entries(mapping)) {
    const cell = cells[Number(index)]?.trim();
    if (!cell) continue;
    values.set(field, [...(values.get(field) ?? []), cell]);
  }
  return values;
}

/** A file's headers as a preset remembers them: a file with exactly these columns gets the preset at once. */
export function normalisedHeaders(headers: string[]): string[] {
  return headers.map(headerKey);
}

export function sameHeaders(a: readonly string[], b: readonly string[]): boolean {
  return a.length > 0 && a.length === b.length && a.every((header, index) => header === b[index]);
}
