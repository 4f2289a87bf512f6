/**
 * How far `stride k` moves the per-video global BRISQUE value: each clip is scored at
 * stride 1 (every frame); stride k keeps frames t % k == 0 (what scoreVideoQuality does
 * with stride k: the tests check it gives the very same per-frame values), and, to show how
 * much is luck of the phase, every other phase t % k == p too.
 *
 *   npx tsx bench/quality-stride.ts      Last stdout line: one JSON object.
 */
import { pathToFileURL } from 'node:url';
import { scoreVideoQuality } from '../lib/quality/video.js';
import { FACES, movingClip } from '../test/helpers/quality.js';

const STRIDES = [2, 5, 10];

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export async function run(): Promise<Record<string, number>> {
  const clips: Array<[string, string]> = [
    ['hopper_moving_8s', movingClip(FACES.hopper, 8)],
    ['astronaut_moving_8s', movingClip(FACES.astronaut, 8)],
    // Quality that changes over time: strong noise during the second half of every second.
    ['hopper_noise_bursts_8s', movingClip(FACES.hopper, 8, "noise=alls=40:allf=t:enable='gte(mod(t,1),0.5)'")],
  ];
  const out: Record<string, number> = {};
  console.log('clip                      frames  stride1   k  mean(t%k==0)  diff     rel     worst phase rel');
  for (const [name, file] of clips) {
    const r = await scoreVideoQuality(file, { stride: 1 });
    const all = Array.from(r.global!.perFrame);
    const base = mean(all);
    out[`${name}_stride1`] = base;
    for (const k of STRIDES) {
      const phase = (p: number): number => mean(all.filter((_, t) => t % k === p));
      const m0 = phase(0);
      let worst = 0;
      for (let p = 0; p < k; p++) worst = Math.max(worst, Math.abs(phase(p) - base) / base);
      out[`${name}_stride${k}`] = m0;
      out[`${name}_stride${k}_rel`] = (m0 - base) / base;
      out[`${name}_stride${k}_worst_phase_rel`] = worst;
      console.log(
        `${name.padEnd(25)} ${String(all.length).padStart(6)}  ${base.toFixed(3).padStart(7)}  ${String(k).padStart(2)}  ${m0.toFixed(3).padStart(12)}  ${(m0 - base).toFixed(3).padStart(6)}  ${((100 * (m0 - base)) / base).toFixed(2).padStart(6)}%  ${(100 * worst).toFixed(2).padStart(6)}%`,
      );
    }
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await run();
  console.log(JSON.stringify(r));
}
