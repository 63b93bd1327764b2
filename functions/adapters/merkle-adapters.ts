import { KMSClient } from '@aws-sdk/client-kms';
import type { NoteSigner } from '../../domain/ledger/checkpoint.ts';
import { verifierKey } from '../../domain/ledger/checkpoint.ts';
import type { FunctionConfig } from '../config.ts';
import { documentClient } from './dynamodb-document-client.ts';
import { DynamoDbMerkleTree } from './dynamodb-merkle-tree.ts';
import { KmsNoteSigner } from './kms-note-signer.ts';
import { LocalNoteSigner } from './local-note-signer.ts';
import { hostedClient, perConfiguration } from './per-configuration.ts';

/** The tenant Merkle trees of a configuration (proofs, checkpoints; extending is the tree reaction's). */
export const merkleTree = /* @__PURE__ */ perConfiguration(
  (config: FunctionConfig) =>
    new DynamoDbMerkleTree({
      client: documentClient(config),
      eventsTable: config.eventsTable,
      stateTable: config.stateTable,
      ledgerName: config.ledgerName,
    }),
);

/**
 * The checkpoint key: KMS on AWS (LEDGER_CHECKPOINT_SIGNING_KEY), a local Ed25519 key file otherwise
 * (LEDGER_CHECKPOINT_KEY_FILE, which the local runtime sets under its data directory).
 */
export const checkpointSigner = /* @__PURE__ */ perConfiguration((config: FunctionConfig): NoteSigner => {
  if (config.checkpointSigningKey) {
    return new KmsNoteSigner({
      client: hostedClient(new KMSClient({ region: config.region })),
      keyId: config.checkpointSigningKey,
    });
  }
  if (config.checkpointKeyFile) return new LocalNoteSigner(config.checkpointKeyFile);
  throw new Error(
    'set LEDGER_CHECKPOINT_SIGNING_KEY (KMS) or LEDGER_CHECKPOINT_KEY_FILE (local) to sign checkpoints',
  );
});

/** The tenant's verifier key text, `<origin>+<keyid>+<base64(0x01 ‖ public key)>`. */
export async function tenantVerifierKey(config: FunctionConfig, tenant: string) {
  const tree = merkleTree(config);
  return verifierKey(tree.origin(tenant), await checkpointSigner(config).publicKey());
}
