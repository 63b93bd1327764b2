import { describe, expect, it } from 'vitest';
import { revisionsOf, sameCommit, shaIn } from '../../../../domain/dora/revisions.ts';

const X = '4f1c2d3e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d';

describe('the commits a deployment or release names', () => {
  it('reads a sha written alone or as Flux writes revisions, in lowercase', () => {
    expect(shaIn(X.toUpperCase())).toBe(X);
    expect(shaIn(`main@sha1:${X}`)).toBe(X); // Flux 2.x
    expect(shaIn(`main/${X}`)).toBe(X); // Flux before 2.0
    expect(shaIn(X.slice(0, 7))).toBe(X.slice(0, 7)); // GitLab's short_sha
  });

  it('reads no commit from a tag, a chart version, an OCI digest or a sha under 7 digits', () => {
    for (const value of ['v1.4.0', '1.4.0', `latest@sha256:${'ab'.repeat(32)}`, 'abc123', 'deadbeefx', 42]) {
      expect(shaIn(value), String(value)).toBeUndefined();
    }
  });

  it('names the version rule for the version and the artifact revision rule for every other field', () => {
    expect(revisionsOf({ version: X, revision: `main@sha1:${X}` })).toEqual([[X, 'version']]);
    expect(revisionsOf({ version: '1.4.0', revision: `main@sha1:${X}` })).toEqual([[X, 'artifactRevision']]);
    expect(revisionsOf({ version: 'v2', sha: X, ref: 'main' })).toEqual([[X, 'artifactRevision']]);
    expect(revisionsOf({ version: 'v2' })).toEqual([]);
  });

  it('reads a purl’s sha version and the commit of its vcs_url qualifier', () => {
    const vcs = encodeURIComponent(`git+https://github.com/acme/api.git@${X}`);
    expect(revisionsOf({ version: '1.4.0', artifactId: `pkg:oci/api@1.4.0?vcs_url=${vcs}` })).toEqual([
      [X, 'artifactRevision'],
    ]);
    expect(revisionsOf({ artifactId: `pkg:golang/example.com/api@${X}` })).toEqual([[X, 'artifactRevision']]);
    // A vcs_url without a commit names none.
    expect(
      revisionsOf({ artifactId: 'pkg:oci/api@1.4.0?vcs_url=git%2Bhttps://github.com/acme/api.git' }),
    ).toEqual([]);
  });
});

describe('two shas naming the same commit', () => {
  it('are equal, or one abbreviates the other with at least 7 digits', () => {
    expect(sameCommit(X, X)).toBe(true);
    expect(sameCommit(X.slice(0, 7), X)).toBe(true);
    expect(sameCommit(X, X.slice(0, 10))).toBe(true);
    expect(sameCommit(X.slice(0, 6), X)).toBe(false);
    expect(sameCommit(X.slice(0, 7), `${X.slice(0, 6)}0`)).toBe(false);
  });
});
