// Deterministic French-looking directory data for the benchmarks: organisations named like
// the real thing (universités, lycées, CFA, start-ups, collectivités…) in real communes
// (INSEE codes from @etalab/decoupage-administratif, picked by population), valid SIRET and
// UAI keys, tags, contacts and their affiliations. Pure functions of the seed: no database.
import fs from 'node:fs';
import { fakerFR as faker } from '@faker-js/faker';

/** Read at run time: importing the 8 MB communes file would make tsc infer a type for it. */
function referenceList<T>(file: string): T[] {
  return JSON.parse(fs.readFileSync(require.resolve(`@etalab/decoupage-administratif/data/${file}`), 'utf8')) as T[];
}

export const DAY_MS = 86_400_000;

interface Commune {
  code: string;
  nom: string;
  departement?: string;
  region?: string;
  type: string;
  population?: number;
  codesPostaux?: string[];
}

export interface Place {
  communeCode: string;
  city: string;
  departmentCode: string;
  regionCode: string;
  postalCode: string | null;
}

/** Luhn check digit that makes `digits + check` pass (SIREN, SIRET). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    // Doubling starts from the digit just left of the (future) check digit.
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(digits: string): boolean {
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}

/** UAI key: the 7-character number modulo 23, in an alphabet without I, O and Q. */
const UAI_KEYS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
export function uaiFor(departmentCode: string, serial: number): string | null {
  if (!/^\d{2,3}$/.test(departmentCode)) return null;
  const number = departmentCode.padStart(3, '0') + String(serial % 10_000).padStart(4, '0');
  return number + UAI_KEYS[Number(number) % 23];
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// ── Geography ─────────────────────────────────────────────────────────────────────────────

const communes = referenceList<Commune>('communes.json').filter(
  (commune) => commune.type === 'commune-actuelle' && commune.departement && commune.region && (commune.population ?? 0) > 0,
);
const cumulativePopulation: number[] = [];
{
  let total = 0;
  for (const commune of communes) {
    total += commune.population ?? 0;
    cumulativePopulation.push(total);
  }
}
const bigCities = [...communes].sort((a, b) => (b.population ?? 0) - (a.population ?? 0)).slice(0, 60);
const departmentNames = new Map(referenceList<{ code: string; nom: string }>('departements.json').map((row) => [row.code, row.nom]));
const regionNames = new Map(referenceList<{ code: string; nom: string }>('regions.json').map((row) => [row.code, row.nom]));

function toPlace(commune: Commune): Place {
  return {
    communeCode: commune.code,
    city: commune.nom,
    departmentCode: commune.departement as string,
    regionCode: commune.region as string,
    postalCode: commune.codesPostaux?.[0] ?? null,
  };
}

/** A commune drawn in proportion to its population: Lyon far more often than a hamlet. */
function randomPlace(): Place {
  const target = faker.number.float({ min: 0, max: cumulativePopulation.at(-1) as number });
  let low = 0;
  let high = cumulativePopulation.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((cumulativePopulation[middle] as number) < target) low = middle + 1;
    else high = middle;
  }
  return toPlace(communes[low] as Commune);
}

function bigCityPlace(): Place {
  return toPlace(faker.helpers.arrayElement(bigCities));
}

// ── Organisations ─────────────────────────────────────────────────────────────────────────

const KIND_WEIGHTS: Array<{ weight: number; value: string }> = [
  { value: 'entreprise', weight: 30 },
  { value: 'startup', weight: 18 },
  { value: 'lycee', weight: 12 },
  { value: 'cfa', weight: 8 },
  { value: 'reseau_association', weight: 7 },
  { value: 'ecole', weight: 6 },
  { value: 'collectivite', weight: 6 },
  { value: 'institution_publique', weight: 4 },
  { value: 'universite', weight: 2 },
  { value: 'federation_sportive', weight: 2 },
  { value: 'tiers_lieu', weight: 2 },
  { value: 'creps', weight: 1 },
  { value: 'opco', weight: 1 },
];

/** Contacts per organisation grow with its size: a university has dozens, a start-up a few. */
const CONTACT_WEIGHT: Record<string, number> = {
  universite: 14,
  ecole: 6,
  institution_publique: 6,
  collectivite: 5,
  cfa: 5,
  opco: 5,
  lycee: 4,
  entreprise: 4,
  federation_sportive: 4,
  creps: 4,
  reseau_association: 3,
  tiers_lieu: 3,
  startup: 3,
};

