#!/usr/bin/env node
// prebuildify has no cmake-js backend; it calls this script as if it were node-gyp
// (`--node-gyp scripts/prebuildify-cmake.mjs`) and then collects build/Release/*.node.
// The addon is Node-API (version 8), so one build serves every Node >= 20 on this platform.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs'), '--force'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
