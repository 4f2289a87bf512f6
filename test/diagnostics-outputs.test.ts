/**
 * The diagnostics through `theval evaluate` as a user runs it (CLI, real pipeline): every
 * output carries them (results.jsonl, <method>/diagnostics/<id>.csv, aggregate.csv columns,
 * summary.json, tracks with the per-frame motion series), `theval score` reads the
 * aggregate table without complaint and leaves them out of the score unless weighted, and
 * `--no-diagnostics` turns them off. Truth: the files' own numbers against results.jsonl
 * (written by a different code path) and a hand-computed Eq. 12 for the weighted case.
 */
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTracksJson } from '../lib/io/tracksJson.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/batch.js';
import { talkingHeadClip } from './helpers/faceClips.js';

const SSML = '<speak>One two three. <break time="500ms"/> Four five six.</speak>';
let root: string;
let out: string;

beforeAll(async () => {
  root = tempDir('theval-diag-out-');
  const clean = await talkingHeadClip('diag-out-clean', { ssml: SSML, seed: 4 });
  const flicker = await talkingHeadClip('diag-out-flicker', { ssml: SSML, seed: 4, faceFlicker: 12 });
  for (const [dir, src] of [['real', clean.path], ['flicker', flicker.path]] as const) {
    mkdirSync(path.join(root, dir));
    copyFileSync(src, path.join(root, dir, 'a.mp4'));
  }
  out = path.join(root, 'out');
  const r = runCli(['leaderboard', '--gt', path.join(root, 'real'), path.join(root, 'flicker'), '--metrics', 'lip_sync,lip_dynamics', '--save-tracks', '-q', '-o', out]);
  if (r.status !== 0) throw new Error(`evaluate failed (${r.status}): ${r.stderr}`);
}, 600_000);

const records = () => readFileSync(path.join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('evaluate writes the diagnostics everywhere', () => {
  it('results.jsonl: every diagnostic, a value or a NaN with its reason', () => {
    for (const r of records()) {
      expect(Object.keys(r.diagnostics).sort()).toEqual(['av_offset', 'background_motion', 'background_motion_relative', 'face_warping_error', 'frame_difference']);
      for (const m of Object.values(r.diagnostics) as Array<{ value: number | null; reason?: string }>) {
        expect(m.value !== null || typeof m.reason === 'string').toBe(true);
      }
      expect(typeof r.diagnostics.face_warping_error.value).toBe('number');
    }
  });

  it('per-diagnostic CSVs in <method>/diagnostics/, not where the reference collect step reads', () => {
    const rec = records().find((r) => r.method === 'flicker');
    const dir = path.join(out, 'flicker', 'diagnostics');
    expect(readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()).toEqual(['av_offset.csv', 'background_motion.csv', 'background_motion_relative.csv', 'face_warping_error.csv', 'frame_difference.csv']);
    const text = readFileSync(path.join(dir, 'face_warping_error.csv'), 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('Video Path,Face warping error');
    expect(Number(lines[1].split(',')[1])).toBe(rec.diagnostics.face_warping_error.value);
    expect(lines[lines.length - 1]).toBe(`Average Face warping error: ${lines[1].split(',')[1]}`);
    expect(readFileSync(path.join(dir, 'av_offset.csv'), 'utf8').split('\n')[0]).toBe('Video Path,Confidence,Audio-video offset (ms)');
    // Each with its provenance sidecar (which backends and profile made it), as the metric CSVs.
    expect(JSON.parse(readFileSync(path.join(dir, 'face_warping_error.provenance.json'), 'utf8')).configHash).toBe(rec.configHash);
    // Only THEval metrics directly in the method folder.
    expect(readdirSync(path.join(out, 'flicker')).filter((f) => f.endsWith('.csv')).sort()).toEqual(['lip_dynamics.csv', 'lip_sync.csv']);
  });

  it('aggregate.csv: the diagnostics as extra columns; summary.json per method', () => {
    const agg = readFileSync(path.join(out, 'aggregate.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(agg[0].slice(9)).toEqual(['Face warping error', 'Background motion', 'Background motion relative', 'Audio-video offset', 'Frame difference']);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const flickerRow = agg.find((r) => r[0] === 'flicker')!;
    expect(Number(flickerRow[9])).toBeCloseTo(summary.methods.flicker.diagnostics.face_warping_error.value, 12);
    expect(summary.methods.flicker.diagnostics.face_warping_error.value).toBeGreaterThan(3 * summary.methods.GT.diagnostics.face_warping_error.value);
  });

  it('tracks carry the per-frame motion series', async () => {
    const dir = path.join(out, 'tracks', 'flicker');
    const file = path.join(dir, readdirSync(dir)[0]);
    const t = await readTracksJson(file);
    expect(t.face!.motion).toBeInstanceOf(Float32Array);
    expect(t.face!.motion!.length).toBe(4 * t.face!.frames);
    expect(Number.isNaN(t.face!.motion![0])).toBe(true); // no pair before frame 0
    const rec = records().find((r) => r.method === 'flicker');
    let s = 0, n = 0;
    for (let k = 1; k < t.face!.frames; k++) if (Number.isFinite(t.face!.motion![4 * k + 1])) (s += t.face!.motion![4 * k + 1]), n++;
    expect(s / n).toBeCloseTo(rec.diagnostics.face_warping_error.value, 5);
  });

  it('theval score: no complaint about the extra columns; diagnostics scored only when weighted', () => {
    const agg = path.join(out, 'aggregate.csv');
    const plain = runCli(['score', agg, '--json']);
    expect(plain.status).toBe(0);
    expect(plain.stderr).not.toMatch(/not a THEval metric/);
    const p = JSON.parse(plain.stdout).methods[0];
    expect(p.diagnostics).toBeUndefined();
    const weighted = JSON.parse(runCli(['score', agg, '--json', '--weights', 'lip_sync=1,lip_dynamics=1,face_warping_error=1']).stdout).methods[0];
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    const g = summary.methods.GT.diagnostics.face_warping_error.value, m = summary.methods.flicker.diagnostics.face_warping_error.value;
    const sDiag = 1 - Math.abs(m - g) / Math.abs(g);
    expect(weighted.diagnostics.face_warping_error).toBeCloseTo(sDiag, 9);
    // The other six metrics keep weight 1 but are NaN here (not selected): final = mean of the three.
    const expected = (weighted.normalised.lip_sync + weighted.normalised.lip_dynamics + sDiag) / 3;
    expect(weighted.final).toBeCloseTo(expected, 9);
  });

  it('--no-diagnostics: records without them, no diagnostic outputs', () => {
    const o2 = path.join(root, 'out2');
    const r = runCli(['evaluate', path.join(root, 'real'), '--metrics', 'lip_dynamics', '--no-diagnostics', '-q', '-o', o2]);
    expect(r.status).toBe(0);
    const rec = JSON.parse(readFileSync(path.join(o2, 'results.jsonl'), 'utf8').trim());
    expect(rec.diagnostics).toBeUndefined();
    expect(readFileSync(path.join(o2, 'aggregate.csv'), 'utf8').split('\n')[0]).not.toMatch(/Face warping/);
  });
});