const STATUS_WEIGHTS = [
  { value: 'actif', weight: 40 },
  { value: 'prospect', weight: 30 },
  { value: 'en_sommeil', weight: 20 },
  { value: 'ancien', weight: 10 },
];

const NOTABLE_PEOPLE = [
  'Jean Moulin', 'Victor Hugo', 'Marie Curie', 'Jules Ferry', 'Louis Pasteur', 'Jean Jaurès', 'Simone Veil', 'Condorcet',
  'Voltaire', 'Montesquieu', 'Descartes', 'Colbert', 'Lavoisier', 'Gustave Eiffel', 'Albert Camus', 'George Sand',
  'Marguerite Yourcenar', 'Paul Valéry', 'Antoine de Saint-Exupéry', 'Claude Bernard', 'Jean Monnet', 'Pierre Mendès France',
  'Olympe de Gouges', 'Louise Michel', 'Germaine Tillion', 'Ampère', 'Honoré de Balzac', 'Émile Zola', 'Jean Rostand',
  'Camille Claudel', 'Joliot-Curie', 'Léonard de Vinci', 'Jacques Prévert', 'Gisèle Halimi', 'Sophie Germain', 'Blaise Pascal',
];
const CFA_SECTORS = [
  'du BTP', "des métiers de l'hôtellerie", "de l'industrie", 'agricole', 'des métiers', 'de la pharmacie',
  'du commerce et des services', 'interprofessionnel', "du sport et de l'animation", "de l'automobile", 'du numérique',
];
const SCHOOLS = [
  { prefix: 'École supérieure de commerce de', acronym: 'ESC' },
  { prefix: "École nationale supérieure d'ingénieurs de", acronym: 'ENSI' },
  { prefix: 'Institut de formation en soins infirmiers de', acronym: 'IFSI' },
  { prefix: 'École de management de', acronym: 'EM' },
  { prefix: "École supérieure d'art de", acronym: 'ESA' },
  { prefix: 'Institut universitaire de technologie de', acronym: 'IUT' },
  { prefix: "École d'ingénieurs en informatique de", acronym: 'EII' },
];
const SPORTS = ['football', 'handball', 'rugby', 'natation', 'athlétisme', 'judo', 'escrime', 'cyclisme', 'aviron', 'tennis de table', 'volley-ball', 'basket-ball'];
const OPCOS = ['OPCO 2i', 'OPCO Atlas', 'OPCO EP', 'Akto', 'Afdas', 'Constructys', 'OCAPIAT', 'OPCO Mobilités', 'OPCO Santé', 'Opcommerce', 'Uniformation'];
const STARTUP_PREFIXES = ['Edu', 'Learn', 'Skill', 'Campus', 'Savoir', 'Digi', 'Neo', 'Open', 'Smart', 'Forma', 'Tuto', 'Quiz', 'Mentor', 'Klass', 'Brevet'];
const STARTUP_SUFFIXES = ['ly', 'io', 'Lab', 'Tech', 'Hub', 'Up', 'ia', 'Flow', 'Box', 'Mind', 'Go', 'Path', 'Craft'];
const ASSOCIATION_WORDS = ['Avenir', 'Solidarité', 'Passerelles', 'Horizons', 'Savoirs partagés', 'Égalité des chances', 'Réussir ensemble', 'Tremplin', 'Entraide'];
const ORGANIZATION_TAGS = [
  'apprentissage', 'numérique', 'handicap', 'international', 'BTS', 'DAEU', 'FLE', 'sport de haut niveau', 'edtech', 'IA',
  'hybridation', 'campus connecté', 'insertion professionnelle', 'orientation', 'formation continue', 'VAE', 'langues',
  'santé', 'hôtellerie', 'services à la personne', 'fonction publique', 'job dating', 'master class', 'alternance',
];
const CONTACT_TAGS = ['décideur', 'référent pédagogique', 'financeur', 'ambassadeur', 'jury', 'intervenant', 'presse', 'alumni'];

