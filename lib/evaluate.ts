/**
 * A whole evaluation: methods (sets of videos) + optional GT videos -> per-video records
 * (results.jsonl, resumable), per-metric CSVs in the reference's formats, the aggregate
 * table, summary.json, and the leaderboard when a GT set is given.
 *
 * Nothing here is process-global: every call makes its own providers (unless given), its
 * own store, its own counters; two evaluations into different folders can run at once.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { configurePasses, schedulerFor } from './pipeline/videoPass.js';
import { analysisConfig, analyzeVideo, errorRecord, providersFor, selectMetrics, type AnalysisConfig, type VideoRecord } from './analyze.js';
import { TheValError, fromNative } from './errors.js';
import { fingerprint as fingerprintFile, sameFingerprint, type Fingerprint } from './io/fingerprint.js';
import { expandInputs } from './io/inputs.js';
import { ResultsStore } from './io/resultsStore.js';
import { planShard, shardResultsName, writeShardManifest, type Shard, type ShardManifest } from './io/shards.js';
import { writeTracksJson } from './io/tracksJson.js';
import { GT_NAME, methodDirName, writeMethodTables, writeRunTables } from './io/outputTables.js';
import type { AggregateRow } from './io/referenceCsv.js';
import { METRIC_IDS, getMetric } from './metrics/registry.js';
import { DIAGNOSTIC_IDS, type DiagnosticId } from './diagnostics/registry.js';
import type { MetricId } from './metrics/types.js';
import { checkProviders, type Providers } from './providers.js';
import { redoReason } from './resume.js';
import { parseDevice, parseGpuBackend, requireDevice, requireGpuBackend } from './gpu.js';
import { formatProvenance, provenanceOfConfig } from './io/provenance.js';
import type { Profile, ProfileName, ProfileOptions } from './profile.js';
import { datasetValue, scoreMethods, type MethodScore, type MetricValues } from './score.js';
import { version as toolVersion } from './version.js';

/** The name of the real-video set; its row normalises the others. */
export { GT_NAME, methodDirName } from './io/outputTables.js';

/** One method: a name and its inputs (files, folders searched recursively, `@list` files). */
export interface MethodInputs {
  name: string;
  inputs: readonly string[];
}

export interface EvaluateOptions {
  /** Method name when `evaluate` is given plain inputs (default 'method'). */
  name?: string;
  /**
   * Device of the one pass's face networks and BRISQUE (lib/gpu.ts): 'cpu' (default), 'cuda',
   * 'cuda:N'; 'cuda-emulated' is a test path. A cuda device without a usable GPU fails with
   * GPU_UNAVAILABLE before any video starts. Default: the face provider's device.
   */
  device?: string;
  /**
   * On a cuda device, the engine of the face networks (lib/gpu.ts): 'cuda' (default, theval's
   * CUDA executor), 'tensorrt', 'tensorrt-fp16' (builds with TensorRT only; GPU_UNAVAILABLE
   * naming the cause otherwise, before any video starts). Default: the face provider's.
   */
  gpuBackend?: string;
  /** Real videos (files, folders, @lists): evaluated as method 'GT' with the same configuration. */
  gt?: readonly string[];
  /** Output folder: results.jsonl (resume), CSVs, aggregate.csv, summary.json. Without it nothing is written or resumed. */
  out?: string;
  /** Videos analysed at once (default defaultJobs()). */
  jobs?: number;
  /** Metric subset (default all 8). */
  metrics?: readonly MetricId[];
  /** The analysis passes (default: defaultProviders({ profile }), what this build has). */
  providers?: Providers;
  /** 'clean' (default), 'reference', or a profile with toggled quirks (lib/profile.ts, docs/fidelity.md). */
  profile?: Profile | ProfileName | ProfileOptions;
  /** Also write each video's tracks JSON under <out>/tracks/<method>/. Needs `out`. */
  saveTracks?: boolean;
  /** Compute the diagnostics into each record (docs/diagnostics.md; default true). The motion ones also need the face provider's motion track. */
  diagnostics?: boolean;
  /**
   * Redo videos whose earlier record (same configuration, same file) is an error. (A record
   * whose audio or quality pass failed for a reason that can go away is always redone:
   * lib/resume.ts.)
   */
  retryErrors?: boolean;
  /**
   * Evaluate only this shard of the videos (lib/io/shards.ts): records go to the shard's own
   * results file, and instead of CSVs / aggregate / summary the shard writes its manifest;
   * `theval merge` (lib/cluster/merge.ts) makes the tables once every shard is done.
   */
  shard?: Shard;
  /**
   * When the output folder (or the shard's file) is locked by another live run, wait up to
   * this many milliseconds for it to finish before failing with BUSY (default 0: fail at
   * once). A requeued Slurm task uses it: the attempt it replaces may still be finishing its
   * videos in flight on the same node.
   */
  lockWaitMs?: number;
  /** When aborted: no new video is started; videos in flight finish and are recorded; outputs are written; the result says interrupted. */
  signal?: AbortSignal;
  /** Called as the run progresses (start, and once per finished or reused video). */
  onProgress?: (event: ProgressEvent) => void;
  /** Called for each run-level warning (torn lines in results.jsonl, unavailable passes, ...). */
  onWarning?: (message: string) => void;
  /** The command line that started the run, stored in summary.json (provenance for reports). */
  command?: readonly string[];
}

