/**
 * Physical layout of the two tables, shared by the store, the local runtime (which creates them) and the
 * CDK stack (which declares them), so the three can never disagree.
 *
 * events (immutable, DynamoDB Streams with new images):
 *   `<tenant>#ledger`            / seq      the ledger entry: canonical body, eventHash, chainHash
 *   `<tenant>#stream#<stream>`   / version  a pointer to the entry's seq (one per stream the event is in)
 * state (mutable): stream heads, the ledger head, idempotency records, the release catalogue, tokens and
 * checkpoints; every item except tokens and runtime checkpoints is prefixed by its tenant.
 */
export const EVENTS_KEY = { partition: 'pk', sort: 'sk' } as const;
export const STATE_KEY = { partition: 'pk', sort: 'sk' } as const;

/**
 * A sparse index of ledger heads: only head items carry its key attribute, so the digest sealer lists
 * heads without reading the rest of the state table. Keys only, and the attribute never changes once
 * set, so an append's head update does not write the index again.
 */
export const HEAD_INDEX = { name: 'heads', partition: 'headIndex', value: 'ledger' } as const;

export const EventItemKind = { entry: 'entry', pointer: 'pointer' } as const;

export const eventKeys = {
  ledger: (tenant: string) => `${tenant}#ledger`,
  stream: (tenant: string, stream: string) => `${tenant}#stream#${stream}`,
} as const;

export const stateKeys = {
  ledgerHead: (tenant: string) => ({ pk: `${tenant}#head`, sk: 'ledger' }),
  streamHead: (tenant: string, stream: string) => ({ pk: `${tenant}#stream#${stream}`, sk: 'head' }),
  idempotency: (tenant: string, key: string) => ({ pk: `${tenant}#idem#${key}`, sk: 'idem' }),
  release: (tenant: string, releaseId: string) => ({ pk: `${tenant}#release#${releaseId}`, sk: 'meta' }),
  releaseByServiceVersion: (tenant: string, key: string) => ({ pk: `${tenant}#relver#${key}`, sk: 'ref' }),
  /** A submission waiting for whoever wins the ledger head (see dynamodb-append-inbox.ts). */
  inbox: (tenant: string, key: string) => ({ pk: `${tenant}#inbox`, sk: key }),
  /** Which writer sequences the tenant's inbox for the next second or two (a lease; see dynamodb-append-inbox.ts). */
  sequencer: (tenant: string) => ({ pk: `${tenant}#sequencer`, sk: 'lease' }),
  releaseList: (tenant: string) => `${tenant}#releases`,
  releaseListOfService: (tenant: string, service: string) => `${tenant}#releases#service#${service}`,
  gateBypassList: (tenant: string) => `${tenant}#gate-bypasses`,
  token: (tokenHash: string) => ({ pk: `token#${tokenHash}`, sk: 'token' }),
  /** A tenant's webhook secret for one provider (kept, not hashed: HMACs need the secret itself). */
  webhook: (tenant: string, provider: string) => ({ pk: `${tenant}#webhook#${provider}`, sk: 'webhook' }),
  checkpoint: (name: string) => ({ pk: `checkpoint#${name}`, sk: 'checkpoint' }),
  /** The tenant's Merkle tree: its size, the chain hash it verified up to, and its latest signed checkpoint. */
  merkleTree: (tenant: string) => ({ pk: `${tenant}#merkle`, sk: 'tree' }),
  /** The tree's tiles (C2SP tlog-tiles), sort key `<level>/<index, 12 digits>`. */
  merkleTiles: (tenant: string) => `${tenant}#merkle#tiles`,
  /** Every checkpoint signed, sort key the tree size (12 digits): old checkpoints for consistency proofs. */
  merkleCheckpoints: (tenant: string) => `${tenant}#merkle#checkpoints`,
  /** A full re-verification job of the tenant's ledger. */
  verificationJob: (tenant: string, id: string) => ({ pk: `${tenant}#verification#${id}`, sk: 'job' }),
  /** Which tenants' policies name an alarm (CloudWatch alarm events carry no tenant). */
  alarmSubscriptions: (alarmName: string) => `alarm#${alarmName}`,
  alarmSubscription: (alarmName: string, tenant: string, service: string, environment: string) => ({
    pk: `alarm#${alarmName}`,
    sk: `${tenant}#${service}#${environment}`,
  }),
  /**
   * The open post-release watches of every tenant, sort key `<watch end ISO>#<tenant>#<deploymentId>`:
   * the scheduler reads only the due ones (sort key ≤ now), never the ledger's history.
   */
  openWatches: 'watch#open',
  openWatch: (dueAt: string, tenant: string, deploymentId: string) => ({
    pk: 'watch#open',
    sk: `${dueAt}#${tenant}#${deploymentId}`,
  }),
  /** DORA projection documents (facts) of one definitions version, one item each. */
  doraDoc: (tenant: string, version: string, id: string) => ({
    pk: `${tenant}#dora#${version}#doc#${id}`,
    sk: 'doc',
  }),
  /** A day's DORA evidence cells, one item per (service, environment): a day is one Query. */
  doraCells: (tenant: string, version: string, day: string) => `${tenant}#dora#${version}#cells#${day}`,
  /** A scope's DORA rollups, sort key = UTC day: a window is one Query. */
  doraScope: (tenant: string, version: string, scopeKey: string) =>
    `${tenant}#dora#${version}#scope#${scopeKey}`,
  /** A scope's DORA month rollups, sort key = `YYYY-MM` (their sample bins are documents of their own). */
  doraMonths: (tenant: string, version: string, scopeKey: string) =>
    `${tenant}#dora#${version}#months#${scopeKey}`,
  /** A day's release evidence cells (releases released to users) and a scope's release rollups by day. */
  doraReleaseCells: (tenant: string, version: string, day: string) =>
    `${tenant}#dora#${version}#rcells#${day}`,
  doraReleaseScope: (tenant: string, version: string, scopeKey: string) =>
    `${tenant}#dora#${version}#rscope#${scopeKey}`,
  doraCheckpoint: (tenant: string, version: string) => ({
    pk: `${tenant}#dora#${version}#checkpoint`,
    sk: 'checkpoint',
  }),
  /**
   * The documents a multi-part DORA commit is about to overwrite, as they were (sort key: the checkpoint
   * it advances from and the document): a run that dies between parts is rolled back from these.
   */
  doraUndo: (tenant: string, version: string) => `${tenant}#dora#${version}#undo`,
  /** Which DORA version queries read; switched when a rebuilt version has caught up. */
  doraActive: (tenant: string) => ({ pk: `${tenant}#dora#active`, sk: 'pointer' }),
} as const;

/** Key schemas in the shape both CreateTable and CDK's Table need. */
export const tableDefinitions = {
  events: {
    partitionKey: { name: EVENTS_KEY.partition, type: 'S' },
    sortKey: { name: EVENTS_KEY.sort, type: 'N' },
    stream: 'NEW_IMAGE',
  },
  state: {
    partitionKey: { name: STATE_KEY.partition, type: 'S' },
    sortKey: { name: STATE_KEY.sort, type: 'S' },
    headIndex: { name: HEAD_INDEX.name, partitionKey: { name: HEAD_INDEX.partition, type: 'S' } },
  },
} as const;
