/** `theval track <video> -o tracks.json`: the face tracks of one video as JSON. */
import { analyzeAudio } from '../audio/analyzeAudio.js';
import { fromNative } from '../errors.js';
import { trackFaces, type FaceProfile } from '../face/trackFaces.js';
import { writeTracks, writeTracksJson } from '../io/tracksJson.js';
import { EXIT, UsageError, parse, runCommand } from './common.js';
import { parseDevice, parseGpuBackend, passBackend, requireGpuBackend, type GpuBackend, type PassDevice } from '../gpu.js';
import { trackFacesOnDevice } from '../pipeline/videoPass.js';

const help = `Usage: theval track <video> -o tracks.json [--models both|refinedOnly] [--device DEV [--gpu-backend E]]

Runs MediaPipe Face Mesh (native, CPU) over every frame and writes the face tracks:
  {layout, fps, width, height, frames,
   hasAudio:  bool,
   speech:    [[start,end], ...],                  seconds (Silero VAD v5, 0.1 s rounding)
   landmarks: [[[x,y,z] x468] | null per frame],   plain model, normalised x, y
   refined:   [[[x,y,z] x478] | null per frame],   attention model, refined
   box:       [[x0,y0,x1,y1] | null],              pixels
   pose:      [[pitch,yaw,roll] | null],           degrees
   rms:       [number | null per frame]}           audio RMS at each frame time
(docs/face.md, "Tracks JSON"): one JSON document written one frame per line, streamed, so
a long video never needs the whole text in memory; the file appears under its name only
once complete. Timings and decode warnings go to stderr. A video without
audio gives hasAudio false, speech [] and rms null per frame.

Options:
  -o, --out FILE     output file ("-" = stdout)
  --models M         both (default) or refinedOnly (the attention model alone feeds both tracks);
                     --profile M is the older name for the same option (evaluate's --profile
                     clean|reference is something else: the metric semantics)
  --device DEV       cpu (default), cuda, cuda:N: the networks on the CUDA backend (through the
                     one pass; docs/gpu.md); GPU_UNAVAILABLE when no GPU is usable
  --gpu-backend E    with --device cuda: cuda (default), tensorrt or tensorrt-fp16 (builds
                     with TensorRT only; theval doctor)
  -h, --help         this text

Exit status: 0 on success, 1 when the video could not be processed, 2 on bad usage.`;

export const command = {
  summary: 'face landmark tracks of a video as JSON',
  run(argv: string[]): Promise<number> {
    return runCommand('track', help, () => trackFile(argv));
  },
};

async function trackFile(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string', short: 'o' }, models: { type: 'string' }, profile: { type: 'string' }, device: { type: 'string' }, 'gpu-backend': { type: 'string' } });
  if (values.help) {
    console.log(help);
    return EXIT.OK;
  }
  if (positionals.length !== 1 || !values.out) throw new UsageError('give one video and -o FILE');
  if (values.models !== undefined && values.profile !== undefined) throw new UsageError('give --models (or its older name --profile) once');
  const given = values.models ?? values.profile;
  const profile = (given ?? 'both') as FaceProfile;
  if (profile !== 'both' && profile !== 'refinedOnly') {
    const hint = given === 'clean' || given === 'reference' ? ` ('${given}' is a profile of theval evaluate/analyze; track writes the raw tracks, which no profile changes)` : '';
    throw new UsageError(`--models must be both or refinedOnly, got ${given}${hint}`);
  }
  const video = positionals[0];
  let device: PassDevice, gpuBackend: GpuBackend;
  try {
    device = parseDevice(values.device);
    gpuBackend = parseGpuBackend(values['gpu-backend']);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (device === 'cpu' && gpuBackend !== 'cuda') throw new UsageError(`--gpu-backend ${gpuBackend} runs the networks on a GPU: give --device cuda too`);
  try {
    const r = device === 'cpu' ? await trackFaces(video, { profile }) : await trackOnDevice(video, profile, device, gpuBackend);
    const audio = await analyzeAudio(video, r.fps, r.frames);
    for (const w of audio.warnings) console.error(`theval track: audio: ${w}`);
    const header = { fps: r.fps, width: r.width, height: r.height, frames: r.frames };
    if (values.out === '-') await writeTracks(process.stdout, header, r, audio.tracks);
    else await writeTracksJson(values.out, header, r, audio.tracks);
    const found = Array.from({ length: r.frames }, (_, t) => !Number.isNaN(r.landmarks[t * 468 * 3])).filter(Boolean).length;
    console.error(
      `theval track: ${video}: ${r.frames} frames, face in ${found}, ${(r.timings.totalMs / 1000).toFixed(1)} s ` +
        `(${((r.frames * 1000) / r.timings.totalMs).toFixed(1)} frames/s, ${r.timings.backend}, profile ${r.profile})`,
    );
    for (const w of r.warnings) console.error(`theval track: warning: ${w}`);
    return EXIT.OK;
  } catch (e) {
    const err = fromNative(e);
    if (err.code === 'BAD_ARGUMENT') throw new UsageError(err.message); // e.g. --gpu-backend tensorrt on cuda-emulated
    console.error(`theval track: ${err.code}: ${err.message}`);
    return EXIT.SOME_FAILED;
  }
}

/** The face tracks through the one pass on a CUDA device (the CPU path is trackFaces). */
async function trackOnDevice(video: string, profile: FaceProfile, device: PassDevice, gpuBackend: GpuBackend) {
  requireGpuBackend(device, gpuBackend);
  const backend = passBackend(device, gpuBackend);
  const t0 = Date.now();
  const f = await trackFacesOnDevice(video, { profile }, device, backend);
  return { ...f, timings: { totalMs: Date.now() - t0, backend: `one pass on ${device}${backend !== device ? ` (${backend})` : ''}` } };
}