export interface ProgressEvent {
  phase: 'start' | 'video';
  method?: string;
  /** Set for phase 'video': the finished (or reused) record. */
  record?: VideoRecord;
  /** Whether the record came from an earlier run. */
  reused?: boolean;
  total: number;
  /** Videos finished so far in this run (including reused and failed). */
  done: number;
  reusedTotal: number;
  failed: number;
}

export interface MethodSummary {
  /** Input videos of the method. */
  videos: number;
  /** Videos with a record (ok or error). */
  recorded: number;
  failed: number;
  /** Records taken from an earlier run (resume). */
  reused: number;
  /** Raw dataset value per metric (mean over videos, skipping NaN), null when none. */
  values: Record<MetricId, number | null>;
  /** Videos with a value (not NaN) per metric. */
  validVideos: Record<MetricId, number>;
  /** Why values are NaN, per metric: reason -> number of videos. */
  nanReasons: Record<MetricId, Record<string, number>>;
  /** Which backends produced the values of each metric (several when a resumed run mixes... which it never does: one configuration per run). */
  backends: Record<MetricId, string[]>;
  failures: Array<{ path: string; code: string; message: string }>;
  /**
   * The diagnostics (docs/diagnostics.md): dataset value (mean over videos, skipping NaN),
   * valid videos and NaN reasons, for the diagnostics the records carry. Not scored.
   */
  diagnostics?: Partial<Record<DiagnosticId, { value: number | null; validVideos: number; nanReasons: Record<string, number> }>>;
}

export interface EvaluationSummary {
  tool: string;
  createdAt: string;
  /** False when the run was interrupted (some videos have no record). */
  complete: boolean;
  configHash: string;
  config: AnalysisConfig;
  metrics: MetricId[];
  ffmpeg: string | null;
  methods: Record<string, MethodSummary>;
  /** The GT method's name, when a GT set was evaluated. */
  gt: string | null;
  /** Leaderboard (GT-normalised scores) when a GT set was evaluated. */
  scores?: MethodScore[];
  warnings: string[];
  /** The command line of the run, when the caller gave it (the CLI does). */
  command?: string[];
}

export interface EvaluationResult {
  /** Every method's records in input order (one per video that has one; GT last). */
  records: VideoRecord[];
  summary: EvaluationSummary;
  interrupted: boolean;
  /** Files written (absolute paths). */
  outputs: string[];
}

/**
 * Size of libuv's thread pool, where the addon's decode and analysis work runs: the
 * UV_THREADPOOL_SIZE environment variable at process start, else 4. More videos in flight
 * than pool threads only queue.
 */
