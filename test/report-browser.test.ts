/**
 * `theval evaluate --save-tracks --report` on a small real run (synthetic talking-head
 * clips, the real face / audio / quality passes, one broken file), then the report opened
 * in headless Chromium: no console error, no request beyond the file itself, leaderboard
 * and raw values equal to summary.json's, every chart drawn, a per-video view opens. A
 * screenshot is kept in $TMPDIR/theval-report-artefacts/. Also the paper tables of the
 * same run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeTalkingHead } from '../lib/samples/synth.js';
import { METRIC_IDS } from '../lib/metrics/registry.js';
import { jsonl, tempDir } from './helpers/batch.js';
import { runCli } from './helpers/cli.js';
import { chromiumUnavailableReason, openReport, type OpenedReport } from './reportPage.js';

const skip = chromiumUnavailableReason();
const SSML = '<speak>One two three. <break time="600ms"/> Four five.</speak>';
const artefacts = path.join(os.tmpdir(), 'theval-report-artefacts');

let out = '';
let summary: any;
let records: Array<Record<string, any>> = [];
let evalStatus: number | null = null;
let evalStderr = '';
let opened: OpenedReport | undefined;

describe.skipIf(skip !== '')('theval report in a real browser', () => {
  beforeAll(async () => {
    const dir = tempDir('theval-report-');
    // synthesizeTalkingHead needs the folder to exist (ffmpeg cannot create it).
    for (const m of ['gt', 'static_mouth', 'shifted']) mkdirSync(path.join(dir, m), { recursive: true });
    const clip = (m: string, i: number, o: object) => synthesizeTalkingHead(path.join(dir, m, `clip${i}.mp4`), { ssml: SSML, seed: i, ...o });
    await Promise.all([
      clip('gt', 1, {}), clip('gt', 2, {}),
      clip('static_mouth', 1, { mouth: 'static' }), clip('static_mouth', 2, { mouth: 'static' }),
      clip('shifted', 1, { audioShift: 0.4 }),
    ]);
    writeFileSync(path.join(dir, 'shifted', 'broken.mp4'), 'not a video\n'.repeat(50));
    out = path.join(dir, 'out');
    const r = runCli(['evaluate', '--gt', path.join(dir, 'gt'), path.join(dir, 'static_mouth'), path.join(dir, 'shifted'), '-o', out, '--save-tracks', '--report', '-j', '2', '-q']);
    evalStatus = r.status;
    evalStderr = r.stderr;
    summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    records = jsonl(path.join(out, 'results.jsonl'));
    opened = await openReport(path.join(out, 'report.html'));
  }, 900_000);

  afterAll(async () => {
    await opened?.browser.close();
  });

  it('evaluate --report wrote the page; summary.json records the command line', () => {
    expect(evalStatus, evalStderr).toBe(1); // the broken file failed; the others did not
    expect(summary.command.slice(0, 2)).toEqual(['theval', 'evaluate']);
    expect(summary.command).toContain('--report');
    expect(summary.scores).toHaveLength(2);
  });

  it('opens offline: no request but the file, no console error', async () => {
    const { page, requests, external, errors } = opened!;
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(1);
    // The page really holds its own script and styles (nothing left to fetch).
    expect(await page.evaluate(() => document.querySelectorAll('script[src], link[rel="stylesheet"], img[src^="http"]').length)).toBe(0);
  });

  it("leaderboard and raw values equal summary.json's; sorting reorders rows", async () => {
    const { page } = opened!;
    const cells = await page.$$eval('#leaderboard-table td[data-key]', (tds) =>
      tds.map((td) => ({ method: td.closest('tr')!.getAttribute('data-method'), key: td.getAttribute('data-key'), value: td.getAttribute('data-value') })),
    );
    const num = (v: string | null) => (v === 'null' ? null : Number(v));
    for (const s of summary.scores) {
      const get = (key: string) => num(cells.find((c) => c.method === s.name && c.key === key)!.value);
      expect(get('final')).toBe(s.final);
      for (const g of ['quality', 'naturalness', 'synchronization']) expect(get(g)).toBe(s.groups[g]);
      for (const id of METRIC_IDS) expect(get(id)).toBe(s.normalised[id]);
    }
    const raw = await page.$$eval('#raw-table td[data-key]', (tds) => tds.map((td) => [td.closest('tr')!.getAttribute('data-method'), td.getAttribute('data-key'), td.getAttribute('data-value')]));
    expect(raw).toHaveLength(3 * 8);
    for (const [m, id, v] of raw) expect(num(v)).toBe(summary.methods[m!].values[id!]);
    // Sort by final (descending on first click), then ascending.
    await page.click('#leaderboard-table th[data-key="final"]');
    const desc = await page.$$eval('#leaderboard-table tbody tr[data-method]', (rs) => rs.map((r) => r.getAttribute('data-method')));
    expect(desc).toEqual([...summary.scores].sort((a: any, b: any) => b.final - a.final).map((s: any) => s.name));
    await page.click('#leaderboard-table th[data-key="final"]');
    const asc = await page.$$eval('#leaderboard-table tbody tr[data-method]', (rs) => rs.map((r) => r.getAttribute('data-method')));
    expect(asc).toEqual([...desc].reverse());
  });

  it('every chart is drawn (non-empty SVG)', async () => {
    const { page } = opened!;
    const charts = await page.$$eval('.chart svg', (svgs) =>
      svgs.map((s) => ({ cls: s.parentElement!.className, marks: s.querySelectorAll('path, rect, polygon, circle, line').length, w: s.getBoundingClientRect().width })),
    );
    const count = (c: string) => charts.filter((x) => x.cls.includes(c)).length;
    expect(count('chart-ci')).toBe(1);
    expect(count('chart-heat')).toBe(2); // P(rank) and P(beats)
    expect(count('chart-radar')).toBe(2);
    expect(count('chart-box')).toBe(8);
    for (const c of charts) {
      expect(c.w).toBeGreaterThan(100);
      expect(c.marks).toBeGreaterThan(2);
    }
    // Rank probabilities of each method sum to 1.
    const p = await page.$$eval('#chart-rank rect[data-p]', (rs) => rs.map((r) => Number(r.getAttribute('data-p'))));
    expect(p).toHaveLength(4);
    expect(p[0] + p[1]).toBeCloseTo(1, 9);
    expect(p[2] + p[3]).toBeCloseTo(1, 9);
  });

  it('a per-video view opens with its track charts; a failed video says why it has none', async () => {
    const { page } = opened!;
    const rows = await page.$$eval('#video-table tbody tr', (rs) => rs.length);
    expect(rows).toBe(records.length); // 6 videos, one page
    const ok = records.find((r) => r.status === 'ok' && r.method === 'static_mouth')!;
    const index = await page.evaluate((p) => JSON.parse(document.getElementById('report-data')!.textContent!).videos.path.indexOf(p), ok.path);
    await page.click(`#video-table tr[data-video="${index}"] a.open`);
    await page.waitForSelector('#video-view:not([hidden]) #video-charts');
    const lines = await page.$$eval('#video-charts .chart-line svg', (svgs) => svgs.map((s) => Array.from(s.querySelectorAll('path')).map((p) => (p.getAttribute('d') ?? '').split(/[ML]/).length - 1)));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    // Openness and loudness: one point per frame with a face (these clips are short: no downsampling).
    expect(lines[0][0]).toBe(ok.video.frames);
    expect(lines[0][1]).toBe(ok.video.frames);
    const metricRows = await page.$$eval('#video-metrics tr', (rs) => rs.length);
    expect(metricRows).toBe(9);
    mkdirSync(artefacts, { recursive: true });
    await page.screenshot({ path: path.join(artefacts, 'report-video-view.png') });

    const bad = records.find((r) => r.status === 'error')!;
    const badIndex = await page.evaluate((p) => JSON.parse(document.getElementById('report-data')!.textContent!).videos.path.indexOf(p), bad.path);
    await page.evaluate((i) => (location.hash = `video=${i}`), badIndex);
    await page.waitForSelector('#no-tracks-note');
    expect(await page.textContent('#video-view')).toContain(bad.error.code);
    await page.evaluate(() => (location.hash = ''));
    await page.screenshot({ path: path.join(artefacts, 'report.png'), fullPage: true });
  });

  it('paper tables: markdown, LaTeX and CSV carry the leaderboard with intervals', () => {
    const md = runCli(['report', out, '--format', 'markdown', '-B', '200']);
    expect(md.status, md.stderr).toBe(0);
    const best = [...summary.scores].sort((a: any, b: any) => a.rank - b.rank)[0];
    const line = md.stdout.split('\n').find((l) => l.startsWith(`| 1 | ${best.name}`))!;
    expect(line).toContain(`| ${best.final.toFixed(3)} [`);
    expect(md.stdout).toContain('200 replicates');
    const tex = runCli(['report', out, '--format', 'latex']);
    expect(tex.stdout).toContain('static\\_mouth');
    expect(tex.stdout).toMatch(/\\begin\{tabular\}\{rl r{12}\}|\\begin\{tabular\}\{rlr{12}\}/);
    const csv = runCli(['report', out, '--format', 'csv']).stdout.trim().split('\n');
    expect(csv).toHaveLength(3);
    const head = csv[0].split(',');
    const bestRow = csv.find((l) => l.split(',')[1] === best.name)!.split(',');
    const f = Number(bestRow[head.indexOf('Final')]), lo = Number(bestRow[head.indexOf('Final lo')]), hi = Number(bestRow[head.indexOf('Final hi')]);
    expect(f).toBeCloseTo(best.final, 6);
    expect(lo).toBeLessThanOrEqual(hi);
  });
});
