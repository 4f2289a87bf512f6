/**
 * The report's data side without a browser: which records of results.jsonl it takes, the
 * per-video signals it derives from a hand-built tracks file (known geometry), and the
 * paper tables' escaping.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeRecord } from '../lib/io/resultsStore.js';
import { LEFT_BROW, LEFT_EYE, RIGHT_BROW, RIGHT_EYE, INNER_LOWER, INNER_UPPER } from '../lib/metrics/landmarkSets.js';
import { METRIC_IDS } from '../lib/metrics/registry.js';
import { leaderboardTableText, loadRun, buildModel, reportHtml } from '../lib/report/index.js';
import { runs, videoView } from '../lib/report/videoView.js';
import { tempDir } from './helpers/batch.js';

function record(method: string, p: string, configHash: string, value: number): any {
  return {
    schema: 1, method, path: p, fingerprint: null, configHash, status: 'ok',
    metrics: Object.fromEntries(METRIC_IDS.map((id) => [id, { value }])), timings: { total: 1 }, warnings: [],
    versions: { tool: 't', ffmpeg: 'f', face: null, audio: null, quality: {} }, finishedAt: '',
  };
}

function summaryOf(methods: string[], gt: string | null, scores?: unknown[]): any {
  const ms = (n: number) => ({
    videos: n, recorded: n, failed: 0, reused: 0,
    values: Object.fromEntries(METRIC_IDS.map((id) => [id, 1])), validVideos: Object.fromEntries(METRIC_IDS.map((id) => [id, n])),
    nanReasons: Object.fromEntries(METRIC_IDS.map((id) => [id, {}])), backends: Object.fromEntries(METRIC_IDS.map((id) => [id, []])), failures: [],
  });
  return {
    tool: 'theval test', createdAt: '2026-11-30T00:00:00Z', complete: true, configHash: 'h1', config: { tool: 't', metrics: METRIC_IDS, face: null, audio: null, quality: null },
    metrics: METRIC_IDS, ffmpeg: null, methods: Object.fromEntries(methods.map((m) => [m, ms(1)])), gt, warnings: [], ...(scores ? { scores } : {}),
  };
}

describe('report data', () => {
  it("takes the last record per video of summary.json's configuration and methods only", async () => {
    const dir = tempDir('theval-report-data-');
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summaryOf(['A'], null)));
    writeFileSync(
      path.join(dir, 'results.jsonl'),
      [record('A', '/x.mp4', 'h0', 9), record('A', '/x.mp4', 'h1', 1), record('B', '/y.mp4', 'h1', 5), record('A', '/x.mp4', 'h1', 2)].map(serializeRecord).join(''),
    );
    const run = loadRun(dir);
    expect(run.records.get('A')!.map((r) => r.metrics.lip_sync.value)).toEqual([2]);
    expect(run.records.has('B')).toBe(false);
    expect(run.notes.join('\n')).toContain('1 record(s)');
    // No GT: no leaderboard, the page still builds; the paper table refuses with a reason.
    const model = await buildModel(run, { B: 50 });
    expect(model.scores).toBeNull();
    expect(model.bootstrap.methods[0].raw.lip_sync).toMatchObject({ lo: 2, hi: 2 });
    expect(reportHtml(model)).toContain('<script id="report-data" type="application/json">');
    expect(() => leaderboardTableText(model, 'markdown')).toThrow(/no GT/);
  });

  it('a folder without summary.json is a clear error', () => {
    expect(() => loadRun(tempDir('theval-report-empty-'))).toThrow(/no summary\.json/);
  });

  it('method names are escaped in LaTeX, Markdown and CSV, and cannot break out of the page script', async () => {
    const dir = tempDir('theval-report-esc-');
    const name = 'A_&_B|"x"</script>';
    const score = { name, normalised: Object.fromEntries(METRIC_IDS.map((id) => [id, 0.5])), groups: { quality: 0.5, naturalness: 0.5, synchronization: 0.5 }, final: 0.5, rank: 1, complete: true, missing: [], warnings: [] };
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summaryOf([name, 'GT'], 'GT', [score])));
    writeFileSync(path.join(dir, 'results.jsonl'), [record(name, '/a.mp4', 'h1', 0.5), record('GT', '/g.mp4', 'h1', 1)].map(serializeRecord).join(''));
    const model = await buildModel(loadRun(dir), { B: 20 });
    expect(leaderboardTableText(model, 'latex')).toContain('A\\_\\&\\_B|"x"</script>');
    expect(leaderboardTableText(model, 'markdown')).toContain('| A_&_B\\|"x"</script> |');
    expect(leaderboardTableText(model, 'csv').split('\n')[1]).toMatch(/^1,"A_&_B\|""x""<\/script>",true,0\.500000,/);
    const html = reportHtml(model);
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the JSON block's and the script's own ends, nothing from the data
  });

  it('per-video signals from a hand-built tracks file: openness, brows, pose, box, speech, silent runs, gaps, downsampling', async () => {
    const dir = tempDir('theval-report-view-');
    const T = 10, W = 100, H = 100;
    const plain = (): number[][] => {
      const p = Array.from({ length: 468 }, () => [0.5, 0.5, 0]);
      for (const k of INNER_UPPER) p[k] = [0.5, 0.5, 0];
      for (const k of INNER_LOWER) p[k] = [0.5, 0.6, 0];
      p[33] = [0.3, 0.4, 0]; p[133] = [0.3, 0.4, 0]; p[362] = [0.7, 0.4, 0]; p[263] = [0.7, 0.4, 0];
      return p;
    };
    const refined = (): number[][] => {
      const p = Array.from({ length: 478 }, () => [0.5, 0.5, 0]);
      for (const k of LEFT_EYE) p[k] = [0.6, 0.4, 0];
      for (const k of RIGHT_EYE) p[k] = [0.4, 0.4, 0];
      for (const k of LEFT_BROW) p[k] = [0.6, 0.35, 0];
      for (const k of RIGHT_BROW) p[k] = [0.4, 0.33, 0];
      return p;
    };
    const noFace = (t: number) => t === 3 || t === 4;
    const tracks = {
      fps: 10, width: W, height: H, frames: T,
      landmarks: Array.from({ length: T }, (_, t) => (noFace(t) ? null : plain())),
      refined: Array.from({ length: T }, (_, t) => (noFace(t) ? null : refined())),
      box: Array.from({ length: T }, (_, t) => (noFace(t) ? null : [10 + t, 20, 30 + t, 60])),
      pose: Array.from({ length: T }, (_, t) => (noFace(t) ? null : [t, -t, 0.5])),
      hasAudio: true,
      speech: [[0, 0.25]],
      rms: Array.from({ length: T }, (_, t) => t / 10),
    };
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'v.tracks.json');
    writeFileSync(file, JSON.stringify(tracks));
    const v = await videoView(file, 5);
    expect(v.frame).toEqual([0, 2, 4, 6, 8]); // every 2nd frame
    expect(v.gaps).toEqual([[3, 4]]);
    expect(v.faceFrames).toBe(8);
    // speech 0..0.25 s at 10 fps: frames int(0)..int(2.5) = 0..2; the silent run 3..9 (7 frames >= 3) is kept.
    expect(v.speech).toEqual([[0, 2]]);
    expect(v.silentRuns).toEqual([[3, 9]]);
    // openness = |0.5 - 0.6| / |0.3 - 0.7| = 0.25; null where there is no face (frame 4).
    expect(v.series['mouth openness']).toEqual([0.25, 0.25, null, 0.25, 0.25]);
    // brows: left 5 px above a 20 px eye distance = 0.25, right 7 px = 0.35.
    expect(v.series['brow distance left']).toEqual([0.25, 0.25, null, 0.25, 0.25]);
    expect(v.series['brow distance right']).toEqual([0.35, 0.35, null, 0.35, 0.35]);
    expect(v.series.pitch).toEqual([0, 2, null, 6, 8]);
    expect(v.series['box centre x']).toEqual([20, 22, null, 26, 28]);
    expect(v.series['loudness (RMS)']).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(v.notes.join(' ')).toContain('one frame in 2');
  });

  it('runs() finds maximal runs, including one touching the end', () => {
    expect(runs(6, (t) => [1, 1, 0, 1, 0, 1][t] === 1)).toEqual([[0, 1], [3, 3], [5, 5]]);
    expect(runs(0, () => true)).toEqual([]);
  });
});
