// The dashboard talks only to the public API, with the reader token the user gives (kept in this tab).
const $ = (id) => document.getElementById(id);
const state = { token: '', releases: [] };

// The chart library and the stylesheets load while the first API reads are in flight: only the chart waits
// for them (the stylesheets size it). The library is asked for here, not in the page's head, so that parsing
// it neither delays this module nor the reads it starts.
const chartLibrary = new Promise((resolve) => {
  const script = document.createElement('script');
  script.src = '/dashboard/vendor/uPlot.iife.min.js';
  script.addEventListener('load', () => resolve(window.uPlot ?? null));
  script.addEventListener('error', () => resolve(null));
  document.head.append(script);
});
const styled = new Promise((resolve) => {
  if (document.readyState === 'complete') resolve();
  else window.addEventListener('load', resolve, { once: true });
});

const TIERS = { elite: 'elite', high: 'high', medium: 'medium', low: 'low' };
const text = (value) => document.createTextNode(String(value));
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(key, value);
  }
  for (const child of children)
    node.append(typeof child === 'string' || typeof child === 'number' ? text(child) : child);
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${state.token}` } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new Error(`${path}: ${response.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`);
  return body;
}

function filters() {
  const days = Number($('window').value);
  const to = new Date();
  const from = new Date(to.getTime() - days * 86_400_000);
  const params = new URLSearchParams({
    from: from.toISOString(),
    to: to.toISOString(),
    bucket: $('bucket').value,
  });
  for (const key of ['service', 'team', 'environment'])
    if ($(key).value.trim()) params.set(key, $(key).value.trim());
  return params;
}

const hours = (seconds) =>
  seconds === null || seconds === undefined
    ? 'n/a'
    : seconds < 3600
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;
const percent = (rate) => (rate === null || rate === undefined ? 'n/a' : `${(rate * 100).toFixed(1)} %`);

function card(metric, label, value, detail, tier) {
  const badge = tier ? el('span', { class: `tier tier-${TIERS[tier] ?? 'low'}` }, tier) : el('span', {}, '');
  return el(
    'button',
    {
      class: 'card',
      type: 'button',
      'data-metric': metric,
      'aria-label': `${label}: ${value}${tier ? `, ${tier}` : ''}. Show evidence`,
      onclick: () => showEvidence(metric),
    },
    el('span', {}, label),
    el('span', { class: 'value', 'data-testid': `value-${metric}` }, value),
    el('span', {}, detail, ' '),
    badge,
  );
}

async function showMetrics() {
  const m = await api(`/v1/metrics/dora?${filters()}`);
  const f = m.deploymentFrequency;
  const l = m.leadTimeForChanges;
  const c = m.changeFailureRate;
  const r = m.failedDeploymentRecoveryTime;
  const w = m.deploymentReworkRate;
  const rb = m.rollbackRate;
  const rbTarget = m.targets?.rollbackRate;
  const av = m.postReleaseAlertVolume;
  const avTarget = m.targets?.postReleaseAlertVolume;
  $('metrics').replaceChildren(
    card(
      'deploymentFrequency',
      'Deployment frequency',
      f.count,
      `${f.perWeek.toFixed(2)}/week, ${f.deployDays} deploy days`,
      f.tier,
    ),
    card(
      'leadTimeForChanges',
      'Change lead time (median)',
      hours(l.medianSeconds),
      `p90 ${hours(l.p90Seconds)}, ${l.samples} commits`,
      l.tier,
    ),
    card('changeFailureRate', 'Change failure rate', percent(c.rate), `${c.failed} of ${c.total}`, c.tier),
    card(
      'failedDeploymentRecoveryTime',
      'Recovery time (median)',
      hours(r.medianSeconds),
      `p90 ${hours(r.p90Seconds)}, ${r.samples} recoveries`,
      r.tier,
    ),
    card(
      'deploymentReworkRate',
      'Deployment rework rate',
      percent(w.rate),
      `${w.unplanned} of ${w.total}`,
      null,
    ),
    // Deploy ≠ release: releases released to users (a flag naming them at 100 %), beside deployments.
    ...(m.releaseFrequency
      ? [
          card(
            'releaseFrequency',
            'Release frequency',
            m.releaseFrequency.count,
            `${m.releaseFrequency.perWeek.toFixed(2)}/week released to users`,
            m.releaseFrequency.tier,
          ),
          card(
            'leadTimeToRelease',
            'Lead time to release (median)',
            hours(m.leadTimeToRelease.medianSeconds),
            `p90 ${hours(m.leadTimeToRelease.p90Seconds)}, ${m.leadTimeToRelease.samples} commits`,
            m.leadTimeToRelease.tier,
          ),
        ]
      : []),
    card(
      'rollbackRate',
      'Rollback rate',
      percent(rb.rate),
      `${rb.rollbacks} of ${rb.total}; target < ${percent(rbTarget?.below)}${rbTarget?.met === false ? ' (missed)' : rbTarget?.met ? ' (met)' : ''}`,
      null,
    ),
    // Alerts in the first 24 h after each deployment against its own 7-day baseline (issue 19).
    ...(av
      ? [
          card(
            'postReleaseAlertVolume',
            'Post-release alerts (median vs baseline)',
            av.medianRatio === null ? 'n/a' : `${av.medianRatio.toFixed(2)}×`,
            `${av.above} of ${av.watched} above baseline; target ≤ +${percent(avTarget?.below)}${avTarget?.met === false ? ' (missed)' : avTarget?.met ? ' (met)' : ''}`,
            null,
          ),
        ]
      : []),
  );
  await drawTrend(m.series);
}

async function drawTrend(series) {
  const [uPlot] = await Promise.all([chartLibrary, styled]);
  const target = $('trend');
  target.replaceChildren();
  if (!uPlot || series.length === 0) return;
  const xs = series.map((s) => Date.parse(s.from) / 1000);
  const deployments = series.map((s) => s.deploymentFrequency.count);
  const failure = series.map((s) =>
    s.changeFailureRate.rate === null ? null : s.changeFailureRate.rate * 100,
  );
  const chart = new uPlot(
    {
      width: Math.min(target.clientWidth || 900, 1100),
      height: 260,
      series: [
        {},
        { label: 'deployments', stroke: '#0b57d0', width: 2 },
        { label: 'change failure %', stroke: '#a4161a', width: 2, scale: '%' },
      ],
      axes: [{}, { label: 'deployments' }, { side: 1, scale: '%', label: '%', grid: { show: false } }],
    },
    [xs, deployments, failure],
    target,
  );
  target.dataset.points = String(chart.data[0].length);
}

async function showEvidence(metric) {
  const params = filters();
  params.set('metric', metric);
  const evidence = await api(`/v1/metrics/dora/evidence?${params}`);
  const items = evidence.items ?? evidence.evidence ?? [];
  // Every field, so the rule that linked each item is always shown; the table scrolls when wide.
  const keys = [...new Set(items.flatMap((item) => Object.keys(item)))];
  const table = el(
    'table',
    {},
    el('caption', {}, `${metric}: ${items.length} item(s)${evidence.next ? ' (more available)' : ''}`),
    el('thead', {}, el('tr', {}, ...keys.map((k) => el('th', { scope: 'col' }, k)))),
    el(
      'tbody',
      {},
      ...items.map((item) =>
        el(
          'tr',
          {},
          ...keys.map((k) =>
            el('td', {}, typeof item[k] === 'object' ? JSON.stringify(item[k]) : String(item[k] ?? '')),
          ),
        ),
      ),
    ),
  );
  $('evidence').replaceChildren(table);
  $('evidence-section').hidden = false;
}

async function showReleases() {
  const params = new URLSearchParams({ limit: '50' });
  if ($('service').value.trim()) params.set('service', $('service').value.trim());
  const { releases } = await api(`/v1/releases?${params}`);
  state.releases = releases;
  $('releases').replaceChildren(
    ...releases.map((r) =>
      el(
        'li',
        {},
        el(
          'button',
          {
            class: 'link',
            type: 'button',
            'data-release': r.releaseId,
            onclick: () => showRelease(r.releaseId),
          },
          `${r.service} ${r.version}`,
        ),
        ` — ${r.createdAt}`,
      ),
    ),
  );
}

/** The post-release watch of a deployment, as the deployment view reports it. */
function watchNote(watch) {
  if (!watch) return '';
  const ratio = watch.ratio === null ? 'no baseline' : `${watch.ratio.toFixed(2)}× baseline`;
  return `, watch ${watch.verdict} (${watch.alerts} alerts in ${watch.hours} h, ${ratio})`;
}

async function showRelease(releaseId) {
  const [{ release }, { events }] = await Promise.all([
    api(`/v1/releases/${encodeURIComponent(releaseId)}`),
    api(`/v1/releases/${encodeURIComponent(releaseId)}/events`),
  ]);
  const environments = Object.entries(release.environments).map(([env, e]) =>
    el(
      'li',
      {},
      `${env}: ${e.status} — `,
      ...e.deployments.map((d) =>
        el(
          'span',
          {},
          `${d.deploymentId} (${d.status}, gate ${d.gate.status}${d.gateBypassed ? ', bypassed' : ''}${d.incidents.length ? `, incidents ${d.incidents.join(', ')}` : ''}${d.rolledBackBy ? `, rolled back by ${d.rolledBackBy}` : ''}${watchNote(d.watch)}) `,
          handoffButton(d.deploymentId),
        ),
      ),
    ),
  );
  const timeline = el(
    'ol',
    { 'aria-label': 'Events of this release' },
    ...events.map((e) => {
      const details = el(
        'details',
        {},
        el('summary', {}, `#${e.seq} ${e.type} at ${e.occurredAt}`),
        el('pre', {}, JSON.stringify(e, null, 2)),
      );
      return el('li', { 'data-event-type': e.type }, details);
    }),
  );
  $('release-detail').replaceChildren(
    el('h3', {}, `${release.service} ${release.version} (${release.releaseId})`),
    el(
      'p',
      {},
      `${release.commits.length} commit(s), ${release.approvals.length} approval(s), tests: ${release.tests.map((t) => `${t.suite} ${t.passed ? 'passed' : 'failed'}`).join(', ') || 'none'}`,
    ),
    el('ul', {}, ...environments),
    deliveryTable(release.delivery ?? {}),
    el('div', { id: 'handoff', 'data-testid': 'handoff' }),
    timeline,
  );
  $('release-detail').querySelector('h3').setAttribute('tabindex', '-1');
  $('release-detail').querySelector('h3').focus();
}

