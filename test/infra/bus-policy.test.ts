import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { streamRelay } from '../../infra/topology.ts';
import { resourcesOf, type SynthesizedLedger, synthesizeLedger } from './ledger-app.ts';

let ledger: SynthesizedLedger;
beforeAll(() => {
  ledger = synthesizeLedger();
});

describe('the ledger bus’s resource policy', () => {
  it('refuses PutEvents from every principal but the relay’s role (and AWS services)', () => {
    const relay = ledger.stateless.functions.get(streamRelay.function);
    if (!relay) throw new Error('no relay function');
    const relayRole = ledger.stateless.getLogicalId(relay.role.node.defaultChild as never);
    const policies = resourcesOf(ledger.statelessTemplate, 'AWS::Events::EventBusPolicy');
    expect(policies).toHaveLength(1);
    ledger.statelessTemplate.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: Match.objectLike({ 'Fn::ImportValue': Match.anyValue() }),
      StatementId: 'only-the-relay-publishes',
      Statement: {
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: Match.objectLike({ 'Fn::ImportValue': Match.anyValue() }),
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [relayRole, 'Arn'] } },
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
        },
      },
    });
  });

  it('names the ledger bus, not the default one', () => {
    const [[, policy] = ['', {}]] = resourcesOf(ledger.statelessTemplate, 'AWS::Events::EventBusPolicy');
    const busName = JSON.stringify(policy.EventBusName);
    const busArn = JSON.stringify((policy.Statement as { Resource: unknown }).Resource);
    // Both are exports of the stateful stack's EventBus.
    expect(busName).toContain('EventBus');
    expect(busArn).toContain('EventBus');
    expect(busName).not.toContain('default');
  });
});
