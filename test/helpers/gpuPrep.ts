/** The device pre-processing test hooks (native/cuda/gpu_prep_bindings.cc), typed. */
import { native } from '../../lib/native.js';

export type PrepFrame = { rgb: Uint8Array; width: number; height: number };
export type PrepRoi = { frame: number; map: Float64Array };
export type YuvFrame = { y: Uint8Array; u: Uint8Array; v?: Uint8Array; width: number; height: number; nv12?: boolean; yStride?: number; uStride?: number; vStride?: number };

type PrepBinding = {
  cropTensors(frames: PrepFrame[], rois: PrepRoi[], options?: { size?: number; rangeMin?: number; rangeMax?: number; border?: 'replicate' | 'zero'; backend?: 'host' | 'cuda' }): Float32Array;
  yuv420ToRgb24(frame: YuvFrame, options?: { colorspace?: number; fullRange?: boolean; impl?: 'host' | 'cuda' | 'cpu' | 'cpu-scalar' }): Uint8Array;
};

export function prep(): PrepBinding {
  return native() as unknown as PrepBinding;
}

/** Number of float32 elements whose bits differ. */
export function differingBits(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let diff = Math.abs(x.length - y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) diff++;
  return diff;
}

/** Number of differing bytes. */
export function differingBytes(a: Uint8Array, b: Uint8Array): number {
  let diff = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) diff++;
  return diff;
}
