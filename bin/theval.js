#!/usr/bin/env node
// The `theval` executable: runs the compiled CLI (dist/, made by `npm run build:ts`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('theval: dist/ is missing; run `npm run build:ts` (or scripts/setup.sh) first');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
