import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_MUTATIONS } from '../../infra/aws/stateful-stack.ts';
import { functionAccess } from '../../infra/function-access.ts';
import { type FunctionName, functions } from '../../infra/topology.ts';
import { resourcesOf, type SynthesizedLedger, synthesizeLedger } from './ledger-app.ts';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

let ledger: SynthesizedLedger;
let statementsOf: (name: FunctionName) => Statement[];
beforeAll(() => {
  ledger = synthesizeLedger();
  const policies = resourcesOf(ledger.statelessTemplate, 'AWS::IAM::Policy');
  statementsOf = (name) => {
    const role = ledger.stateless.functions.get(name)?.role;
    const roleId = role && ledger.stateless.getLogicalId(role.node.defaultChild as never);
    return policies
      .filter(([, p]) => (p.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
  };
});

const names = Object.keys(functions) as FunctionName[];
const actionsOf = (statement: Statement) => [statement.Action].flat();
const onTable = (statement: Statement, table: 'events' | 'state') =>
  JSON.stringify(statement.Resource).includes(table === 'events' ? 'EventsTable' : 'StateTable');

describe('least privilege', () => {
  it('declares the access of every function in the topology', () => {
    expect(names.filter((name) => functionAccess[name] === undefined)).toEqual([]);
  });

  it.each(names)('%s has no wildcard actions and no managed policies', (name) => {
    for (const statement of statementsOf(name)) {
      for (const action of actionsOf(statement)) expect(action, name).not.toMatch(/\*/);
    }
    const roleId = ledger.stateless.getLogicalId(
      ledger.stateless.functions.get(name)?.role.node.defaultChild as never,
    );
    expect(ledger.statelessTemplate.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  it.each(names)('%s cannot update or delete event items', (name) => {
    for (const statement of statementsOf(name).filter((s) => onTable(s, 'events'))) {
      for (const action of actionsOf(statement)) expect(EVENT_MUTATIONS, name).not.toContain(action);
    }
  });

  it.each(names)('%s touches table items only where it must, and never any table with Resource *', (name) => {
    const dynamo = statementsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    for (const statement of dynamo) {
      if (statement.Resource === '*') expect(actionsOf(statement), name).toEqual(['dynamodb:ListStreams']);
    }
    const access = functionAccess[name] ?? [];
    // The sealer writes one item, its own resume point, and nothing else.
    const sealerCheckpoint = {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['checkpoint#seal-digest'] },
    };
    const writes = dynamo
      .filter(
        (s) =>
          !(
            access.includes('digest-seal') && JSON.stringify(s.Condition) === JSON.stringify(sealerCheckpoint)
          ),
      )
      .flatMap(actionsOf)
      .filter((a) => /PutItem|UpdateItem/.test(a));
    expect(writes.length > 0, name).toBe(
      access.some(
        (a) =>
          a === 'ledger-append' ||
          a === 'token-admin' ||
          a === 'projection-write' ||
          a === 'tree-write' ||
          a === 'verification-run',
      ),
    );
  });

  it('keeps token records to the functions that manage them, and those functions to nothing else', () => {
    const onlyTokens = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['token#*'] } };
    const onlyInbox = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['*#inbox'] } };
    const tokenFunctions = names.filter((n) =>
      (functionAccess[n] ?? []).some((a) => a === 'token-read' || a === 'token-admin'),
    );
    const dynamoOf = (name: FunctionName) =>
      statementsOf(name).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamoOf('tokenAuthorizer')).toEqual([
      expect.objectContaining({ Action: 'dynamodb:GetItem', Condition: onlyTokens }),
    ]);
    for (const name of tokenFunctions) {
      for (const statement of dynamoOf(name)) expect(statement.Condition, name).toEqual(onlyTokens);
    }
    for (const name of names.filter((n) => !tokenFunctions.includes(n) && n !== 'sealDigest')) {
      for (const statement of statementsOf(name).filter((s) => onTable(s, 'state'))) {
        // Appending for a caller whose grant was not re-read: a condition check on token records, and a
        // batch read of them for a replay or a conflict (which write nothing), no more.
        // An appender deletes inbox items (its own submission taken back, or those it appended), no more.
        if (JSON.stringify(statement.Condition) === JSON.stringify(onlyInbox)) {
          expect(statement).toMatchObject({ Action: 'dynamodb:DeleteItem' });
          continue;
        }
        if (statement.Condition?.['ForAllValues:StringLike']) {
          expect(name).toBe('postEvents');
          expect(statement).toMatchObject({
            Action: ['dynamodb:ConditionCheckItem', 'dynamodb:BatchGetItem'],
            Condition: onlyTokens,
          });
          continue;
        }
        // The watch keeps its index in one partition, fenced to exactly that key (stricter than not-tokens).
        if (statement.Condition?.['ForAllValues:StringEquals']) {
          expect(name).toBe('watchRelease');
          expect(statement).toMatchObject({
            Action: ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:DeleteItem'],
            Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['watch#open'] } },
          });
          continue;
        }
        expect(statement.Condition, name).toEqual({
          'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['token#*'] },
        });
      }
    }
    // The token check of an append, the lease check of a projection commit written in parts, and the
    // tree writer's conditional step.
    expect(
      names.filter((name) =>
        statementsOf(name).some((s) => actionsOf(s).includes('dynamodb:ConditionCheckItem')),
      ),
    ).toEqual(['postEvents', 'projectDora', 'extendTree']);
  });

  it('lets no function scan a table; the sealer lists heads by querying the sparse head index only', () => {
    expect(
      names.filter((name) => statementsOf(name).some((s) => actionsOf(s).includes('dynamodb:Scan'))),
    ).toEqual([]);
    const sealer = statementsOf('sealDigest').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    const query = sealer.filter((s) => actionsOf(s).includes('dynamodb:Query'));
    expect(query).toHaveLength(1);
    expect(JSON.stringify(query[0]?.Resource)).toMatch(/StateTable.*\/index\/heads/);
    for (const statement of sealer.filter((s) => s !== query[0])) {
      expect(statement.Condition, JSON.stringify(statement)).toBeDefined();
    }
  });

  it('lets only the sealer sign digests (ECDSA) and the tree reaction checkpoints (pure Ed25519), over raw messages', () => {
    const signers = names.filter((name) => statementsOf(name).some((s) => actionsOf(s).includes('kms:Sign')));
    expect(signers.sort()).toEqual(['extendTree', 'sealDigest']);
    expect(statementsOf('sealDigest').find((s) => actionsOf(s).includes('kms:Sign'))?.Condition).toEqual({
      StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' },
    });
    const treeSign = statementsOf('extendTree').find((s) => actionsOf(s).includes('kms:Sign'));
    expect(treeSign?.Condition).toEqual({
      StringEquals: { 'kms:SigningAlgorithm': 'ED25519_SHA_512', 'kms:MessageType': 'RAW' },
    });
    expect(JSON.stringify(treeSign?.Resource)).toMatch(/CheckpointSigningKey/);
    // Reading the public half is all the public-key route may do with the key.
    const keyRoute = statementsOf('getPublicKey').flatMap(actionsOf);
    expect(keyRoute.filter((a) => a.startsWith('kms:') || a.startsWith('dynamodb:'))).toEqual([
      'kms:GetPublicKey',
    ]);
  });
});
