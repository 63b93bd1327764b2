import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nativeEventSchemas } from '../../../../domain/events/native-events.ts';
import {
  type CdEventIssue,
  isCdEventType,
  looksLikeCdEvent,
  type MappedCdEvent,
  mapCdEvent,
  parsePurl,
} from '../../../../domain/ingest/cdevents.ts';

const OCI_CHECKOUT =
  'pkg:oci/checkout@sha256%3A0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427?repository_url=ghcr.io%2Facme%2Fcheckout&tag=v1.4.2';
const OCI_CHECKOUT_DIGEST = 'sha256:0b31b1c02ff458ad9b7b81cbdf8f028bd54699fa151f221d1e8de6817db93427';
const OCI_CHECKOUT_OLD =
  'pkg:oci/checkout@sha256%3A9d4e1c0a7b6f5e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d?repository_url=ghcr.io%2Facme%2Fcheckout&tag=v1.4.1';
const OCI_CHECKOUT_OLD_DIGEST = 'sha256:9d4e1c0a7b6f5e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d';
const GO_PAYMENTS_240 = 'pkg:golang/github.com/acme/payments@v2.4.0';
const GO_PAYMENTS_231 = 'pkg:golang/github.com/acme/payments@v2.3.1';

type Json = Record<string, unknown>;
type Path = (string | number)[];

function fixture(name: string): Json {
  return JSON.parse(
    readFileSync(new URL(`../../../fixtures/cdevents/${name}.json`, import.meta.url), 'utf8'),
  );
}

