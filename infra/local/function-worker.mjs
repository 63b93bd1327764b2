// A reaction's worker thread starts here: a worker is a fresh Node instance, so it loads the TypeScript
// sources through tsx's ESM loader itself (whatever loaded the parent, tsx or vitest, does not carry over).
import { register } from 'tsx/esm/api';

register();
await import('./function-worker.ts');
