/**
 * The reference-model bridge (lib/reference/) against the pyiqa / FaceXFormer stand-ins
 * (test/fixtures/pyiqa_standin): what reaches the models (shape, RGB order, [0, 1], crops,
 * padding), how replies map back, the clear failures, and a worker killed mid-request.
 * Truth: the stand-ins' scores are a known function of the pixels; pixels come from the
 * test's own arrays.
 */
import { mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReferenceBridge } from '../lib/reference/bridge.js';
import { encodeMessage, MessageReader } from '../lib/reference/protocol.js';
import { isTheValError } from '../lib/errors.js';
import { STANDIN_DIR, makeStandin, missingPython, sha256File, testPython } from './helpers/referenceStandin.js';

const noNumpy = missingPython(['numpy']);
const noPil = missingPython(['numpy', 'PIL']);
const skipped = (why: string | null) => (why ? ` [skipped: ${why}]` : '');
const ALL = ['topiq_iaa', 'musiq', 'topiq_nr-face'];

/** The stand-in's score of an RGB uint8 image (H x W x 3) inside an H x W tensor. */
function standinScore(rgb: Uint8Array, w: number, h: number, tensorH = h, tensorW = w): number {
  let r = 0, b = 0;
  for (let i = 0; i < w * h; i++) {
    r += rgb[i * 3] / 255;
    b += rgb[i * 3 + 2] / 255;
  }
  const n = tensorH * tensorW;
  return r / n - b / n + tensorH / 1000 + tensorW / 1e6;
}

function pattern(w: number, h: number, seed: number): Uint8Array {
  const a = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) a.set([(x * 7 + seed * 13) & 255, (y * 11 + seed) & 255, (x * 3 + y * 5 + seed * 29) & 255], (y * w + x) * 3);
  return a;
}

describe('protocol', () => {
  it('splits messages at any chunk boundary and keeps payload bytes intact', () => {
    const payload = pattern(5, 3, 1);
    const bytes = Buffer.concat([...encodeMessage({ op: 'a', n: 1 }, [payload]), ...encodeMessage({ op: 'b' }), ...encodeMessage({ op: 'c' }, [payload.subarray(0, 4), payload.subarray(4)])]);
    for (const step of [1, 3, 7, bytes.length]) {
      const r = new MessageReader();
      const got = [];
      for (let i = 0; i < bytes.length; i += step) got.push(...r.push(bytes.subarray(i, i + step)));
      expect(got.map((m) => m.header.op)).toEqual(['a', 'b', 'c']);
      expect([...got[0].payload]).toEqual([...payload]);
      expect(got[1].payload.length).toBe(0);
      expect([...got[2].payload]).toEqual([...payload]);
    }
  });
});

