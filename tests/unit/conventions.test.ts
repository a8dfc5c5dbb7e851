import { addDays, addMonths, formatConventionReference, noticeDeadline } from '../../src/lib/convention-dates';
import { sniffDocumentType } from '../../src/lib/documents/document-sniffing';
import { parseEuros } from '../../src/services/conventions.service';

/** A minimal ZIP local file header followed by `data` (stored, no compression). */
function zipEntry(name: string, data = ''): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(0, 6);
  header.writeUInt32LE(Buffer.byteLength(data), 18);
  header.writeUInt32LE(Buffer.byteLength(data), 22);
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, Buffer.from(name), Buffer.from(data)]);
}

describe('convention reference', () => {
  it('is CONV-<year>-<four-digit sequence>', () => {
    expect(formatConventionReference(2026, 42)).toBe('CONV-2026-0042');
    expect(formatConventionReference(2026, 1)).toBe('CONV-2026-0001');
    expect(formatConventionReference(2027, 12345)).toBe('CONV-2027-12345');
  });
});

describe('notice deadline', () => {
  it('is the end date minus the notice months', () => {
    expect(noticeDeadline('2026-12-31', 3)).toBe('2026-09-30');
    expect(noticeDeadline('2027-06-15', 6)).toBe('2026-12-15');
    expect(noticeDeadline('2026-12-31', 0)).toBe('2026-12-31');
  });

  it('clamps to the last day of a shorter month (as PostgreSQL does)', () => {
    expect(noticeDeadline('2026-08-31', 6)).toBe('2026-02-28');
    expect(noticeDeadline('2028-08-31', 6)).toBe('2028-02-29');
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
  });

  it('is absent without an end date or a notice period', () => {
    expect(noticeDeadline(null, 3)).toBeNull();
    expect(noticeDeadline('2026-12-31', null)).toBeNull();
  });

  it('adds days across months and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });
});

describe('amounts typed in euros', () => {
  it('reads French and English decimals and spaces', () => {
    expect(parseEuros('12 500')).toBe(1_250_000);
    expect(parseEuros('12 500,5')).toBe(1_250_050);
    expect(parseEuros('1234.56')).toBe(123_456);
    expect(parseEuros('abc')).toBeNull();
    expect(parseEuros('1,234')).toBeNull();
  });
});

describe('document type sniffing', () => {
  it('recognises a PDF by its signature', () => {
    expect(sniffDocumentType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'))).toBe('pdf');
  });

  it('recognises a DOCX by [Content_Types].xml and word/ entries', () => {
    const docx = Buffer.concat([zipEntry('[Content_Types].xml', '<Types/>'), zipEntry('_rels/.rels', '<x/>'), zipEntry('word/document.xml', '<w/>')]);
    expect(sniffDocumentType(docx)).toBe('docx');
  });

  it('recognises an ODT by its mimetype entry', () => {
    const odt = Buffer.concat([zipEntry('mimetype', 'application/vnd.oasis.opendocument.text'), zipEntry('content.xml', '<x/>')]);
    expect(sniffDocumentType(odt)).toBe('odt');
  });

  it('refuses an ODS spreadsheet, a plain ZIP, an XLSX, an executable and text named .pdf', () => {
    expect(sniffDocumentType(Buffer.concat([zipEntry('mimetype', 'application/vnd.oasis.opendocument.spreadsheet')]))).toBeNull();
    expect(sniffDocumentType(Buffer.concat([zipEntry('photo.jpg', 'xx')]))).toBeNull();
    expect(sniffDocumentType(Buffer.concat([zipEntry('[Content_Types].xml', '<Types/>'), zipEntry('xl/workbook.xml', '<w/>')]))).toBeNull();
    expect(sniffDocumentType(Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'))).toBeNull();
    expect(sniffDocumentType(Buffer.from('Ceci est un faux PDF'))).toBeNull();
    expect(sniffDocumentType(Buffer.alloc(0))).toBeNull();
  });
});
