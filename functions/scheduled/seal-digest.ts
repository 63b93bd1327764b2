import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { type SealResult, sealDigests } from '../../domain/ledger/ledger-digest.ts';
import { dynamoDbClient } from '../adapters/dynamodb-client.ts';
import {
  latestCheckpointNote,
  listLedgerHeads,
  loadSealerCursor,
  saveSealerCursor,
} from '../adapters/dynamodb-ledger-heads.ts';
import { KmsDigestSigner } from '../adapters/kms-digest-signer.ts';
import { hostedClient, perConfiguration } from '../adapters/per-configuration.ts';
import { S3DigestArchive } from '../adapters/s3-digest-archive.ts';
import { readConfig } from '../config.ts';

/** Created once per container, like the ledger's own clients. */
const digestClients = /* @__PURE__ */ perConfiguration((config) => ({
  kms: hostedClient(new KMSClient({ region: config.region })),
  s3: hostedClient(new S3Client({ region: config.region })),
}));

/** A page of heads (100) takes well under this to sign and store; stop before Lambda's limit cuts a page. */
const STOP_BEFORE_MS = 30_000;

export interface SealRun extends SealResult {
  /** False when the run stopped near its time limit; the next run resumes where it stopped. */
  readonly complete: boolean;
  /** Checkpoints newly archived (one per tenant whose tree grew since the last run). */
  readonly checkpoints: number;
}

/**
 * Scheduled: signs every tenant's ledger head with the KMS digest key and keeps it in the Object Lock
 * bucket. An auditor holding a digest can later prove the table was not rewritten: verify the signature
 * with the key's public half, then check that the ledger's chain still passes through (seq, chainHash).
 * Heads come a page at a time from the sparse head index; after each page the run saves where it is,
 * so a run that nears its time limit stops and the next one resumes there (re-sealing a head is a no-op).
 * Each tenant's latest checkpoint is archived beside its digests (`checkpoints/<tenant>/<size>.txt`).
 */
export async function handler(
  _event?: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<SealRun> {
  const config = readConfig();
  if (!config.digestBucket || !config.digestSigningKey) {
    throw new Error('LEDGER_DIGEST_BUCKET and LEDGER_DIGEST_SIGNING_KEY must be set for the digest sealer');
  }
  const { kms, s3 } = digestClients(config);
  const signer = new KmsDigestSigner({ client: kms, keyId: config.digestSigningKey });
  const archive = new S3DigestArchive({ client: s3, bucket: config.digestBucket });
  const db = dynamoDbClient(config);
  const now = new Date();
  let sealed = 0;
  let unchanged = 0;
  let checkpoints = 0;
  const start = await loadSealerCursor(db, config.stateTable);
  for await (const page of listLedgerHeads(db, config.stateTable, { startAfter: start })) {
    const result = await sealDigests(
      {
        heads: async function* () {
          yield* page.heads;
        },
        sign: (message) => signer.sign(message),
        store: (key, digest) => archive.store(key, digest),
      },
      now,
    );
    sealed += result.sealed;
    unchanged += result.unchanged;
    // Beside each digest, the tenant's latest signed checkpoint, exactly as signed.
    for (const head of page.heads) {
      const checkpoint = await latestCheckpointNote(db, config.stateTable, head.tenant);
      if (!checkpoint) continue;
      if ((await archive.storeCheckpoint(head.tenant, checkpoint.size, checkpoint.note)) === 'stored')
        checkpoints += 1;
    }
    await saveSealerCursor(db, config.stateTable, page.next);
    if (page.next && (context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY) < STOP_BEFORE_MS) {
      return { sealed, unchanged, checkpoints, complete: false };
    }
  }
  return { sealed, unchanged, checkpoints, complete: true };
}
