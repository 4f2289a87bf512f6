/**
 * Everything the report page shows, as one JSON-able object: the leaderboard (taken from
 * summary.json as is, so the page shows exactly the numbers the run wrote), bootstrap
 * intervals and rank probabilities, per-metric distributions, the per-video table in a
 * columnar, dictionary-encoded form (50,000 videos stay a few MB), the per-video views
 * built from saved tracks, and provenance.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { VideoRecord } from '../analyze.js';
import { GROUPS, METRIC_IDS, getMetric } from '../metrics/registry.js';
import type { MetricId } from '../metrics/types.js';
import type { MethodScore } from '../score.js';
import { version as toolVersion } from '../version.js';
import { bootstrap, percentileSorted, videoMatrix, type BootstrapResult } from './bootstrap.js';
import type { RunData } from './load.js';
import { videoView, type VideoView } from './videoView.js';

export interface ReportOptions {
  /** Bootstrap replicates (default 1000). */
  B?: number;
  /** Bootstrap seed (default 1). */
  seed?: number;
  /** Most per-video views embedded (default 100); videos beyond have the table row and a note. */
  maxViews?: number;
  /** Most plotted points per series in a per-video view (default 600). */
  maxPoints?: number;
  /** Shown as the page title. */
  title?: string;
}

export interface BoxStats {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  /** Whisker ends: the most extreme values within 1.5 IQR of the quartiles. */
  lo: number;
  hi: number;
}

export interface ReportModel {
  title: string;
  generatedAt: string;
  generator: string;
  metrics: Array<{ id: MetricId; name: string; group: string }>;
  groups: Record<string, readonly MetricId[]>;
  methods: string[];
  gt: string | null;
  /** summary.json's leaderboard (normalised scores), ranked; null without a GT. */
  scores: MethodScore[] | null;
  /** Per method (GT included): raw dataset values, valid counts, NaN reasons, counts. */
  summary: Record<string, { videos: number; recorded: number; failed: number; values: Record<MetricId, number | null>; validVideos: Record<MetricId, number>; nanReasons: Record<MetricId, Record<string, number>> }>;
  bootstrap: BootstrapResult;
  /** distributions[method][metric]: box statistics of the per-video values (null when none). */
  distributions: Record<string, Record<MetricId, BoxStats | null>>;
  videos: {
    method: number[];
    path: string[];
    /** 0 ok, 1 error. */
    status: number[];
    /** values[k][i]: metric k (METRIC_IDS order) of video i; null when NaN. */
    values: Array<Array<number | null>>;
    /** reasons[k][i]: index into `strings` of why metric k of video i is NaN (or 0.0 by convention), -1 none. */
    reasons: number[][];
    /** Index into `strings` of the error message, -1 none. */
    error: number[];
    /** Indices into `strings`. */
    warnings: number[][];
    /** Index into `views`, -1 when none embedded. */
    view: number[];
    /** The tracks file (relative to the output folder), '' when tracks were not saved. */
    tracks: string[];
  };
  strings: string[];
  views: VideoView[];
  /** Why some videos with saved tracks have no embedded view, etc. */
  viewNotes: string[];
  provenance: Record<string, unknown>;
  notes: string[];
}

export function boxStats(values: readonly number[]): BoxStats | null {
  const s = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
  if (s.length === 0) return null;
  const q1 = percentileSorted(s, 0.25), q3 = percentileSorted(s, 0.75);
  const iqr = q3 - q1;
  let lo = s[0], hi = s[s.length - 1];
  for (const x of s) if (x >= q1 - 1.5 * iqr) { lo = x; break; }
  for (let i = s.length - 1; i >= 0; i--) if (s[i] <= q3 + 1.5 * iqr) { hi = s[i]; break; }
  return { n: s.length, min: s[0], q1, median: percentileSorted(s, 0.5), q3, max: s[s.length - 1], lo, hi };
}

function short(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(7)) : null;
}

/** Per-video metric values as the dataset value uses them (ok records only; error records count nothing). */
function valueRows(recs: readonly VideoRecord[]): Array<Record<MetricId, number>> {
  return recs.filter((r) => r.status === 'ok').map((r) => Object.fromEntries(METRIC_IDS.map((id) => [id, r.metrics[id]?.value ?? NaN])) as Record<MetricId, number>);
}

