/**
 * Analysis profiles: `clean` (default) computes every metric as METRICS.md defines it;
 * `reference` reproduces the released THEval scripts' quirks where they change numbers, for
 * users who must compare with numbers those scripts produced. Each quirk is switchable on
 * its own (`--quirk a,b`, `--no-quirk c`); its measured effect is in docs/fidelity.md.
 *
 * A profile decides which extra passes run (lib/providers.ts) and is part of every record
 * and of the configuration hash, so numbers of two profiles never mix on resume.
 */
import { TheValError } from './errors.js';
import type { MetricId } from './metrics/types.js';

export type QuirkId = 'cpu-warp' | 'bgr-lipsync' | 'squash256' | 'static-mouth' | 'loudness-44k' | 'frame-cap-500' | 'pyiqa-batching';

export interface QuirkSpec {
  id: QuirkId;
  /** What the released scripts do (and theval's clean profile does not). */
  description: string;
  /** One line for --help. */
  short: string;
  /** The metrics whose numbers the quirk changes. */
  metrics: readonly MetricId[];
  /** Part of `--profile reference` (false: only when asked for by name). */
  inReference: boolean;
  /** docs/fidelity.md row. */
  fidelityRow: number;
}

export const QUIRKS: readonly QuirkSpec[] = [
  {
    id: 'cpu-warp',
    short: 'MediaPipe CPU crop convention (landmarks +0.5(s-1) px)',
    description:
      "MediaPipe's CPU image-to-tensor convention (pixel index = position) for the detector and landmark crops, as the Python mediapipe package ran; clean uses pixel centres (scale-equivariant; landmarks move by 0.5 (s - 1) px, s = ROI px / 192)",
    metrics: ['mouth_quality', 'lip_dynamics', 'head_motion', 'eyebrow_dynamics', 'silent_lip_stability', 'lip_sync'],
    inReference: true,
    fidelityRow: 15,
  },
  {
    id: 'bgr-lipsync',
    short: 'lip sync landmarks from BGR frames',
    description: 'lip sync reads landmarks from BGR frames (the reference script swaps decord\'s RGB to BGR before Face Mesh)',
    metrics: ['lip_sync'],
    inReference: true,
    fidelityRow: 3,
  },
  {
    id: 'squash256',
    short: 'lip dynamics, silent lips from 256x256-squashed frames',
    description: 'lip dynamics and silent lip stability read landmarks from frames resized to 256x256 (bilinear)',
    metrics: ['lip_dynamics', 'silent_lip_stability'],
    inReference: true,
    fidelityRow: 4,
  },
  {
    id: 'static-mouth',
    short: 'mouth crops from static-mode Face Mesh (no tracking)',
    description: "mouth-quality crops from Face Mesh in static-image mode (detection on every frame, no tracking)",
    metrics: ['mouth_quality'],
    inReference: true,
    fidelityRow: 16,
  },
  {
    id: 'loudness-44k',
    short: 'lip-sync loudness on a 44.1 kHz grid',
    description: 'lip-sync loudness computed on the audio resampled to 44.1 kHz (moviepy) instead of its native rate',
    metrics: ['lip_sync'],
    inReference: true,
    fidelityRow: 11,
  },
  {
    id: 'frame-cap-500',
    short: 'lip/eyebrow dynamics over frames 0-499 only',
    description: 'lip dynamics and eyebrow dynamics over the first 500 frames only (older scripts: MAX_FRAMES_PER_SEGMENT=500, NUM_SEGMENTS=1)',
    metrics: ['lip_dynamics', 'eyebrow_dynamics'],
    inReference: false,
    fidelityRow: 17,
  },
  {
    id: 'pyiqa-batching',
    short: 'pyiqa worker: MUSIQ crops padded per batch of 64, a refused face fails the video',
    description:
      "with --quality-backend pyiqa: MUSIQ scores each batch of 64 mouth crops padded with black to the batch's largest crop, and TOPIQ-NR-face refusing a frame fails the video, as the reference's scripts (clean: each crop alone, refused frames skipped)",
    metrics: ['mouth_quality', 'face_quality'],
    inReference: true,
    fidelityRow: 18,
  },
];