/** Per environment, deployed vs released to users (a flag naming the release at exposure 100). */
function deliveryTable(delivery) {
  const rows = Object.entries(delivery);
  if (rows.length === 0) return el('p', {}, 'No deployment or flag exposure yet.');
  return el(
    'table',
    { 'data-testid': 'delivery' },
    el('caption', {}, 'Deployed vs released'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['environment', 'deployed', 'released to users', 'flags'].map((k) =>
          el('th', { scope: 'col' }, k),
        ),
      ),
    ),
    el(
      'tbody',
      {},
      ...rows.map(([env, d]) =>
        el(
          'tr',
          { 'data-environment': env },
          el('td', {}, env),
          el('td', {}, d.deployed ? `yes, ${d.deployedAt}` : 'no'),
          el('td', {}, d.released ? `yes, ${d.releasedAt}` : 'no'),
          el('td', {}, d.flags.map((f) => `${f.flag} ${f.exposure} %`).join(', ') || '—'),
        ),
      ),
    ),
  );
}

const handoffButton = (deploymentId) =>
  el(
    'button',
    {
      class: 'link',
      type: 'button',
      'data-handoff': deploymentId,
      onclick: () => showHandoff(deploymentId),
    },
    'handoff',
  );

// The on-call briefing of one deployment; links only as the policy gave them (http(s), checked on write).
async function showHandoff(deploymentId) {
  const { handoff: h } = await api(`/v1/deployments/${encodeURIComponent(deploymentId)}/handoff`);
  const links = (urls) =>
    urls.length ? urls.flatMap((u) => [el('a', { href: u, rel: 'noreferrer' }, u), ' ']) : ['none'];
  const row = (label, ...value) => [el('dt', {}, label), el('dd', {}, ...value)];
  const previous = h.whatChanged.previous;
  const acks = h.handoff.acknowledgements;
  $('handoff').replaceChildren(
    el('h4', {}, `Handoff: ${h.deploymentId} (${h.service} ${h.version} to ${h.environment})`),
    el(
      'dl',
      {},
      ...row(
        'What changed',
        `${h.whatChanged.changes.length} new of ${h.whatChanged.commits.length} commit(s); previously ${previous ? `${previous.version} (${previous.deploymentId})` : 'nothing'}`,
      ),
      ...row(
        'Open incidents',
        h.openIncidents.map((i) => `${i.incidentId} (${i.severity})`).join(', ') || 'none',
      ),
      ...row(
        'Rollback',
        `to ${h.rollback.target?.version ?? 'no earlier version'}; ${h.rollback.triggers.length} trigger(s); auto-rollback ${h.rollback.autoRollback?.enabled ? 'on' : 'off'}`,
      ),
      ...row('Procedure', h.rollback.procedure ?? 'none given'),
      ...row('Runbooks', ...links(h.runbooks)),
      ...row('Dashboards', ...links(h.dashboards)),
      ...row('Escalation', h.escalation ?? 'none given'),
      ...row(
        'Acknowledged',
        acks.length
          ? acks.map((a) => `${a.engineer} at ${a.at} (${a.scope})`).join(', ')
          : h.handoff.required
            ? 'NOT YET (required)'
            : 'no',
      ),
    ),
  );
}

