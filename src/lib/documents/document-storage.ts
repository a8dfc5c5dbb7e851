// Where uploaded documents live: outside the web root, behind a small interface so an object
// store (S3) can replace the filesystem without touching the services.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredObject {
  key: string;
  size: number;
  sha256: string;
}

export interface DocumentStorage {
  /** Stores the stream's bytes under a new opaque key. */
  put(stream: Readable): Promise<StoredObject>;
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
}

const KEY_PATTERN = /^[0-9a-f]{2}\/[0-9a-f-]{36}$/;

/** Files under `<root>/<2 hex>/<uuid>`; keys never derive from user input. */
export class FileSystemDocumentStorage implements DocumentStorage {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    if (!KEY_PATTERN.test(key)) throw new Error(`invalid document key: ${key}`);
    return path.join(this.root, key);
  }

  async put(stream: Readable): Promise<StoredObject> {
    const id = crypto.randomUUID();
    const key = `${id.slice(0, 2)}/${id}`;
    const target = this.pathOf(key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const hash = crypto.createHash('sha256');
    let size = 0;
    const temporary = `${target}.part`;
    try {
      await pipeline(
        stream,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        fs.createWriteStream(temporary, { flags: 'wx', mode: 0o640 }),
      );
      await fs.promises.rename(temporary, target);
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw error;
    }
    return { key, size, sha256: hash.digest('hex') };
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    await fs.promises.access(file, fs.constants.R_OK);
    return fs.createReadStream(file);
  }

  async delete(key: string): Promise<void> {
    await fs.promises.rm(this.pathOf(key), { force: true });
  }
}

const storages = new Map<string, DocumentStorage>();

/** The storage of a data directory: DATA_DIR/documents. */
export function documentStorageFor(dataDir: string): DocumentStorage {
  const root = path.join(dataDir, 'documents');
  let storage = storages.get(root);
  if (!storage) {
    storage = new FileSystemDocumentStorage(root);
    storages.set(root, storage);
  }
  return storage;
}
