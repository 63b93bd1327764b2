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
});
