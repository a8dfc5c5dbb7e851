// Readers for the public reference files of src/seed/data/ (provenance in its README.md):
// French universities (Wikidata) and the apprenticeship bodies (CFA) of the AMUE network.
// Pure functions of the files: no database here, so they can be tested on their own.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { projectRoot } from '../lib/paths';
import type { OrganizationStatus } from '../models/schema';
import type { SeedKindCode } from './demo-organizations';
import { parseFrenchAddress, readableOrganizationName } from '../lib/french-case';

/** The data files are read from the source tree (tsc does not copy them into dist/). */
export const SEED_DATA_DIR = path.join(projectRoot, 'src', 'seed', 'data');

export const UNIVERSITIES_FILE = 'universites-francaises.csv';
export const CFA_FILE = 'cfa-reseau-amue.csv';
const REGIONS_FILE = 'cog_regions.csv';
const DEPARTMENTS_FILE = 'cog_departements.csv';

/** An organisation to insert, keyed by its stable source reference. */
export interface SeedOrganization {
  sourceRef: string;
  name: string;
  acronym?: string;
  kindCode: SeedKindCode;
  status: OrganizationStatus;
  siret?: string;
  uai?: string[];
  website?: string;
  addressLine?: string;
  postalCode?: string;
  city?: string;
  departmentCode?: string;
  regionCode?: string;
  description?: string;
  /** « Partenaire suivi » (issue 13): a partnership whose reciprocity is followed without a convention in force. */
  followedPartner?: boolean;
}

/** Something in a source file that was skipped or corrected (reported by the seed, never fatal). */
export interface SourceNote {
  file: string;
  /** 1-based line of the file, header included. */
  line?: number;
  message: string;
}

export interface SourceRows {
  rows: SeedOrganization[];
  notes: SourceNote[];
}

function readCsv(dir: string, file: string, delimiter: string): Array<Record<string, string>> {
  return parse(fs.readFileSync(path.join(dir, file)), {
    bom: true,
    delimiter,
    columns: true,
    relax_column_count: true,
    skip_empty_lines: true,
    trim: true,
  }) as Array<Record<string, string>>;
}

/** Accent- and case-insensitive key for labels ("Provence-Alpes-Côte d'Azur"). */
function labelKey(label: string): string {
  return label
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[’']/g, ' ')
    .replace(/[^a-zA-Z0-9]+/g, ' ')
    .trim()
    .toLowerCase();
}

// ── INSEE geography (code officiel géographique) ─────────────────────────────────────────

export interface Geography {
  /** Region code from its label ("Occitanie" → "76"). */
  regionCodeOf(label: string): string | undefined;
  /** Region code of a department ("34" → "76"). */
  regionOfDepartment(departmentCode: string): string | undefined;
  /** Department code from a 5-digit postal code ("97110" → "971", "20000" → "2A"). */
  departmentOfPostalCode(postalCode: string): string | undefined;
}

export function loadGeography(dir = SEED_DATA_DIR): Geography {
  const regions = new Map<string, string>();
  for (const row of readCsv(dir, REGIONS_FILE, ',')) {
    if (row.REG && row.LIBELLE) regions.set(labelKey(row.LIBELLE), row.REG);
  }
  const departments = new Map<string, string>();
  for (const row of readCsv(dir, DEPARTMENTS_FILE, ',')) {
    if (row.DEP && row.REG) departments.set(row.DEP, row.REG);
  }
  return {
    regionCodeOf: (label) => regions.get(labelKey(label)),
    regionOfDepartment: (code) => departments.get(code),
    departmentOfPostalCode(postalCode) {
      if (!/^\d{5}$/.test(postalCode)) return undefined;
      let code = postalCode.slice(0, 2);
      if (code === '97' || code === '98') code = postalCode.slice(0, 3);
      // Corsica: 200xx–201xx Corse-du-Sud, 202xx and above Haute-Corse.
      if (code === '20') code = Number(postalCode.slice(2, 3)) < 2 ? '2A' : '2B';
      return departments.has(code) ? code : undefined;
    },
  };
}

// ── Universities (Wikidata) ──────────────────────────────────────────────────────────────

/** Invisible direction marks and zero-width characters found in some Wikidata labels. */
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060\uFEFF]/g;

/** "université d'Orléans" → "Université d'Orléans"; "Avignon Université" unchanged. */
export function universityName(label: string): string {
  const clean = label.replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  return clean.charAt(0).toLocaleUpperCase('fr') + clean.slice(1);
}

/** Home page first: no language sub-domain (en.…), then the shortest path, then the shortest URL. */
function compareWebsites(a: string, b: string): number {
  const rank = (url: string): [number, number, number] => {
    try {
      const parsed = new URL(url);
      return [/^[a-z]{2}\./.test(parsed.hostname) ? 1 : 0, parsed.pathname.replace(/\/$/, '').length, url.length];
    } catch {
      return [2, url.length, url.length];
    }
  };
  const [ra, rb] = [rank(a), rank(b)];
  return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || a.localeCompare(b);
}

/**
 * One organisation per Wikidata item. The file lists an item once per official website;
 * the home page is kept (see compareWebsites), the others are reported.
 */
