/** `theval doctor [--json]`: what this build and machine can use on the GPU, and why not. */
import { gpuInfo, type GpuInfo } from '../gpu.js';
import { EXIT, parse, runCommand } from './common.js';

const help = `Usage: theval doctor [--json]

Reports what \`--device cuda\` can use here, each "no" with its reason:
  CUDA compiled in (and the CUDA runtime linked into the addon), the NVIDIA driver
  (libcuda.so.1, loaded with dlopen) and its CUDA version, the GPUs (name, memory, compute
  capability), NVDEC (FFmpeg built with the cuda hwaccel, the decoders offering it, the
  *_cuvid decoders; usable only with a driver and a GPU), TensorRT (a TensorRT inference
  backend in this build), and the inference backends the one pass can be given.

Options:
  --json       gpuInfo() as one JSON object on stdout
  -h, --help   this text

Exit status: 0 when --device cuda can run here, 1 when it cannot (the report says why),
2 on bad usage.`;

export const command = {
  summary: 'GPU support of this build and machine (CUDA, driver, devices, NVDEC, TensorRT)',
  run(argv: string[]): Promise<number> {
    return runCommand('doctor', help, () => doctor(argv));
  },
};

const yes = (ok: boolean, what: string, why: string): string => (ok ? `yes${what ? `, ${what}` : ''}` : `no (${why})`);

/** The report as lines of text. */
export function formatDoctor(g: GpuInfo): string[] {
  return [
    `CUDA compiled in:  ${yes(g.compiled, g.runtime ? `runtime ${g.runtime}` : '', g.reason)}`,
    `NVIDIA driver:     ${yes(g.driver.present, g.driver.version ? `CUDA ${g.driver.version}` : '', g.driver.reason)}`,
    `GPUs:              ${g.deviceList.length ? g.deviceList.map((d) => `cuda:${d.ordinal} ${d.name} (${d.memoryMiB} MiB, compute ${d.computeCapability})`).join('; ') : `none (${g.reason})`}`,
    `NVDEC:             ${yes(g.nvdec.available, `codecs ${g.nvdec.codecs.join(', ')}`, g.nvdec.reason)}`,
    `  FFmpeg hwaccel:  ${g.nvdec.hwaccel ? `cuda (${g.nvdec.codecs.length} decoders); cuvid decoders: ${g.nvdec.cuvidDecoders.join(', ') || 'none'}` : 'no cuda hwaccel in this FFmpeg'}`,
    `TensorRT:          ${yes(g.tensorrt.compiled, g.tensorrt.version ?? '', g.tensorrt.reason)}`,
    `Backends:          ${g.backends.join(', ')} (cuda-emulated: a test path, docs/gpu.md)`,
    `--device cuda:     ${g.available ? 'can run here' : `cannot run here: GPU_UNAVAILABLE (${g.reason})`}`,
  ];
}

async function doctor(argv: string[]): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } });
  if (values.help) {
    console.log(help);
    return EXIT.OK;
  }
  const g = gpuInfo();
  if (values.json) console.log(JSON.stringify(g, null, 2));
  else console.log(formatDoctor(g).join('\n'));
  return g.available ? EXIT.OK : EXIT.SOME_FAILED;
}
