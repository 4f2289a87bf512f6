/**
 * `npm run bench -- report`: how the report scales with the number of videos.
 * Synthetic output folders of 1,000 and 50,000 records (five methods, GT included; values
 * drawn around the published GT row, 2% NaN with reasons, 1% failed videos; no tracks) are
 * written with the library's own summary code, then: report generation time and HTML
 * size, and in headless Chromium the time to first render (page script done), to page the
 * per-video table, to sort it by a metric and to filter it. Figures for 50,000 are also
 * given as ratios to 1,000, measured in the same run.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VideoRecord } from '../lib/analyze.js';
import { GT_NAME, aggregateRow, summarizeMethod, type EvaluationSummary } from '../lib/evaluate.js';
import { serializeRecord } from '../lib/io/resultsStore.js';
import { PUBLISHED_GT } from '../lib/io/publishedGt.js';
import { METRIC_IDS } from '../lib/metrics/registry.js';
import { mulberry32 } from '../lib/report/bootstrap.js';
import { writeReport } from '../lib/report/index.js';
import { scoreMethods } from '../lib/score.js';
import { openReport } from '../test/reportPage.js';

const METHODS: Array<[string, number]> = [['alpha', 0.95], ['beta', 1.1], ['gamma', 0.8], ['delta', 1.3], [GT_NAME, 1]];

/** An output folder with `n` synthetic records (summary.json as evaluate() writes it). */
export function syntheticRun(dir: string, n: number, seed = 1): void {
  const rnd = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  mkdirSync(dir, { recursive: true });
  const per = Math.ceil(n / METHODS.length);
  const lines: string[] = [];
  const summary: EvaluationSummary = {
    tool: 'theval 0.1.0', createdAt: new Date().toISOString(), complete: true, configHash: 'bench0000000000', metrics: [...METRIC_IDS],
    config: { tool: 'theval 0.1.0', metrics: [...METRIC_IDS], face: { name: 'synthetic', version: '0' }, audio: null, quality: null, libraries: { ffmpeg: 'synthetic', opencv: 'synthetic' } },
    ffmpeg: 'synthetic', methods: {}, gt: GT_NAME, warnings: [], command: ['bench/report.ts', String(n)],
  };
  const rows = [];
  let made = 0;
  for (const [name, scale] of METHODS) {
    const recs: VideoRecord[] = [];
    for (let i = 0; i < per && made < n; i++, made++) {
      const p = `/data/${name}/clip_${String(i).padStart(6, '0')}.mp4`;
      const failed = rnd() < 0.01;
      const metrics = Object.fromEntries(METRIC_IDS.map((id) => {
        if (failed) return [id, { value: NaN, reason: 'video failed: DECODE_FAILED' }];
        if (rnd() < 0.02) return [id, { value: NaN, reason: id === 'lip_sync' ? 'speech in fewer than 10% of the frames' : 'no face in any frame' }];
        return [id, { value: PUBLISHED_GT.values[id] * scale * Math.exp(0.3 * normal()) }];
      })) as VideoRecord['metrics'];
      recs.push({
        schema: 1, method: name, path: p, fingerprint: null, configHash: summary.configHash, status: failed ? 'error' : 'ok', metrics,
        timings: { total: 1000 }, warnings: rnd() < 0.05 ? ['face lost in 3 frames'] : [],
        versions: { tool: 'theval 0.1.0', ffmpeg: 'synthetic', face: 'synthetic 0', audio: null, quality: {} },
        ...(failed ? { error: { code: 'DECODE_FAILED', message: `${p}: invalid data found when processing input` } } : {}),
        video: { width: 512, height: 512, fps: 25, frames: 250, duration: 10, codec: 'h264', hasAudio: true }, finishedAt: summary.createdAt,
      });
    }
    for (const r of recs) lines.push(serializeRecord(r));
    summary.methods[name] = summarizeMethod(recs, recs.length, 0, METRIC_IDS);
    rows.push(aggregateRow(name, summary.methods[name]));
  }
  const gt = rows.find((r) => r.model === GT_NAME)!;
  summary.scores = scoreMethods(rows.filter((r) => r.model !== GT_NAME).map((r) => ({ name: r.model, values: r.values })), gt.values);
  writeFileSync(path.join(dir, 'results.jsonl'), lines.join(''));
  writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
}

async function measure(n: number, root: string): Promise<Record<string, number>> {
  const dir = path.join(root, `run-${n}`);
  syntheticRun(dir, n);
  const file = path.join(dir, 'report.html');
  const t0 = performance.now();
  await writeReport(dir, file);
  const generateMs = performance.now() - t0;
  const bytes = statSync(file).size;
  const o = await openReport(file);
  try {
    if (o.errors.length || o.external.length) throw new Error(`page problems: ${[...o.errors, ...o.external].join('; ')}`);
    const page = o.page;
    const timed = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    // Each action waits for the table's text to change, so the time includes the re-render.
    const info = () => page.textContent('#video-page-info');
    const changed = async (action: () => Promise<void>) => {
      const before = await info();
      await action();
      await page.waitForFunction((b) => document.getElementById('video-page-info')!.textContent !== b, before);
    };
    let pageMs = 0;
    for (let i = 0; i < 10; i++) pageMs += await timed(() => changed(() => page.click('#video-next')));
    const sortMs = await timed(async () => {
      await page.click('#video-table th[data-sort="4"]');
      await page.waitForSelector('#video-table th.sorted-asc');
    });
    const filterMs = await timed(() => changed(() => page.fill('#video-search', 'clip_0001')));
    const rows = await page.$$eval('#video-table tbody tr', (r) => r.length);
    if (rows === 0) throw new Error('filter left no row');
    return { records: n, generateMs: Math.round(generateMs), htmlMiB: +(bytes / 2 ** 20).toFixed(2), firstRenderMs: o.readyMs, pageMs: Math.round(pageMs / 10), sortMs: Math.round(sortMs), filterMs: Math.round(filterMs) };
  } finally {
    await o.browser.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'theval-bench-report-'));
  try {
    const small = await measure(1000, root);
    const large = await measure(50_000, root);
    console.log('records  generate(ms)  html(MiB)  first render(ms)  next page(ms)  sort(ms)  filter(ms)');
    for (const r of [small, large]) {
      console.log(`${String(r.records).padStart(7)}  ${String(r.generateMs).padStart(12)}  ${String(r.htmlMiB).padStart(9)}  ${String(r.firstRenderMs).padStart(16)}  ${String(r.pageMs).padStart(13)}  ${String(r.sortMs).padStart(8)}  ${String(r.filterMs).padStart(10)}`);
    }
    const ratio = (k: string) => +(large[k] / Math.max(1e-9, small[k])).toFixed(1);
    return { small, large, ratio50kTo1k: { generate: ratio('generateMs'), size: ratio('htmlMiB'), firstRender: ratio('firstRenderMs') } };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