function acronymOf(name: string): string {
  return name
    .split(/[\s'-]+/)
    .filter((word) => /^[A-ZÉÈ]/.test(word))
    .map((word) => word[0])
    .join('')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
}

function organizationName(kind: string, place: Place): { name: string; acronym: string | null } {
  const region = regionNames.get(place.regionCode) ?? place.regionCode;
  const department = departmentNames.get(place.departmentCode) ?? place.departmentCode;
  switch (kind) {
    case 'universite': {
      const name = faker.helpers.arrayElement([
        `Université de ${place.city}`,
        `Université ${place.city} ${faker.number.int({ min: 1, max: 3 })}`,
        `Université ${faker.helpers.arrayElement(NOTABLE_PEOPLE)} ${place.city}`,
        `Université ${place.city} ${faker.helpers.arrayElement(['Sciences', 'Lettres', 'Santé', 'Droit'])}`,
      ]);
      return { name, acronym: faker.datatype.boolean(0.5) ? `U${acronymOf(name.replace(/^Université /, ''))}` : null };
    }
    case 'lycee': {
      const type = faker.helpers.arrayElement(['', '', 'professionnel ', 'polyvalent ', 'agricole ', 'technologique ']);
      return { name: `Lycée ${type}${faker.helpers.arrayElement(NOTABLE_PEOPLE)}`, acronym: null };
    }
    case 'cfa':
      return { name: `CFA ${faker.helpers.arrayElement(CFA_SECTORS)} ${faker.datatype.boolean() ? `de ${place.city}` : `— ${department}`}`, acronym: null };
    case 'ecole': {
      const school = faker.helpers.arrayElement(SCHOOLS);
      return { name: `${school.prefix} ${place.city}`, acronym: `${school.acronym} ${place.city}` };
    }
    case 'startup': {
      const brand = faker.helpers.arrayElement(STARTUP_PREFIXES) + faker.helpers.arrayElement(STARTUP_SUFFIXES);
      return { name: faker.datatype.boolean(0.3) ? `${brand} SAS` : brand, acronym: null };
    }
    case 'entreprise': {
      const base = faker.company.name();
      const suffix = faker.helpers.arrayElement(['', '', '', ' Formation', ' Conseil', ' Services', ' Industrie']);
      return { name: `${base}${suffix}`, acronym: null };
    }
    case 'collectivite': {
      const name = faker.helpers.arrayElement([
        `Région ${region}`,
        `Département ${department}`,
        `Commune de ${place.city}`,
        `Communauté de communes de ${place.city}`,
        `Métropole de ${bigCityPlace().city}`,
      ]);
      return { name, acronym: null };
    }
    case 'institution_publique': {
      const choice = faker.helpers.arrayElement([
        { name: `Rectorat de l'académie de ${bigCityPlace().city}`, acronym: null },
        { name: `Direction régionale de l'économie, de l'emploi, du travail et des solidarités ${region}`, acronym: 'DREETS' },
        { name: `France Travail ${place.city}`, acronym: null },
        { name: `Agence régionale de santé ${region}`, acronym: 'ARS' },
        { name: `Chambre de commerce et d'industrie ${department}`, acronym: 'CCI' },
        { name: `Chambre de métiers et de l'artisanat ${department}`, acronym: 'CMA' },
      ]);
      return choice;
    }
    case 'federation_sportive': {
      const sport = faker.helpers.arrayElement(SPORTS);
      return {
        name: faker.helpers.arrayElement([`Fédération française de ${sport}`, `Ligue ${region} de ${sport}`, `Comité départemental de ${sport} ${department}`]),
        acronym: null,
      };
    }
    case 'creps':
      return { name: `CREPS ${faker.helpers.arrayElement([region, place.city])}`, acronym: 'CREPS' };
    case 'tiers_lieu':
      return { name: faker.helpers.arrayElement([`Campus connecté de ${place.city}`, `Digitale académie ${place.city}`, `Tiers-lieu ${faker.helpers.arrayElement(ASSOCIATION_WORDS)}`]), acronym: null };
    case 'opco':
      return { name: `${faker.helpers.arrayElement(OPCOS)} — délégation ${region}`, acronym: null };
    default:
      return {
        name: faker.helpers.arrayElement([
          `Association ${faker.helpers.arrayElement(ASSOCIATION_WORDS)} ${place.city}`,
          `Réseau ${faker.helpers.arrayElement(ASSOCIATION_WORDS)}`,
          `Mission locale de ${place.city}`,
        ]),
        acronym: null,
      };
  }
}

function randomSiret(): { siren: string; siret: string } {
  const sirenBody = faker.string.numeric({ length: 8, allowLeadingZeros: false });
  const siren = sirenBody + luhnCheckDigit(sirenBody);
  const nicBody = siren + faker.string.numeric(4);
  return { siren, siret: nicBody + luhnCheckDigit(nicBody) };
}

function frenchPhone(mobile: boolean): string {
  const prefix = mobile ? faker.helpers.arrayElement(['6', '7']) : faker.helpers.arrayElement(['1', '2', '3', '4', '5', '9']);
  return `+33${prefix}${faker.string.numeric(8)}`;
}

export interface GeneratedOrganization {
  id: string;
  name: string;
  acronym: string | null;
  kind_code: string;
  status: string;
  siren: string | null;
  siret: string | null;
  uai: string[];
  website: string | null;
  email: string | null;
  phone: string | null;
  address_line: string | null;
  postal_code: string | null;
  city: string;
  commune_code: string;
  department_code: string;
  region_code: string;
  tags: string[];
  description: string | null;
  owner_id: string | null;
  last_activity_at: string | null;
  source_ref: string;
  created_at: string;
  updated_at: string;
}

/** What contact generation needs to know about an organisation. */
export interface OrganizationRef {
  id: string;
  kind: string;
  domain: string;
}

export interface GenerationContext {
  /** "Now" for the generated history: fixed, so a seed always gives the same rows. */
  referenceDate: Date;
  ownerIds: string[];
}

function isoDaysAgo(context: GenerationContext, days: number): string {
  return new Date(context.referenceDate.getTime() - Math.round(days * DAY_MS)).toISOString();
}

/**
 * Timeline of a record: created 1–6 years ago; 30% have had no activity for more than
 * 12 months (the "sans activité depuis 12 mois" filter), the rest within the year.
 */
function history(): { createdDays: number; activityDays: number | null } {
  const inactive = faker.datatype.boolean(0.3);
  const createdDays = inactive ? faker.number.int({ min: 400, max: 2_200 }) : faker.number.int({ min: 30, max: 2_200 });
  if (inactive) {
    const activityDays = faker.datatype.boolean(0.3) ? null : faker.number.int({ min: 366, max: createdDays });
    return { createdDays, activityDays };
  }
  return { createdDays, activityDays: faker.number.int({ min: 0, max: Math.min(364, createdDays) }) };
}

export function generateOrganization(index: number, context: GenerationContext): GeneratedOrganization {
  const kind = faker.helpers.weightedArrayElement(KIND_WEIGHTS);
  const place = kind === 'universite' || kind === 'ecole' ? bigCityPlace() : randomPlace();
  const { name, acronym } = organizationName(kind, place);
  const hasSiret = !['collectivite', 'institution_publique'].includes(kind) || faker.datatype.boolean(0.5);
  const ids = hasSiret ? randomSiret() : { siren: null, siret: null };
  const uai =
    ['lycee', 'cfa', 'universite'].includes(kind)
      ? [uaiFor(place.departmentCode, index), ...(faker.datatype.boolean(0.15) ? [uaiFor(place.departmentCode, index + 5_000)] : [])].filter(
          (value): value is string => value !== null,
        )
      : [];
  const domain = `${slug(name).slice(0, 40)}-${index.toString(36)}.fr`;
  const { createdDays, activityDays } = history();
  const updatedDays = faker.number.int({ min: 0, max: createdDays });
  return {
    id: faker.string.uuid(),
    name,
    acronym,
    kind_code: kind,
    status: faker.helpers.weightedArrayElement(STATUS_WEIGHTS),
    siren: ids.siren,
    siret: ids.siret,
    uai,
    website: faker.datatype.boolean(0.8) ? `https://www.${domain}` : null,
    email: faker.datatype.boolean(0.6) ? `contact@${domain}` : null,
    phone: faker.datatype.boolean(0.6) ? frenchPhone(false) : null,
    address_line: faker.location.streetAddress(),
    postal_code: place.postalCode,
    city: place.city,
    commune_code: place.communeCode,
    department_code: place.departmentCode,
    region_code: place.regionCode,
    tags: faker.helpers.arrayElements(ORGANIZATION_TAGS, { min: 0, max: 3 }),
    description: faker.datatype.boolean(0.4)
      ? `${name} : ${faker.helpers.arrayElement(['partenaire historique', 'contact pris lors du salon Educatech', 'piste pour le programme hybride', 'convention-cadre en préparation', 'recrute des alternants'])}, ${faker.helpers.arrayElement(['à relancer', 'suivi par la DDPSI', 'intéressé par le DAEU', 'projet commun en 2026'])}.`
      : null,
    owner_id: faker.datatype.boolean(0.7) ? faker.helpers.arrayElement(context.ownerIds) : null,
    last_activity_at: activityDays === null ? null : isoDaysAgo(context, activityDays),
    source_ref: `bench:org:${index}`,
    created_at: isoDaysAgo(context, createdDays),
    updated_at: isoDaysAgo(context, updatedDays),
  };
}

export function organizationRef(organization: GeneratedOrganization): OrganizationRef {
  const domain = organization.website?.replace('https://www.', '') ?? organization.email?.split('@')[1] ?? `${organization.id.slice(0, 8)}.fr`;
  return { id: organization.id, kind: organization.kind_code, domain };
}

/** Picks organisations for contacts in proportion to their kind's contact weight. */
export class OrganizationPicker {
  private readonly cumulative: number[] = [];
  private total = 0;

  constructor(private readonly organizations: readonly OrganizationRef[]) {
    for (const organization of organizations) {
      this.total += CONTACT_WEIGHT[organization.kind] ?? 3;
      this.cumulative.push(this.total);
    }
  }

  pick(): OrganizationRef {
    const target = faker.number.float({ min: 0, max: this.total });
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulative[middle] as number) < target) low = middle + 1;
      else high = middle;
    }
    return this.organizations[low] as OrganizationRef;
  }
}

