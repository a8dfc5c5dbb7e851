// French postal addresses as registers write them in one cell: « 12 rue X 75011 Paris 11 »,
// « 1 PL DE L'HOTEL DE VILLE BP 123 44000 NANTES CEDEX 1 », « 12 rue X\n75011 Paris »,
// « 12 rue X, Paris 75011 ». Pure text work: what is written is kept (the postcode above all,
// never replaced by the commune's main one); the commune itself is resolved by the caller
// (src/lib/geography.ts).

/** The parts of an address cell. Empty strings for what the cell does not give. */
export interface AddressParts {
  /** Street, building, BP/CS: everything before the postcode, lines joined with ", ". */
  street: string;
  postalCode: string;
  /** The town as written, without its district number or CEDEX (« Paris », « NANTES »). */
  town: string;
  /** « Cedex », « Cedex 1 »: part of the postal address, kept after the town. */
  cedex: string;
  /** Paris, Lyon, Marseille: the arrondissement number written after the town (« Paris 11e » → 11). */
  district: string;
}

/** "75 011" and "75011" are both a postcode; a number after BP, CS, TSA or CEDEX is not. */
const POSTCODE = /(?<![\dA-Za-z])(\d{2}\s?\d{3})(?![\d])/g;
const NOT_A_POSTCODE_BEFORE = /(?:\bB\.?\s?P\.?|\bC\.?S\.?|\bTSA|\bCEDEX|\bCase\s+postale|\bCP|\bBox)\s*$/i;

/**
 * "75011", "75 011" → "75011"; a four-digit "1000" (a spreadsheet dropped the leading zero
 * of 01000) → "01000". Anything else is returned trimmed, for the form to judge.
 */
export function normalizePostalCode(text: string): string {
  const trimmed = text.trim();
  if (/^\d{2}\s?\d{3}$/.test(trimmed)) return trimmed.replace(/\s/, '');
  if (/^\d{4}$/.test(trimmed)) return `0${trimmed}`;
  return trimmed;
}

/**
 * A town cell: « PARIS 11 », « Paris 11e », « Lyon 7e arrondissement », « NANTES CEDEX 1 »,
 * « Cedex » alone aside. Returns the town, the district and the CEDEX mention apart.
 */
export function splitTown(text: string): { town: string; district: string; cedex: string } {
  // « 75011 Paris, France »: the country is no part of the town.
  let rest = text.replace(/\s+/g, ' ').trim().replace(/^[,;\-–]\s*/, '').replace(/[\s,;\-–]+france$/i, '').replace(/[,;]\s*$/, '');
  let cedex = '';
  const cedexMatch = /\s*\bcedex\b\.?\s*(\d{1,3})?\s*$/i.exec(rest);
  if (cedexMatch) {
    cedex = cedexMatch[1] ? `Cedex ${cedexMatch[1]}` : 'Cedex';
    rest = rest.slice(0, cedexMatch.index).trim();
  }
  let district = '';
  const districtMatch = /\s+(\d{1,2})\s*(?:e|er|eme|ème|è)?(?:\s+arr(?:ondissement|\.)?)?$/i.exec(rest);
  if (districtMatch && /[A-Za-zÀ-ÿ]/.test(rest.slice(0, districtMatch.index))) {
    district = String(Number(districtMatch[1]));
    rest = rest.slice(0, districtMatch.index).trim();
  }
  return { town: rest, district, cedex };
}

/** Lines of the cell (new lines, or " - " between parts), trimmed and joined with ", ". */
function joinLines(lines: string[]): string {
  return lines
    .map((line) => line.replace(/\s+/g, ' ').trim().replace(/^[,;\-–]\s*|[,;\-–]\s*$/g, '').trim())
    .filter(Boolean)
    .join(', ');
}

/**
 * Splits a one-cell address into street, postcode and town. The postcode is the last
 * five-digit number that is not a BP/CS number; the town is what follows it, or, when the
 * postcode ends the cell (« 12 rue X, Paris 75011 »), the last part before it once a comma
 * or a new line sets it apart. Returns undefined when the cell has no postcode: it is then a
 * street line as it stands.
 */
export function parseFrenchAddress(raw: string): AddressParts | undefined {
  const text = raw.replace(/\r\n?/g, '\n').replace(/[ \t\u00a0]+/g, ' ').trim();
  if (!text) return undefined;
  let found: RegExpExecArray | undefined;
  for (const match of text.matchAll(POSTCODE)) {
    if (NOT_A_POSTCODE_BEFORE.test(text.slice(0, match.index))) continue;
    found = match as RegExpExecArray;
  }
  if (!found) return undefined;
  const postalCode = (found[1] ?? '').replace(/\s/, '');
  const before = text.slice(0, found.index);
  const after = text.slice(found.index + found[0].length);
  const afterLines = after.split('\n');
  const townLine = (afterLines[0] ?? '').trim();

  let streetLines = before.split('\n');
  let townText = townLine.replace(/^[,;\-–]\s*/, '');
  // Lines after the town (rare: « 75011 Paris\nFrance »): a country is dropped, anything else kept with the street.
  const trailing = afterLines.slice(1).filter((line) => line.trim() && !/^\s*france\s*$/i.test(line));
  if (!/[A-Za-zÀ-ÿ]/.test(townText.replace(/\bcedex\b/i, ''))) {
    // Postcode at the end, town before it: « 12 rue X, Paris 75011 », « 12 rue X\nParis 75011 ».
    const cedexOnly = townText;
    const last = streetLines.at(-1) ?? '';
    const comma = last.lastIndexOf(',');
    if (streetLines.length > 1 && comma < 0) {
      townText = `${last} ${cedexOnly}`;
      streetLines = streetLines.slice(0, -1);
    } else if (comma >= 0) {
      townText = `${last.slice(comma + 1)} ${cedexOnly}`;
      streetLines = [...streetLines.slice(0, -1), last.slice(0, comma)];
    } else {
      townText = cedexOnly;
    }
  }
  const { town, district, cedex } = splitTown(townText);
  return { street: joinLines([...streetLines, ...trailing]), postalCode, town, cedex, district };
}

/**
 * A postcode written in a town cell (« 75011 PARIS », « Paris (75011) », « PARIS 75011 »):
 * the town and the postcode apart. Undefined when the cell has no postcode.
 */
export function splitPostcodeFromTown(text: string): { postalCode: string; town: string } | undefined {
  const match = /^(.*?)[\s,(]*\b(\d{2}\s?\d{3})\b\)?\s*(.*)$/.exec(text.replace(/\s+/g, ' ').trim());
  if (!match) return undefined;
  const [, head = '', postalCode = '', tail = ''] = match;
  const town = [head, tail].map((part) => part.trim()).filter(Boolean).join(' ');
  return { postalCode: postalCode.replace(/\s/, ''), town };
}
