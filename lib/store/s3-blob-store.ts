import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from '../crypto/payload-cipher-port.js';
import { LedgerIntegrityError } from '../errors.js';
import { nameOf, translateAwsError } from './aws-errors.js';

export interface S3BlobStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** SSE-KMS key for the objects (the bytes are already sealed by the payload cipher; this is defence in depth). */
  readonly kmsKeyId?: string;
}

/**
 * Payload bytes too large for an event item, in S3. Keys are chosen by the store (`runs/<tenant>/<run>/<seq>/<digest>`).
 * @example const blobs = new S3BlobStore({ client: new S3Client({}), bucket: 'artana-payloads', kmsKeyId });
 */
export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #kmsKeyId: string | undefined;

  constructor(options: S3BlobStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#kmsKeyId = options.kmsKeyId;
  }

  async put(key: string, bytes: Uint8Array): Promise<{ bucket: string; key: string }> {
    try {
      await this.#client.send(new PutObjectCommand({
        Bucket: this.#bucket, Key: key, Body: bytes, ContentType: 'application/octet-stream',
        ...(this.#kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.#kmsKeyId } : {}),
      }));
    } catch (e) {
      throw translateAwsError(e, 'PutObject');
    }
    return { bucket: this.#bucket, key };
  }

  async get(ref: { bucket: string; key: string }): Promise<Uint8Array> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      if (!out.Body) throw new LedgerIntegrityError(`blob ${ref.key} has no body`, { ...ref });
      return await out.Body.transformToByteArray();
    } catch (e) {
      if (nameOf(e) === 'NoSuchKey') throw new LedgerIntegrityError(`blob ${ref.key} is missing from ${ref.bucket}`, { ...ref }, { cause: e });
      throw translateAwsError(e, 'GetObject');
    }
  }
}
