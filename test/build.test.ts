/**
 * The build systems, in a scratch copy of the repository: node-gyp + binding.gyp (the
 * CPU-only fallback) and prebuildify (cmake-js, CUDA when nvcc exists). Both read the one
 * source list native/sources.json; each result must load and decode.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';
import { clips } from './helpers/media.js';

let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'theval-build-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: packageRoot, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && existsSync(path.join(packageRoot, f)));
  for (const f of files) cpSync(path.join(packageRoot, f), path.join(scratch, f), { recursive: true });
  symlinkSync(path.join(packageRoot, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
});

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Loads the addon the way the package does (node-gyp-build) in a fresh process. */
function loadAndProbe(dir: string, file: string): { path: string; compiled: boolean; frames: number } {
  const script = `
    const load = require('node-gyp-build');
    const b = load(${JSON.stringify(dir)});
    b.probe(${JSON.stringify(file)}).then((p) => console.log(JSON.stringify({
      path: load.path(${JSON.stringify(dir)}), compiled: b.gpuInfo().compiled, frames: p.frameCount })));`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { path: string; compiled: boolean; frames: number };
}

describe('native build systems', () => {
  it('node-gyp with binding.gyp builds a CPU-only addon that decodes', () => {
    const r = spawnSync(process.execPath, ['scripts/build-native.mjs', '--force', '--gyp'], { cwd: scratch, encoding: 'utf8' });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const got = loadAndProbe(scratch, clips.ntsc());
    expect(got.path).toBe(path.join(scratch, 'build', 'Release', 'theval.node'));
    expect(got.compiled).toBe(false);
    expect(got.frames).toBe(30);
  }, 600_000);

  it('prebuildify (cmake-js) writes prebuilds/linux-x64/*.node, which node-gyp-build loads', () => {
    const bin = path.join(packageRoot, 'node_modules', 'prebuildify', 'bin.js');
    const r = spawnSync(process.execPath, [bin, '--napi', '--strip', '--node-gyp', 'scripts/prebuildify-cmake.mjs'], { cwd: scratch, encoding: 'utf8' });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const dir = path.join(scratch, 'prebuilds', `${process.platform}-${process.arch}`);
    const built = readdirSync(dir).filter((f) => f.endsWith('.node'));
    expect(built.length).toBe(1);
    rmSync(path.join(scratch, 'build'), { recursive: true, force: true }); // no local build: the prebuild must serve
    const got = loadAndProbe(scratch, clips.ntsc());
    expect(got.path).toBe(path.join(dir, built[0]));
    expect(got.compiled).toBe(existsSync('/usr/local/cuda/bin/nvcc'));
    expect(got.frames).toBe(30);
  }, 600_000);
});
