import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NoteSigner } from '../../domain/ledger/checkpoint.ts';

/**
 * The local runtime's checkpoint key: an Ed25519 private key in a PKCS#8 PEM file under the data
 * directory, created (mode 0600) the first time it is needed and reused after, so checkpoints signed
 * before a restart still verify with the same public key.
 */
export class LocalNoteSigner implements NoteSigner {
  readonly #file: string;
  #key: KeyObject | undefined;

  constructor(file: string) {
    this.#file = file;
  }

  #privateKey(): KeyObject {
    if (this.#key) return this.#key;
    let pem: string;
    try {
      pem = readFileSync(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const { privateKey } = generateKeyPairSync('ed25519');
      pem = String(privateKey.export({ format: 'pem', type: 'pkcs8' }));
      mkdirSync(dirname(this.#file), { recursive: true });
      try {
        // 'wx': never replace a key another process created meanwhile; read theirs instead.
        writeFileSync(this.#file, pem, { mode: 0o600, flag: 'wx' });
      } catch (raced) {
        if ((raced as NodeJS.ErrnoException).code !== 'EEXIST') throw raced;
        pem = readFileSync(this.#file, 'utf8');
      }
    }
    this.#key = createPrivateKey(pem);
    if (this.#key.asymmetricKeyType !== 'ed25519') throw new Error(`${this.#file} is not an Ed25519 key`);
    return this.#key;
  }

  async publicKey(): Promise<Uint8Array> {
    const jwk = createPublicKey(this.#privateKey()).export({ format: 'jwk' });
    return Buffer.from(String(jwk.x), 'base64url');
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return sign(null, message, this.#privateKey());
  }
}