// The digest is a single read, part of the first render.
async function showDigest() {
  const digest = await api('/v1/audit/digest');
  $('ledger').replaceChildren(
    el('dt', {}, 'Verification'),
    el('dd', { 'data-testid': 'verify' }, 'verifying the hash chain…'),
    el('dt', {}, 'Signed checkpoint'),
    el('dd', { 'data-testid': 'checkpoint' }, '…'),
    el('dt', {}, 'Last full verification'),
    el('dd', { 'data-testid': 'full-verification' }, '…'),
    el('dt', {}, 'Latest digest'),
    el(
      'dd',
      { 'data-testid': 'digest' },
      `#${digest.seq} ${digest.chainHash} (${digest.recordedAt ?? 'empty ledger'})`,
    ),
  );
}

// Verification checks only what the last signed checkpoint does not cover (bounded on the server), and
// still never holds up the page. The checkpoint and the last full verification come with its answer.
function showVerification() {
  api('/v1/audit/verify').then(
    (verify) => {
      const target = document.querySelector('[data-testid="verify"]');
      target.className = verify.ok ? 'ok' : 'bad';
      target.textContent = verify.ok
        ? `verified: ${verify.checked} events`
        : `FAILED at seq ${verify.firstBadSeq}: ${verify.reason}`;
      const checkpoint = verify.checkpoint;
      document.querySelector('[data-testid="checkpoint"]').textContent = checkpoint
        ? `size ${checkpoint.size}, root ${checkpoint.rootHash}, signed at ${checkpoint.signedAt}`
        : 'none yet';
      const full = verify.lastFullVerification;
      document.querySelector('[data-testid="full-verification"]').textContent = !full
        ? 'never run (POST /v1/audit/verifications)'
        : full.result?.ok
          ? `ok through seq ${full.checked}, ${full.completedAt}`
          : `FAILED at seq ${full.result?.firstBadSeq}: ${full.result?.reason} (${full.completedAt})`;
      document.body.dataset.verified = 'true';
    },
    (error) => {
      document.querySelector('[data-testid="verify"]').textContent = `could not verify: ${error.message}`;
      document.body.dataset.verified = 'error';
    },
  );
}

async function refresh(event) {
  event?.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem('release-ledger-token', state.token);
  $('status').textContent = 'Loading…';
  const started = performance.now();
  try {
    // Every read of the first render in flight at once. Verification starts only once they are answered:
    // hashing the whole ledger holds the server's CPU, and started alongside it delayed the metrics.
    await Promise.all([showMetrics(), showReleases(), showDigest()]);
    $('status').textContent = `Loaded in ${Math.round(performance.now() - started)} ms.`;
    // Milliseconds since navigation started: what the benchmark reports as first render.
    document.body.dataset.renderedMs = String(Math.round(performance.now()));
    document.body.dataset.loaded = 'true';
    showVerification();
  } catch (error) {
    $('status').textContent = `Could not load: ${error.message}`;
  }
}

$('filters').addEventListener('submit', refresh);
// A token may come in the URL fragment (never sent to the server), as `npm start` prints it.
const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
$('token').value = fromFragment ?? sessionStorage.getItem('release-ledger-token') ?? '';
// This async module sits after the form, so the form is parsed whenever it runs; the reads start at once
// rather than at the window's `load` event, after every script and stylesheet.
if ($('token').value) refresh();
