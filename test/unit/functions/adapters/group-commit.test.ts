import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../../functions/adapters/group-commit.ts';

/** A commit that records the groups it was given and answers each request with its own value. */
function recordingCommit(
  answer: (request: string) => PromiseSettledResult<string> = (r) => ({ status: 'fulfilled', value: r }),
) {
  const groups: string[][] = [];
  let release: () => void = () => undefined;
  let gate = Promise.resolve();
  return {
    groups,
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
    commit: async (_key: string, group: readonly string[]) => {
      groups.push([...group]);
      await gate;
      return group.map(answer);
    },
  };
}

describe('GroupCommit', () => {
  it('commits a lone request at once, in a group of its own', async () => {
    const recorder = recordingCommit();
    const queue = new GroupCommit({ commit: recorder.commit, fits: () => true });
    await expect(queue.submit('t', 'a')).resolves.toBe('a');
    expect(recorder.groups).toEqual([['a']]);
  });

  it('commits what queued behind a commit in flight as one group, answering each request', async () => {
    const recorder = recordingCommit();
    const queue = new GroupCommit({ commit: recorder.commit, fits: () => true });
    recorder.hold();
    const first = queue.submit('t', 'a');
    const rest = ['b', 'c', 'd'].map((request) => queue.submit('t', request));
    recorder.release();
    recorder.hold();
    setTimeout(() => recorder.release(), 0);
    expect(await Promise.all([first, ...rest])).toEqual(['a', 'b', 'c', 'd']);
    expect(recorder.groups).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('starts a new group where the next request does not fit', async () => {
    const recorder = recordingCommit();
    const queue = new GroupCommit({ commit: recorder.commit, fits: (group) => group.length < 2 });
    recorder.hold();
    const all = ['a', 'b', 'c', 'd', 'e'].map((request) => queue.submit('t', request));
    recorder.release();
    recorder.hold();
    recorder.release();
    await Promise.all(all);
    expect(recorder.groups).toEqual([['a'], ['b', 'c'], ['d', 'e']]);
  });

  it('keeps keys apart: one tenant’s commit in flight never holds up another’s', async () => {
    const recorder = recordingCommit();
    const queue = new GroupCommit({ commit: recorder.commit, fits: () => true });
    recorder.hold();
    const blocked = queue.submit('t1', 'a');
    const other = queue.submit('t2', 'b');
    expect(recorder.groups).toEqual([['a'], ['b']]);
    recorder.release();
    await Promise.all([blocked, other]);
  });

  it('rejects only the requests the commit rejected, and every request when the commit throws', async () => {
    const failing = new GroupCommit<string, string>({
      commit: async (_key, group) =>
        group.map((request) =>
          request === 'bad'
            ? { status: 'rejected', reason: new Error('conflict') }
            : { status: 'fulfilled', value: request },
        ),
      fits: () => true,
    });
    const results = await Promise.allSettled(['ok', 'bad'].map((r) => failing.submit('t', r)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);

    let calls = 0;
    const flaky = new GroupCommit<string, string>({
      commit: async (_key, group) => {
        calls += 1;
        if (calls === 1) throw new Error('storage down');
        return group.map((value) => ({ status: 'fulfilled', value }));
      },
      fits: () => true,
    });
    await expect(flaky.submit('t', 'x')).rejects.toThrow('storage down');
    // The queue is not wedged by a failed commit: the next request is committed normally.
    await expect(flaky.submit('t', 'y')).resolves.toBe('y');
  });

  describe('holding for the clients just answered', () => {
    it('waits for them to send again, so a round of clients is one commit instead of two', async () => {
      const recorder = recordingCommit();
      const queue = new GroupCommit({ commit: recorder.commit, fits: () => true, holdMs: () => 60_000 });
      recorder.hold();
      const first = queue.submit('t', 'a');
      const rest = ['b', 'c', 'd'].map((request) => queue.submit('t', request));
      recorder.release();
      await first;
      // a's client sends again; the three queued behind a were waiting for it, not committed alone.
      const again = queue.submit('t', 'a2');

      expect(await Promise.all([...rest, again])).toEqual(['b', 'c', 'd', 'a2']);
      expect(recorder.groups).toEqual([['a'], ['b', 'c', 'd', 'a2']]);
    });

    it('never holds a lone client, however long the hold may be', async () => {
      const recorder = recordingCommit();
      const queue = new GroupCommit({ commit: recorder.commit, fits: () => true, holdMs: () => 60_000 });
      for (const request of ['a', 'b', 'c']) await expect(queue.submit('t', request)).resolves.toBe(request);
      expect(recorder.groups).toEqual([['a'], ['b'], ['c']]);
    });

    it('stops waiting once a full group is queued', async () => {
      const recorder = recordingCommit();
      let holds = 0;
      const queue = new GroupCommit({
        commit: recorder.commit,
        fits: (group) => group.length < 2,
        // Only the first hold is long: the test ends with clients that never send again.
        holdMs: () => (holds++ === 0 ? 60_000 : 0),
      });
      recorder.hold();
      const first = queue.submit('t', 'a');
      const queued = ['b', 'c', 'd', 'e'].map((request) => queue.submit('t', request));
      recorder.release();
      await Promise.all([first, ...queued.slice(0, 2)]);
      // [b, c] answered with d and e queued: four expected, two there, so the commit holds; one newcomer
      // makes more than a group of two, and the commit goes.
      const newcomer = queue.submit('t', 'x');

      expect(await Promise.all([...queued.slice(2), newcomer])).toEqual(['d', 'e', 'x']);
      expect(recorder.groups).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['x']]);
    });

    it('commits who came when the hold runs out', async () => {
      const recorder = recordingCommit();
      const queue = new GroupCommit({ commit: recorder.commit, fits: () => true, holdMs: () => 5 });
      recorder.hold();
      const first = queue.submit('t', 'a');
      const rest = ['b', 'c'].map((request) => queue.submit('t', request));
      recorder.release();
      // a's client never sends again.
      expect(await Promise.all([first, ...rest])).toEqual(['a', 'b', 'c']);
      expect(recorder.groups).toEqual([['a'], ['b', 'c']]);
    });
  });
});
