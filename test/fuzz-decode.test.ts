/**
 * A short, seeded libFuzzer run over the native decode layer (fuzz/decode_fuzzer.cc: probe,
 * video decode to RGB24 / planar float, audio decode, all under ASan + UBSan), from the seed
 * corpus fuzz/make_corpus.sh generates plus fuzz/regressions/ (inputs that once failed).
 * Any crash, sanitizer report, unexpected exception or hang (120 s: damaged Matroska inputs
 * took up to 30 s on the loaded shared machine, 0.8 s alone) fails it.
 * The long runs and what they found: docs/fuzzing.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mediaDir } from './helpers/media.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const clang = spawnSync('clang++', ['--version']).status === 0;
const RUNS = 3000;
const title = `${RUNS} mutated inputs, seed 1: no crash, no sanitizer report, no hang` +
  (clang ? '' : ' (skipped: clang++ is not installed; apt-get install clang libclang-rt-14-dev, as scripts/setup.sh does)');

describe('libFuzzer over native/decode', () => {
  it.skipIf(!clang)(title, () => {
    const build = spawnSync('bash', ['fuzz/build.sh'], { cwd: root, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const seeds = path.join(mediaDir, 'fuzz-seed');
    const made = spawnSync('bash', ['fuzz/make_corpus.sh', seeds], { cwd: root, encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    expect(readdirSync(seeds).length).toBeGreaterThanOrEqual(14);
    const work = mkdtempSync(path.join(os.tmpdir(), 'theval-fuzz-'));
    const corpus = path.join(work, 'corpus');
    mkdirSync(corpus);
    const r = spawnSync(
      path.join(root, 'fuzz/out/decode_fuzzer'),
      [`-runs=${RUNS}`, '-seed=1', '-timeout=120', '-rss_limit_mb=4096', `-artifact_prefix=${work}/`, corpus, seeds, path.join(root, 'fuzz/regressions')],
      { cwd: work, encoding: 'utf8', env: { ...process.env, THEVAL_FUZZ_DIR: work }, maxBuffer: 1 << 28 },
    );
    const log = r.stderr;
    expect(r.status, log.slice(-4000)).toBe(0);
    expect(log).toContain(`Done ${RUNS} runs`);
    // The inputs reached the decoders: the instrumented decode code was covered (about 430
    // edges from the seeds alone when this was written).
    const inited = /INITED cov: (\d+)/.exec(log);
    expect(Number(inited?.[1])).toBeGreaterThan(300);
  }, 900_000);
});
