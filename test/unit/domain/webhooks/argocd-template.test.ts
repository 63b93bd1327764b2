import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normaliseCloudEvent } from '../../../../domain/ingest/normalise-event.ts';

/** The Argo CD notifications template of docs/webhooks.md, rendered as Argo CD renders `{{.a.b}}` paths. */
const docs = readFileSync(new URL('../../../../docs/webhooks.md', import.meta.url), 'utf8');
const body = /template\.release-ledger-deployed:[\s\S]*?body: \|\n\s*(\{.*\})\n/.exec(docs)?.[1];

function render(template: string, scope: Record<string, unknown>): string {
  return template.replace(/\{\{\s*\.([\w.]+)\s*\}\}/g, (_, path: string) => {
    const value = path
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], scope);
    if (typeof value !== 'string') throw new Error(`the template reads ${path}, which the Application lacks`);
    return value;
  });
}

/** Argo CD's documented `guestbook` Application (argoproj/argocd-example-apps) after a successful sync. */
const guestbook = {
  metadata: { name: 'guestbook', namespace: 'argocd', labels: { environment: 'production' } },
  spec: {
    project: 'default',
    source: {
      repoURL: 'https://github.com/argoproj/argocd-example-apps.git',
      targetRevision: 'HEAD',
      path: 'guestbook',
    },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' },
  },
  status: {
    sync: { status: 'Synced', revision: '53e28ff20cc530b9ada2173fbbd64d48338583ba' },
    health: { status: 'Healthy' },
    operationState: {
      phase: 'Succeeded',
      finishedAt: '2026-12-01T12:00:05Z',
      syncResult: { revision: '53e28ff20cc530b9ada2173fbbd64d48338583ba' },
    },
  },
};

describe('the Argo CD notifications template in docs/webhooks.md', () => {
  it('renders, for the guestbook Application, a native deployment.succeeded the ledger accepts', () => {
    expect(body, 'the template body is in docs/webhooks.md').toBeDefined();
    const rendered = render(body as string, {
      app: guestbook,
      context: { argocdUrl: 'https://argocd.example.com' },
    });
    const normalised = normaliseCloudEvent(JSON.parse(rendered));
    expect(normalised).toMatchObject({
      ok: true,
      event: {
        source: 'https://argocd.example.com/applications/guestbook',
        id: 'guestbook/53e28ff20cc530b9ada2173fbbd64d48338583ba/succeeded',
        type: 'deployment.succeeded',
        occurredAt: '2026-12-01T12:00:05Z',
        data: {
          deploymentId: 'argocd-guestbook-53e28ff20cc530b9ada2173fbbd64d48338583ba',
          environment: 'production',
          service: 'guestbook',
          version: '53e28ff20cc530b9ada2173fbbd64d48338583ba',
        },
      },
    });
  });
});
