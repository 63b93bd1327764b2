/**
 * The commits a deployment (or its release) says it ships, read from the fields producers put them in, so
 * that a squash merge's one commit can be matched to the deployment that delivered it. Only git object
 * ids count (7 to 64 hex digits): a tag or chart version never matches a merge commit. Pure.
 */

/** Which field named the matched commit: the version itself, or another revision field or the artifact. */
export type RevisionRule = 'version' | 'artifactRevision';

/** [commit sha (lowercase), the rule that found it], sorted by sha, one entry a sha. */
export type Revisions = readonly (readonly [sha: string, rule: RevisionRule])[];

/** Shorter than git's default abbreviation is too ambiguous to link on. */
const MIN_SHA = 7;
const SHA = /^[0-9a-f]{7,64}$/i;

/**
 * Fields besides `version` that name the deployed commit: Flux's `revision` (`main@sha1:<sha>`), Argo CD's
 * sync `revision`, GitLab's release `sha`, GitHub's release `ref` (its `target_commitish`, a sha when the
 * release was cut from a commit), and the `commit`/`commitSha` producers add.
 */
const REVISION_FIELDS = ['revision', 'sha', 'commitSha', 'commit', 'ref'] as const;

/** The commits an event's data names, by the rule that found each; the version wins a tie. */
export function revisionsOf(data: Readonly<Record<string, unknown>>): Revisions {
  const found = new Map<string, RevisionRule>();
  const add = (sha: string | undefined, rule: RevisionRule) => {
    if (sha && !found.has(sha)) found.set(sha, rule);
  };
  add(shaIn(data.version), 'version');
  for (const field of REVISION_FIELDS) add(shaIn(data[field]), 'artifactRevision');
  if (typeof data.artifactId === 'string') {
    for (const sha of purlRevisions(data.artifactId)) add(sha, 'artifactRevision');
  }
  return [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A sha written alone, or as Flux writes revisions: `<ref>@sha1:<sha>` (2.x) or `<ref>/<sha>` (older).
 * `sha256:` digests name an OCI artifact, not a commit, and are left out.
 */
export function shaIn(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  const bare = SHA.test(v)
    ? v
    : (/(?:@|^)sha1:([0-9a-f]+)$/i.exec(v)?.[1] ?? /^[^/@]+\/([0-9a-f]{40})$/i.exec(v)?.[1]);
  return bare && SHA.test(bare) ? bare.toLowerCase() : undefined;
}

/**
 * A purl's version when it is a sha (`pkg:golang/example.com/api@4f1c2d3…`), and the commit of a
 * `vcs_url` qualifier (`?vcs_url=git%2Bhttps://github.com/acme/api.git%40<sha>`).
 */
function purlRevisions(purl: string): string[] {
  if (!/^pkg:/i.test(purl)) return [];
  const [path = '', query = ''] = purl.split('#')[0]?.split('?') ?? [];
  const out: string[] = [];
  const at = path.lastIndexOf('@');
  const version = at > 0 ? decoded(path.slice(at + 1)) : undefined;
  const fromVersion = shaIn(version);
  if (fromVersion) out.push(fromVersion);
  for (const pair of query.split('&')) {
    const [name, value] = pair.split('=');
    if (name?.toLowerCase() !== 'vcs_url' || !value) continue;
    const url = decoded(value) ?? '';
    const commit = shaIn(url.slice(url.lastIndexOf('@') + 1));
    if (commit && url.includes('@')) out.push(commit);
  }
  return out;
}

function decoded(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * Two shas name the same commit when one is the other or an abbreviation of it (at least 7 digits,
 * as `git` abbreviates). Both are lowercase, as `shaIn` gives them.
 */
export function sameCommit(a: string, b: string): boolean {
  if (a.length < MIN_SHA || b.length < MIN_SHA) return false;
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/** The index bucket a sha is kept under: its first 7 digits, which every abbreviation of it shares. */
export function revisionKey(sha: string): string {
  return sha.slice(0, MIN_SHA);
}
