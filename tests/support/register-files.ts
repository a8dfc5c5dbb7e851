// Files shaped like the public registers the partnerships team receives (national list of
// higher-education establishments, registers of training organisations): several identifiers
// in one cell, addresses in one cell, overseas phone numbers, shared keys. Every name, address
// and number here is invented; identifiers are built with valid check digits.
import iconv from 'iconv-lite';

function luhnDigit(body: string): string {
  for (let digit = 0; digit <= 9; digit += 1) {
    const digits = body + String(digit);
    let sum = 0;
    for (let index = 0; index < digits.length; index += 1) {
      let value = Number(digits[digits.length - 1 - index]);
      if (index % 2 === 1) {
        value *= 2;
        if (value > 9) value -= 9;
      }
      sum += value;
    }
    if (sum % 10 === 0) return String(digit);
  }
  throw new Error('unreachable');
}

/** A valid SIRET: SIREN from `serial` (Luhn), establishment `nic` (1–9999), Luhn over the 14 digits. */
export function siretOf(serial: number, nic = 1): string {
  const sirenBody = String(700_000_00 + serial).padStart(8, '0');
  const siren = sirenBody + luhnDigit(sirenBody);
  const body = siren + String(nic).padStart(4, '0');
  return body + luhnDigit(body);
}

const UAI_KEY_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';

/** A valid UAI: 7 digits + the key letter. */
export function uaiOf(departmentCode: string, serial: number): string {
  const digits = (departmentCode.padStart(3, '0') + String(serial).padStart(4, '0')).slice(0, 7);
  return digits + (UAI_KEY_LETTERS[Number(digits) % 23] ?? 'A');
}

/** A CSV the way Excel writes it in French: `;`, CRLF, cells quoted when needed. */
export function csvOf(rows: string[][], delimiter = ';'): string {
  const cell = (text: string) => (/["\n;,]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  return rows.map((row) => row.map(cell).join(delimiter)).join('\r\n') + '\r\n';
}

export function windows1252(text: string): Buffer {
  return iconv.encode(text, 'windows-1252');
}

export async function xlsxOf(rows: string[][]): Promise<Buffer> {
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Établissements');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * An establishment list with French labels: several UAI and several SIRET per cell (comma,
 * slash, new line), the address in one cell (street, postcode, town with its arrondissement),
 * a separate « Commune » column on some rows, overseas switchboards written nationally and in
 * the +33 form, a kind column with the register's own labels.
 */
export function establishmentList(): { rows: string[][]; expected: Array<{ name: string; postalCode: string; city: string; phone: string; uai: string[]; siret: string; otherSirets: string[] }> } {
  const header = ['Identifiant UAI', 'Libellé', 'Type d’établissement', 'N° SIRET', 'Adresse', 'Commune', 'Téléphone', 'Site web'];
  const entries = [
    {
      uaiCell: `${uaiOf('75', 101)} ${uaiOf('75', 102)}`,
      name: 'LYCEE PROFESSIONNEL HONORE BARADAT',
      kind: 'Grand établissement',
      siretCell: `${siretOf(1, 19)},${siretOf(1, 27)}`,
      address: '12 RUE DU CHEMIN VERT 75011 PARIS 11',
      commune: '',
      phone: '01 43 55 00 00',
      expected: { name: 'Lycée professionnel Honoré Baradat', postalCode: '75011', city: 'Paris', phone: '+33143550000', uai: [uaiOf('75', 101), uaiOf('75', 102)], siret: siretOf(1, 19), otherSirets: [siretOf(1, 27)] },
    },
    {
      uaiCell: uaiOf('44', 201),
      name: 'Institut régional des arts du littoral',
      kind: 'Autre établissement',
      siretCell: siretOf(2),
      address: '4 bis quai de la Fosse 44200 Nantes',
      commune: 'Nantes',
      phone: '02 40 00 00 01',
      expected: { name: 'Institut régional des arts du littoral', postalCode: '44200', city: 'Nantes', phone: '+33240000001', uai: [uaiOf('44', 201)], siret: siretOf(2), otherSirets: [] },
    },
    {
      uaiCell: `${uaiOf('974', 301)}\n${uaiOf('974', 302)}`,
      name: 'Université du Sud de l’océan Indien',
      kind: 'Université',
      siretCell: siretOf(3),
      address: '15 AVENUE RENE CASSIN 97400 SAINT DENIS',
      commune: '',
      phone: '0262 93 80 80',
      expected: { name: 'Université du Sud de l’océan Indien', postalCode: '97400', city: 'Saint-Denis', phone: '+262262938080', uai: [uaiOf('974', 301), uaiOf('974', 302)], siret: siretOf(3), otherSirets: [] },
    },
    {
      uaiCell: uaiOf('971', 401),
      name: 'Université des Caraïbes du Nord',
      kind: 'Université',
      siretCell: `${siretOf(4)} / ${siretOf(4, 35)}`,
      address: 'Campus de Fouillole 97157 Pointe-à-Pitre',
      commune: 'Pointe-à-Pitre',
      phone: '+33 590 48 30 30',
      expected: { name: 'Université des Caraïbes du Nord', postalCode: '97157', city: 'Pointe-à-Pitre', phone: '+590590483030', uai: [uaiOf('971', 401)], siret: siretOf(4), otherSirets: [siretOf(4, 35)] },
    },
    {
      uaiCell: uaiOf('973', 501),
      name: 'Université de la Forêt guyanaise',
      kind: 'Université',
      siretCell: siretOf(5),
      address: '2091 route de Baduel 97300 Cayenne',
      commune: '',
      phone: '0594 29 99 99',
      expected: { name: 'Université de la Forêt guyanaise', postalCode: '97300', city: 'Cayenne', phone: '+594594299999', uai: [uaiOf('973', 501)], siret: siretOf(5), otherSirets: [] },
    },
    {
      uaiCell: uaiOf('72', 601),
      name: 'Conservatoire des arts mécaniques du Maine',
      kind: 'Grand établissement',
      siretCell: siretOf(6),
      address: '3 avenue Olivier Messiaen 72100 Le Mans',
      commune: 'Le Mans',
      phone: '02 43 00 00 02',
      expected: { name: 'Conservatoire des arts mécaniques du Maine', postalCode: '72100', city: 'Le Mans', phone: '+33243000002', uai: [uaiOf('72', 601)], siret: siretOf(6), otherSirets: [] },
    },
  ];
  return {
    rows: [header, ...entries.map((entry) => [entry.uaiCell, entry.name, entry.kind, entry.siretCell, entry.address, entry.commune, entry.phone, ''])],
    expected: entries.map((entry) => entry.expected),
  };
}
