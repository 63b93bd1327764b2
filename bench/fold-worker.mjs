// A fold's worker thread starts here: a worker is a fresh Node instance, so it loads the TypeScript
// sources through tsx's ESM loader itself (the parent's `--import tsx` does not carry over).
import { register } from 'tsx/esm/api';

register();
await import('./fold-worker.ts');
