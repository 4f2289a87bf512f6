#!/usr/bin/env node
// Builds the native addon, or does nothing when a loadable one already exists.
//   node scripts/build-native.mjs            install-time: use prebuilds/ or an existing build, else build
//   node scripts/build-native.mjs --force    rebuild with cmake-js (CUDA kernels when nvcc exists)
//   node scripts/build-native.mjs --gyp      build with node-gyp + binding.gyp (CPU only)
// cmake-js is the default; node-gyp is the fallback when cmake is missing or cmake-js fails.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const force = args.has('--force') || process.env.npm_config_build_from_source === 'true';

function loadable() {
  const r = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], {
    cwd: root,
    stdio: 'ignore',
  });
  return r.status === 0;
}

/**
 * The addon node-gyp-build would load is older than a native source file. A shipped
 * prebuild is never stale: npm does not keep a tarball's mtimes when it unpacks it (files
 * get the time they were written, so native/ may look newer than prebuilds/), and the
 * prebuild was made from these very sources. Only in a git checkout is a prebuild checked.
 */
function stale() {
  let built;
  try {
    built = require('node-gyp-build').path(root);
  } catch {
    return false;
  }
  if (path.relative(path.join(root, 'prebuilds'), built).split(path.sep)[0] !== '..' && !existsSync(path.join(root, '.git'))) return false;
  const t = statSync(built).mtimeMs;
  const newer = (p) => {
    const st = statSync(p);
    if (st.isDirectory()) return readdirSync(p).some((e) => newer(path.join(p, e)));
    return st.mtimeMs > t;
  };
  return ['native', 'CMakeLists.txt', 'binding.gyp'].some((p) => newer(path.join(root, p)));
}

function run(cmd, argv, env = {}) {
  console.error(`theval: ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function hasCommand(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function nodeGyp() {
  // The node-gyp npm bundles (works on Node 20); nodedir=/usr keeps it offline (.npmrc).
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  ].filter(Boolean);
  const found = candidates.find((c) => existsSync(c));
  if (!found) return false;
  const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
  return run(process.execPath, [found, 'rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])]);
}

function cmakeJs() {
  if (!hasCommand('cmake')) {
    console.error('theval: cmake not found; falling back to node-gyp (CPU only)');
    return false;
  }
  const bin = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const gen = hasCommand('ninja') ? ['--generator', 'Ninja'] : [];
  return run(process.execPath, [bin, 'rebuild', '--log-level', 'warn', ...gen]);
}

if (!force && !args.has('--gyp') && loadable() && !stale()) {
  console.error('theval: native addon present (prebuilt or built earlier); nothing to build');
  process.exit(0);
}
const ok = args.has('--gyp') ? nodeGyp() : cmakeJs() || nodeGyp();
if (!ok || !loadable()) {
  console.error(
    'theval: the native addon could not be built. It needs a C++17 compiler, pkg-config and the FFmpeg\n' +
      'development packages (Debian: apt-get install g++ cmake pkg-config libavformat-dev libavcodec-dev\n' +
      'libswscale-dev libswresample-dev libavutil-dev), or run scripts/setup.sh which installs them.',
  );
  process.exit(1);
}
