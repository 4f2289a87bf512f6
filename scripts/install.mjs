#!/usr/bin/env node
// npm's install step for theval: the native addon (a bundled prebuild when one loads, else a
// build from source: scripts/build-native.mjs), then, in a packed install (dist/ present),
// the models, from the pinned npm packages into the model cache (a user-writable folder:
// lib/models/vadModel.ts modelCacheDir()). A model that cannot be prepared now is not fatal:
// the metrics that need it say so, and `node <package>/dist/models/prepare.js` retries.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = (script) => spawnSync(process.execPath, [path.join(root, script)], { cwd: root, stdio: 'inherit' }).status;

const built = node('scripts/build-native.mjs');
if (built !== 0) process.exit(built ?? 1);
if (existsSync(path.join(root, 'dist', 'models', 'prepare.js'))) {
  if (node('dist/models/prepare.js') !== 0) {
    console.error(`theval: models not prepared now; run \`node ${path.join(root, 'dist/models/prepare.js')}\` later (needs the npm registry once)`);
  }
}
