import { PutObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { SignedDigest } from '../../domain/ledger/ledger-digest.ts';

export interface S3DigestArchiveOptions {
  readonly client: S3Client;
  /** An Object Lock bucket whose default retention locks every new object. */
  readonly bucket: string;
}

/** Keeps signed digests in S3; an existing key is never overwritten. */
export class S3DigestArchive {
  readonly #client: S3Client;
  readonly #bucket: string;

  constructor(options: S3DigestArchiveOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
  }

  async store(key: string, digest: SignedDigest): Promise<'stored' | 'exists'> {
    return this.storeText(key, `${JSON.stringify(digest)}\n`, 'application/json');
  }

  /** A checkpoint note, byte for byte as signed (an auditor verifies the archived object as is). */
  async storeCheckpoint(tenant: string, size: number, note: string): Promise<'stored' | 'exists'> {
    return this.storeText(checkpointObjectKey(tenant, size), note, 'text/plain; charset=utf-8');
  }

  async storeText(key: string, body: string, contentType: string): Promise<'stored' | 'exists'> {
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          // A conditional write: on a versioned bucket a plain PUT would add a second version of the key.
          IfNoneMatch: '*',
          // Object Lock requires an integrity checksum on every PUT.
          ChecksumAlgorithm: 'SHA256',
        }),
      );
      return 'stored';
    } catch (error) {
      // 412: the key exists; 409: a concurrent conditional write to the same key won.
      if (error instanceof S3ServiceException && [409, 412].includes(error.$metadata.httpStatusCode ?? 0)) {
        return 'exists';
      }
      throw error;
    }
  }
}

/** `checkpoints/<tenant>/<tree size, 12 digits>.txt`: one object per checkpoint size, never replaced. */
export function checkpointObjectKey(tenant: string, size: number): string {
  return `checkpoints/${encodeURIComponent(tenant)}/${String(size).padStart(12, '0')}.txt`;
}
