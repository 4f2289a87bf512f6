/**
 * The TensorRT backend's engine cache (native/infer/tensorrt/engine_cache.cc) has no TensorRT
 * dependency, so it is compiled here with g++ and driven through a small CLI
 * (test/helpers/tensorrt_engine_cache_cli.cc). Truths: FIPS 180-2's SHA-256 test vectors and
 * Node's own crypto on a random buffer; the cache's contract (a plan is returned only for
 * exactly its key, never from a damaged file) checked by changing one thing at a time.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'trt-cache-'));
const exe = path.join(tmp, 'engine_cache_cli');
const gxx = spawnSync('sh', ['-c', 'command -v g++']).status === 0;

function cli(args: string[], env: Record<string, string | undefined> = {}): string {
  const r = spawnSync(exe, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`engine_cache_cli ${args.join(' ')}: rc ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const file = (name: string, bytes: Uint8Array | string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

describe.skipIf(!gxx)(`TensorRT engine cache${gxx ? '' : ' (skipped: g++ not found)'}`, () => {
  beforeAll(() => {
    const r = spawnSync('g++', ['-std=c++17', '-O1', '-Wall', '-Wextra', '-Werror', '-I', 'native',
      'native/infer/tensorrt/engine_cache.cc', 'test/helpers/tensorrt_engine_cache_cli.cc', '-o', exe], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);

  it('SHA-256 matches FIPS 180-2 vectors and Node crypto', () => {
    expect(cli(['hash', file('empty', '')])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(cli(['hash', file('abc', 'abc')])).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(cli(['hash', file('two-blocks', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')])).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(cli(['hash', file('million-a', 'a'.repeat(1_000_000))])).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
    // Lengths around the 55/56/64-byte padding boundaries, and a large random buffer.
    for (const n of [55, 56, 63, 64, 65, 119, 120, 1 << 20]) {
      const b = randomBytes(n);
      expect(cli(['hash', file(`r${n}`, b)]), `${n} bytes`).toBe(sha(b));
    }
  });

  it('returns a plan only for exactly its key, and never from a damaged file', () => {
    const dir = path.join(tmp, 'cache', 'nested'); // created by the writer
    const plan = randomBytes(100_000);
    const planFile = file('plan', plan);
    const key = ['0f'.repeat(32), 'TensorRT 10.16.1 (library 101601, ONNX parser 101601)', 'NVIDIA H200 sm_90', 'fp32', 'batch 1..256 opt 32, TF32 off'];
    const name = cli(['write', dir, planFile, 'dynamic', ...key]);
    expect(name).toMatch(/^[0-9a-f]{64}\.engine$/);
    expect(readdirSync(dir)).toEqual([name]); // no temporary file left behind
    expect(cli(['read', dir, ...key])).toBe(`hit dynamic ${sha(plan)}`);
    // Any one field changed is another engine.
    for (let i = 0; i < key.length; i++) {
      const other = [...key];
      other[i] = key[i] + 'x';
      expect(cli(['read', dir, ...other]), `field ${i}`).toBe('miss');
    }
    // A newline cannot make two keys collide through the key line.
    expect(cli(['read', dir, key[0], key[1], `${key[2]}\nprecision=fp32`, key[3], key[4]])).toBe('miss');
    // Damaged files: one plan byte flipped, truncated, extended, key line edited.
    const p = path.join(dir, name);
    const good = readFileSync(p);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 10] ^= 0xff;
    for (const [what, bytes] of [
      ['flipped byte', flipped],
      ['truncated', good.subarray(0, good.length - 1)],
      ['extended', Buffer.concat([good, Buffer.from([0])])],
      ['other key line', Buffer.from(good.toString('latin1').replace('fp32', 'fp16'), 'latin1')],
    ] as const) {
      writeFileSync(p, bytes);
      expect(cli(['read', dir, ...key]), what).toBe('miss');
    }
    writeFileSync(p, good);
    expect(cli(['read', dir, ...key])).toBe(`hit dynamic ${sha(plan)}`);
    // Rewriting the same key replaces the plan (a static rebuild after a failed probe).
    const plan2 = randomBytes(5000);
    cli(['write', dir, file('plan2', plan2), 'static', ...key]);
    expect(cli(['read', dir, ...key])).toBe(`hit static ${sha(plan2)}`);
    expect(statSync(p).size).toBeLessThan(good.length);
  });

  it('reports an unwritable cache instead of failing the load', () => {
    const blocker = file('not-a-dir', 'x');
    const r = spawnSync(exe, ['write', path.join(blocker, 'sub'), file('p3', 'plan'), 'static', 'a', 'b', 'c', 'd', 'e'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^error cannot create .*not-a-dir\/sub/);
  });

  it('lives under the user cache dir unless THEVAL_TENSORRT_CACHE says otherwise', () => {
    expect(cli(['dir'], { THEVAL_TENSORRT_CACHE: '/x/y' })).toBe('/x/y');
    expect(cli(['dir'], { THEVAL_TENSORRT_CACHE: '', XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/theval/tensorrt');
    expect(cli(['dir'], { THEVAL_TENSORRT_CACHE: '', XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/theval/tensorrt');
    expect(cli(['dir'], { THEVAL_TENSORRT_CACHE: undefined, XDG_CACHE_HOME: undefined, HOME: '/home/v' })).toBe('/home/v/.cache/theval/tensorrt');
  });
});
