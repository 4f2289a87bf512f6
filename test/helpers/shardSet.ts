/**
 * A small evaluation set for the shard, merge and Slurm tests: a GT folder and two method
 * folders (one with a subfolder) of short clips that differ in colour, size and length, so
 * every method gets different quality values (the fake providers' mean-pixel and crop-width
 * scorers) and a leaderboard with distinct ranks.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ffmpegClip } from './media.js';

const COLOURS = ['red', 'green', 'blue', 'yellow', 'white', 'gray', 'orange', 'purple', 'cyan', 'pink'];

/** A 25 fps H.264 + AAC clip of one colour. */
export function colourClip(k: number): string {
  const size = k % 2 ? '160x120' : '176x144';
  const seconds = 0.6 + (k % 3) * 0.2;
  return ffmpegClip(`colour-${k}.mp4`, [
    '-f', 'lavfi', '-i', `color=c=${COLOURS[k % COLOURS.length]}:size=${size}:rate=25:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=${300 + 40 * k}:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', 'OUT',
  ]);
}

export interface ShardSet {
  gt: string;
  methods: string[];
  /** Every video, by method name (folder name; GT for the gt folder). */
  videos: Record<string, string[]>;
}

/** gt/ (3 clips), alpha/ (4 clips, one in a subfolder), beta/ (3 clips) under `root`. */
export function makeShardSet(root: string): ShardSet {
  const layout: Record<string, string[]> = {
    gt: ['g1.mp4', 'g2.mp4', 'g3.mp4'],
    alpha: ['a1.mp4', 'a2.mp4', 'sub/a3.mp4', 'a4.mp4'],
    beta: ['b1.mp4', 'b2.mp4', 'b3.mp4'],
  };
  const videos: Record<string, string[]> = {};
  let k = 0;
  for (const [dir, files] of Object.entries(layout)) {
    videos[dir === 'gt' ? 'GT' : dir] = files.map((f) => {
      const p = path.join(root, dir, f);
      mkdirSync(path.dirname(p), { recursive: true });
      copyFileSync(colourClip(k++), p);
      return p;
    });
  }
  return { gt: path.join(root, 'gt'), methods: [path.join(root, 'alpha'), path.join(root, 'beta')], videos };
}

/** The split rule as docs/cluster.md states it, worked out here independently. */
export function expectedShard(method: string, rel: string, n: number): number {
  const h = createHash('sha256').update(`${method}\u0000${rel}`).digest('hex');
  return Number(BigInt(`0x${h.slice(0, 16)}`) % BigInt(n)) + 1;
}

/** An output folder's tables (aggregate.csv and each method's CSVs), by relative path, to compare runs. */
export function outputTables(out: string): Record<string, string> {
  const t: Record<string, string> = { 'aggregate.csv': readFileSync(path.join(out, 'aggregate.csv'), 'utf8') };
  for (const d of readdirSync(out, { withFileTypes: true })) {
    if (!d.isDirectory() || d.name === 'slurm' || d.name === 'tracks') continue;
    for (const f of readdirSync(path.join(out, d.name))) t[`${d.name}/${f}`] = readFileSync(path.join(out, d.name, f), 'utf8');
  }
  return t;
}
