/** Whether this build can use a GPU, and why not. */
import { native, type NativeGpuInfo } from './native.js';

export type GpuInfo = NativeGpuInfo;

export function gpuInfo(): GpuInfo {
  return native().gpuInfo();
}