/** A copy of `event` with the value at `path` replaced (or removed when `value` is undefined). */
function withField(event: Json, path: Path, value: unknown): Json {
  const copy = structuredClone(event);
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/**
 * The mapping, with `data.chainId` checked against `context.chainId` and then left out, so the
 * expectations below state the mapping of each type as it was before chains linked runs to releases.
 */
function mapped(event: unknown): MappedCdEvent {
  const result = mapCdEvent(event);
  if (!result.ok) throw new Error(`expected a mapping, got issues ${JSON.stringify(result.issues)}`);
  const { chainId, ...data } = result.event.data;
  expect(chainId).toBe(((event as Json).context as Json).chainId);
  return { ...result.event, data };
}

/** The event is valid by its spec schema but cannot be projected: recorded as it came, saying why. */
function notProjected(event: unknown): string {
  const result = mapCdEvent(event);
  if (!result.ok) throw new Error(`expected it recorded, got issues ${JSON.stringify(result.issues)}`);
  expect(result.event.type).toBe('cdevent.recorded');
  return String(result.event.data.notProjected);
}

function issues(event: unknown): CdEventIssue[] {
  const result = mapCdEvent(event);
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.event)}`);
  return result.issues;
}

function paths(event: unknown): Path[] {
  return issues(event).map((issue) => issue.path);
}

describe('CDEvents → native: service deployments', () => {
  it('0.4 service.deployed becomes deployment.succeeded, version from the oci purl digest', () => {
    const event = mapped(fixture('service-deployed.v0.4'));
    expect(event).toEqual({
      type: 'deployment.succeeded',
      cdeventType: 'dev.cdevents.service.deployed.0.2.0',
      specVersion: '0.4.1',
      id: '5f0c2d1e-9b7a-4c43-8f0e-1d2a3b4c5d6e',
      source: '/argocd/prod-eu-1',
      time: '2024-05-14T09:12:43.518204Z',
      subject: 'checkout',
      data: {
        deploymentId: '5f0c2d1e-9b7a-4c43-8f0e-1d2a3b4c5d6e',
        service: 'checkout',
        environment: 'production',
        version: OCI_CHECKOUT_DIGEST,
        artifactId: OCI_CHECKOUT,
        planned: true,
      },
    });
  });

  it('0.5 service.deployed (specversion, no subject.type) becomes deployment.succeeded', () => {
    const event = mapped(fixture('service-deployed.v0.5'));
    expect(event.type).toBe('deployment.succeeded');
    expect(event.cdeventType).toBe('dev.cdevents.service.deployed.0.3.0');
    expect(event.specVersion).toBe('0.5.0');
    expect(event.time).toBe('2025-11-20T10:05:31.315384Z');
    expect(event.data).toEqual({
      deploymentId: '271069a8-fc18-44f1-b38f-9d70a1695819',
      service: 'payments',
      environment: 'production',
      version: 'v2.4.0',
      artifactId: GO_PAYMENTS_240,
      planned: true,
    });
  });

  it('0.4 service.upgraded becomes a planned deployment.succeeded', () => {
    const event = mapped(fixture('service-upgraded.v0.4'));
    expect(event.type).toBe('deployment.succeeded');
    expect(event.data).toEqual({
      deploymentId: 'a1b2c3d4-0e9f-4a8b-b7c6-d5e4f3a2b1c0',
      service: 'payments',
      environment: 'staging',
      version: 'v2.3.1',
      artifactId: GO_PAYMENTS_231,
      planned: true,
    });
  });

  it('0.5 service.upgraded becomes a planned deployment.succeeded', () => {
    const event = mapped(fixture('service-upgraded.v0.5'));
    expect(event.type).toBe('deployment.succeeded');
    expect(event.data).toEqual({
      deploymentId: '8f7e6d5c-4b3a-4291-8f0e-d9c8b7a6f5e4',
      service: 'checkout',
      environment: 'staging',
      version: OCI_CHECKOUT_DIGEST,
      artifactId: OCI_CHECKOUT,
      planned: true,
    });
  });

  it('0.4 service.rolledback becomes an unplanned rollback deployment', () => {
    const event = mapped(fixture('service-rolledback.v0.4'));
    expect(event.type).toBe('deployment.succeeded');
    expect(event.data).toEqual({
      deploymentId: 'c7d8e9f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f',
      service: 'checkout',
      environment: 'production',
      version: OCI_CHECKOUT_OLD_DIGEST,
      artifactId: OCI_CHECKOUT_OLD,
      planned: false,
      rollback: true,
    });
  });

  it('0.5 service.rolledback becomes an unplanned rollback deployment', () => {
    const event = mapped(fixture('service-rolledback.v0.5'));
    expect(event.type).toBe('deployment.succeeded');
    expect(event.data).toEqual({
      deploymentId: '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7',
      service: 'payments',
      environment: 'production',
      version: 'v2.3.1',
      artifactId: GO_PAYMENTS_231,
      planned: false,
      rollback: true,
    });
  });

  it('reports missing deployment fields at their exact paths', () => {
    const deployed = fixture('service-deployed.v0.4');
    expect(issues(withField(deployed, ['subject', 'content', 'environment'], undefined))).toEqual([
      { path: ['subject', 'content', 'environment'], message: 'is required' },
    ]);
    expect(paths(withField(deployed, ['subject', 'content', 'environment', 'id'], undefined))).toEqual([
      ['subject', 'content', 'environment', 'id'],
    ]);
    // A blank id is valid by the schema (minLength 1) but names no environment: recorded, not projected.
    expect(notProjected(withField(deployed, ['subject', 'content', 'environment', 'id'], '  '))).toMatch(
      /^subject\.content\.environment\.id: /,
    );
    expect(paths(withField(deployed, ['subject', 'content', 'artifactId'], undefined))).toEqual([
      ['subject', 'content', 'artifactId'],
    ]);
    expect(paths(withField(deployed, ['subject', 'content'], undefined))).toEqual([['subject', 'content']]);
  });

  it('records, without projecting, a deployment whose artifactId is not a purl or has no version', () => {
    // The spec asks only for a non-empty artifactId; the ledger needs a versioned purl to name the release.
    const deployed = fixture('service-deployed.v0.5');
    expect(
      notProjected(withField(deployed, ['subject', 'content', 'artifactId'], 'ghcr.io/acme/payments:2.4.0')),
    ).toBe("subject.content.artifactId: must be a package URL (purl) starting with 'pkg:'");
    expect(
      notProjected(withField(deployed, ['subject', 'content', 'artifactId'], 'pkg:oci/payments')),
    ).toMatch(/^subject\.content\.artifactId: the purl has no version/);
  });

  it('still refuses a producer’s misuse of the ledger’s customData conventions', () => {
    const run = withField(fixture('testsuiterun-finished.v0.5'), ['customData', 'releaseId'], 42);
    expect(paths(run)).toEqual([['customData', 'releaseId']]);
  });

  it('reports native limits at the CDEvent field the value came from', () => {
    const deployed = withField(fixture('service-deployed.v0.4'), ['subject', 'id'], 's'.repeat(300));
    const found = issues(deployed);
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toEqual(['subject', 'id']);
  });
});

describe('CDEvents → native: incidents', () => {
  it('0.4 incident.detected becomes incident.opened with the service and the customData severity', () => {
    const event = mapped(fixture('incident-detected.v0.4'));
    expect(event.type).toBe('incident.opened');
    expect(event.subject).toBe('INC-2041');
    expect(event.data).toEqual({
      incidentId: 'INC-2041',
      service: 'checkout',
      environment: 'production',
      severity: 'sev2',
      title: 'p99 latency of POST /checkout above 800ms for 5 minutes',
      artifactId: OCI_CHECKOUT,
    });
  });

  it('0.5 incident.detected without a service names it from the artifact purl and defaults the severity', () => {
    const event = mapped(fixture('incident-detected.v0.5'));
    expect(event.type).toBe('incident.opened');
    expect(event.specVersion).toBe('0.5.0');
    expect(event.data).toEqual({
      incidentId: 'alert-7781',
      service: 'checkout',
      environment: 'production',
      severity: 'sev3',
      severityDefaulted: true,
      title: 'Error rate of payment capture above 5%',
      artifactId: OCI_CHECKOUT,
    });
  });

  it('0.4 incident.reported keeps the ticket and a severity outside sev1..sev4 as reported', () => {
    const event = mapped(fixture('incident-reported.v0.4'));
    expect(event.type).toBe('incident.opened');
    expect(event.data).toEqual({
      incidentId: 'INC-2041',
      service: 'checkout',
      environment: 'production',
      severity: 'sev3',
      severityDefaulted: true,
      reportedSeverity: 'medium',
      title: 'Checkout failing for card payments',
      ticketURI: 'https://acme.pagerduty.example/incidents/INC-2041',
      artifactId: OCI_CHECKOUT,
    });
  });

  it('0.5 incident.reported becomes incident.opened with severity sev1', () => {
    const event = mapped(fixture('incident-reported.v0.5'));
    expect(event.type).toBe('incident.opened');
    expect(event.data).toEqual({
      incidentId: 'INC-3120',
      service: 'payments',
      environment: 'production',
      severity: 'sev1',
      title: 'Payment capture failing for EU cards',
      ticketURI: 'https://acme.opsgenie.example/alert/INC-3120',
      artifactId: GO_PAYMENTS_240,
    });
  });

  it('0.4 incident.resolved becomes incident.resolved', () => {
    const event = mapped(fixture('incident-resolved.v0.4'));
    expect(event.type).toBe('incident.resolved');
    expect(event.data).toEqual({
      incidentId: 'INC-2041',
      environment: 'production',
      service: 'checkout',
      resolution: 'p99 latency back below 300ms after rollback',
      artifactId: OCI_CHECKOUT_OLD,
    });
  });

  it('0.5 incident.resolved becomes incident.resolved', () => {
    const event = mapped(fixture('incident-resolved.v0.5'));
    expect(event.type).toBe('incident.resolved');
    expect(event.data).toEqual({
      incidentId: 'INC-3120',
      environment: 'production',
      service: 'payments',
      resolution: 'Capture recovered after rollback to v2.3.1',
      artifactId: GO_PAYMENTS_231,
    });
  });

  it('normalises the case of a sevN severity and ignores base64 customData', () => {
    const detected = fixture('incident-detected.v0.4');
    expect(mapped(withField(detected, ['customData', 'severity'], ' SEV1 ')).data.severity).toBe('sev1');
    const opaque = withField(detected, ['customData'], 'eyJzZXZlcml0eSI6InNldjEifQ==');
    const event = mapped(withField(opaque, ['customDataContentType'], 'application/octet-stream'));
    expect(event.data.severity).toBe('sev3');
    expect(event.data.severityDefaulted).toBe(true);
    expect(event.data.reportedSeverity).toBeUndefined();
  });

  it('records, without projecting, an incident with neither a service nor a purl artifactId', () => {
    const detected = withField(
      fixture('incident-detected.v0.5'),
      ['subject', 'content', 'artifactId'],
      undefined,
    );
    expect(notProjected(detected)).toMatch(/^subject\.content\.service: /);
    const notPurl = withField(
      fixture('incident-detected.v0.5'),
      ['subject', 'content', 'artifactId'],
      'checkout:1.4.2',
    );
    expect(notProjected(notPurl)).toMatch(/^subject\.content\.artifactId: /);
  });

  it('reports missing incident fields at their exact paths', () => {
    const reported = fixture('incident-reported.v0.5');
    expect(paths(withField(reported, ['subject', 'content', 'environment'], undefined))).toEqual([
      ['subject', 'content', 'environment'],
    ]);
    expect(paths(withField(reported, ['subject', 'content', 'service', 'id'], 42))).toEqual([
      ['subject', 'content', 'service', 'id'],
    ]);
    // Longer than the native incident's limit, unlimited in the spec: recorded, not projected.
    expect(
      notProjected(withField(reported, ['subject', 'content', 'description'], 'x'.repeat(5000))),
    ).toMatch(/^subject\.content\.description: /);
    expect(paths(withField(fixture('incident-resolved.v0.4'), ['subject', 'id'], ''))).toEqual([
      ['subject', 'id'],
    ]);
  });
});

describe('CDEvents → native: test suite runs', () => {
  it('0.4 testsuiterun.finished with outcome pass becomes passed tests.completed for customData.releaseId', () => {
    const event = mapped(fixture('testsuiterun-finished.v0.4'));
    expect(event.type).toBe('tests.completed');
    expect(event.subject).toBe('e2e-checkout-run-3312');
    expect(event.data).toEqual({
      releaseId: 'rel-checkout-1.4.2',
      suite: 'e2e-checkout',
      passed: true,
      outcome: 'pass',
      total: 148,
      failedCount: 0,
      url: 'https://testkube.acme.example/test-suites/e2e-checkout',
      environment: 'staging',
      testSuiteRunId: 'e2e-checkout-run-3312',
    });
  });

  it('0.5 testsuiterun.finished with outcome failure derives the release from customData.artifactId', () => {
    const event = mapped(fixture('testsuiterun-finished.v0.5'));
    expect(event.type).toBe('tests.completed');
    expect(event.data).toEqual({
      releaseId: 'payments@v2.4.0',
      suite: 'contract-payments',
      passed: false,
      outcome: 'failure',
      severity: 'critical',
      reason: '3 of 41 provider contracts failed',
      url: 'https://testkube.acme.example/test-suites/contract-payments',
      environment: 'staging',
      testSuiteRunId: 'contract-payments-run-912',
      artifactId: GO_PAYMENTS_240,
    });
  });

  it.each([
    ['testsuiterun-finished.v0.4', 'pass', true],
    ['testsuiterun-finished.v0.4', 'fail', false],
    ['testsuiterun-finished.v0.4', 'cancel', false],
    ['testsuiterun-finished.v0.4', 'error', false],
    ['testsuiterun-finished.v0.5', 'success', true],
    ['testsuiterun-finished.v0.5', 'failure', false],
    ['testsuiterun-finished.v0.5', 'cancel', false],
    ['testsuiterun-finished.v0.5', 'error', false],
  ])('%s: outcome %s means passed=%s', (name, outcome, passed) => {
    const run = withField(fixture(name), ['subject', 'content', 'outcome'], outcome);
    expect(mapped(run).data.passed).toBe(passed);
  });

  it.each([
    ['testsuiterun-finished.v0.4', 'success'],
    ['testsuiterun-finished.v0.5', 'pass'],
  ])('%s: refuses outcome %s, the other line’s word, at the outcome', (name, outcome) => {
    const run = withField(fixture(name), ['subject', 'content', 'outcome'], outcome);
    expect(paths(run)).toEqual([['subject', 'content', 'outcome']]);
  });

  it('refuses a testSuite without id and a content.artifactId, which the spec schema does not have', () => {
    let run = withField(
      fixture('testsuiterun-finished.v0.5'),
      ['subject', 'content', 'testSuite', 'id'],
      undefined,
    );
    run = withField(run, ['subject', 'content', 'artifactId'], 'pkg:oci/checkout@1.4.2');
    expect(paths(run)).toEqual([
      ['subject', 'content', 'testSuite', 'id'],
      ['subject', 'content', 'artifactId'],
    ]);
  });

  it('prefers customData.releaseId over an artifact purl', () => {
    const run = withField(
      fixture('testsuiterun-finished.v0.5'),
      ['customData', 'releaseId'],
      'rel-payments-2.4.0',
    );
    expect(mapped(run).data.releaseId).toBe('rel-payments-2.4.0');
  });

  it('stores a run no release can be determined for under its own run id, and checks given ids', () => {
    const run = withField(fixture('testsuiterun-finished.v0.5'), ['customData'], undefined);
    const stored = mapped(run);
    expect(stored.type).toBe('tests.completed');
    expect(stored.data.releaseId).toBeUndefined();
    expect(stored.data.testSuiteRunId).toBe((run.subject as Json).id);
    expect(paths(withField(fixture('testsuiterun-finished.v0.4'), ['customData', 'releaseId'], 7))).toEqual([
      ['customData', 'releaseId'],
    ]);
    expect(
      paths(
        withField(fixture('testsuiterun-finished.v0.5'), ['customData', 'artifactId'], 'pkg:golang/payments'),
      ),
    ).toEqual([['customData', 'artifactId']]);
  });

  it('files a run that names no suite (the spec lets testSuite be left out) under the run’s own id', () => {
    const run = fixture('testsuiterun-finished.v0.4');
    const event = mapped(withField(run, ['subject', 'content', 'testSuite'], undefined));
    expect(event.type).toBe('tests.completed');
    expect(event.data.suite).toBe((run.subject as Json).id);
  });

  it('reports a bad outcome and bad counts at their exact paths', () => {
    const run = fixture('testsuiterun-finished.v0.4');
    expect(paths(withField(run, ['subject', 'content', 'outcome'], 'passed'))).toEqual([
      ['subject', 'content', 'outcome'],
    ]);
    expect(paths(withField(run, ['subject', 'content', 'outcome'], undefined))).toEqual([
      ['subject', 'content', 'outcome'],
    ]);
    expect(paths(withField(run, ['customData', 'total'], -1))).toEqual([['customData', 'total']]);
  });
});

describe('CDEvents → native: changes and artifacts', () => {
  it('0.4 change.merged becomes change.merged with the repository and customData.sha', () => {
    const event = mapped(fixture('change-merged.v0.4'));
    expect(event.type).toBe('change.merged');
    expect(event.data).toEqual({
      changeId: 'acme/checkout/pull/482',
      repository: 'acme/checkout',
      repositorySource: 'https://github.com',
      sha: '9f2c1e7d4b3a5f6e8d0c1b2a3f4e5d6c7b8a9f0e',
    });
  });

  it('0.5 change.merged becomes change.merged', () => {
    const event = mapped(fixture('change-merged.v0.5'));
    expect(event.type).toBe('change.merged');
    expect(event.data).toEqual({
      changeId: 'payments/service!1207',
      repository: 'payments/service',
      repositorySource: 'https://gitlab.acme.example',
    });
  });

  it('accepts a change without a repository and reports a repository without an id', () => {
    const merged = fixture('change-merged.v0.5');
    expect(mapped(withField(merged, ['subject', 'content'], {})).data).toEqual({
      changeId: 'payments/service!1207',
    });
    expect(paths(withField(merged, ['subject', 'content', 'repository'], { source: 'https://x' }))).toEqual([
      ['subject', 'content', 'repository', 'id'],
    ]);
  });

  it('0.4 artifact.published becomes artifact.published with service and version from the purl', () => {
    const event = mapped(fixture('artifact-published.v0.4'));
    expect(event.type).toBe('artifact.published');
    expect(event.data).toEqual({
      artifactId: OCI_CHECKOUT,
      service: 'checkout',
      version: OCI_CHECKOUT_DIGEST,
    });
  });

  it('0.5 artifact.published becomes artifact.published', () => {
    const event = mapped(fixture('artifact-published.v0.5'));
    expect(event.type).toBe('artifact.published');
    expect(event.data).toEqual({
      artifactId: GO_PAYMENTS_240,
      service: 'payments',
      version: 'v2.4.0',
      sbomUri: 'https://sbom.acme.example/payments/v2.4.0.spdx.json',
    });
  });

  it('records, without projecting, an artifact whose subject id is not a purl', () => {
    const published = withField(
      fixture('artifact-published.v0.5'),
      ['subject', 'id'],
      'payments-v2.4.0.tar.gz',
    );
    expect(notProjected(published)).toMatch(/^subject\.id: must be a package URL/);
  });
});

describe('CDEvents envelope: spec versions and types', () => {
  const supported = [
    'service-deployed',
    'service-upgraded',
    'service-rolledback',
    'incident-detected',
    'incident-reported',
    'incident-resolved',
    'testsuiterun-finished',
    'change-merged',
    'artifact-published',
  ].flatMap((name) => [`${name}.v0.4`, `${name}.v0.5`]);

  it.each(supported)('%s maps to data that its native schema accepts', (name) => {
    const raw = fixture(name);
    const event = mapped(raw);
    expect(nativeEventSchemas[event.type].safeParse(event.data).success).toBe(true);
    expect(event.id).toBe((raw.context as Json).id);
    expect(event.source).toBe((raw.context as Json).source);
    expect(event.time).toBe((raw.context as Json).timestamp);
    expect(event.subject).toBe((raw.subject as Json).id);
    expect(event.specVersion).toBe(name.endsWith('v0.4') ? '0.4.1' : '0.5.0');
  });

  it('does not change its input and maps the same input the same way', () => {
    const raw = fixture('incident-reported.v0.4');
    const before = structuredClone(raw);
    expect(mapCdEvent(raw)).toEqual(mapCdEvent(raw));
    expect(raw).toEqual(before);
  });

  it('accepts 0.4 chain_id/chainId, links and schemaUri, and 0.5 links without subject.type', () => {
    const v04 = withField(fixture('service-deployed.v0.4'), ['context', 'chain_id'], 'c-1');
    expect(mapped(v04).type).toBe('deployment.succeeded');
    const v05 = fixture('service-deployed.v0.5');
    expect((v05.subject as Json).type).toBeUndefined();
    expect(Array.isArray((v05.context as Json).links)).toBe(true);
    expect(mapped(v05).type).toBe('deployment.succeeded');
  });

  it('reads the spec version from either context.version (0.4) or context.specversion (0.5)', () => {
    let renamed = withField(fixture('service-deployed.v0.4'), ['context', 'version'], undefined);
    renamed = withField(renamed, ['context', 'specversion'], '0.4.1');
    expect(mapped(renamed).specVersion).toBe('0.4.1');
    const same = withField(fixture('service-deployed.v0.5'), ['context', 'version'], '0.5.0');
    expect(mapped(same).specVersion).toBe('0.5.0');
  });

  it('rejects unsupported spec versions at the field that carries them', () => {
    expect(issues(withField(fixture('service-deployed.v0.4'), ['context', 'version'], '0.3.0'))).toEqual([
      {
        path: ['context', 'version'],
        message: "unsupported CDEvents spec version '0.3.0'; supported lines: 0.4.x, 0.5.x",
      },
    ]);
    const refused = mapCdEvent(withField(fixture('service-deployed.v0.4'), ['context', 'version'], '0.3.0'));
    expect(refused.ok === false && refused.code).toBe('unsupported_spec_version');
    expect(paths(withField(fixture('service-deployed.v0.5'), ['context', 'specversion'], '0.6.0'))).toEqual([
      ['context', 'specversion'],
    ]);
    expect(
      paths(withField(fixture('service-deployed.v0.5'), ['context', 'specversion'], '0.5.0-draft')),
    ).toEqual([['context', 'specversion']]);
    expect(paths(withField(fixture('service-deployed.v0.5'), ['context', 'version'], '0.4.1'))).toEqual([
      ['context', 'version'],
    ]);
    expect(paths(withField(fixture('service-deployed.v0.5'), ['context', 'specversion'], undefined))).toEqual(
      [['context', 'specversion']],
    );
  });

  it('records types without a native counterpart and rejects types outside the spec at context.type', () => {
    const published = mapped(fixture('service-published.v0.5'));
    expect(published.type).toBe('cdevent.recorded');
    expect(published.data).toMatchObject({
      cdeventType: published.cdeventType,
      subjectId: published.subject,
    });
    const deployed = fixture('service-deployed.v0.4');
    const removed = withField(deployed, ['subject', 'content', 'artifactId'], undefined);
    expect(mapped(withField(removed, ['context', 'type'], 'dev.cdevents.service.removed.0.2.0')).type).toBe(
      'cdevent.recorded',
    );
    const unknown = issues(withField(deployed, ['context', 'type'], 'dev.cdevents.service.exploded.0.1.0'));
    expect(unknown[0]?.message).toContain("unsupported CDEvent type 'service.exploded'");
    for (const type of [
      'dev.cdevents.service.exploded.0.1.0',
      'dev.cdeventsx.mytool.created.0.1.0',
      'dev.cdevents.service.deployed',
      'dev.cdevents.service.deployed.0.3.0-draft',
      'com.example.deployment.succeeded',
    ]) {
      expect(paths(withField(deployed, ['context', 'type'], type))).toEqual([['context', 'type']]);
    }
  });

  it('answers an unsupported spec version before judging the type, whose schema depends on it', () => {
    let event = withField(fixture('service-deployed.v0.4'), ['context', 'version'], '0.3.0');
    event = withField(event, ['context', 'type'], 'dev.cdevents.service.exploded.0.1.0');
    expect(paths(event)).toEqual([['context', 'version']]);
  });

  it('reports envelope problems at their exact paths', () => {
    const deployed = fixture('service-deployed.v0.5');
    expect(issues(withField(deployed, ['context', 'id'], undefined))).toEqual([
      { path: ['context', 'id'], message: 'is required' },
    ]);
    expect(paths(withField(deployed, ['context', 'source'], ''))).toEqual([['context', 'source']]);
    expect(paths(withField(deployed, ['context', 'timestamp'], '20 Nov 2025'))).toEqual([
      ['context', 'timestamp'],
    ]);
    expect(paths(withField(deployed, ['context', 'links'], 'none'))).toEqual([['context', 'links']]);
    expect(paths(withField(deployed, ['context', 'links', 1], 'x'))).toEqual([['context', 'links', 1]]);
    expect(paths(withField(deployed, ['subject', 'id'], undefined))).toEqual([['subject', 'id']]);
    expect(paths(withField(deployed, ['subject'], 'payments'))).toEqual([['subject']]);
    expect(paths(withField(deployed, ['customData'], 12))).toEqual([['customData']]);
    expect(paths({ subject: { id: 'x' } })).toEqual([['context'], ['subject', 'content']]);
    expect(paths(null)).toEqual([[]]);
    expect(paths([deployed])).toEqual([[]]);
  });
});

describe('purl parsing', () => {
  it.each([
    [
      'pkg:oci/myapp@sha256%3A0b31b1c0?repository_url=ghcr.io%2Facme%2Fmyapp',
      { type: 'oci', name: 'myapp', version: 'sha256:0b31b1c0' },
    ],
    ['pkg:golang/mymodule@v1.2.3', { type: 'golang', name: 'mymodule', version: 'v1.2.3' }],
    [
      'pkg:golang/github.com/acme/payments@v2.4.0',
      { type: 'golang', namespace: 'github.com/acme', name: 'payments', version: 'v2.4.0' },
    ],
    [
      'pkg:npm/%40angular/animation@12.3.1',
      { type: 'npm', namespace: '@angular', name: 'animation', version: '12.3.1' },
    ],
    [
      'pkg:npm/@angular/animation@12.3.1',
      { type: 'npm', namespace: '@angular', name: 'animation', version: '12.3.1' },
    ],
    ['pkg:npm/@angular/animation', { type: 'npm', namespace: '@angular', name: 'animation' }],
    [
      'pkg:maven/org.apache.commons/commons-lang3@3.12.0#src/main',
      { type: 'maven', namespace: 'org.apache.commons', name: 'commons-lang3', version: '3.12.0' },
    ],
    [
      'pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie',
      { type: 'deb', namespace: 'debian', name: 'curl', version: '7.50.3-1' },
    ],
    [
      'pkg:generic/openssl@1.1.10g?download_url=https://user@example.com/openssl.tgz',
      { type: 'generic', name: 'openssl', version: '1.1.10g' },
    ],
    ['pkg:oci/myapp', { type: 'oci', name: 'myapp' }],
    ['pkg://oci/myapp@1.0/', { type: 'oci', name: 'myapp', version: '1.0' }],
    ['PKG:OCI/MyApp@v1%2B2', { type: 'oci', name: 'MyApp', version: 'v1+2' }],
  ])('%s', (value, purl) => {
    expect(parsePurl(value)).toEqual({ ok: true, purl });
  });

  it.each([
    ['ghcr.io/acme/myapp:1.2.3', /starting with 'pkg:'/],
    ['pkg:oci/myapp@', /empty version/],
    ['pkg:oci/myapp@%E0%A4%A', /malformed percent-encoding/],
    ['pkg:oci', /no name/],
    ['pkg:1oci/myapp@1', /no valid type/],
    ['pkg:/myapp@1', /no valid type/],
  ])('rejects %s', (value, message) => {
    const parsed = parsePurl(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe('CDEvent detection', () => {
  it('recognises CDEvent types by the dev.cdevents. prefix', () => {
    expect(isCdEventType('dev.cdevents.service.deployed.0.2.0')).toBe(true);
    expect(isCdEventType('dev.cdevents.anything')).toBe(true);
    expect(isCdEventType('deployment.succeeded')).toBe(false);
    expect(isCdEventType('com.example.dev.cdevents.service.deployed')).toBe(false);
  });

  it('recognises a raw CDEvent by its context and subject objects', () => {
    expect(looksLikeCdEvent(fixture('service-deployed.v0.4'))).toBe(true);
    expect(looksLikeCdEvent({ context: {}, subject: {} })).toBe(true);
    expect(looksLikeCdEvent({ context: {}, subject: 'x' })).toBe(false);
    expect(looksLikeCdEvent({ context: [], subject: {} })).toBe(false);
    expect(looksLikeCdEvent({ specversion: '1.0', type: 'deployment.succeeded', data: {} })).toBe(false);
    expect(looksLikeCdEvent(null)).toBe(false);
    expect(looksLikeCdEvent('{"context":{},"subject":{}}')).toBe(false);
  });
});