export async function buildModel(run: RunData, options: ReportOptions = {}): Promise<ReportModel> {
  const { summary } = run;
  const gt = summary.gt && run.records.has(summary.gt) ? summary.gt : null;
  const scoredNames = run.methods.filter((m) => m !== gt);
  const boot = bootstrap(
    scoredNames.map((m) => videoMatrix(m, valueRows(run.records.get(m)!))),
    gt ? videoMatrix(gt, valueRows(run.records.get(gt)!)) : null,
    { B: options.B ?? 1000, seed: options.seed ?? 1 },
  );

  const distributions: ReportModel['distributions'] = {};
  for (const m of run.methods) {
    const rows = valueRows(run.records.get(m)!);
    distributions[m] = Object.fromEntries(METRIC_IDS.map((id) => [id, boxStats(rows.map((r) => r[id]))])) as Record<MetricId, BoxStats | null>;
  }

  const strings: string[] = [];
  const index = new Map<string, number>();
  const intern = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const videos: ReportModel['videos'] = {
    method: [], path: [], status: [], values: METRIC_IDS.map(() => []), reasons: METRIC_IDS.map(() => []), error: [], warnings: [], view: [], tracks: [],
  };
  const views: VideoView[] = [];
  const viewNotes: string[] = [];
  const maxViews = options.maxViews ?? 100;
  let withTracks = 0, skipped = 0;
  for (const [mi, m] of run.methods.entries()) {
    for (const r of run.records.get(m)!) {
      videos.method.push(mi);
      videos.path.push(r.path);
      videos.status.push(r.status === 'ok' ? 0 : 1);
      METRIC_IDS.forEach((id, k) => {
        const v = r.metrics[id];
        videos.values[k].push(short(v?.value ?? NaN));
        videos.reasons[k].push(v?.reason ? intern(v.reason) : -1);
      });
      videos.error.push(r.error ? intern(`${r.error.code}: ${r.error.message}`) : -1);
      videos.warnings.push(r.warnings.map(intern));
      videos.tracks.push(r.tracksFile ?? '');
      let view = -1;
      if (r.tracksFile) {
        withTracks++;
        const file = path.join(run.dir, r.tracksFile);
        if (views.length >= maxViews) skipped++;
        else if (!existsSync(file)) viewNotes.push(`${r.path}: its tracks file ${r.tracksFile} is missing`);
        else {
          try {
            views.push(await videoView(file, options.maxPoints ?? 600));
            view = views.length - 1;
          } catch (e) {
            viewNotes.push(`${r.path}: tracks file ${r.tracksFile} unreadable: ${(e as Error).message}`);
          }
        }
      }
      videos.view.push(view);
    }
  }
  if (skipped) viewNotes.push(`${skipped} of ${withTracks} videos with saved tracks have no embedded view (limit ${maxViews}; raise it with --views N)`);
  if (withTracks === 0) viewNotes.push("no tracks were saved for this run (run evaluate with --save-tracks): per-video views show the record's values, reasons and warnings only");

  const c = summary.config as unknown as Record<string, unknown>;
  const provenance: Record<string, unknown> = {
    tool: summary.tool,
    ffmpeg: summary.ffmpeg,
    configHash: summary.configHash,
    runDate: summary.createdAt,
    command: (summary as { command?: string[] }).command ?? null,
    complete: summary.complete,
    metrics: summary.metrics,
    face: c.face ?? null,
    audio: c.audio ?? null,
    quality: c.quality ?? null,
    warnings: summary.warnings,
  };
  return {
    title: options.title ?? `theval report: ${path.basename(path.resolve(run.dir))}`,
    generatedAt: new Date().toISOString(),
    generator: `theval ${toolVersion} report`,
    metrics: METRIC_IDS.map((id) => ({ id, name: getMetric(id).name, group: getMetric(id).group })),
    groups: GROUPS,
    methods: run.methods,
    gt,
    scores: summary.scores ? [...summary.scores].sort((a, b) => (Number.isNaN(a.rank) ? 1 : Number.isNaN(b.rank) ? -1 : a.rank - b.rank)) : null,
    summary: Object.fromEntries(run.methods.map((m) => {
      const s = summary.methods[m];
      return [m, { videos: s.videos, recorded: s.recorded, failed: s.failed, values: s.values, validVideos: s.validVideos, nanReasons: s.nanReasons }];
    })),
    bootstrap: boot,
    distributions,
    videos,
    strings,
    views,
    viewNotes,
    provenance,
    notes: run.notes,
  };
}