export function threadPoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/**
 * Default parallelism: one video in flight per CPU core. A video's pass runs on the native
 * scheduler's own threads (lib/pipeline/videoPass.ts), not on libuv's pool, so the pool
 * size no longer caps it; the main thread's share (metrics, JSON, the VAD) is small.
 */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}


function tracksName(file: string): string {
  const base = path.basename(file, path.extname(file)).replace(/[^A-Za-z0-9._-]/g, '_');
  return `${base}-${createHash('sha256').update(file).digest('hex').slice(0, 8)}.tracks.json`;
}

/** The backends behind one metric's value in a record. */
function metricBackend(r: VideoRecord, id: MetricId): string {
  const v = r.versions;
  const spec = getMetric(id);
  const parts: string[] = [];
  if (spec.group === 'quality') {
    const q = v.quality[id as keyof typeof v.quality];
    if (q) parts.push(q);
    if (id === 'mouth_quality' && v.face) parts.push(v.face);
  } else {
    if (v.face) parts.push(v.face);
    if (id === 'head_motion' && v.pose) parts.push(v.pose);
    if (spec.needsAudio && v.audio) parts.push(v.audio);
  }
  parts.push(`FFmpeg ${v.ffmpeg}`);
  return parts.join(' + ');
}

export function summarizeMethod(records: readonly VideoRecord[], videos: number, reused: number, metrics: readonly MetricId[]): MethodSummary {
  const ok = records.filter((r) => r.status === 'ok');
  const s: MethodSummary = {
    videos,
    recorded: records.length,
    failed: records.length - ok.length,
    reused,
    values: {} as Record<MetricId, number | null>,
    validVideos: {} as Record<MetricId, number>,
    nanReasons: {} as Record<MetricId, Record<string, number>>,
    backends: {} as Record<MetricId, string[]>,
    failures: records.filter((r) => r.status === 'error').map((r) => ({ path: r.path, code: r.error!.code, message: r.error!.message })),
  };
  for (const id of METRIC_IDS) {
    const selected = metrics.includes(id);
    const vals = ok.map((r) => r.metrics[id].value);
    const d = datasetValue(vals);
    s.values[id] = selected && Number.isFinite(d.value) ? d.value : null;
    s.validVideos[id] = selected ? d.videos : 0;
    const reasons: Record<string, number> = {};
    const backends = new Set<string>();
    for (const r of ok) {
      const m = r.metrics[id];
      if (Number.isNaN(m.value)) reasons[m.reason ?? 'no value'] = (reasons[m.reason ?? 'no value'] ?? 0) + 1;
      else backends.add(metricBackend(r, id));
    }
    s.nanReasons[id] = reasons;
    s.backends[id] = [...backends].sort();
  }
  const withDiag = ok.filter((r) => r.diagnostics);
  if (withDiag.length) {
    s.diagnostics = {};
    for (const id of DIAGNOSTIC_IDS) {
      const vals = withDiag.map((r) => r.diagnostics![id]?.value ?? NaN);
      const d = datasetValue(vals);
      const reasons: Record<string, number> = {};
      for (const r of withDiag) {
        const m = r.diagnostics![id];
        if (!m || Number.isNaN(m.value)) reasons[m?.reason ?? 'no value'] = (reasons[m?.reason ?? 'no value'] ?? 0) + 1;
      }
      s.diagnostics[id] = { value: Number.isFinite(d.value) ? d.value : null, validVideos: d.videos, nanReasons: reasons };
    }
  }
  return s;
}

/**
 * The leaderboard of aggregate rows against the GT row (GT_NAME), warning through `warn`;
 * undefined when it cannot be made (the warning says why).
 */
