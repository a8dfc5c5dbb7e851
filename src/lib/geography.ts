// French administrative geography (INSEE codes) from @etalab/decoupage-administratif: communes
// with postcodes, departments and regions. Loaded once, on first use, into in-memory indexes
// (about 35,000 communes; a few MB).
import { createRequire } from 'node:module';

const requireJson = createRequire(__filename);

export interface Commune {
  code: string;
  name: string;
  postalCodes: string[];
  departmentCode: string;
  regionCode: string;
  population?: number;
}

interface RawCommune {
  code: string;
  nom: string;
  type: string;
  departement?: string;
  region?: string;
  codesPostaux?: string[];
  population?: number;
}

interface Indexes {
  communes: Commune[];
  byCode: Map<string, Commune>;
  byPostalCode: Map<string, Commune[]>;
  /** Accent-free lowercase name with hyphens/apostrophes as spaces. */
  searchNames: Map<Commune, string>;
  departments: Array<{ code: string; name: string; regionCode: string }>;
  regions: Array<{ code: string; name: string }>;
}

let indexes: Indexes | undefined;

/** "Saint-Étienne" → "saint etienne": what people type, without accents or punctuation. */
export function searchKey(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[-'’\s]+/g, ' ')
    .trim();
}

const collator = new Intl.Collator('fr');

function load(): Indexes {
  if (indexes) return indexes;
  const raw = requireJson('@etalab/decoupage-administratif/data/communes.json') as RawCommune[];
  const rawDepartments = requireJson('@etalab/decoupage-administratif/data/departements.json') as Array<{ code: string; nom: string; region: string }>;
  const rawRegions = requireJson('@etalab/decoupage-administratif/data/regions.json') as Array<{ code: string; nom: string }>;
  // Current communes, plus the municipal arrondissements of Paris, Lyon and Marseille (their
  // own postcodes are what addresses carry).
  const communes = raw
    .filter((row) => (row.type === 'commune-actuelle' || row.type === 'arrondissement-municipal') && row.departement && row.region)
    .map((row) => ({
      code: row.code,
      name: row.nom,
      postalCodes: row.codesPostaux ?? [],
      departmentCode: row.departement as string,
      regionCode: row.region as string,
      population: row.population,
    }));
  const byCode = new Map(communes.map((commune) => [commune.code, commune]));
  const byPostalCode = new Map<string, Commune[]>();
  for (const commune of communes) {
    for (const postalCode of commune.postalCodes) {
      const list = byPostalCode.get(postalCode) ?? [];
      list.push(commune);
      byPostalCode.set(postalCode, list);
    }
  }
  indexes = {
    communes,
    byCode,
    byPostalCode,
    searchNames: new Map(communes.map((commune) => [commune, searchKey(commune.name)])),
    departments: rawDepartments
      .map((row) => ({ code: row.code, name: row.nom, regionCode: row.region }))
      .sort((a, b) => collator.compare(a.code, b.code)),
    regions: rawRegions.map((row) => ({ code: row.code, name: row.nom })).sort((a, b) => collator.compare(a.name, b.name)),
  };
  return indexes;
}

const byPopulation = (a: Commune, b: Commune) => (b.population ?? 0) - (a.population ?? 0);

/** By name prefix ("saint-et") or postcode (prefix): exact names first, then the most populated. */
export function findCommunes(query: string, limit = 10): Commune[] {
  const { communes, searchNames } = load();
  const text = query.trim();
  if (!text) return [];
  if (/^\d{2,5}$/.test(text)) {
    return communes
      .filter((commune) => commune.postalCodes.some((postalCode) => postalCode.startsWith(text)) || commune.code.startsWith(text))
      .sort(byPopulation)
      .slice(0, limit);
  }
  const key = searchKey(text);
  const exact: Commune[] = [];
  const prefix: Commune[] = [];
  const words: Commune[] = [];
  for (const commune of communes) {
    const name = searchNames.get(commune) as string;
    if (name === key) exact.push(commune);
    else if (name.startsWith(key)) prefix.push(commune);
    else if (name.includes(` ${key}`)) words.push(commune);
  }
  return [...exact.sort(byPopulation), ...prefix.sort(byPopulation), ...words.sort(byPopulation)].slice(0, limit);
}

export function communeByCode(code: string): Commune | null {
  return load().byCode.get(code) ?? null;
}

export function communesByPostalCode(postalCode: string): Commune[] {
  return load().byPostalCode.get(postalCode.trim()) ?? [];
}

/**
 * The commune of an address as import files give it ("69007" + "LYON", "Lyon 7e
 * Arrondissement", a city name alone): the postcode narrows, the name decides.
 */
export function resolveCommune(input: { postalCode?: string | null; city?: string | null }): Commune | null {
  const postalCode = input.postalCode?.trim() ?? '';
  const cityKey = input.city ? searchKey(input.city.replace(/\bcedex\b.*$/i, '')) : '';
  const candidates = postalCode ? communesByPostalCode(postalCode) : [];
  if (candidates.length === 1) return candidates[0] ?? null;
  if (candidates.length > 1) {
    if (!cityKey) return [...candidates].sort(byPopulation)[0] ?? null;
    const { searchNames } = load();
    const named =
      candidates.find((commune) => searchNames.get(commune) === cityKey) ??
      candidates.find((commune) => cityKey.startsWith(searchNames.get(commune) as string)) ??
      candidates.find((commune) => (searchNames.get(commune) as string).startsWith(cityKey));
    return named ?? [...candidates].sort(byPopulation)[0] ?? null;
  }
  if (!cityKey) return null;
  const matches = findCommunes(cityKey, 5).filter((commune) => searchKey(commune.name) === cityKey);
  return matches[0] ?? null;
}

/**
 * The communes a text typed in the commune field designates (« Nantes », « 44200 Nantes »,
 * « Nantes (44000) », « Paris 11e », « 44200 »): a five-digit postcode narrows the search, then
 * the communes whose name is the text, or else those whose name starts with it. Exactly one
 * when the text is unambiguous; several (the most populated first) or none otherwise.
 */
export function communesMatching(text: string, limit = 10): Commune[] {
  const postalCode = /(?:^|\D)(\d{5})(?!\d)/.exec(text)?.[1] ?? '';
  const name = searchKey(text.replace(/\(?\s*\d{5}\s*\)?/, ' ').replace(/[(),]/g, ' ').replace(/\bcedex\b.*$/i, ''));
  const { communes, searchNames } = load();
  const pool = postalCode ? communesByPostalCode(postalCode) : communes;
  let found: Commune[];
  if (!name) {
    if (!postalCode) return [];
    // A postcode of an arrondissement also belongs to its city (75011: Paris and Paris 11e): the arrondissement.
    found = pool.filter((commune) => !pool.some((other) => other !== commune && (searchNames.get(other) as string).startsWith(`${searchNames.get(commune) as string} `)));
  } else {
    const exact = pool.filter((commune) => searchNames.get(commune) === name);
    found = exact.length > 0 ? exact : pool.filter((commune) => (searchNames.get(commune) as string).startsWith(name));
  }
  return [...found].sort(byPopulation).slice(0, limit);
}

export function departmentName(code: string): string | undefined {
  return load().departments.find((department) => department.code === code)?.name;
}

export function regionName(code: string): string | undefined {
  return load().regions.find((region) => region.code === code)?.name;
}

export function listDepartments(): Array<{ code: string; name: string; regionCode: string }> {
  return load().departments;
}

export function listRegions(): Array<{ code: string; name: string }> {
  return load().regions;
}
