#!/usr/bin/env node
// `npx artana …` in this repository: load the TypeScript entry through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');