export function loadUniversities(dir = SEED_DATA_DIR): SourceRows {
  const notes: SourceNote[] = [];
  const byItem = new Map<string, { row: SeedOrganization; line: number; urls: string[] }>();
  readCsv(dir, UNIVERSITIES_FILE, ',').forEach((record, index) => {
    const line = index + 2;
    const qid = /\/(Q\d+)$/.exec(record.item ?? '')?.[1];
    const label = record.itemLabel ?? '';
    if (!qid || label === '') {
      notes.push({ file: UNIVERSITIES_FILE, line, message: `ligne ignorée : identifiant Wikidata ou nom absent (${record.item ?? ''})` });
      return;
    }
    const url = record.url?.trim() || undefined;
    const existing = byItem.get(qid);
    if (existing) {
      if (url) existing.urls.push(url);
      return;
    }
    byItem.set(qid, {
      line,
      urls: url ? [url] : [],
      row: { sourceRef: `wikidata:${qid}`, name: universityName(label), kindCode: 'universite', status: 'prospect' },
    });
  });

  const rows: SeedOrganization[] = [];
  for (const [qid, { row, line, urls }] of byItem) {
    const shortest = [...urls].sort(compareWebsites)[0];
    if (urls.length > 1) {
      notes.push({
        file: UNIVERSITIES_FILE,
        line,
        message: `${qid} (${row.name}) a ${urls.length} sites web ; gardé ${shortest ?? ''}, écarté ${urls.filter((url) => url !== shortest).join(', ')}`,
      });
    }
    rows.push(shortest ? { ...row, website: shortest } : row);
  }
  return { rows, notes };
}

// ── CFA of the AMUE network ──────────────────────────────────────────────────────────────

/** Names the readable-case rules cannot repair (glued words, truncations), by SIRET. */
const CFA_NAME_CORRECTIONS: Record<string, string> = {
  // "UNIVERSITE DE PARIS VIIIPARIS VINCENNES": two words glued together in the source.
  '19931827000014': 'Université Paris 8 Vincennes-Saint-Denis',
};

const UAI_PATTERN = /^\d{7}[A-Z]$/;
const SIRET_PATTERN = /^\d{14}$/;

function academyPhrase(academy: string): string {
  if (academy === '') return '';
  const elided = /^[AEIOUYÉÈÊ]/i.test(academy) ? `d'${academy}` : `de ${academy}`;
  return `, académie ${elided}`;
}

export function loadCfas(dir = SEED_DATA_DIR, geography = loadGeography(dir)): SourceRows {
  const notes: SourceNote[] = [];
  const rows: SeedOrganization[] = [];
  const seenSirets = new Map<string, number>();

  readCsv(dir, CFA_FILE, ';').forEach((record, index) => {
    const line = index + 2;
    const note = (message: string) => notes.push({ file: CFA_FILE, line, message });
    const siret = (record.Siret ?? '').replace(/\s/g, '');
    const rawName = record['Raison sociale'] ?? '';
    if (!SIRET_PATTERN.test(siret) || rawName === '') {
      note(`ligne ignorée : SIRET invalide (« ${siret} ») ou raison sociale absente`);
      return;
    }
    const firstLine = seenSirets.get(siret);
    if (firstLine !== undefined) {
      note(`ligne ignorée : SIRET ${siret} déjà vu ligne ${firstLine}`);
      return;
    }
    seenSirets.set(siret, line);

    const name = CFA_NAME_CORRECTIONS[siret] ?? readableOrganizationName(rawName);
    if (CFA_NAME_CORRECTIONS[siret]) note(`raison sociale « ${rawName} » corrigée en « ${name} »`);

    // UAI: the validated one first, then the candidates, each once.
    const uaiColumns = Object.keys(record).filter((column) => column === 'UAI validée' || column.startsWith('UAI potentielle'));
    const uai: string[] = [];
    for (const column of uaiColumns) {
      const value = (record[column] ?? '').toUpperCase();
      if (value === '') continue;
      if (!UAI_PATTERN.test(value)) {
        note(`UAI « ${value} » (${column}) ignorée : format attendu 7 chiffres + 1 lettre`);
        continue;
      }
      if (!uai.includes(value)) uai.push(value);
    }

    const row: SeedOrganization = {
      sourceRef: `siret:${siret}`,
      name,
      kindCode: 'cfa',
      status: 'prospect',
      siret,
      uai,
    };

    const address = parseFrenchAddress(record.Adresse ?? '');
    if (address) {
      row.addressLine = address.addressLine;
      row.postalCode = address.postalCode;
      row.city = address.city;
      row.departmentCode = geography.departmentOfPostalCode(address.postalCode);
      if (!row.departmentCode) note(`code postal ${address.postalCode} sans département connu`);
    } else if (record.Adresse) {
      note(`adresse non reconnue : « ${record.Adresse} »`);
    }

    const regionLabel = record['Région'] ?? '';
    row.regionCode = geography.regionCodeOf(regionLabel);
    if (regionLabel !== '' && !row.regionCode) note(`région inconnue : « ${regionLabel} »`);
    if (row.departmentCode && row.regionCode) {
      const expected = geography.regionOfDepartment(row.departmentCode);
      if (expected !== row.regionCode) {
        note(`région « ${regionLabel} » incohérente avec le département ${row.departmentCode} (région ${expected ?? '?'})`);
      }
    }

    const qualiopi = (record.Qualiopi ?? '').toLowerCase() === 'oui' ? ', certifié Qualiopi' : '';
    row.description = `Organisme de formation par apprentissage du réseau AMUE${academyPhrase(record['Académie'] ?? '')}${qualiopi}.`;
    rows.push(row);
  });
  return { rows, notes };
}
