import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { NoteSigner } from '../../domain/ledger/checkpoint.ts';

/** KMS's name for pure Ed25519 (RFC 8032) on an ECC_NIST_EDWARDS25519 key; it needs MessageType RAW. */
export const CHECKPOINT_SIGNING_ALGORITHM = 'ED25519_SHA_512';
/** The DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410); the raw key is the 32 bytes after it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Signs checkpoint notes with a KMS ECC_NIST_EDWARDS25519 key; the private key never leaves KMS. */
export class KmsNoteSigner implements NoteSigner {
  readonly #client: KMSClient;
  readonly #keyId: string;
  #publicKey: Promise<Uint8Array> | undefined;

  constructor(options: { client: KMSClient; keyId: string }) {
    this.#client = options.client;
    this.#keyId = options.keyId;
  }

  publicKey(): Promise<Uint8Array> {
    this.#publicKey ??= this.#client
      .send(new GetPublicKeyCommand({ KeyId: this.#keyId }))
      .then((response) => {
        const der = Buffer.from(response.PublicKey ?? new Uint8Array());
        if (der.length !== 44 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) {
          throw new Error(`KMS key ${this.#keyId} is not an Ed25519 key`);
        }
        return der.subarray(12);
      });
    return this.#publicKey;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    // Pure Ed25519 signs the message itself (RAW, up to 4 KB; a checkpoint is about 100 bytes).
    const response = await this.#client.send(
      new SignCommand({
        KeyId: this.#keyId,
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: CHECKPOINT_SIGNING_ALGORITHM,
      }),
    );
    if (response.Signature?.length !== 64) throw new Error('KMS returned no Ed25519 signature');
    return response.Signature;
  }
}