export function leaderboardOf(rows: readonly AggregateRow[], warn: (m: string) => void): MethodScore[] | undefined {
  const gtRow = rows.find((r) => r.model === GT_NAME)!;
  const scored = rows.filter((r) => r.model !== GT_NAME);
  // A GT value of 0 makes Eq. 12 undefined; rather than no leaderboard at all, that metric
  // is left out of every score (as a NaN GT value is), loudly.
  const gtValues = { ...gtRow.values };
  for (const id of METRIC_IDS) {
    if (gtValues[id] === 0) {
      gtValues[id] = NaN;
      warn(`the GT value of '${getMetric(id).name}' is 0 (no face or no speech in any GT video?): Eq. 12 cannot normalise by it, so it is left out of every score`);
    }
  }
  try {
    const scores = scoreMethods(scored.map((r) => ({ name: r.model, values: r.values })), gtValues);
    for (const s of scores) for (const w of s.warnings) warn(w);
    return scores;
  } catch (e) {
    warn(`no leaderboard: ${(e as Error).message}`);
    return undefined;
  }
}

/** The aggregate-table row of a method: dataset values, NaN where none. */
export function aggregateRow(name: string, summary: MethodSummary): AggregateRow {
  const values = {} as MetricValues;
  for (const id of METRIC_IDS) values[id] = summary.values[id] ?? NaN;
  if (!summary.diagnostics) return { model: name, values };
  const diagnostics: Partial<Record<DiagnosticId, number>> = {};
  for (const id of DIAGNOSTIC_IDS) if (summary.diagnostics[id]) diagnostics[id] = summary.diagnostics[id]!.value ?? NaN;
  return { model: name, values, diagnostics };
}

/**
 * Evaluates methods (and an optional GT set). `methods` is either plain inputs (one method,
 * named by options.name) or named groups of inputs.
 */
