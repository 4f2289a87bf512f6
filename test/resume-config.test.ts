/**
 * The configuration hash (what decides which earlier records a rerun may reuse) covers
 * what produced the numbers: a user ONNX model by its bytes (sha256), not its file name;
 * the FFmpeg and OpenCV versions of the addon. The versions are checked against the
 * system's own tools (the ffmpeg program, pkg-config), not against the addon.
 */
import { spawnSync } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { analysisConfig, analyzeVideo } from '../lib/analyze.js';
import { nativeQualityProvider } from '../lib/providers.js';
import { evaluate, type Providers } from '../lib/index.js';
import { makeBatch, smallClip, tempDir } from './helpers/batch.js';
// @ts-expect-error: plain JS test fixture
import { makeCrashProviders } from './fixtures/crashProviders.mjs';

const quality = ['global_aesthetic'] as const;

describe('configuration hash', () => {
  it('a user ONNX model is identified by its bytes: replacing the file under the same name changes the hash', () => {
    const dir = tempDir();
    const model = path.join(dir, 'topiq.onnx');
    writeFileSync(model, Buffer.from('model bytes, version A'));
    const a = analysisConfig({ quality: nativeQualityProvider({ models: { global: model } }) }, [...quality]);
    expect(JSON.stringify(a.config)).toContain(createHash('sha256').update('model bytes, version A').digest('hex'));
    // Same name, same size, other bytes (a retrained model copied over the old one).
    writeFileSync(model, Buffer.from('model bytes, version B'));
    const b = analysisConfig({ quality: nativeQualityProvider({ models: { global: model } }) }, [...quality]);
    expect(b.hash).not.toBe(a.hash);
    // Same bytes again, newer mtime: the same model, the same hash (bytes, not dates or names).
    writeFileSync(model, Buffer.from('model bytes, version A'));
    const later = new Date(Date.now() + 5000);
    utimesSync(model, later, later);
    const c = analysisConfig({ quality: nativeQualityProvider({ models: { global: model } }) }, [...quality]);
    expect(c.hash).toBe(a.hash);
    // The same bytes under another name: the same model too.
    const copy = path.join(dir, 'renamed.onnx');
    writeFileSync(copy, Buffer.from('model bytes, version A'));
    const d = analysisConfig({ quality: nativeQualityProvider({ models: { global: copy } }) }, [...quality]);
    expect(JSON.stringify(d.config).match(/sha256:([0-9a-f]{64})/)![1]).toBe(JSON.stringify(a.config).match(/sha256:([0-9a-f]{64})/)![1]);
  });

  it('a rerun after the model file was replaced analyses every video again', async () => {
    const dir = tempDir();
    const videos = makeBatch(path.join(dir, 'clips'), 2);
    const out = path.join(dir, 'out');
    const model = path.join(dir, 'm.onnx');
    // The model is only hashed here; the fake quality scorers do the scoring, so the bytes need not be a real network.
    const withModel = (): Providers => {
      const p = makeCrashProviders({}) as Providers;
      const q = nativeQualityProvider({ models: { global: model } });
      return { ...p, quality: { ...p.quality!, backend: q.backend } };
    };
    writeFileSync(model, 'weights v1');
    await evaluate(videos, { out, providers: withModel() });
    expect((await evaluate(videos, { out, providers: withModel() })).summary.methods.method.reused).toBe(2);
    writeFileSync(model, 'weights v2');
    expect((await evaluate(videos, { out, providers: withModel() })).summary.methods.method.reused).toBe(0);
  });

  it('FFmpeg and OpenCV versions are in the record and in the configuration (as the system tools report them)', async () => {
    const { config } = analysisConfig({}, ['head_motion']);
    const r = await analyzeVideo(smallClip(), { providers: { face: null, audio: null, quality: null }, metrics: ['head_motion'] });
    expect(r.versions.ffmpeg).toBe(config.libraries.ffmpeg);
    expect(r.versions.opencv).toBe(config.libraries.opencv);
    // `ffmpeg -version` prints "ffmpeg version <the same string as av_version_info()>" for the distribution's build.
    const ff = spawnSync('ffmpeg', ['-version'], { encoding: 'utf8' }).stdout.split('\n')[0];
    expect(ff).toContain(`ffmpeg version ${config.libraries.ffmpeg} `);
    const cv = spawnSync('pkg-config', ['--modversion', 'opencv4'], { encoding: 'utf8' });
    expect(cv.status).toBe(0);
    expect(config.libraries.opencv).toBe(cv.stdout.trim());
  });
});