// ── Contacts ──────────────────────────────────────────────────────────────────────────────

const JOB_TITLES: Record<string, string[]> = {
  academic: ['Vice-président·e formation', 'Directeur·rice de la formation continue', 'Responsable des partenariats', 'Chargé·e de mission insertion', 'Enseignant·e-chercheur·se', 'Directeur·rice du SUIO'],
  school: ['Proviseur·e', 'Proviseur·e adjoint·e', 'Directeur·rice délégué·e aux formations', 'Professeur·e principal·e', 'Directeur·rice du CFA', 'Responsable pédagogique'],
  company: ['Directeur·rice général·e', 'Responsable RH', 'Chargé·e de recrutement', 'Responsable formation', 'CEO', 'CTO', 'Head of Partnerships', 'Office manager'],
  public: ['Chef·fe de service', 'Chargé·e de mission', 'Directeur·rice adjoint·e', 'Conseiller·ère technique', 'Élu·e délégué·e à la jeunesse', 'Coordinateur·rice'],
};
const JOB_FAMILY: Record<string, keyof typeof JOB_TITLES> = {
  universite: 'academic',
  ecole: 'academic',
  lycee: 'school',
  cfa: 'school',
  creps: 'school',
  entreprise: 'company',
  startup: 'company',
  opco: 'company',
};
const LEGAL_BASES = [
  { value: 'interet_legitime', weight: 85 },
  { value: 'consentement', weight: 10 },
  { value: 'mission_interet_public', weight: 5 },
];
const SOURCES = ['salon', 'site_web', 'recommandation', 'import', 'evenement', 'prospection', 'autre'];

