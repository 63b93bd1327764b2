import { type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { DIGEST_SIGNING_ALGORITHM } from '../../domain/ledger/ledger-digest.ts';

export interface KmsDigestSignerOptions {
  readonly client: KMSClient;
  /** Key id, ARN or alias of an ECC_NIST_P256 SIGN_VERIFY key. */
  readonly keyId: string;
}

/** Signs digest messages with a KMS asymmetric key; the private key never leaves KMS. */
export class KmsDigestSigner {
  readonly #client: KMSClient;
  readonly #keyId: string;

  constructor(options: KmsDigestSignerOptions) {
    this.#client = options.client;
    this.#keyId = options.keyId;
  }

  async sign(message: string): Promise<{ signature: string; keyId: string }> {
    // RAW lets KMS hash the message itself (up to 4 KB; a digest claim is a few hundred bytes).
    const response = await this.#client.send(
      new SignCommand({
        KeyId: this.#keyId,
        Message: Buffer.from(message, 'utf8'),
        MessageType: 'RAW',
        SigningAlgorithm: DIGEST_SIGNING_ALGORITHM,
      }),
    );
    if (!response.Signature || !response.KeyId) throw new Error('KMS returned no signature');
    // KeyId in the response is the key's ARN, which names the exact key even when signing by alias.
    return { signature: Buffer.from(response.Signature).toString('base64'), keyId: response.KeyId };
  }
}