export const QUIRK_IDS: readonly QuirkId[] = QUIRKS.map((q) => q.id);
export const PROFILE_NAMES = ['clean', 'reference'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The older scripts' cap (frame-cap-500). */
export const FRAME_CAP = 500;

export interface Profile {
  /** The base profile the quirks were toggled from. */
  base: ProfileName;
  /** The quirks in force, in QUIRKS order. */
  quirks: QuirkId[];
}

export interface ProfileOptions {
  /** 'clean' (default) or 'reference'. */
  profile?: string;
  /** Quirks switched on in addition (ids). */
  quirks?: readonly string[];
  /** Quirks switched off (ids). */
  noQuirks?: readonly string[];
}

export const CLEAN: Profile = { base: 'clean', quirks: [] };

function checkQuirks(ids: readonly string[], what: string): QuirkId[] {
  const bad = ids.filter((q) => !(QUIRK_IDS as readonly string[]).includes(q));
  if (bad.length) throw new TheValError('BAD_ARGUMENT', `${what}: unknown quirk(s) ${bad.map((q) => `'${q}'`).join(', ')}; known: ${QUIRK_IDS.join(', ')}`);
  return ids as QuirkId[];
}

/** The profile a set of options asks for (throws BAD_ARGUMENT for unknown names). */
export function resolveProfile(options: ProfileOptions = {}): Profile {
  const base = (options.profile ?? 'clean') as ProfileName;
  if (!(PROFILE_NAMES as readonly string[]).includes(base))
    throw new TheValError('BAD_ARGUMENT', `profile must be one of ${PROFILE_NAMES.join(', ')}, not '${String(options.profile)}'`);
  const on = new Set<QuirkId>(base === 'reference' ? QUIRKS.filter((q) => q.inReference).map((q) => q.id) : []);
  const add = checkQuirks(options.quirks ?? [], 'quirk');
  const remove = checkQuirks(options.noQuirks ?? [], 'no-quirk');
  const both = add.filter((q) => remove.includes(q));
  if (both.length) throw new TheValError('BAD_ARGUMENT', `quirk(s) both switched on and off: ${both.join(', ')}`);
  for (const q of add) on.add(q);
  for (const q of remove) on.delete(q);
  return { base, quirks: QUIRK_IDS.filter((q) => on.has(q)) };
}

/** A profile given as a Profile, a name, or options. */
export function toProfile(p: Profile | ProfileName | ProfileOptions | undefined): Profile {
  if (p === undefined) return CLEAN;
  if (typeof p === 'string') return resolveProfile({ profile: p });
  if ('base' in p) {
    const q = p as Profile;
    if (!(PROFILE_NAMES as readonly string[]).includes(q.base)) throw new TheValError('BAD_ARGUMENT', `profile base must be one of ${PROFILE_NAMES.join(', ')}`);
    const ids = checkQuirks(q.quirks ?? [], 'quirk');
    return { base: q.base, quirks: QUIRK_IDS.filter((id) => ids.includes(id)) };
  }
  return resolveProfile(p as ProfileOptions);
}

/**
 * One label for records, tables and provenance: 'clean', 'reference', or the base with its
 * differences, e.g. 'reference-squash256' or 'clean+bgr-lipsync'.
 */
export function profileLabel(p: Profile): string {
  const defaults = new Set<QuirkId>(p.base === 'reference' ? QUIRKS.filter((q) => q.inReference).map((q) => q.id) : []);
  const added = p.quirks.filter((q) => !defaults.has(q));
  const removed = [...defaults].filter((q) => !p.quirks.includes(q));
  return p.base + added.map((q) => `+${q}`).join('') + removed.map((q) => `-${q}`).join('');
}

export function hasQuirk(p: Profile, q: QuirkId): boolean {
  return p.quirks.includes(q);
}

/** The quirks, one line each, for `--help` and docs. */
export function quirkHelp(indent = ''): string {
  return QUIRKS.map((q) => `${indent}${q.id.padEnd(14)}${q.short}${q.inReference ? '' : ' (not in reference: ask for it)'}`).join('\n');
}
