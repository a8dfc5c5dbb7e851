// An uploaded document, from the temporary file to the document storage: one rule for every
// feature that takes files (convention documents, exchange attachments).
import fs from 'node:fs';
import { DOCUMENT_CONTENT_TYPES, DOCUMENT_EXTENSIONS, sniffDocumentFile } from '../lib/documents/document-sniffing';
import type { DocumentStorage, StoredObject } from '../lib/documents/document-storage';
import { ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';

/** A file the upload middleware wrote to a temporary path. */
export interface UploadedFile {
  name: string;
  path: string;
  size: number;
  truncated: boolean;
}

/** What the caller records: the stored bytes, a safe file name with the detected type's extension, its content type. */
export interface StoredDocument extends StoredObject {
  fileName: string;
  contentType: string;
}

/**
 * Checks the upload (present, within `maxMb`, really a PDF, DOCX or ODT — by its bytes, not its
 * name), stores it, then runs `record` (the caller's transaction). The bytes are stored before
 * the transaction — no file I/O while it holds the connection — and deleted again when `record`
 * fails, so a refused upload leaves nothing behind. `messages` is the caller's catalogue group
 * (`<group>.noFile`, `<group>.fileTooLarge`, `<group>.fileType`); `fallbackName` names a file whose
 * name had nothing usable.
 */
export async function storeUploadedDocument<T>(
  storage: DocumentStorage,
  file: UploadedFile | null,
  options: { maxMb: number; messages: string; fallbackName: string },
  record: (stored: StoredDocument) => Promise<T>,
): Promise<T> {
  const refuse = (key: string, params: Record<string, unknown> = {}) => new ValidationError({ file: t(`${options.messages}.${key}`, params) }, t(`${options.messages}.${key}`, params));
  if (!file || file.size === 0) throw refuse('noFile');
  if (file.truncated) throw refuse('fileTooLarge', { max: options.maxMb });
  const type = await sniffDocumentFile(file.path);
  if (!type) throw refuse('fileType');
  const stored = await storage.put(fs.createReadStream(file.path));
  // The stored name carries the extension of the detected type, whatever the uploaded name said.
  const baseName =
    [...file.name.replace(/\.[^.]*$/, '')]
      .filter((char) => char.charCodeAt(0) >= 0x20 && !'"\\/'.includes(char))
      .join('')
      .slice(0, 150) || options.fallbackName;
  try {
    return await record({ ...stored, fileName: `${baseName}.${DOCUMENT_EXTENSIONS[type]}`, contentType: DOCUMENT_CONTENT_TYPES[type] });
  } catch (error) {
    await storage.delete(stored.key);
    throw error;
  }
}
