// vCard 4.0 (RFC 6350) for a contact: one card for `/contacts/<id>/vcard`, many for an
// address-book export. Lines end with CRLF and are folded at 75 octets of UTF-8 (§3.2)
// without ever splitting a character; text values are escaped (§3.4).
import { abortOutput, ChunkedWriter, endOutput, type ExportOutput } from './output';

export const VCARD_CONTENT_TYPE = 'text/vcard; charset=utf-8';

export interface VcardContact {
  id: string;
  civility?: string | null;
  firstName: string;
  lastName: string;
  jobTitle?: string | null;
  /** The first one is the preferred address. */
  emails: readonly string[];
  /** E.164 (`+33612345678`); the first one is the preferred number. */
  phones: readonly string[];
  linkedinUrl?: string | null;
  organizationName?: string | null;
  notes?: string | null;
  updatedAt?: Date | null;
}

const CRLF = '\r\n';
const MAX_LINE_OCTETS = 75;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const E164 = /^\+[1-9]\d{1,14}$/;
/** French mobile ranges (06, 07): tagged TYPE=cell so phones offer SMS. */
const FRENCH_MOBILE = /^\+33[67]\d{8}$/;
// Control characters have no place in a content line (line breaks are escaped before this).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** RFC 6350 §3.4: backslash, comma and semicolon are escaped; a line break becomes `\n`. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/;/g, '\\;')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(CONTROL, '');
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * RFC 6350 §3.2: at most 75 octets per physical line (CRLF excluded); a continuation line
 * starts with one space, which counts. Cuts only between code points, so a multi-byte
 * character (é, emoji) always stays whole.
 */
export function foldLine(line: string): string {
  const physical: string[] = [];
  let current = '';
  let octets = 0;
  for (const character of line) {
    const size = utf8Length(character.codePointAt(0) as number);
    if (octets + size > MAX_LINE_OCTETS) {
      physical.push(current);
      current = ' ';
      octets = 1;
    }
    current += character;
    octets += size;
  }
  physical.push(current);
  return physical.join(CRLF);
}

function revTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

function uriOrNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  // A URI never holds spaces or line breaks; anything else is not worth a broken card.
  return trimmed && /^https?:\/\/\S+$/i.test(trimmed) ? trimmed : null;
}

function telLine(phone: string, index: number): string {
  const number = phone.replace(/[\s.\-()]/g, '');
  const pref = index === 0 ? ';PREF=1' : '';
  if (E164.test(number)) {
    const type = FRENCH_MOBILE.test(number) ? ';TYPE=cell' : '';
    return `TEL;VALUE=uri${pref}${type}:tel:${number}`;
  }
  // Not E.164 (legacy data): keep it readable as text rather than lose it.
  return `TEL;VALUE=text${pref}:${escapeText(phone)}`;
}

/** One vCard 4.0, CRLF line ends included. */
export function contactToVcard(contact: VcardContact): string {
  const firstName = contact.firstName.trim();
  const lastName = contact.lastName.trim();
  const fullName = [firstName, lastName].filter(Boolean).join(' ') || lastName;
  const lines: string[] = ['BEGIN:VCARD', 'VERSION:4.0', 'KIND:individual', `FN:${escapeText(fullName)}`];
  // N = family; given; additional; honorific prefixes; honorific suffixes.
  lines.push(`N:${[lastName, firstName, '', contact.civility?.trim() ?? '', ''].map(escapeText).join(';')}`);
  if (contact.organizationName?.trim()) lines.push(`ORG:${escapeText(contact.organizationName.trim())}`);
  if (contact.jobTitle?.trim()) lines.push(`TITLE:${escapeText(contact.jobTitle.trim())}`);
  contact.emails
    .map((email) => email.trim())
    .filter(Boolean)
    .forEach((email, index) => lines.push(`EMAIL${index === 0 ? ';PREF=1' : ''}:${escapeText(email)}`));
  contact.phones
    .map((phone) => phone.trim())
    .filter(Boolean)
    .forEach((phone, index) => lines.push(telLine(phone, index)));
  const linkedin = uriOrNull(contact.linkedinUrl);
  if (linkedin) lines.push(`URL:${linkedin}`);
  if (contact.notes?.trim()) lines.push(`NOTE:${escapeText(contact.notes.trim())}`);
  lines.push(UUID.test(contact.id) ? `UID:urn:uuid:${contact.id.toLowerCase()}` : `UID;VALUE=text:${escapeText(contact.id)}`);
  if (contact.updatedAt && !Number.isNaN(contact.updatedAt.getTime())) lines.push(`REV:${revTimestamp(contact.updatedAt)}`);
  lines.push('END:VCARD');
  return lines.map(foldLine).join(CRLF) + CRLF;
}

/** A file name for one card: `dupont-marie.vcf` (ASCII, no accents). */
export function vcardFileName(contact: Pick<VcardContact, 'firstName' | 'lastName'>): string {
  const base = `${contact.lastName} ${contact.firstName}`
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${base || 'contact'}.vcf`;
}

/**
 * Streams the cards one after the other (a multi-card .vcf every address book imports), then
 * ends `out`. Returns the number of cards.
 */
export async function writeVcards(out: ExportOutput, contacts: AsyncIterable<VcardContact> | Iterable<VcardContact>): Promise<number> {
  const writer = new ChunkedWriter(out);
  let count = 0;
  try {
    for await (const contact of contacts) {
      await writer.push(contactToVcard(contact));
      count += 1;
    }
    await writer.flush();
  } catch (error) {
    abortOutput(out);
    throw error;
  }
  await endOutput(out);
  return count;
}
