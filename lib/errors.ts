/**
 * Every failure theval reports carries a stable `code` (for programs) and a message
 * naming the file and the problem (for people). Native errors arrive with the same shape.
 */
export type TheValErrorCode =
  | 'FILE_NOT_FOUND'
  | 'NOT_MEDIA'
  | 'NO_VIDEO_STREAM'
  | 'NO_AUDIO_STREAM'
  | 'NO_FRAMES'
  | 'UNSUPPORTED_CODEC'
  | 'DECODE_FAILED'
  | 'GPU_UNAVAILABLE'
  | 'BAD_ARGUMENT'
  | 'BUSY'
  | 'SHARD_MISMATCH'
  | 'CLOSED'
  | 'MODEL_MISSING'
  | 'MODEL_LOAD'
  | 'MODEL_CHECKSUM'
  | 'MODEL_INVALID'
  | 'NATIVE_MISSING'
  /** The reference-model Python worker could not start: no python, torch, pyiqa, weights (lib/reference/). */
  | 'WORKER_SETUP'
  /** The reference-model Python worker died or broke the protocol mid-run. */
  | 'WORKER_DIED'
  | 'INTERNAL';

export class TheValError extends Error {
  readonly code: TheValErrorCode;
  readonly file?: string;
  constructor(code: TheValErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'TheValError';
    this.code = code;
    if (file !== undefined) this.file = file;
  }
}

/** Re-shapes an error thrown by the addon (which sets .code and .file) into a TheValError. */
export function fromNative(e: unknown): TheValError {
  if (e instanceof TheValError) return e;
  const err = e as { code?: string; file?: string; message?: string };
  const code = (err && typeof err.code === 'string' ? err.code : 'INTERNAL') as TheValErrorCode;
  const out = new TheValError(code, err?.message ?? String(e), err?.file);
  if (e instanceof Error && e.stack) out.stack = e.stack;
  return out;
}

export function isTheValError(e: unknown, code?: TheValErrorCode): e is TheValError {
  return e instanceof TheValError && (code === undefined || e.code === code);
}
