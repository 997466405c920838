import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LedgerIntegrityError, ValidationError } from '../errors.js';
import type { BlobStore } from '../crypto/payload-cipher-port.js';

/**
 * Large payloads on the local disk (the local runtime's stand-in for S3, persisted beside dynalite's files). The bytes
 * are already sealed by the payload cipher; the ledger keeps their digest.
 * @example const blobs = new FileBlobStore('.artana/blobs');
 */
export class FileBlobStore implements BlobStore {
  readonly #root: string;
  readonly #bucket = 'local';

  constructor(root: string) {
    this.#root = path.resolve(root);
  }

  async put(key: string, bytes: Uint8Array): Promise<{ bucket: string; key: string }> {
    const file = this.#file(key);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, bytes, { mode: 0o600 });
    return { bucket: this.#bucket, key };
  }

  async get(ref: { bucket: string; key: string }): Promise<Uint8Array> {
    if (ref.bucket !== this.#bucket) throw new LedgerIntegrityError(`Blob ${ref.key} is not in the local blob store.`, { ref });
    return readFile(this.#file(ref.key));
  }

  #file(key: string): string {
    const file = path.resolve(this.#root, key);
    if (!file.startsWith(this.#root + path.sep)) throw new ValidationError(`Blob key ${key} escapes the blob directory.`, { key });
    return file;
  }
}
