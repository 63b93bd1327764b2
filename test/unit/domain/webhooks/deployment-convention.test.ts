import { describe, expect, it } from 'vitest';
import { deploymentByName } from '../../../../domain/webhooks/webhook-event.ts';

describe('the deployment naming convention for workflow runs and pipelines', () => {
  it.each([
    ['Deploy', 'production'],
    ['deploy', 'production'],
    ['Deploy API', 'production'],
    ['Deploy front-end', 'production'],
    ['Deploy to staging', 'staging'],
    ['Deploy API to eu-west-1', 'eu-west-1'],
    ['Deployment into qa', 'qa'],
    ['Deploying to prod', 'prod'],
    ['deploy: staging', 'staging'],
    ['deploy-staging', 'staging'],
  ])('treats %j as a deployment to %s', (name, environment) => {
    expect(deploymentByName(name)).toEqual({ environment });
  });

  it.each([
    'test',
    'CI',
    'Pipeline for branch: master',
    'Test deploy scripts',
    'deployer-lint',
    '',
    null,
    undefined,
  ])('does not treat %j as a deployment', (name) => {
    expect(deploymentByName(name)).toBeUndefined();
  });
});
