/**
 * Peak memory of `theval track` and `theval evaluate` on a long video (default 10 minutes),
 * against the same commands on a 10-second cut of the same clip, measured in the same run
 * (so the ratio says how memory grows with length, whatever else runs on the machine).
 * The long clip is a synthetic 512x512 talking head looped with ffmpeg `-stream_loop`
 * (stream copy), made under $TMPDIR. Peak RSS comes from /usr/bin/time -v.
 *
 *   npm run bench -- long            BENCH_LONG_SECONDS=600 (default), BENCH_SKIP_EVALUATE=1
 *   Last stdout line: one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { synthesizeTalkingHead } from '../lib/samples/synth.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'theval.js');

function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
}

/** A looped talking head of `seconds` s (made once per length under $TMPDIR). */
async function clip(dir: string, seconds: number): Promise<string> {
  const base = path.join(dir, 'talk-base.mp4');
  if (!existsSync(base)) {
    const tmp = `${base}.${process.pid}.tmp.mp4`;
    await synthesizeTalkingHead(tmp, { seed: 7 });
    renameSync(tmp, base);
  }
  const out = path.join(dir, `talk-${seconds}s.mp4`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp.mp4`;
    ffmpeg(['-stream_loop', '-1', '-i', base, '-t', String(seconds), '-c', 'copy', tmp]);
    renameSync(tmp, out);
  }
  return out;
}

interface Measured {
  rssMB: number;
  wallS: number;
  status: number | null;
}

/** Runs `node bin/theval.js ...args` under /usr/bin/time -v. */
function measure(args: string[]): Measured {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallS = (performance.now() - t0) / 1000;
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no RSS in /usr/bin/time output: ${r.stderr.slice(-2000)}`);
  if (r.status !== 0) console.error(r.stderr.slice(-3000));
  return { rssMB: Number(m[1]) / 1024, wallS, status: r.status };
}

export async function run(): Promise<Record<string, number | string>> {
  const seconds = Number(process.env.BENCH_LONG_SECONDS ?? 600);
  const dir = path.join(os.tmpdir(), 'theval-bench-long');
  mkdirSync(dir, { recursive: true });
  const short = await clip(dir, 10);
  const long = await clip(dir, seconds);
  const out: Record<string, number | string> = { seconds };
  const rows: string[] = [];
  const step = (name: string, args: (video: string, tag: string) => string[], cleanup: (tag: string) => void) => {
    const a = measure(args(short, 'short'));
    cleanup('short');
    const b = measure(args(long, 'long'));
    out[`${name}_short_rss_mb`] = Math.round(a.rssMB);
    out[`${name}_long_rss_mb`] = Math.round(b.rssMB);
    out[`${name}_long_over_short_rss`] = Math.round((b.rssMB / a.rssMB) * 100) / 100;
    out[`${name}_long_wall_s`] = Math.round(b.wallS);
    out[`${name}_long_status`] = b.status ?? -1;
    rows.push(`${name.padEnd(9)} ${a.rssMB.toFixed(0).padStart(8)} ${b.rssMB.toFixed(0).padStart(8)} ${(b.rssMB / a.rssMB).toFixed(2).padStart(6)} ${b.wallS.toFixed(0).padStart(7)} ${String(b.status).padStart(6)}`);
  };
  const tracks = (tag: string) => path.join(dir, `tracks-${tag}.json`);
  step('track', (v, tag) => ['track', v, '-o', tracks(tag)], (tag) => rmSync(tracks(tag), { force: true }));
  if (existsSync(tracks('long'))) out.track_long_file_mb = Math.round(statSync(tracks('long')).size / 2 ** 20);
  // Reading the long file back (readTracksJson) in a child, under the same measurement.
  if (existsSync(tracks('long'))) {
    const t0 = performance.now();
    const r = spawnSync(
      '/usr/bin/time',
      ['-v', process.execPath, '--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(path.join(root, 'lib/io/tracksJson.ts')).href)}); const t = await m.readTracksJson(${JSON.stringify(tracks('long'))}); console.log(t.face?.frames)`],
      { encoding: 'utf8', cwd: root },
    );
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    out.read_long_rss_mb = m ? Math.round(Number(m[1]) / 1024) : -1;
    out.read_long_wall_s = Math.round((performance.now() - t0) / 1000);
    out.read_long_frames = Number(r.stdout.trim());
    rows.push(`read-back ${'-'.padStart(8)} ${String(out.read_long_rss_mb).padStart(8)} ${'-'.padStart(6)} ${String(out.read_long_wall_s).padStart(7)} ${String(r.status).padStart(6)}`);
    rmSync(tracks('long'), { force: true });
  }
  if (!process.env.BENCH_SKIP_EVALUATE) {
    const evalOut = (tag: string) => path.join(dir, `eval-${tag}`);
    step('evaluate', (v, tag) => ['evaluate', v, '--out', evalOut(tag), '--jobs', '1', '--quiet'], (tag) => rmSync(evalOut(tag), { recursive: true, force: true }));
    rmSync(evalOut('long'), { recursive: true, force: true });
  }
  console.log(`peak RSS (MB), ${seconds} s clip vs 10 s clip, same run\ncommand      10 s  ${String(seconds).padStart(5)} s  ratio  wall s status`);
  for (const r of rows) console.log(r);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r));
}
