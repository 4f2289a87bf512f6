/**
 * When a rerun into the same output folder may reuse a video's earlier record instead of
 * analysing it again. A record is reused only when it is sound: same configuration (the
 * caller matches the hash), same file (fingerprint), and none of its numbers is missing for
 * a reason that can go away:
 *
 * - status 'error' (the video failed as a whole): kept, unless --retry-errors or it failed
 *   while the run was being stopped (a provider that rejects on abort);
 * - an audio or quality pass that failed (the record is 'ok' because the face metrics are
 *   sound, but that pass's metrics are NaN): redone, unless the failure is a fact about the
 *   file (FILE_FACT_CODES: a stream that does not decode fails the same way every time) and
 *   the pass was not abandoned (Ctrl-C, abort);
 * - NaNs that are facts about the video (no audio stream, no face, silence) are results,
 *   not failures: kept;
 * - with --save-tracks, a record whose tracks file is not in the output folder: redone,
 *   because the tracks are not kept anywhere else.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PassFailure, VideoRecord } from './analyze.js';
import { fromNative } from './errors.js';
import { sameFingerprint, type Fingerprint } from './io/fingerprint.js';

/** Error codes that describe the file itself: the same file fails the same way on every run. */
export const FILE_FACT_CODES: ReadonlySet<string> = new Set(['NOT_MEDIA', 'NO_VIDEO_STREAM', 'NO_AUDIO_STREAM', 'NO_FRAMES', 'UNSUPPORTED_CODEC', 'DECODE_FAILED']);

/** The pass failures of a record: its `passFailures`, or (records written before that field) its metrics' reasons. */
export function passFailuresOf(r: VideoRecord): PassFailure[] {
  if (r.passFailures) return r.passFailures;
  const out: PassFailure[] = [];
  const seen = new Set<string>();
  for (const m of Object.values(r.metrics ?? {})) {
    const hit = /^(audio|quality|pose) pass failed: ([A-Z_]+): ?(.*)$/s.exec(m?.reason ?? '');
    if (!hit || seen.has(hit[1])) continue;
    seen.add(hit[1]);
    // Old records did not say whether the pass was abandoned; its message did.
    out.push({ pass: hit[1] as PassFailure['pass'], code: hit[2], message: hit[3], ...(/abandoned|abort/i.test(hit[3]) ? { abandoned: true } : {}) });
  }
  return out;
}

/** Whether a pass failure can go away (so the video must be redone), and why. */
export function transientFailure(f: PassFailure): boolean {
  return f.abandoned === true || !FILE_FACT_CODES.has(f.code);
}

export interface ReuseContext {
  /** Fingerprint of the file now (undefined when it could not be read: fpError says why). */
  fingerprint?: Fingerprint;
  fpError?: unknown;
  retryErrors?: boolean;
  /** The output folder when --save-tracks is on. */
  tracksOut?: string;
}

/** null: reuse `prev`; otherwise why the video is analysed again. */
export function redoReason(prev: VideoRecord, ctx: ReuseContext): string | null {
  const sameFile = ctx.fingerprint
    ? sameFingerprint(prev.fingerprint ?? undefined, ctx.fingerprint)
    : prev.fingerprint === null && prev.error?.code === fromNative(ctx.fpError).code;
  if (!sameFile) return 'the file changed';
  if (prev.status === 'error') {
    if (prev.error?.abandoned) return 'it failed while an earlier run was being stopped';
    return ctx.retryErrors ? 'its earlier record is an error (--retry-errors)' : null;
  }
  const transient = passFailuresOf(prev).filter(transientFailure);
  if (transient.length) return `its ${transient.map((f) => `${f.pass} pass failed (${f.code})`).join(' and ')} earlier`;
  if (ctx.tracksOut && !(prev.tracksFile && existsSync(path.join(ctx.tracksOut, prev.tracksFile)))) return 'its tracks file is missing (--save-tracks)';
  return null;
}