export async function evaluate(methods: readonly string[] | readonly MethodInputs[], options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const groups: MethodInputs[] =
    methods.length > 0 && typeof methods[0] === 'object'
      ? [...(methods as readonly MethodInputs[])]
      : [{ name: options.name ?? 'method', inputs: methods as readonly string[] }];
  if (options.gt && options.gt.length) groups.push({ name: GT_NAME, inputs: options.gt });
  const names = new Set<string>();
  for (const g of groups) {
    if (!g.name) throw new TheValError('BAD_ARGUMENT', 'a method needs a name');
    if (names.has(g.name)) throw new TheValError('BAD_ARGUMENT', `method name '${g.name}' is used twice`);
    if (g.name === GT_NAME && g.inputs !== options.gt) throw new TheValError('BAD_ARGUMENT', `'${GT_NAME}' is reserved for the real videos (--gt)`);
    names.add(g.name);
  }
  const jobs = options.jobs ?? defaultJobs();
  if (!Number.isInteger(jobs) || jobs < 1) throw new TheValError('BAD_ARGUMENT', `jobs must be a positive integer, got ${jobs}`);
  if (options.saveTracks && !options.out) throw new TheValError('BAD_ARGUMENT', 'saveTracks needs an output folder (out)');
  const metrics = selectMetrics(options.metrics);
  const providers = providersFor(options);
  checkProviders(providers);
  const device = options.device !== undefined ? parseDevice(options.device) : parseDevice(providers.face?.device ?? 'cpu');
  if (providers.face?.device !== undefined && parseDevice(providers.face.device) !== device) {
    throw new TheValError('BAD_ARGUMENT', `device '${device}' was asked for, but the given face provider runs on '${providers.face.device}' (defaultProviders({ device }))`);
  }
  // The GPU must be usable when a built-in pass runs on it (a plug-in provider has no device:
  // `--device` then only concerns the reference worker).
  const gpuBackend = options.gpuBackend !== undefined ? parseGpuBackend(options.gpuBackend) : providers.face?.gpuBackend ?? 'cuda';
  if (gpuBackend !== 'cuda') requireGpuBackend(device, gpuBackend);
  else if ([providers.face?.device, providers.quality?.device].some((d) => d !== undefined && d !== 'cpu')) requireDevice(device);
  if (options.gpuBackend !== undefined && providers.face && (providers.face.gpuBackend ?? 'cuda') !== gpuBackend) {
    throw new TheValError('BAD_ARGUMENT', `gpu backend '${gpuBackend}' was asked for, but the given face provider runs '${providers.face.gpuBackend ?? 'cuda'}' (defaultProviders({ device, gpuBackend }))`);
  }
  const { config, hash } = analysisConfig(providers, metrics);
  // Which backends/profile made the numbers: a sidecar next to every table (lib/io/provenance.ts).
  const provenance = formatProvenance(provenanceOfConfig(config, hash));
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.onWarning?.(m);
  };
  if (providers.face?.onePass || (providers.face?.device ?? 'cpu') !== 'cpu') {
    // The one pass runs on the native scheduler: `jobs` videos in flight on its own threads.
    // (So do a device's face passes when quirks take them out of the one pass: trackFacesOnDevice.)
    configurePasses(schedulerFor(jobs, device));
  } else if (jobs > threadPoolSize()) {
    warn(`jobs ${jobs} > libuv thread pool size ${threadPoolSize()}: native work beyond that queues; start with UV_THREADPOOL_SIZE=${jobs + 1} to run ${jobs} at once`);
  }
  if (!config.face && metrics.some((id) => id !== 'global_aesthetic' && id !== 'face_quality')) {
    warn('the face pipeline is not available in this build: every face-based metric is NaN ("face pipeline not available in this build")');
  }
  if (!config.audio && metrics.some((id) => getMetric(id).needsAudio)) warn('voice activity detection is not available in this build: the synchronization metrics are NaN');
  if (!config.quality && metrics.some((id) => getMetric(id).group === 'quality')) warn('no image quality model in this build: the quality metrics are NaN');

  // Inputs
  const planned: Array<{ method: string; paths: string[] }> = [];
  for (const g of groups) planned.push({ method: g.name, paths: await expandInputs(g.inputs) });
  for (const p of planned) if (p.paths.length === 0) warn(`method '${p.method}': no video found in its inputs`);
  const shardPlan = options.shard ? await planShard(groups, planned, options.shard) : undefined;

  // Store (resume)
  let store: ResultsStore | null = null;
  const outputs: string[] = [];
  const out = options.out ? path.resolve(options.out) : undefined;
  const previous = new Map<string, VideoRecord>();
  const key = (method: string, p: string) => `${method}\u0000${p}`;
  if (out) {
    await mkdir(out, { recursive: true });
    const name = options.shard ? shardResultsName(options.shard) : undefined;
    const deadline = Date.now() + (options.lockWaitMs ?? 0);
    for (;;) {
      try {
        store = ResultsStore.open(out, name);
        break;
      } catch (e) {
        if ((e as TheValError).code !== 'BUSY' || Date.now() >= deadline || options.signal?.aborted) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    for (const p of store.problems) warn(p);
    for (const r of store.existing) if (r.configHash === hash) previous.set(key(r.method, r.path), r);
  }
  const manifest = (complete: boolean): ShardManifest => ({
    tool: `theval ${toolVersion}`,
    shard: options.shard!,
    complete,
    updatedAt: new Date().toISOString(),
    configHash: hash,
    config,
    metrics,
    methods: shardPlan!,
    warnings,
  });

  try {
    // Written before any video, so `theval merge` knows this shard's share even if it is killed.
    if (out && shardPlan) await writeShardManifest(out, manifest(false));
    const tasks = planned.flatMap((p) => p.paths.map((file) => ({ method: p.method, file })));
    const results = new Map<string, VideoRecord>();
    const reusedKeys = new Set<string>();
    let done = 0, failed = 0, reusedCount = 0;
    const total = tasks.length;
    options.onProgress?.({ phase: 'start', total, done, reusedTotal: 0, failed: 0 });
    const finished = (method: string, record: VideoRecord, reused: boolean) => {
      results.set(key(method, record.path), record);
      done++;
      if (reused) {
        reusedKeys.add(key(method, record.path));
        reusedCount++;
      }
      if (record.status === 'error') failed++;
      options.onProgress?.({ phase: 'video', method, record, reused, total, done, reusedTotal: reusedCount, failed });
    };

    const redone = new Map<string, number>();
    const runOne = async (method: string, file: string): Promise<void> => {
      const prev = previous.get(key(method, file));
      let fp: Fingerprint | undefined;
      let fpError: unknown;
      try {
        fp = await fingerprintFile(file);
      } catch (e) {
        fpError = e;
      }
      if (prev) {
        const why = redoReason(prev, { fingerprint: fp, fpError, retryErrors: options.retryErrors, tracksOut: options.saveTracks ? out : undefined });
        if (why === null) return finished(method, prev, true);
        if (why !== 'the file changed') redone.set(why, (redone.get(why) ?? 0) + 1);
      }
      if (options.signal?.aborted) return;
      let record: VideoRecord;
      let tracksFile: string | undefined;
      try {
        record = await analyzeVideo(file, {
          providers,
          metrics,
          method,
          signal: options.signal,
          ...(options.diagnostics === false ? { diagnostics: false } : {}),
          ...(fp ? { fingerprint: fp } : {}),
          onTracks: options.saveTracks && out
            ? async ({ info, face, audio, quality }) => {
                const rel = path.join('tracks', methodDirName(method), tracksName(file));
                await mkdir(path.join(out, path.dirname(rel)), { recursive: true });
                const header = face
                  ? { fps: face.fps, width: face.width, height: face.height, frames: face.frames }
                  : { fps: info.fps, width: info.width, height: info.height, frames: Math.max(0, info.containerFrames) };
                await writeTracksJson(path.join(out, rel), header, face, audio, quality);
                tracksFile = rel;
              }
            : undefined,
        });
      } catch (e) {
        // analyzeVideo only rejects for bad options or a bug; keep the batch going.
        record = errorRecord(file, e, { providers, metrics, method, ...(fp ? { fingerprint: fp } : {}) });
      }
      if (tracksFile) record.tracksFile = tracksFile;
      record.method = method;
      store?.append(record);
      finished(method, record, false);
    };

    // Scheduler: at most `jobs` in flight; nothing new starts once the signal fires.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks.length && !options.signal?.aborted) {
        const t = tasks[next++];
        await runOne(t.method, t.file);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
    const interrupted = done < total;
    for (const [why, n] of redone) warn(`${n} video${n > 1 ? 's' : ''} analysed again although recorded earlier: ${why}`);

    // Summaries and outputs
    const records: VideoRecord[] = [];
    const summary: EvaluationSummary = {
      tool: `theval ${toolVersion}`,
      createdAt: new Date().toISOString(),
      complete: !interrupted,
      configHash: hash,
      config,
      metrics,
      ffmpeg: null,
      methods: {},
      gt: planned.some((p) => p.method === GT_NAME) ? GT_NAME : null,
      warnings,
      ...(options.command ? { command: [...options.command] } : {}),
    };
    const rows: AggregateRow[] = [];
    for (const p of planned) {
      const recs = p.paths.map((f) => results.get(key(p.method, f))).filter((r): r is VideoRecord => r !== undefined);
      records.push(...recs);
      const reused = p.paths.filter((f) => reusedKeys.has(key(p.method, f))).length;
      const ms = summarizeMethod(recs, p.paths.length, reused, metrics);
      summary.methods[p.method] = ms;
      rows.push(aggregateRow(p.method, ms));
      summary.ffmpeg ??= recs.find((r) => r.versions.ffmpeg !== 'unknown')?.versions.ffmpeg ?? null;
      if (shardPlan) shardPlan.find((m) => m.name === p.method)!.reused = reused;
      if (out && !shardPlan) outputs.push(...(await writeMethodTables(out, p.method, recs, metrics, provenance)));
    }
    if (interrupted) warn(`interrupted: ${total - done} of ${total} videos have no record yet; run the same command again to finish them`);
    if (summary.gt && !shardPlan) {
      const scores = leaderboardOf(rows, warn);
      if (scores) summary.scores = scores;
    }
    if (out && shardPlan) {
      outputs.push(await writeShardManifest(out, manifest(!interrupted)));
    } else if (out) {
      outputs.push(...(await writeRunTables(out, rows, summary, provenance)));
    }
    return { records, summary, interrupted, outputs };
  } finally {
    store?.close();
  }
}
