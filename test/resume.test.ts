/**
 * Resume rules (lib/resume.ts): a rerun reuses a record only when it is sound. A video whose
 * audio or quality pass failed for a reason that can go away (a missing model, a pass
 * abandoned by an abort, a worker error) is analysed again; a NaN that is a fact about the
 * video (no audio stream, a stream that does not decode) is kept; --save-tracks redoes the
 * videos whose tracks file is missing. In-process, with the synthetic passes of
 * test/fixtures/crashProviders.mjs (known truths: lip sync 0.5 with the fake audio).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, type Providers } from '../lib/index.js';
import { readTracksJson } from '../lib/io/tracksJson.js';
import { jsonl, makeBatch, tempDir } from './helpers/batch.js';
// @ts-expect-error: plain JS test fixture
import { makeCrashProviders } from './fixtures/crashProviders.mjs';

const providers = (env: Record<string, string> = {}): Providers => makeCrashProviders(env) as Providers;

function calls(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!existsSync(file)) return out;
  for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) out[l] = (out[l] ?? 0) + 1;
  return out;
}

describe('resume rules', () => {
  it('an audio pass that failed with a missing model is redone on resume; the sound videos are reused', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 3);
    const out = path.join(dir, 'out');
    const counter = path.join(dir, 'calls.txt');
    const first = await evaluate(videos, { out, jobs: 1, providers: providers({ FAKE_AUDIO_FAIL: 'MODEL_MISSING', FAKE_CALLS_FILE: counter }) });
    for (const r of first.records) {
      expect(r.status).toBe('ok');
      expect(r.metrics.lip_sync.value).toBeNaN();
      expect(r.metrics.lip_sync.reason).toMatch(/^audio pass failed: MODEL_MISSING/);
      expect(r.passFailures).toEqual([expect.objectContaining({ pass: 'audio', code: 'MODEL_MISSING' })]);
    }
    // The model is back: every video is analysed again and gets its lip sync (0.5 with the fake audio).
    const warnings: string[] = [];
    const second = await evaluate(videos, { out, jobs: 1, providers: providers({ FAKE_CALLS_FILE: counter }), onWarning: (m) => warnings.push(m) });
    expect(second.summary.methods.method.reused).toBe(0);
    for (const r of second.records) expect(r.metrics.lip_sync.value).toBeCloseTo(0.5, 6);
    expect(warnings.some((w) => /3 videos analysed again.*audio pass failed \(MODEL_MISSING\)/.test(w))).toBe(true);
    // Now sound: a third run reuses all of them and analyses nothing.
    const third = await evaluate(videos, { out, jobs: 1, providers: providers({ FAKE_CALLS_FILE: counter }) });
    expect(third.summary.methods.method.reused).toBe(3);
    expect(Object.values(calls(counter))).toEqual([2, 2, 2]);
    expect(third.records.map((r) => r.finishedAt)).toEqual(second.records.map((r) => r.finishedAt));
  });

  it('a pass failure that is a fact about the file (the audio does not decode) is kept', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    await evaluate(videos, { out, providers: providers({ FAKE_AUDIO_FAIL: 'DECODE_FAILED' }) });
    const again = await evaluate(videos, { out, providers: providers({ FAKE_AUDIO_FAIL: 'DECODE_FAILED' }) });
    expect(again.summary.methods.method.reused).toBe(2);
    expect(again.records[0].metrics.lip_sync.reason).toMatch(/^audio pass failed: DECODE_FAILED/);
  });

  it('a quality pass abandoned by an abort is redone on resume, not kept with NaN', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    const controller = new AbortController();
    const p = providers({ FAKE_QUALITY_DELAY_MS: '300' });
    // Abort while the first video's quality pass is scoring (the face pass is instant here).
    const scorer = p.quality!.scorers.global_aesthetic!;
    const scoreBatch = scorer.scoreBatch.bind(scorer);
    p.quality!.scorers.global_aesthetic = { ...scorer, scoreBatch: async (images) => (controller.abort(), scoreBatch(images)) };
    const first = await evaluate(videos, { out, jobs: 1, providers: p, signal: controller.signal });
    expect(first.interrupted).toBe(true);
    expect(first.records).toHaveLength(1);
    const [rec] = first.records;
    expect(rec.status).toBe('ok');
    expect(rec.metrics.global_aesthetic.value).toBeNaN();
    expect(rec.metrics.global_aesthetic.reason).toMatch(/^quality pass failed: .*abandoned/);
    expect(rec.passFailures?.[0]).toMatchObject({ pass: 'quality', abandoned: true });
    expect(Number.isFinite(rec.metrics.head_motion.value)).toBe(true);

    const second = await evaluate(videos, { out, jobs: 1, providers: providers() });
    expect(second.summary.methods.method.reused).toBe(0);
    for (const r of second.records) expect(Number.isFinite(r.metrics.global_aesthetic.value)).toBe(true);
  });

  it('a video that failed as a whole because the run was being stopped (a face pass that rejects on abort) is redone', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    const controller = new AbortController();
    const p = providers();
    const track = p.face!.track.bind(p.face);
    p.face = {
      backend: p.face!.backend,
      async track(file, ctx) {
        controller.abort();
        if (ctx.signal?.aborted) throw Object.assign(new Error('stopped'), { code: 'INTERNAL' });
        return track(file, ctx);
      },
    };
    const first = await evaluate(videos, { out, jobs: 1, providers: p, signal: controller.signal });
    expect(first.records).toHaveLength(1);
    expect(first.records[0].error).toMatchObject({ code: 'INTERNAL', abandoned: true });
    const second = await evaluate(videos, { out, jobs: 1, providers: providers() });
    expect(second.summary.methods.method).toMatchObject({ reused: 0, failed: 0, recorded: 2 });
    // An ordinary error record (not abandoned) stays done unless --retry-errors: unchanged behaviour.
    expect((await evaluate(videos, { out, providers: providers() })).summary.methods.method.reused).toBe(2);
  });

  it('records written before passFailures existed: a failed pass is recognised from the NaN reason', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    await evaluate(videos, { out, providers: providers({ FAKE_AUDIO_FAIL: 'INTERNAL' }) });
    const results = path.join(out, 'results.jsonl');
    // What today's release writes: the same record without the passFailures field.
    const old = jsonl(results).map((r) => {
      delete r.passFailures;
      return JSON.stringify(r);
    });
    writeFileSync(results, old.join('\n') + '\n');
    const second = await evaluate(videos, { out, providers: providers() });
    expect(second.summary.methods.method.reused).toBe(0);
    expect(second.records[0].metrics.lip_sync.value).toBeCloseTo(0.5, 6);
  });

  it('facts about the video stay reusable: no audio stream gives NaN with its reason, and is kept', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    const noAudio = (): Providers => {
      const p = providers();
      p.audio = {
        backend: p.audio!.backend,
        analyze: async (_f, _fps, frames) => ({ tracks: { hasAudio: false, speech: [], rms: new Float32Array(frames).fill(NaN) }, reason: 'no audio' }),
      };
      return p;
    };
    const first = await evaluate(videos, { out, providers: noAudio() });
    expect(first.records[0].metrics.lip_sync).toMatchObject({ reason: 'no audio' });
    expect(first.records[0].passFailures).toBeUndefined();
    const again = await evaluate(videos, { out, providers: noAudio() });
    expect(again.summary.methods.method.reused).toBe(2);
  });

  it('--save-tracks: videos reused from a run without it are redone so that their tracks exist; then reused', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    const counter = path.join(dir, 'calls.txt');
    await evaluate(videos, { out, providers: providers({ FAKE_CALLS_FILE: counter }) });
    const second = await evaluate(videos, { out, saveTracks: true, providers: providers({ FAKE_CALLS_FILE: counter }) });
    expect(second.summary.methods.method.reused).toBe(0);
    for (const r of second.records) {
      const t = await readTracksJson(path.join(out, r.tracksFile!));
      expect(t.face?.frames).toBe(25);
      // The fake pose: pitch +3 on even frames, -3 on odd ones.
      expect(Array.from(t.face!.pose.subarray(0, 6))).toEqual([3, 0, 0, -3, 0, 0]);
    }
    const third = await evaluate(videos, { out, saveTracks: true, providers: providers({ FAKE_CALLS_FILE: counter }) });
    expect(third.summary.methods.method.reused).toBe(2);
    // A tracks file deleted by hand: that video alone is redone.
    const gone = third.records[0];
    (await import('node:fs')).rmSync(path.join(out, gone.tracksFile!));
    const fourth = await evaluate(videos, { out, saveTracks: true, providers: providers({ FAKE_CALLS_FILE: counter }) });
    expect(fourth.summary.methods.method.reused).toBe(1);
    expect(existsSync(path.join(out, gone.tracksFile!))).toBe(true);
    expect(calls(counter)).toEqual({ [videos[0]]: 3, [videos[1]]: 2 });
  });
});
