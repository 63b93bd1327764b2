import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { type SealResult, sealDigests } from '../../domain/ledger/ledger-digest.ts';
import { dynamoDbClient } from '../adapters/dynamodb-client.ts';
import { scanLedgerHeads } from '../adapters/dynamodb-ledger-heads.ts';
import { KmsDigestSigner } from '../adapters/kms-digest-signer.ts';
import { S3DigestArchive } from '../adapters/s3-digest-archive.ts';
import { readConfig } from '../config.ts';

let clients: { kms: KMSClient; s3: S3Client } | undefined;

/**
 * Scheduled: signs every tenant's ledger head with the KMS digest key and keeps it in the Object Lock
 * bucket. An auditor holding a digest can later prove the table was not rewritten: verify the signature
 * with the key's public half, then check that the ledger's chain still passes through (seq, chainHash).
 */
export async function handler(): Promise<SealResult> {
  const config = readConfig();
  if (!config.digestBucket || !config.digestSigningKey) {
    throw new Error('LEDGER_DIGEST_BUCKET and LEDGER_DIGEST_SIGNING_KEY must be set for the digest sealer');
  }
  // Created once per container, like the ledger's own clients.
  clients ??= { kms: new KMSClient({ region: config.region }), s3: new S3Client({ region: config.region }) };
  const signer = new KmsDigestSigner({ client: clients.kms, keyId: config.digestSigningKey });
  const archive = new S3DigestArchive({ client: clients.s3, bucket: config.digestBucket });
  return sealDigests(
    {
      heads: () => scanLedgerHeads(dynamoDbClient(config), config.stateTable),
      sign: (message) => signer.sign(message),
      store: (key, digest) => archive.store(key, digest),
    },
    new Date(),
  );
}
