// Recognises an uploaded document by its content, not its name: a renamed executable or a text
// file called .pdf is refused. Only the first bytes and, for ZIP containers (DOCX, ODT), the
// names of the first entries are read.
import fs from 'node:fs';

export type DocumentType = 'pdf' | 'docx' | 'odt';

export const DOCUMENT_CONTENT_TYPES: Record<DocumentType, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  odt: 'application/vnd.oasis.opendocument.text',
};

export const DOCUMENT_EXTENSIONS: Record<DocumentType, string> = { pdf: 'pdf', docx: 'docx', odt: 'odt' };

const ODT_MIMETYPE = 'application/vnd.oasis.opendocument.text';

/** Names of the local file headers found in the head of a ZIP archive. */
function zipEntryNames(head: Buffer): string[] {
  const names: string[] = [];
  let offset = 0;
  while (offset + 30 <= head.length && head.readUInt32LE(offset) === 0x04034b50) {
    const flags = head.readUInt16LE(offset + 6);
    const compressedSize = head.readUInt32LE(offset + 18);
    const nameLength = head.readUInt16LE(offset + 26);
    const extraLength = head.readUInt16LE(offset + 28);
    const nameStart = offset + 30;
    if (nameStart + nameLength > head.length) break;
    names.push(head.subarray(nameStart, nameStart + nameLength).toString('utf8'));
    // Sizes deferred to a data descriptor (bit 3): the next header cannot be located cheaply.
    if (flags & 0x08) break;
    offset = nameStart + nameLength + extraLength + compressedSize;
  }
  return names;
}

/** The type of a document from its first bytes (at least 4 KiB recommended), or null. */
export function sniffDocumentType(head: Buffer): DocumentType | null {
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) {
    // ODF puts an uncompressed `mimetype` entry first (ODF 1.2 §3.3).
    const names = zipEntryNames(head);
    if (names[0] === 'mimetype') {
      const nameLength = head.readUInt16LE(26);
      const extraLength = head.readUInt16LE(28);
      const start = 30 + nameLength + extraLength;
      if (head.subarray(start, start + ODT_MIMETYPE.length).toString('latin1') === ODT_MIMETYPE) return 'odt';
      return null;
    }
    if (names.includes('[Content_Types].xml') && names.some((name) => name.startsWith('word/'))) return 'docx';
    // Word writes [Content_Types].xml first; the word/ entries may lie beyond the head read.
    if (names[0] === '[Content_Types].xml' && head.includes(Buffer.from('word/'))) return 'docx';
    return null;
  }
  return null;
}

/** Reads the head of a file and sniffs it. */
export async function sniffDocumentFile(filePath: string, headBytes = 64 * 1024): Promise<DocumentType | null> {
  const handle = await fs.promises.open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(headBytes);
    const { bytesRead } = await handle.read(buffer, 0, headBytes, 0);
    return sniffDocumentType(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}