export interface GeneratedContact {
  id: string;
  civility: string | null;
  first_name: string;
  last_name: string;
  job_title: string | null;
  emails: string[];
  phones: string[];
  linkedin_url: string | null;
  owner_id: string | null;
  tags: string[];
  notes: string | null;
  legal_basis: string;
  source: string | null;
  consent_at: string | null;
  last_activity_at: string | null;
  source_ref: string;
  created_at: string;
  updated_at: string;
}

export interface GeneratedAffiliation {
  contact_id: string;
  organization_id: string;
  role: string | null;
  start_date: string | null;
  end_date: string | null;
  is_primary: boolean;
  created_at: string;
  updated_at: string;
}

export function generateContact(
  index: number,
  context: GenerationContext,
  picker: OrganizationPicker,
): { contact: GeneratedContact; affiliations: GeneratedAffiliation[] } {
  const organization = picker.pick();
  const sex = faker.person.sexType();
  const firstName = faker.person.firstName(sex);
  const lastName = faker.person.lastName();
  const jobTitle = faker.datatype.boolean(0.9) ? faker.helpers.arrayElement(JOB_TITLES[JOB_FAMILY[organization.kind] ?? 'public'] as string[]) : null;
  const local = `${slug(firstName)}.${slug(lastName)}`.replace(/-/g, '');
  const emails = [
    ...(faker.datatype.boolean(0.9) ? [`${local}@${organization.domain}`] : []),
    ...(faker.datatype.boolean(0.2) ? [`${local}${faker.number.int(99)}@${faker.helpers.arrayElement(['gmail.com', 'orange.fr', 'free.fr', 'laposte.net'])}`] : []),
  ];
  const phones = [...(faker.datatype.boolean(0.7) ? [frenchPhone(true)] : []), ...(faker.datatype.boolean(0.4) ? [frenchPhone(false)] : [])];
  const { createdDays, activityDays } = history();
  const legalBasis = faker.helpers.weightedArrayElement(LEGAL_BASES);
  const created = isoDaysAgo(context, createdDays);
  const contact: GeneratedContact = {
    id: faker.string.uuid(),
    civility: faker.datatype.boolean(0.95) ? (sex === 'female' ? 'Mme' : 'M.') : null,
    first_name: firstName,
    last_name: lastName,
    job_title: jobTitle,
    emails,
    phones,
    linkedin_url: faker.datatype.boolean(0.35) ? `https://www.linkedin.com/in/${slug(`${firstName}-${lastName}`)}-${index.toString(36)}` : null,
    owner_id: faker.datatype.boolean(0.5) ? faker.helpers.arrayElement(context.ownerIds) : null,
    tags: faker.helpers.arrayElements(CONTACT_TAGS, { min: 0, max: 2 }),
    notes: faker.datatype.boolean(0.15)
      ? faker.helpers.arrayElement(['Rencontré·e au salon Educatech ; à relancer.', 'Intéressé·e par un job dating en septembre.', 'Préfère être contacté·e par courriel.', 'Interlocuteur·rice pour la convention-cadre.'])
      : null,
    legal_basis: legalBasis,
    source: faker.helpers.arrayElement(SOURCES),
    consent_at: legalBasis === 'consentement' ? created : null,
    last_activity_at: activityDays === null ? null : isoDaysAgo(context, activityDays),
    source_ref: `bench:contact:${index}`,
    created_at: created,
    updated_at: isoDaysAgo(context, faker.number.int({ min: 0, max: createdDays })),
  };
  const startDays = faker.number.int({ min: 30, max: 3_000 });
  const affiliations: GeneratedAffiliation[] = [
    {
      contact_id: contact.id,
      organization_id: organization.id,
      role: jobTitle,
      start_date: isoDaysAgo(context, startDays).slice(0, 10),
      end_date: null,
      is_primary: true,
      created_at: created,
      updated_at: created,
    },
  ];
  if (faker.datatype.boolean(0.15)) {
    // A previous employer: people move, the history stays.
    const previous = picker.pick();
    if (previous.id !== organization.id) {
      const endDays = startDays + faker.number.int({ min: 1, max: 60 });
      affiliations.push({
        contact_id: contact.id,
        organization_id: previous.id,
        role: faker.helpers.arrayElement(JOB_TITLES[JOB_FAMILY[previous.kind] ?? 'public'] as string[]),
        start_date: isoDaysAgo(context, endDays + faker.number.int({ min: 180, max: 2_000 })).slice(0, 10),
        end_date: isoDaysAgo(context, endDays).slice(0, 10),
        is_primary: false,
        created_at: created,
        updated_at: created,
      });
    }
  }
  return { contact, affiliations };
}

export function seedFaker(seed: number): void {
  faker.seed(seed);
}