describe.skipIf(noNumpy)(`reference bridge with the stand-ins${skipped(noNumpy)}`, () => {
  // (describe bodies run even when skipped: nothing here may need Python then)
  const s = noNumpy ? (null as never) : makeStandin();
  const bridge = new ReferenceBridge({ python: testPython, quality: ALL, env: s?.env });
  afterAll(() => bridge.close());

  it('reports the versions, device and each weight file with its sha256', async () => {
    const p = await bridge.start();
    expect(p.pyiqa).toBe('0.1.13+standin');
    expect(p.torch).toBe('0.0.0+standin');
    expect(p.device).toBe('cpu');
    for (const name of ALL) {
      const file = path.join(s.weights, `${name}.pth`);
      expect(p.metrics[name].weights).toEqual([expect.objectContaining({ file: `${name}.pth`, sha256: sha256File(file) })]);
    }
    // create_metric got the device and as_loss=False
    expect(s.calls().filter((c) => c.create).map((c) => [c.create, c.device, c.as_loss])).toEqual(ALL.map((n) => [n, 'cpu', false]));
  });

  it('whole frames: one NCHW [0,1] RGB batch per batch metric, one call per frame for single metrics', async () => {
    const W = 9, H = 5, n = 3;
    const frames = new Uint8Array(W * H * 3 * n);
    for (let i = 0; i < n; i++) frames.set(pattern(W, H, i + 1), i * W * H * 3);
    frames.fill(0, 2 * W * H * 3); // frame 2 black: the stand-in topiq_nr-face refuses it
    const before = s.calls().length;
    const r = await bridge.scoreFrames({ data: frames, width: W, height: H, count: n }, { batch: ['topiq_iaa'], single: ['topiq_nr-face'] });
    const calls = s.calls().slice(before);
    expect(calls.map((c) => [c.metric, c.shape])).toEqual([
      ['topiq_iaa', [3, 3, H, W]],
      ['topiq_nr-face', [1, 3, H, W]],
      ['topiq_nr-face', [1, 3, H, W]],
      ['topiq_nr-face', [1, 3, H, W]],
    ]);
    for (let i = 0; i < n; i++) {
      const img = frames.subarray(i * W * H * 3, (i + 1) * W * H * 3);
      const mean = [0, 1, 2].map((c) => img.filter((_, k) => k % 3 === c).reduce((a, v) => a + v, 0) / (W * H) / 255);
      calls[0].means[i].forEach((m: number, c: number) => expect(m).toBeCloseTo(mean[c], 6));
      expect(r.scores.topiq_iaa[i]).toBeCloseTo(standinScore(img, W, H), 5);
    }
    expect(r.scores['topiq_nr-face'][0]).toBeCloseTo(standinScore(frames.subarray(0, W * H * 3), W, H), 5);
    expect(Number.isNaN(r.scores['topiq_nr-face'][2])).toBe(true);
    expect(r.errors['topiq_nr-face']).toEqual([{ index: 2, message: 'RuntimeError: no face detected' }]);
  });

  it('crops: each alone, or one batch padded with black (bottom/right) to the largest', async () => {
    const crops = [
      { width: 4, height: 6, data: pattern(4, 6, 3) },
      { width: 7, height: 2, data: pattern(7, 2, 4) },
      { width: 5, height: 5, data: pattern(5, 5, 5) },
    ];
    let before = s.calls().length;
    const alone = await bridge.scoreCrops('musiq', crops, false);
    let calls = s.calls().slice(before);
    expect(calls.map((c) => c.shape)).toEqual(crops.map((c) => [1, 3, c.height, c.width]));
    crops.forEach((c, i) => expect(alone[i]).toBeCloseTo(100 * standinScore(c.data, c.width, c.height), 3));
    before = s.calls().length;
    const padded = await bridge.scoreCrops('musiq', crops, true);
    calls = s.calls().slice(before);
    expect(calls.map((c) => c.shape)).toEqual([[3, 3, 6, 7]]);
    expect(calls[0].extent).toEqual(crops.map((c) => [c.height, c.width]));
    crops.forEach((c, i) => expect(padded[i]).toBeCloseTo(100 * standinScore(c.data, c.width, c.height, 6, 7), 3));
  });

  it('payloads far larger than a pipe buffer cross whole, requests queued from several callers answered in order', async () => {
    const sizes = [5_000_000, 1, 123_457, 3_000_000];
    const got = await Promise.all(sizes.map((n) => bridge.echo(new Uint8Array(n).fill(7))));
    expect(got).toEqual(sizes);
  });

  it('a worker killed mid-request fails that request with WORKER_DIED; the next one gets a new worker', async () => {
    const slow = makeStandin();
    const b = new ReferenceBridge({ python: testPython, quality: ['topiq_iaa'], env: { ...slow.env, STANDIN_SLEEP_MS: '3000' } });
    try {
      await b.start();
      const pid = b.pid!;
      const img = pattern(4, 4, 1);
      const pending = b.scoreFrames({ data: img, width: 4, height: 4, count: 1 }, { batch: ['topiq_iaa'] });
      await new Promise((r) => setTimeout(r, 500));
      process.kill(pid, 'SIGKILL');
      const e = await pending.then(() => null, (err) => err);
      expect(isTheValError(e, 'WORKER_DIED')).toBe(true);
      expect(e.message).toMatch(/SIGKILL.*1 request\(s\) in flight/s);
      const again = await b.scoreFrames({ data: img, width: 4, height: 4, count: 1 }, { batch: ['topiq_iaa'] });
      expect(again.scores.topiq_iaa[0]).toBeCloseTo(standinScore(img, 4, 4), 5);
      expect(b.starts).toBe(2);
      expect(b.pid).not.toBe(pid);
    } finally {
      await b.close();
    }
  }, 30_000);
});

