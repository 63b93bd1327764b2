#!/usr/bin/env node
// The `release-ledger` bin: loads the TypeScript CLI through tsx's ESM loader.
import { register } from 'tsx/esm/api';

register();
await import('./release-ledger.ts');
