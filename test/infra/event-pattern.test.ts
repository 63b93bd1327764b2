import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Rule } from 'aws-cdk-lib/aws-events';
import { describe, expect, it } from 'vitest';
import { toCdkEventPattern } from '../../infra/aws/event-pattern.ts';

/** A rule declared as the stateless stack declares the topology's rules. */
function synthesizeRule(eventPattern: Readonly<Record<string, unknown>>): Template {
  const stack = new Stack(new App(), 'Rules');
  new Rule(stack, 'Rule', { eventPattern: toCdkEventPattern(eventPattern) });
  return Template.fromStack(stack);
}

describe('event patterns at synth', () => {
  it('synthesizes a pattern EventBridge accepts unchanged', () => {
    const pattern = {
      source: ['aws.cloudwatch'],
      detail: { state: [{ 'anything-but': { prefix: ['INSUFFICIENT', 'OK'] } }] },
    };
    synthesizeRule(pattern).hasResourceProperties('AWS::Events::Rule', { EventPattern: pattern });
  });

  it.each([
    [
      'an anything-but with an empty prefix',
      { detail: { state: [{ 'anything-but': { prefix: '' } }] } },
      'detail.state[0].anything-but.prefix: must be a non-empty string',
    ],
    ['an empty object', { source: ['s'], detail: {} }, 'detail: must not be an empty object'],
    ['a /32 cidr block', { detail: { ip: [{ cidr: '10.0.0.1/32' }] } }, 'detail.ip[0].cidr'],
    [
      'an over-complex wildcard',
      { detail: { arn: [{ wildcard: '*:*:*:*:*:event-bus/*' }] } },
      'detail.arn: the wildcards are too complex',
    ],
  ])('fails synth on %s, naming the field', (_name, pattern, problem) => {
    expect(() => synthesizeRule(pattern)).toThrow(problem);
  });
});
