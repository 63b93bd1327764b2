import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookProvider } from '../../domain/webhooks/webhook-event.ts';
import { type LocalRuntime, startLocalRuntime } from '../../infra/local/runtime.ts';
import { apiClient } from '../support/http.ts';
import { type Json, signedHeaders } from '../support/webhooks.ts';

/**
 * Conformance with real published payloads (../shared/corpus, see its SOURCES.md): each is sent signed as
 * its provider signs (X-Hub-Signature-256, X-Gitlab-Token, X-PagerDuty-Signature v1) over real HTTP to the
 * local runtime, one tenant per delivery so payloads that reuse an object id do not meet, and becomes the
 * events listed here, or `202` with a reason. Read in place, never copied into the project.
 */

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');
const present = ['github', 'gitlab', 'pagerduty'].every((folder) => existsSync(join(CORPUS, folder)));
if (!present)
  console.warn(`provider corpus conformance skipped: ${CORPUS}/{github,gitlab,pagerduty} is absent`);

/** Events each delivery becomes (`[type, id]`), or the reason it is ignored, or the path it is refused at. */
type Expected = { events: [string, string][] } | { ignored: RegExp } | { invalid: (string | number)[] };
const ignoredAs = (reason: RegExp): Expected => ({ ignored: reason });

const GITHUB: Record<string, Expected> = {
  'check_suite/completed.payload.json': ignoredAs(/'check_suite' events are not recorded/),
  'check_suite/requested.payload.json': ignoredAs(/'check_suite' events are not recorded/),
  'check_suite/rerequested.payload.json': ignoredAs(/'check_suite' events are not recorded/),
  'deployment/gh-pages.payload.json': {
    events: [['deployment.requested', 'deployment/145988746/requested']],
  },
  'deployment/payload.json': { events: [['deployment.requested', 'deployment/145988746/requested']] },
  'deployment/with-installation.payload.json': {
    events: [['deployment.requested', 'deployment/145988746/requested']],
  },
  'deployment_status/gh-pages.payload.json': {
    events: [['deployment.started', 'deployment/145988746/started']],
  },
  'deployment_status/payload.json': { events: [['deployment.succeeded', 'deployment/145988746/succeeded']] },
  'deployment_status/with-installation.payload.json': {
    events: [['deployment.succeeded', 'deployment/145988746/succeeded']],
  },
  'ping/payload.json': ignoredAs(/^ping:/),
  'ping/with-app_id.payload.json': ignoredAs(/^ping:/),
  // octokit has no merged pull request: both closed examples say `merged: false`.
  'pull_request/closed.payload.json': ignoredAs(/#2 was closed without being merged/),
  'pull_request/closed.with-organization.payload.json': ignoredAs(/#2 was closed without being merged/),
  'pull_request/opened.payload.json': { events: [['change.created', 'pull-request/2/created']] },
  'pull_request/synchronize.payload.json': ignoredAs(/'synchronize' is not recorded/),
  'push/1.payload.json': ignoredAs(/refs\/tags\/simple-tag was deleted/),
  'push/payload.json': ignoredAs(/refs\/tags\/simple-tag was deleted/),
  'push/with-installation.payload.json': ignoredAs(/refs\/tags\/simple-tag was deleted/),
  'push/with-organization.payload.json': ignoredAs(/refs\/tags\/simple-tag was deleted/),
  'push/with-new-branch.payload.json': {
    events: [['release.created', 'push/6113728f27ae82c7b1a177c8d03f9e96e0adf246']],
  },
  'push/with-no-username-committer.payload.json': {
    events: [['release.created', 'push/6113728f27ae82c7b1a177c8d03f9e96e0adf246']],
  },
  'release/published.payload.json': { events: [['release.created', 'release/17372790/published']] },
  'release/created.payload.json': ignoredAs(/recorded once, when published/),
  'release/deleted.payload.json': ignoredAs(/recorded once, when published/),
  'release/edited.payload.json': ignoredAs(/recorded once, when published/),
  'release/prereleased.payload.json': ignoredAs(/recorded once, when published/),
  'release/released.json': ignoredAs(/recorded once, when published/),
  'workflow_job/completed.failure.with-organization.payload.json': {
    events: [['task.run.finished', 'workflow-job/289782451/finished']],
  },
  'workflow_job/completed.success.with-organization.payload.json': {
    events: [['task.run.finished', 'workflow-job/289782451/finished']],
  },
  ...Object.fromEntries(
    ['in_progress', 'in_progress.with-queued-steps', 'queued', 'queued.with-deployment', 'waiting'].map(
      (name) => [`workflow_job/${name}.payload.json`, ignoredAs(/a job is recorded when completed/)],
    ),
  ),
  // The examples' workflow is called `test`: a CI run, not a deployment.
  'workflow_run/completed.payload.json': {
    events: [['pipeline.run.finished', 'workflow-run/289782451/1/finished']],
  },
  'workflow_run/completed.with-pull-requests.payload.json': {
    events: [['pipeline.run.finished', 'workflow-run/289782451/1/finished']],
  },
  'workflow_run/requested.payload.json': ignoredAs(/a CI run is recorded when completed/),
  'workflow_run/requested.with-conclusion.payload.json': ignoredAs(/a CI run is recorded when completed/),
};

const GITLAB_KINDS: Record<string, string> = {
  build: 'Job Hook',
  deployment: 'Deployment Hook',
  feature_flag: 'Feature Flag Hook',
  group_merge_request: 'Merge Request Hook',
  issue: 'Issue Hook',
  job: 'Job Hook',
  member: 'Member Hook',
  merge_request: 'Merge Request Hook',
  note_commit: 'Note Hook',
  note_issue: 'Note Hook',
  note_merge_request: 'Note Hook',
  note_snippet: 'Note Hook',
  pipeline: 'Pipeline Hook',
  push: 'Push Hook',
  release: 'Release Hook',
  resource_access_token_group: 'Resource Access Token Hook',
  resource_access_token_project: 'Resource Access Token Hook',
  subgroup: 'Subgroup Hook',
  tag_push: 'Tag Push Hook',
  wiki_page: 'Wiki Page Hook',
  'deployment-events': 'Deployment Hook',
  'pipeline-events': 'Pipeline Hook',
  'push-events': 'Push Hook',
};

const notRecorded = (kind: string) => ignoredAs(new RegExp(`GitLab '${kind}' events are not recorded`));
const GITLAB: Record<string, Expected> = {
  'go-gitlab/testdata/webhooks/build.json': ignoredAs(/job status 'created' is not recorded/),
  'go-gitlab/testdata/webhooks/job.json': { events: [['task.run.finished', 'job/3580121225/success']] },
  'go-gitlab/testdata/webhooks/deployment.json': {
    events: [['deployment.succeeded', 'deployment/15/succeeded']],
  },
  'go-gitlab/testdata/webhooks/feature_flag.json': notRecorded('Feature Flag Hook'),
  // go-gitlab's group fixture spells its keys with trailing spaces (`"iid "`): malformed, so a 400 naming them.
  'go-gitlab/testdata/webhooks/group_merge_request.json': { invalid: ['object_attributes', 'iid'] },
  'go-gitlab/testdata/webhooks/issue.json': notRecorded('Issue Hook'),
  'go-gitlab/testdata/webhooks/member.json': notRecorded('Member Hook'),
  'go-gitlab/testdata/webhooks/merge_request.json': {
    events: [['change.created', 'merge-request/1/created']],
  },
  'go-gitlab/testdata/webhooks/note_commit.json': notRecorded('Note Hook'),
  'go-gitlab/testdata/webhooks/note_issue.json': notRecorded('Note Hook'),
  'go-gitlab/testdata/webhooks/note_merge_request.json': notRecorded('Note Hook'),
  'go-gitlab/testdata/webhooks/note_snippet.json': notRecorded('Note Hook'),
  // Neither pipeline is named `Deploy…`: CI runs.
  'go-gitlab/testdata/webhooks/pipeline.json': {
    events: [['pipeline.run.finished', 'pipeline/31/finished']],
  },
  'go-gitlab/testdata/webhooks/push.json': {
    events: [['release.created', 'push/da1560886d4f094c3e6c9ef40349f7d38b5d27d7']],
  },
  'go-gitlab/testdata/webhooks/release.json': { events: [['release.created', 'release/8273642/created']] },
  'go-gitlab/testdata/webhooks/resource_access_token_group.json': notRecorded('Resource Access Token Hook'),
  'go-gitlab/testdata/webhooks/resource_access_token_project.json': notRecorded('Resource Access Token Hook'),
  'go-gitlab/testdata/webhooks/subgroup.json': notRecorded('Subgroup Hook'),
  'go-gitlab/testdata/webhooks/tag_push.json': notRecorded('Tag Push Hook'),
  'go-gitlab/testdata/webhooks/wiki_page.json': notRecorded('Wiki Page Hook'),
  'docs-webhook_events/deployment-events.json': {
    events: [['deployment.succeeded', 'deployment/15/succeeded']],
  },
  'docs-webhook_events/pipeline-events.json': {
    events: [['pipeline.run.finished', 'pipeline/31/finished']],
  },
  'docs-webhook_events/push-events.json': {
    events: [['release.created', 'push/da1560886d4f094c3e6c9ef40349f7d38b5d27d7']],
  },
};

const pdIgnored = (type: string) => ignoredAs(new RegExp(`PagerDuty '${type}' events are not recorded`));
const PAGERDUTY: Record<string, Expected> = {
  'aldaviva-PagerDuty/TriggerIncident.json': {
    events: [['incident.opened', 'incident/Q2CKYRLH85UNN4/opened']],
  },
  'aldaviva-PagerDuty/ResolveIncident.json': {
    events: [['incident.resolved', 'incident/Q2CKYRLH85UNN4/resolved']],
  },
  'aldaviva-PagerDuty/AcknowledgeIncident.json': pdIgnored('incident.acknowledged'),
  'aldaviva-PagerDuty/AnnotatedIncident.json': pdIgnored('incident.annotated'),
  'aldaviva-PagerDuty/ValidSignature.json': ignoredAs(/^ping:/),
  'developer-docs/01-Overview.md.incident.priority_updated.json': pdIgnored('incident.priority_updated'),
  'developer-docs/01-Overview.md.service.updated.json': pdIgnored('service.updated'),
  'go-pagerduty/webhookv3_test.go.defaultBody.json': pdIgnored('incident.priority_updated'),
};

const EXPECTED: Record<'github' | 'gitlab' | 'pagerduty', Record<string, Expected>> = {
  github: GITHUB,
  gitlab: GITLAB,
  pagerduty: PAGERDUTY,
};

/** Every corpus file of a provider (relative path), so a file added to the corpus without an expectation fails. */
function corpusFiles(provider: 'github' | 'gitlab' | 'pagerduty'): string[] {
  const root = join(CORPUS, provider);
  return (readdirSync(root, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json') && entry.name !== 'signatures.json')
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

interface Delivery {
  readonly provider: 'github' | 'gitlab' | 'pagerduty';
  readonly file: string;
  readonly kind: string;
  readonly text: string;
}

/** The bytes and kind each provider would send: PagerDuty's signed `occurred_at` is refreshed, as the corpus notes say. */
function deliveryOf(provider: Delivery['provider'], file: string): Delivery {
  const raw = readFileSync(join(CORPUS, provider, file), 'utf8');
  if (provider === 'github') return { provider, file, kind: file.split('/')[0] as string, text: raw };
  if (provider === 'gitlab') {
    const name =
      file
        .split('/')
        .pop()
        ?.replace(/\.json$/, '') ?? '';
    return { provider, file, kind: GITLAB_KINDS[name] ?? `unlisted ${name}`, text: raw };
  }
  const body = JSON.parse(raw) as { event: Json };
  body.event.occurred_at = new Date().toISOString();
  return { provider, file, kind: String(body.event.event_type), text: JSON.stringify(body) };
}

const deliveries: Delivery[] = present
  ? (['github', 'gitlab', 'pagerduty'] as const).flatMap((provider) =>
      corpusFiles(provider).map((file) => deliveryOf(provider, file)),
    )
  : [];
const tokens = deliveries.map((_, index) => ({
  token: `corpus-admin-token-${String(index).padStart(5, '0')}`,
  tenant: `corpus-${index}`,
  role: 'admin' as const,
}));
const SECRET = 'corpus-webhook-secret-000001';

let runtime: LocalRuntime;

beforeAll(async () => {
  if (!present) return;
  runtime = await startLocalRuntime({ port: 0, dynamoDbPort: 0, tokens });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
});

describe.skipIf(!present)('provider corpus conformance over HTTP', () => {
  it('has an expectation for every corpus file, and none for a file that is not there', () => {
    for (const provider of ['github', 'gitlab', 'pagerduty'] as const)
      expect(corpusFiles(provider)).toEqual(Object.keys(EXPECTED[provider]).sort());
  });

  it('turns each signed delivery into the events listed, or 202 with a reason, and a redelivery into 200', async () => {
    for (const [index, delivery] of deliveries.entries()) {
      const { token, tenant } = tokens[index] as (typeof tokens)[number];
      const label = `${delivery.provider}/${delivery.file}`;
      const put = await apiClient(runtime.apiUrl, token)('PUT', `/v1/webhooks/${delivery.provider}/secret`, {
        secret: SECRET,
      });
      expect(put.status, label).toBe(201);
      // The webhook route is throttled (as on API Gateway); like the providers, wait Retry-After and resend.
      const send = async () => {
        for (;;) {
          const answer = await apiClient(runtime.apiUrl)(
            'POST',
            `/v1/webhooks/${delivery.provider}?tenant=${tenant}`,
            delivery.text,
            {
              'content-type': 'application/json',
              ...signedHeaders(delivery.provider as WebhookProvider, SECRET, delivery.text, delivery.kind),
            },
          );
          if (answer.status !== 429) return answer;
          const seconds = Number(answer.headers.get('retry-after') ?? '1');
          await new Promise((done) => setTimeout(done, Math.max(seconds, 0.1) * 1000));
        }
      };
      const answer = await send();
      const expected = EXPECTED[delivery.provider][delivery.file] as Expected;
      if ('events' in expected) {
        expect(answer.status, label).toBe(201);
        const events = answer.json.events as { type: string; id: string }[];
        expect(
          events.map((event) => [event.type, event.id]),
          label,
        ).toEqual(expected.events);
        const again = await send();
        expect([again.status, again.headers.get('idempotent-replayed')], label).toEqual([200, 'true']);
      } else if ('ignored' in expected) {
        expect(answer.status, label).toBe(202);
        expect(answer.json.reason, label).toMatch(expected.ignored);
      } else {
        expect([answer.status, answer.json.error.code], label).toEqual([400, 'validation_failed']);
        expect(answer.json.error.issues, label).toContainEqual(
          expect.objectContaining({ path: expected.invalid }),
        );
      }
    }
  }, 300_000);
});
