import type { IncomingEvent, StreamName } from './ledger-event.ts';

export function streamName(
  type: StreamName extends `${infer T}/${string}` ? T : never,
  id: string,
): StreamName {
  return `${type}/${id}`;
}

/**
 * Which histories an event belongs to. The first is its own stream; the rest are links, so reading a
 * release shows its approvals, tests and deployments, and reading a deployment shows the rollback or
 * fix that remedied it and the incidents attributed to it.
 */
export function streamsOf(event: IncomingEvent): readonly [StreamName, ...StreamName[]] {
  const data = event.data as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const value = data[key];
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  };
  const withLinks = (
    own: StreamName,
    ...links: (StreamName | undefined)[]
  ): [StreamName, ...StreamName[]] => {
    const unique = new Set<StreamName>([own]);
    for (const link of links) if (link) unique.add(link);
    return [...unique] as [StreamName, ...StreamName[]];
  };
  const ref = (type: 'release' | 'deployment', key: string): StreamName | undefined => {
    const id = text(key);
    return id === undefined ? undefined : streamName(type, id);
  };
  switch (event.type) {
    case 'release.created':
      return withLinks(streamName('release', String(data.releaseId)));
    case 'deployment.requested':
    case 'deployment.started':
    case 'deployment.failed':
      return withLinks(streamName('deployment', String(data.deploymentId)), ref('release', 'releaseId'));
    case 'deployment.succeeded':
      return withLinks(
        streamName('deployment', String(data.deploymentId)),
        ref('release', 'releaseId'),
        ref('deployment', 'rollbackOf'),
        ref('deployment', 'fixes'),
      );
    case 'incident.opened':
      return withLinks(streamName('incident', String(data.incidentId)), ref('deployment', 'deploymentId'));
    case 'incident.resolved':
      return withLinks(streamName('incident', String(data.incidentId)));
    case 'approval.granted':
    case 'tests.completed':
      return withLinks(streamName('release', String(data.releaseId)));
    case 'change.merged':
      return withLinks(streamName('change', String(data.changeId)));
    case 'artifact.published':
      return withLinks(streamName('artifact', String(data.artifactId)));
    default:
      return assertNever(event.type);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled event type ${String(value)}`);
}
