/**
 * Tracks JSON for long videos (lib/io/tracksJson.ts): written and read a frame per line,
 * never as one string. Checked on 3000 frames of synthetic tracks (about 100 MB of JSON):
 * the writer's chunks and buffered bytes stay one frame's worth (a spy stream with a slow
 * consumer); the file reads back bit-exact in a child whose JS heap is capped far below the
 * file's size; Python's json module parses the same layout; the earlier layout still reads;
 * an interrupted write never replaces the file; a file cut short is an error, not a partial
 * result.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readTracksJson, writeTracks, writeTracksJson } from '../lib/io/tracksJson.js';
import type { AudioTracks, FaceTracks } from '../lib/tracks.js';
import { tempDir } from './helpers/batch.js';

/** Tracks of T frames with float32-exact pseudo-random values; every 7th frame has no face, one landmark of frame 3 is NaN. */
function synthetic(T: number): { face: FaceTracks; audio: AudioTracks } {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const fill = (per: number, scale: number) => {
    const a = new Float32Array(T * per);
    for (let i = 0; i < a.length; i++) a[i] = rnd() * scale;
    for (let t = 6; t < T; t += 7) a.fill(NaN, t * per, (t + 1) * per);
    return a;
  };
  const face: FaceTracks = { fps: 25, width: 512, height: 512, frames: T, landmarks: fill(1404, 1), refined: fill(1434, 1), box: fill(4, 512), pose: fill(3, 40) };
  face.landmarks[3 * 1404 + 100] = NaN;
  const rms = new Float32Array(T);
  for (let t = 0; t < T; t++) rms[t] = t % 50 === 0 ? NaN : rnd();
  return { face, audio: { hasAudio: true, speech: [[0.1, 2.3], [4, 119.9]], rms } };
}

const header = (f: FaceTracks) => ({ fps: f.fps, width: f.width, height: f.height, frames: f.frames });

/** Bitwise float32 equality (NaN == NaN). */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

