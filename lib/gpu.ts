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

/**
 * The engine of the face networks on a cuda device (`--gpu-backend`, API option `gpuBackend`):
 *   'cuda'           theval's CUDA graph executor (native/infer/cuda; the default: needs only
 *                    the driver);
 *   'tensorrt'       TensorRT, FP32 with TF32 off (native/infer/tensorrt; only in builds that
 *                    found TensorRT, docs/gpu.md "TensorRT backend");
 *   'tensorrt-fp16'  TensorRT with FP16 allowed (TensorRT 10; numbers differ slightly).
 * BRISQUE and NVDEC decoding use the cuda device whichever engine runs the networks.
 */
export type GpuBackend = 'cuda' | 'tensorrt' | 'tensorrt-fp16';
export const GPU_BACKENDS: readonly GpuBackend[] = ['cuda', 'tensorrt', 'tensorrt-fp16'];

export function parseGpuBackend(text: string | undefined): GpuBackend {
  const t = (text ?? 'cuda').trim().toLowerCase();
  if ((GPU_BACKENDS as readonly string[]).includes(t)) return t as GpuBackend;
  throw new TheValError('BAD_ARGUMENT', `gpu backend '${text}': expected ${GPU_BACKENDS.join(', ')}`);
}

/** The native inference backend the one pass resolves (native/infer/backends.cc) for a device and GPU engine. */
export function passBackend(device: PassDevice, gpuBackend: GpuBackend = 'cuda'): string {
  return device === 'cpu' || gpuBackend === 'cuda' ? device : gpuBackend;
}

/**
 * Throws unless the one pass can run `gpuBackend` on `device` here: TensorRT needs a cuda device
 * (device 0 of the visible ones, as the TensorRT backend uses), a build with TensorRT in it and
 * a usable GPU. evaluate() and track call it before any video starts.
 */
export function requireGpuBackend(device: PassDevice, gpuBackend: GpuBackend): void {
  if (gpuBackend === 'cuda') return requireDevice(device);
  const flag = `--gpu-backend ${gpuBackend}`;
  if (device === 'cpu') throw new TheValError('BAD_ARGUMENT', `${flag} runs the networks on a GPU: give --device cuda too`);
  if (device === 'cuda-emulated') throw new TheValError('BAD_ARGUMENT', `${flag}: TensorRT has no emulated path (cuda-emulated is the CUDA graph executor's test path)`);
  if (device !== 'cuda:0') {
    throw new TheValError('BAD_ARGUMENT', `${flag} runs on device 0 of the visible ones: pick the GPU with CUDA_VISIBLE_DEVICES=${device.slice('cuda:'.length)} and --device cuda:0 (or give a device list, --device cuda:0,cuda:1, which does that per worker)`);
  }
  const trt = gpuInfo().tensorrt;
  if (!trt.compiled) throw new TheValError('GPU_UNAVAILABLE', `${flag}: ${trt.reason}`);
  requireDevice(device);
}