describe.skipIf(noPil)(`pose through the bridge${skipped(noPil)}`, () => {
  it('RetinaFace gets BGR, FaceXFormer a 224x224 normalised crop of the tight box; degrees and box come back per frame', async () => {
    const s = makeStandin();
    const b = new ReferenceBridge({ python: testPython, facexformerCheckpoint: s.checkpoint, env: s.env });
    try {
      const p = await b.start();
      expect(p.pose!.facexformer.weights[0]).toMatchObject({ file: 'model.pt', sha256: sha256File(s.checkpoint) });
      const W = 40, H = 30;
      const frames = new Uint8Array(W * H * 3 * 2);
      // frame 0: a (R 60, G 120, B 250) rectangle [5, 17) x [3, 23); frame 1: nothing blue
      for (let y = 3; y < 23; y++) for (let x = 5; x < 17; x++) frames.set([60, 120, 250], (y * W + x) * 3);
      frames.fill(90, W * H * 3);
      const r = await b.estimatePose({ data: frames, width: W, height: H, count: 2 });
      expect([...r.box.subarray(0, 4)]).toEqual([5, 3, 17, 23]);
      [60, 120, 250].forEach((c, k) => expect(r.pose[k]).toBeCloseTo(((c / 255) * 180) / Math.PI, 3));
      expect([...r.pose.subarray(3)].every(Number.isNaN)).toBe(true);
      expect([...r.box.subarray(4)].every(Number.isNaN)).toBe(true);
      const call = s.calls().find((c) => c.facexformer);
      expect(call).toMatchObject({ facexformer: [1, 3, 224, 224], task: [2] });
    } finally {
      await b.close();
    }
  });
});

describe.skipIf(noPil)(`clear failures${skipped(noPil)}`, () => {
  const start = async (opts: ConstructorParameters<typeof ReferenceBridge>[0]) => {
    const e = await new ReferenceBridge(opts).start().then(() => null, (err) => err);
    expect(isTheValError(e, 'WORKER_SETUP')).toBe(true);
    return (e as Error).message;
  };
  const only = (...pkgs: string[]) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-standin-part-'));
    for (const p of pkgs) symlinkSync(path.join(STANDIN_DIR, p), path.join(dir, p));
    return dir;
  };
  const s = noPil ? (null as never) : makeStandin();

  it('no python', async () => {
    expect(await start({ python: '/nonexistent/python3', quality: ALL })).toMatch(/cannot run Python '\/nonexistent\/python3': not found.*--python/s);
  });
  it('no torch', async () => {
    expect(await start({ python: testPython, quality: ALL, env: { ...s.env, PYTHONPATH: only('pyiqa') } })).toMatch(/cannot import torch.*pytorch\.org/s);
  });
  it('no pyiqa', async () => {
    expect(await start({ python: testPython, quality: ALL, env: { ...s.env, PYTHONPATH: only('torch') } })).toMatch(/cannot import pyiqa.*pip install pyiqa==0\.1\.13/s);
  });
  it('weights missing and no network', async () => {
    expect(await start({ python: testPython, quality: ALL, env: { ...s.env, STANDIN_WEIGHTS: '/nonexistent' } })).toMatch(
      /could not create 'topiq_iaa' on cpu: OSError: <urlopen error.*run once with network access.*hub\/pyiqa/s,
    );
  });
  it('CUDA asked for, none there', async () => {
    expect(await start({ python: testPython, quality: ALL, device: 'cuda', env: s.env })).toMatch(/--device cuda: torch .* sees no CUDA device.*--device cpu/s);
  });
  it('FaceXFormer: no checkpoint, no repository, no retina-face', async () => {
    expect(await start({ python: testPython, facexformerCheckpoint: '/nonexistent/model.pt', env: s.env })).toMatch(/checkpoint \/nonexistent\/model\.pt does not exist/);
    expect(await start({ python: testPython, facexformerCheckpoint: s.checkpoint, env: { ...s.env, PYTHONPATH: only('torch', 'retinaface') } })).toMatch(/cannot import FaceXFormer.*PYTHONPATH/s);
    expect(await start({ python: testPython, facexformerCheckpoint: s.checkpoint, env: { ...s.env, PYTHONPATH: only('torch', 'network', 'pyiqa') } })).toMatch(/pip install retina-face==0\.0\.17/);
  });
});