describe('tracks JSON, a frame per line', () => {
  const T = 3000;
  const { face, audio } = synthetic(T);
  const dir = tempDir('theval-tracks-');
  const file = path.join(dir, 'long.tracks.json');

  it('the writer never holds more than about one frame of text (spy stream, slow consumer)', async () => {
    let bytes = 0, maxChunk = 0, maxBuffered = 0;
    const spy = new Writable({
      highWaterMark: 1 << 16,
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        maxChunk = Math.max(maxChunk, chunk.length);
        setImmediate(done); // a consumer slower than the producer: back-pressure must be obeyed
      },
    });
    const watch = setInterval(() => (maxBuffered = Math.max(maxBuffered, spy.writableLength)), 0);
    const origWrite = spy.write.bind(spy);
    spy.write = ((chunk: string, ...rest: never[]) => {
      const ok = origWrite(chunk, ...rest);
      maxBuffered = Math.max(maxBuffered, spy.writableLength);
      return ok;
    }) as typeof spy.write;
    await writeTracks(spy, header(face), face, audio);
    clearInterval(watch);
    // A refined frame: 478 points x 3 values of at most ~16 characters.
    expect(maxChunk).toBeLessThan(478 * 3 * 17 + 64);
    expect(maxBuffered).toBeLessThan((1 << 16) + maxChunk);
    expect(bytes).toBeGreaterThan(60 * 2 ** 20);
  }, 120_000);

  it('3000 frames round-trip bit-exact through a child whose heap (48 MB) is far below the file size', async () => {
    await writeTracksJson(file, header(face), face, audio);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(60 * 2 ** 20);
    const bin = path.join(dir, 'back.bin');
    const code = `
      import { writeFileSync } from 'node:fs';
      const { readTracksJson } = await import(${JSON.stringify(new URL('../lib/io/tracksJson.ts', import.meta.url).href)});
      const t = await readTracksJson(${JSON.stringify(file)});
      const parts = [t.face.landmarks, t.face.refined, t.face.box, t.face.pose, t.audio.rms].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
      writeFileSync(${JSON.stringify(bin)}, Buffer.concat(parts));
      console.log(JSON.stringify({ header: t.header, frames: t.face.frames, speech: t.audio.speech, hasAudio: t.audio.hasAudio, heapMB: process.memoryUsage().heapUsed / 2 ** 20 }));
    `;
    const r = spawnSync(process.execPath, ['--max-old-space-size=48', '--import', import.meta.resolve('tsx'), '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ header: header(face), frames: T, speech: audio.speech, hasAudio: true });
    const back = readFileSync(bin);
    const f32 = new Float32Array(back.buffer, back.byteOffset, back.length / 4);
    let o = 0;
    for (const a of [face.landmarks, face.refined, face.box, face.pose, audio.rms]) {
      expect(sameFloats(f32.subarray(o, o + a.length), a)).toBe(true);
      o += a.length;
    }
    expect(o).toBe(f32.length);
  }, 180_000);

  it('is one JSON document: Python\'s json module reads the same values (60 frames)', async () => {
    const small = synthetic(60);
    const f = path.join(dir, 'small.json');
    await writeTracksJson(f, header(small.face), small.face, small.audio);
    const py = spawnSync('python3', ['-c', `
import json, struct, sys
j = json.load(open(sys.argv[1]))
out = []
for key, per in (('landmarks', 1404), ('refined', 1434), ('box', 4), ('pose', 3)):
    assert len(j[key]) == 60, key
    for fr in j[key]:
        if fr is None:
            out += [float('nan')] * per
        else:
            flat = [v for p in fr for v in (p if isinstance(p, list) else [p])]
            assert len(flat) == per
            out += [float('nan') if v is None else v for v in flat]
out += [float('nan') if v is None else v for v in j['rms']]
sys.stdout.buffer.write(struct.pack('<%df' % len(out), *out))
`, f]);
    expect(py.status, py.stderr?.toString()).toBe(0);
    const got = new Float32Array(new Uint8Array(py.stdout).buffer);
    const want = [small.face.landmarks, small.face.refined, small.face.box, small.face.pose, small.audio.rms];
    let o = 0;
    for (const a of want) {
      expect(sameFloats(got.subarray(o, o + a.length), a)).toBe(true);
      o += a.length;
    }
  });

  it('reads files of the earlier layout (a series per line, no layout field)', async () => {
    const old = {
      fps: 25,
      width: 160,
      height: 120,
      frames: 2,
      landmarks: [Array.from({ length: 468 }, (_, k) => [k / 1000, 0.5, -0.25]), null],
      refined: [Array.from({ length: 478 }, (_, k) => [k / 2000, 0.25, 0]), null],
      box: [[1, 2, 3, 4], null],
      pose: [[3, -2.5, 1], null],
      hasAudio: true,
      speech: [[0, 0.1]],
      rms: [0.5, null],
    };
    const f = path.join(dir, 'old.json');
    // The earlier writer: header line, then one line per series.
    writeFileSync(f, `{"fps":25,"width":160,"height":120,"frames":2,\n` + ['landmarks', 'refined', 'box', 'pose'].map((k) => `"${k}":${JSON.stringify((old as never)[k])},\n`).join('') + `"hasAudio":true,\n"speech":[[0,0.1]],\n"rms":[0.5,null]}\n`);
    const t = await readTracksJson(f);
    expect(t.face!.frames).toBe(2);
    expect(t.face!.landmarks[3 * 5]).toBeCloseTo(0.005, 7);
    expect(Number.isNaN(t.face!.landmarks[1404])).toBe(true);
    expect(Array.from(t.face!.pose.subarray(0, 3))).toEqual([3, -2.5, 1]);
    expect(Array.from(t.audio.rms)).toEqual([0.5, NaN]);
    expect(t.audio.speech).toEqual([[0, 0.1]]);
  });

  it('an interrupted write leaves the earlier file under the name, whole, and no temporary file', async () => {
    const f = path.join(dir, 'keep', 'video.tracks.json');
    (await import('node:fs')).mkdirSync(path.dirname(f), { recursive: true });
    const small = synthetic(20);
    await writeTracksJson(f, header(small.face), small.face, small.audio);
    const before = readFileSync(f, 'utf8');
    const broken = { ...small.face, get pose(): Float32Array { throw new Error('pass crashed'); } } as FaceTracks;
    await expect(writeTracksJson(f, header(small.face), broken, small.audio)).rejects.toThrow('pass crashed');
    expect(readFileSync(f, 'utf8')).toBe(before);
    expect(readdirSync(path.dirname(f))).toEqual(['video.tracks.json']);
  });

  it('a file cut short is an error naming the line, not a partial result', async () => {
    const small = synthetic(30);
    const f = path.join(dir, 'cut.json');
    await writeTracksJson(f, header(small.face), small.face, small.audio);
    const lines = readFileSync(f, 'utf8').split('\n');
    // Cut after the 10th landmark frame (a whole line: the reader must not take 10 frames as the video).
    const keep = lines.slice(0, 3 + 10).join('\n') + '\n';
    writeFileSync(f, keep);
    await expect(readTracksJson(f)).rejects.toThrow(/does not end|cut short/);
    truncateSync(f, keep.length - 100); // and in the middle of a line
    await expect(readTracksJson(f)).rejects.toThrow(/line 13.*cut short/);
  });
});

describe('tracks JSON: motion series and per-frame quality (optional keys)', () => {
  it('round-trip exactly, stay valid JSON (Python reads them), and the report\'s per-video view plots the quality', async () => {
    const T = 40;
    const { face, audio } = synthetic(T);
    const motion = new Float32Array(T * 4).map((_, i) => (i < 4 ? NaN : (i * 0.37) % 5));
    const quality = {
      global_aesthetic: Float64Array.from({ length: T }, (_, t) => 20 + t * 0.25),
      mouth_quality: Float64Array.from({ length: T }, (_, t) => (t % 7 === 6 ? NaN : 30 - t * 0.5)),
    };
    const file = path.join(tempDir('theval-tracks-q-'), 'q.tracks.json');
    await writeTracksJson(file, header(face), { ...face, motion }, audio, quality);
    const back = await readTracksJson(file);
    expect(sameFloats(back.face!.motion!, motion)).toBe(true);
    expect(Array.from(back.quality!.global_aesthetic)).toEqual(Array.from(quality.global_aesthetic));
    expect(Array.from(back.quality!.mouth_quality).map((x) => (Number.isNaN(x) ? null : x))).toEqual(Array.from(quality.mouth_quality).map((x) => (Number.isNaN(x) ? null : x)));
    const py = spawnSync('/usr/bin/python3', ['-c', 'import json,sys; j=json.load(open(sys.argv[1])); print(len(j["quality"]["mouth_quality"]), j["quality"]["mouth_quality"][6], len(j["motion"]))', file], { encoding: 'utf8' });
    expect(py.stdout.trim()).toBe(`${T} None ${T}`);
    const { videoView } = await import('../lib/report/videoView.js');
    const view = await videoView(file);
    expect(view.series['quality: global_aesthetic']?.[4]).toBeCloseTo(21, 6);
    expect(view.notes.join(' ')).not.toMatch(/per-frame quality scores are not in the tracks file/);
  });
});
