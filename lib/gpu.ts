/**
 * Whether this build can use a GPU, and why not (gpuInfo), and the device a run's own passes
 * use (`--device`, API option `device`):
 *   'cpu'            OpenCV dnn and BRISQUE on the CPU (the default);
 *   'cuda', 'cuda:N' the one pass's three face networks on the CUDA graph executor
 *                    (native/infer/cuda), BRISQUE's features as CUDA kernels, decoding with
 *                    NVDEC where it can (docs/gpu.md);
 *   'cuda-emulated'  TEST PATH: the same CUDA code paths on the host (no GPU needed; about
 *                    4x slower than the CPU backend). Also what a cuda device becomes when
 *                    THEVAL_CUDA_EMULATE=1 (CI runs the device code paths that way).
 */
import { TheValError } from './errors.js';
import { native, type NativeGpuInfo } from './native.js';

export type GpuInfo = NativeGpuInfo;

export function gpuInfo(): GpuInfo {
  return native().gpuInfo();
}

/** A device of the one pass, normalised: 'cpu', 'cuda:N' or 'cuda-emulated'. */
export type PassDevice = 'cpu' | 'cuda-emulated' | `cuda:${number}`;

/** Parses `--device` / `device` (one device; lists are lib/cluster/devices.ts). */
export function parseDevice(text: string | undefined, env: NodeJS.ProcessEnv = process.env): PassDevice {
  const t = (text ?? 'cpu').trim().toLowerCase();
  if (t === 'cpu') return 'cpu';
  if (t === 'cuda-emulated') return 'cuda-emulated';
  const m = /^cuda(?::(\d{1,3}))?$/.exec(t);
  if (!m) throw new TheValError('BAD_ARGUMENT', `device '${text}': expected cpu, cuda or cuda:N`);
  if (env.THEVAL_CUDA_EMULATE === '1') return 'cuda-emulated';
  return `cuda:${Number(m[1] ?? 0)}`;
}

/**
 * Throws GPU_UNAVAILABLE (with gpuInfo()'s reason) when a cuda device is asked for and this
 * build or machine cannot run it; evaluate() calls it before any video starts.
 */
export function requireDevice(device: PassDevice): void {
  if (device === 'cpu' || device === 'cuda-emulated') return;
  const g = gpuInfo();
  if (!g.compiled) throw new TheValError('GPU_UNAVAILABLE', `--device ${device}: ${g.reason}`);
  if (!g.available) throw new TheValError('GPU_UNAVAILABLE', `--device ${device}: GPU requested but ${g.reason}`);
  const ordinal = Number(device.slice('cuda:'.length));
  if (ordinal >= g.devices.length) {
    throw new TheValError('GPU_UNAVAILABLE', `--device ${device}: there is no CUDA device ${ordinal} (${g.devices.length} visible: ${g.devices.join('; ')})`);
  }
}
