// Receives one uploaded file (multipart/form-data) into a temporary file, streaming, with a
// size limit, after checking the form's CSRF token. The global CSRF middleware cannot read a
// multipart body, so routes that take uploads are exempted there and call this instead.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { Request } from 'express';
import { documentStorageFor, type DocumentStorage } from '../lib/documents/document-storage';
import { ForbiddenError, ValidationError } from '../lib/errors';
import { t } from '../lib/i18n';
import { deps } from './http';

export interface ReceivedUpload {
  fields: Record<string, string>;
  file: { name: string; path: string; size: number; truncated: boolean } | null;
  /** Deletes the temporary file (call it in a finally). */
  cleanup(): Promise<void>;
}

function sameToken(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Paths (under /) whose multipart POST bodies are checked here rather than by the CSRF middleware. */
export const UPLOAD_PATHS = new Set(['/imports']);

/** Upload paths with an id in them (a convention's documents, an exchange's attachments). */
export const UPLOAD_PATH_PATTERNS: RegExp[] = [/^\/conventions\/[0-9a-f-]{36}\/documents$/, /^\/echanges\/[0-9a-f-]{36}\/pieces-jointes$/];

export function isUploadRequest(req: Request): boolean {
  const isUploadPath = UPLOAD_PATHS.has(req.path) || UPLOAD_PATH_PATTERNS.some((pattern) => pattern.test(req.path));
  return req.method === 'POST' && isUploadPath && Boolean(req.is('multipart/form-data'));
}

/**
 * The token must come before the file: either in the `x-csrf-token` header (htmx) or as the
 * form's first field `_csrf` (plain browser form). A file arriving before it is refused unread.
 */
export async function receiveUpload(req: Request, options: { maxBytes: number; expectedToken: string | undefined }): Promise<ReceivedUpload> {
  // Any other body was parsed and CSRF-checked by the app's middleware: it just holds no file.
  if (!req.is('multipart/form-data')) throw new ValidationError({ file: t('imports.errors.noFile') }, t('imports.errors.noFile'));
  const directory = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'passerelle-upload-'));
  const cleanup = () => fs.promises.rm(directory, { recursive: true, force: true });
  const fields: Record<string, string> = {};
  let file: ReceivedUpload['file'] = null;
  let tokenChecked = sameToken(req.get('x-csrf-token'), options.expectedToken);
  const writes: Array<Promise<void>> = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        // Browsers send file names as raw UTF-8 (busboy assumes latin1 by default).
        parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: options.maxBytes, files: 1, fields: 50, fieldSize: 10_000 } });
      } catch {
        reject(new ValidationError({ file: t('imports.errors.noFile') }, t('imports.errors.noFile')));
        return;
      }
      parser.on('field', (name, value) => {
        fields[name] = value;
        if (name === '_csrf' && sameToken(value, options.expectedToken)) tokenChecked = true;
      });
      parser.on('file', (_name, stream, info) => {
        if (!tokenChecked) {
          stream.resume();
          reject(new ForbiddenError(t('errors.csrf')));
          return;
        }
        if (file || !info.filename) {
          stream.resume();
          return;
        }
        const target = path.join(directory, 'upload');
        const received = { name: path.basename(info.filename), path: target, size: 0, truncated: false };
        file = received;
        stream.on('data', (chunk: Buffer) => {
          received.size += chunk.length;
        });
        stream.on('limit', () => {
          received.truncated = true;
        });
        writes.push(pipeline(stream, fs.createWriteStream(target)));
      });
      parser.on('error', reject);
      parser.on('close', () => resolve());
      req.pipe(parser);
    });
    await Promise.all(writes);
    if (!tokenChecked) throw new ForbiddenError(t('errors.csrf'));
    return { fields, file, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Where the app keeps uploaded documents (convention documents, exchange attachments). */
export function documentStorageOf(req: Request): DocumentStorage {
  return documentStorageFor(deps(req).config.dataDir);
}

/** The size limit of an uploaded document, in MB (one setting for every kind of document). */
export function documentMaxMbOf(req: Request): number {
  return deps(req).config.CONVENTION_DOCUMENT_MAX_MB;
}
