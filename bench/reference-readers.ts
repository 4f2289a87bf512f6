/**
 * Row 1 and row 5 of docs/fidelity.md: the reference reads frames with other readers (among
 * them OpenCV's cv2.VideoCapture) and seeks frame by frame for silent lip stability; theval
 * decodes once, in order, with FFmpeg (frames equal to the ffmpeg CLI's rgb24, tested in
 * test/decode*.test.ts). This bench runs the real OpenCV reader (Debian's python3-opencv,
 * OpenCV 4.6 on FFmpeg 5.1) over the sample set and the decode test matrix
 * (test/helpers/media.ts: H.264, HEVC, VP9, MPEG-4, MJPEG, odd sizes, 4:4:4, NTSC rate, VFR,
 * rotation, BT.709, full range) and reports, per file: frames that differ from ffmpeg's
 * rgb24 (and by how much), and frames that differ after seeking (CAP_PROP_POS_FRAMES, in
 * order and shuffled) from the same frame read in order (bench/reference_readers.py).
 *
 * `npm run bench -- reference-readers`. The reference's pip OpenCV bundles its own FFmpeg;
 * this measures Debian's, the one here.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeSampleSet, SAMPLE_METHODS } from '../lib/samples/sampleSet.js';
import { clips } from '../test/helpers/media.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

interface FileRow {
  file: string;
  cv2Frames: number;
  ffmpegFrames?: number;
  framesDiffering?: number;
  maxAbs?: number;
  meanAbs?: number;
  seek_forward_mismatch?: number;
  seek_shuffled_mismatch?: number;
  ffmpegError?: string;
}

export async function run(): Promise<Record<string, unknown>> {
  const root = path.resolve(process.env.READERS_SAMPLES ?? 'sample');
  await makeSampleSet(root);
  const files = [
    ...Object.keys(SAMPLE_METHODS).flatMap((m) => [1, 2, 3].map((i) => path.join(root, m, `clip${i}.mp4`))),
    ...Object.entries(clips)
      .filter(([name]) => !['audio8k'].includes(name))
      .map(([, make]) => make()),
  ];
  const r = spawnSync(PYTHON, [path.join(here, 'reference_readers.py'), ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${PYTHON} bench/reference_readers.py failed (needs Debian's python3-opencv): ${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const opencv = lines[0].opencv as string;
  const rows = lines.slice(1) as unknown as FileRow[];
  console.log(`OpenCV ${opencv} (cv2.VideoCapture) vs ffmpeg's rgb24 (= theval's frames); seeking vs reading in order`);
  console.log('| file | frames cv2 / ffmpeg | frames differing | max abs | mean abs | seek mismatches (in order / shuffled) |');
  console.log('|---|---|---|---|---|---|');
  for (const x of rows) {
    const name = path.relative(process.cwd(), x.file);
    if (x.ffmpegError) console.log(`| ${name} | ${x.cv2Frames} / error | ${x.ffmpegError} | | | |`);
    else
      console.log(
        `| ${name} | ${x.cv2Frames} / ${x.ffmpegFrames} | ${x.framesDiffering} | ${x.maxAbs} | ${x.meanAbs?.toFixed(4)} | ${x.seek_forward_mismatch} / ${x.seek_shuffled_mismatch} |`,
      );
  }
  const sum = (k: keyof FileRow) => rows.reduce((s, x) => s + (Number(x[k]) || 0), 0);
  return {
    date: new Date().toISOString().slice(0, 10),
    opencv,
    files: rows.length,
    frames: sum('cv2Frames'),
    framesDiffering: sum('framesDiffering'),
    frameCountMismatches: rows.filter((x) => x.ffmpegFrames !== undefined && x.ffmpegFrames !== x.cv2Frames).length,
    seekMismatches: sum('seek_forward_mismatch') + sum('seek_shuffled_mismatch'),
    rows,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await run()));
}
