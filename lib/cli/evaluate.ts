/**
 * `theval evaluate` and `theval leaderboard`: score folders of videos, resumably.
 * The work is lib/evaluate.ts; this file turns arguments into methods, shows progress,
 * handles SIGINT/SIGTERM and prints the outcome.
 */
import path from 'node:path';
import { evaluate, defaultJobs, GT_NAME, type EvaluationResult, type EvaluationSummary, type MethodInputs } from '../evaluate.js';
import { inputKind } from '../io/inputs.js';
import { PUBLISHED_GT, mixingWarning, publishedComparableMetrics } from '../io/publishedGt.js';
import { createReferenceProviders, type ReferenceProviders } from '../reference/index.js';
import { METRIC_IDS } from '../metrics/registry.js';
import { scoreMethods, type MetricValues } from '../score.js';
import { EXIT, UsageError, leaderboardTable, parse, parseMetricList, positiveInt, resolveProviders, runCommand } from './common.js';
import { oneLine, Progress } from './progress.js';
import { parseQualityModelOption } from '../quality/options.js';
import { parseShard } from '../io/shards.js';
import { deviceWorkers, parseDeviceList, runDeviceWorkers, withoutOptions } from '../cluster/devices.js';
import { parseDevice, parseGpuBackend } from '../gpu.js';
import { quirkHelp, resolveProfile, type Profile } from '../profile.js';

const options = {
  name: { type: 'string' },
  out: { type: 'string', short: 'o' },
  list: { type: 'string', multiple: true },
  jobs: { type: 'string', short: 'j' },
  metrics: { type: 'string' },
  gt: { type: 'string', multiple: true },
  'save-tracks': { type: 'boolean' },
  'retry-errors': { type: 'boolean' },
  'published-gt': { type: 'boolean' },
  providers: { type: 'string' },
  'quality-model': { type: 'string', multiple: true },
  'quality-stride': { type: 'string' },
  'quality-backend': { type: 'string' },
  'pose-backend': { type: 'string' },
  'facexformer-checkpoint': { type: 'string' },
  python: { type: 'string' },
  device: { type: 'string' },
  'gpu-backend': { type: 'string' },
  'no-diagnostics': { type: 'boolean' },
  'flow-size': { type: 'string' },
  'wait-lock': { type: 'string' },
  profile: { type: 'string' },
  quirk: { type: 'string', multiple: true },
  'no-quirk': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  report: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  shard: { type: 'string' },
} as const;

const common = `  -o, --out DIR        output folder (default ./theval-out): results.jsonl, <method>/<metric>.csv,
                       aggregate.csv, summary.json; rerunning into the same folder resumes
  -j, --jobs N         videos analysed at once (default ${defaultJobs()} here: one per CPU core); each
                       runs its one pass on theval's own native threads, not libuv's pool
      --metrics LIST   comma-separated subset (ids, names or aliases), e.g. lip_sync,head_motion
      --save-tracks    also write each video's tracks JSON to <out>/tracks/<method>/ (videos
                       recorded earlier without their tracks file are analysed again)
      --retry-errors   redo videos whose earlier record is an error (default: keep it; a
                       failed audio or quality pass is redone anyway)
      --published-gt   also score against the published THEval GT row (warns: only comparable
                       when every number comes from the reference's models)
      --quality-model global=A.onnx,mouth=M.onnx,face=F.onnx
                       ONNX models replacing the built-in BRISQUE for any of the three
                       quality metrics (contract: docs/quality.md)
      --quality-stride K  score every K-th frame for the quality metrics (default 1, as the
                       reference; the effect of 2, 5, 10 is measured in docs/quality.md)
      --quality-backend native|pyiqa
                       pyiqa: the reference's own quality models (TOPIQ-IAA, MUSIQ-KonIQ,
                       TOPIQ-NR-face) in your Python (docs/reference-models.md)
      --pose-backend mediapipe|facexformer
                       facexformer: head pose from FaceXFormer on RetinaFace boxes, as the
                       reference (needs --facexformer-checkpoint PATH, its ckpts/model.pt)
      --python PATH    the Python with torch + pyiqa / FaceXFormer (default python3)
      --no-diagnostics skip the diagnostics beyond THEval (face warping error, background
                       motion, audio-video offset, frame difference; docs/diagnostics.md),
                       which cost an optical flow per frame pair in the face pass
      --flow-size N    working size of that optical flow in pixels (default 128)
      --profile P      clean (default: every metric as METRICS.md defines it) or reference
                       (the released THEval scripts' quirks, for comparing with numbers they
                       produced); the profile is in every record and in the config hash
      --quirk LIST     switch quirks on (comma-separated), --no-quirk LIST switches them off:
${quirkHelp('                         ')}
      --providers MOD  load analysis passes from an ES module (plugin/testing hook; also
                       THEVAL_PROVIDERS=MOD); see docs/cli.md
      --shard i/N      evaluate only shard i of N (1 <= i <= N; stable hash of method + path
                       relative to its folder) into <out>/results.shard-i-of-N.jsonl; N
                       processes or Slurm tasks share one --out; then \`theval merge <out>\`
                       writes the tables (docs/cluster.md)
      --device DEV     cpu (default), cuda, cuda:N: the device of the one pass's face networks
                       and BRISQUE (CUDA backend, NVDEC decoding where it can; docs/gpu.md)
                       and of the reference worker (--quality-backend pyiqa, --pose-backend
                       facexformer); GPU_UNAVAILABLE before any video when no GPU is usable.
                       A list, --device cuda:0,cuda:1:
                       one worker process per GPU, each a shard, each seeing only its GPU
                       (CUDA_VISIBLE_DEVICES, THEVAL_DEVICE=cuda:0); merged at the end
                       (docs/cluster.md)
      --gpu-backend E  with --device cuda: the engine of the face networks: cuda (default,
                       theval's CUDA executor), tensorrt (FP32, TF32 off) or tensorrt-fp16;
                       TensorRT only in builds that found it (theval doctor; docs/gpu.md)
      --wait-lock S    if another run holds the output folder (or the shard's file), wait up
                       to S seconds for it to end instead of failing with BUSY (theval slurm
                       passes it when a task restarts after a requeue)
      --json           print summary.json to stdout at the end
      --report         also write <out>/report.html (theval report, defaults; docs/report.md);
                       with a device list after the merge; with --shard refused (theval
                       merge <out> --report, once every shard has run)
  -q, --quiet          no progress output
  -h, --help           this text`;

const exits = `Exit status: 0 every video evaluated; 1 some videos failed (each has an error record in
results.jsonl); 2 bad usage; 3 fatal (output folder unusable or in use, providers module
broken); 130 / 143 interrupted by SIGINT / SIGTERM (everything recorded so far is kept;
run the same command again to finish).`;

const evaluateHelp = `Usage: theval evaluate <input...> [--name M] [--gt REAL...] [options]

Evaluates videos with the 8 THEval metrics. Inputs are video files, folders (searched
recursively for .mp4 .mov .mkv .webm .avi .m4v) and list files (@list.txt or --list FILE:
one path per line, relative to the list's folder, '#' comments).

Methods: with --name M every input belongs to method M. Without it, each folder is a method
named after the folder, each list file a method named after the file, and loose video files
form the method 'videos'. --gt PATH (repeatable; a folder, file or @list) evaluates real videos
as method 'GT' with the same configuration and prints the leaderboard.

Each finished video is appended to <out>/results.jsonl at once (fsync'ed); a rerun with the
same configuration skips videos already done and redoes changed files and videos whose audio
or quality pass failed. Ctrl-C once: no new video is started, those in flight finish; twice:
they are abandoned. Under a supervisor, run node_modules/.bin/theval, not npx (a SIGTERM to
npm does not reach theval).

Options:
      --name M         method name for all inputs
      --list FILE      add the videos listed in FILE (repeatable)
      --gt PATH        real (ground-truth) videos; repeatable
${common}

${exits}`;

const leaderboardHelp = `Usage: theval leaderboard --gt REAL <methodDir...> [options]

Evaluates the real videos (--gt) and each method folder (named after the folder) with one
configuration, then prints the leaderboard: normalised score per metric (paper Eq. 12),
group scores (Quality, Naturalness, Synchronization), final score and rank. Same as
\`theval evaluate --gt REAL DIR1 DIR2 ...\`.

Options:
      --gt PATH        real (ground-truth) videos: folder, file or @list; repeatable
${common}

${exits}`;

function baseName(p: string, stripExtension = false): string {
  const b = path.basename(path.resolve(p));
  return (stripExtension ? b.replace(/\.[^.]*$/, '') : b) || p;
}

/** Groups inputs into methods (see the help text). */
async function methodsOf(positionals: string[], lists: string[], name: string | undefined): Promise<MethodInputs[]> {
  if (name !== undefined) {
    if (!name.trim()) throw new UsageError('--name is empty');
    if (name.toUpperCase() === GT_NAME) throw new UsageError(`--name ${name}: '${GT_NAME}' is reserved for --gt`);
    return [{ name, inputs: [...positionals, ...lists.map((l) => `@${l}`)] }];
  }
  const groups: MethodInputs[] = [];
  const loose: string[] = [];
  const add = (n: string, inputs: string[]) => {
    if (n.toUpperCase() === GT_NAME) throw new UsageError(`input '${inputs[0]}' would be a method named '${n}', which is reserved for --gt; use --name`);
    if (groups.some((g) => g.name === n)) throw new UsageError(`two inputs would both be method '${n}'; evaluate them separately with --name`);
    groups.push({ name: n, inputs });
  };
  for (const p of positionals) {
    const kind = await inputKind(p);
    if (kind === 'folder') add(baseName(p), [p]);
    else if (kind === 'list') add(baseName(p.slice(1), true), [p]);
    else loose.push(p);
  }
  for (const l of lists) add(baseName(l, true), [`@${l}`]);
  if (loose.length) add('videos', loose);
  return groups;
}

async function run(argv: string[], mode: 'evaluate' | 'leaderboard'): Promise<number> {
  const help = mode === 'evaluate' ? evaluateHelp : leaderboardHelp;
  return runCommand(mode, help, async () => {
    const { values, positionals } = parse(argv, options);
    if (values.help) {
      console.log(help);
      return EXIT.OK;
    }
    const lists = values.list ?? [];
    if (positionals.length === 0 && lists.length === 0) throw new UsageError('no input given');
    if (mode === 'leaderboard') {
      if (!values.gt?.length) throw new UsageError('--gt is required');
      if (values.name !== undefined) throw new UsageError('--name: leaderboard names each method after its folder');
    }
    if (values.device !== undefined && values.device.includes(',')) {
      if (values.shard !== undefined) throw new UsageError('--device with several devices and --shard: give one (a device list makes one shard per device)');
      return runOnDevices(mode, argv, parseDeviceList(values.device), values.out ?? 'theval-out', values);
    }
    if (values.shard !== undefined && values['published-gt']) {
      throw new UsageError(`--published-gt with --shard: a shard's values cover only its videos; once every shard has run, \`theval merge ${values.out ?? 'theval-out'}\` then \`theval score ${values.out ?? 'theval-out'}/aggregate.csv --published-gt\``);
    }
    if (values.shard !== undefined && values.report) {
      throw new UsageError(`--report with --shard: a shard writes no tables to report on; once every shard has run, \`theval merge ${values.out ?? 'theval-out'} --report\``);
    }
    const shard = values.shard === undefined ? undefined : parseShard(values.shard);
    const jobs = positiveInt(values.jobs, '--jobs');
    const metrics = parseMetricList(values.metrics);
    const methods = await methodsOf(positionals, lists, values.name);
    const qualityModels = values['quality-model'] ? parseQualityModelOption(values['quality-model']) : undefined;
    const qualityStride = values['quality-stride'] === undefined ? undefined : positiveInt(values['quality-stride'], '--quality-stride');
    const split = (v: string[] | undefined): string[] => (v ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    let profile;
    try {
      profile = resolveProfile({ profile: values.profile, quirks: split(values.quirk), noQuirks: split(values['no-quirk']) });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const diagnostics = !values['no-diagnostics'];
    const flowSize = values['flow-size'] === undefined ? undefined : positiveInt(values['flow-size'], '--flow-size');
    if (flowSize !== undefined && (flowSize < 32 || flowSize > 1024)) throw new UsageError('--flow-size must be in 32..1024');
    // One device: the one pass's networks and BRISQUE run there (a device-list worker is told its GPU by THEVAL_DEVICE).
    let device, gpuBackend;
    try {
      device = parseDevice(values.device ?? process.env.THEVAL_DEVICE);
      gpuBackend = values['gpu-backend'] === undefined ? undefined : parseGpuBackend(values['gpu-backend']);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const resolved = await resolveProviders(values.providers, { qualityModels, qualityStride, profile, motion: diagnostics, flowSize, device, ...(gpuBackend ? { gpuBackend } : {}) });
    const { module } = resolved;
    const reference = await referenceProviders(profile, values);
    const providers = reference ? { ...resolved.providers, quality: reference.quality ?? resolved.providers.quality, pose: reference.pose } : resolved.providers;
    const out = values.out ?? 'theval-out';
    const progress = new Progress({ quiet: values.quiet });
    if (module && !values.quiet) progress.log(`theval: analysis passes from ${module}`);

    // Signals: first one stops scheduling (in-flight videos finish and are recorded), the second abandons them.
    const controller = new AbortController();
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
      if (!signalled) {
        signalled = sig;
        controller.abort();
        progress.log(`theval: ${sig}: no new video will be started; waiting for the videos in flight (again to abandon them)`);
        return;
      }
      progress.finish();
      console.error(`theval: ${sig} again: abandoning the videos in flight; everything recorded so far is in ${path.join(out, 'results.jsonl')}`);
      process.exit(sig === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let result: EvaluationResult;
    try {
      result = await evaluate(methods, {
        out,
        jobs,
        metrics,
        providers,
        device,
        ...(gpuBackend ? { gpuBackend } : {}),
        gt: values.gt,
        saveTracks: values['save-tracks'],
        diagnostics,
        retryErrors: values['retry-errors'],
        shard,
        ...(values['wait-lock'] !== undefined ? { lockWaitMs: 1000 * (positiveInt(values['wait-lock'], '--wait-lock') ?? 0) } : {}),
        signal: controller.signal,
        onProgress: progress.onProgress,
        onWarning: (m) => progress.log(`theval: warning: ${m}`),
        command: ['theval', mode, ...argv],
      });
    } finally {
      await reference?.close();
      progress.finish();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const s = result.summary;
    if (values.json) console.log(JSON.stringify(s, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
    if (!values.quiet) {
      for (const [name, m] of Object.entries(s.methods)) {
        const valid = METRIC_IDS.filter((id) => s.metrics.includes(id)).map((id) => `${id} ${m.validVideos[id]}`).join(', ');
        console.error(`theval: ${name}: ${m.recorded}/${m.videos} videos recorded (${m.reused} from an earlier run, ${m.failed} failed); valid values per metric: ${valid}`);
        for (const f of m.failures.slice(0, 10)) console.error(oneLine(`  failed: ${f.code}: ${f.message}`));
        if (m.failures.length > 10) console.error(`  ... and ${m.failures.length - 10} more (summary.json)`);
      }
      console.error(`theval: wrote ${result.outputs.length} files to ${path.resolve(out)}`);
    }
    const out2 = values.json ? console.error : console.log;
    if (s.scores) {
      out2(`\nLeaderboard (normalised by the GT videos evaluated in this run):\n${leaderboardTable(s.scores)}`);
      out2(producedBy(s.config));
    }
    if (values['published-gt']) printPublishedLeaderboard(s, out2);
    if (values.report && !signalled) await (await import('./report.js')).writeFolderReport(out, values.quiet);
    if (shard && !values.quiet && !result.interrupted) console.error(`theval: shard ${shard.index}/${shard.count} done; once every shard is, \`theval merge ${out}\` writes the tables`);
    if (signalled) return signalled === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
    return Object.values(s.methods).some((m) => m.failed > 0) ? EXIT.SOME_FAILED : EXIT.OK;
  });
}

/**
 * --quality-backend pyiqa / --pose-backend facexformer: starts the reference worker (its
 * models load now, so a missing python/torch/pyiqa/weight file stops the run before any video).
 */
async function referenceProviders(profile: Profile, values: { 'quality-backend'?: string; 'pose-backend'?: string; 'facexformer-checkpoint'?: string; python?: string; device?: string; 'quality-model'?: string[] }): Promise<ReferenceProviders | null> {
  const q = values['quality-backend'] ?? 'native', p = values['pose-backend'] ?? 'mediapipe';
  if (q !== 'native' && q !== 'pyiqa') throw new UsageError(`--quality-backend must be native or pyiqa, got '${q}'`);
  if (p !== 'mediapipe' && p !== 'facexformer') throw new UsageError(`--pose-backend must be mediapipe or facexformer, got '${p}'`);
  if (p === 'facexformer' && !values['facexformer-checkpoint']) throw new UsageError('--pose-backend facexformer needs --facexformer-checkpoint PATH (ckpts/model.pt of the FaceXFormer repository)');
  if (p !== 'facexformer' && values['facexformer-checkpoint']) throw new UsageError('--facexformer-checkpoint is only used with --pose-backend facexformer');
  if (q === 'pyiqa' && values['quality-model']) throw new UsageError('--quality-model and --quality-backend pyiqa both choose the quality models; give one');
  if (q === 'native' && p === 'mediapipe') {
    if (values.python) throw new UsageError('--python is for the reference worker (--quality-backend pyiqa, --pose-backend facexformer)');
    return null;
  }
  return createReferenceProviders({
    python: values.python,
    // A device-list worker (--device cuda:0,cuda:1) is told its device by THEVAL_DEVICE.
    device: (values.device ?? process.env.THEVAL_DEVICE) === 'cuda-emulated' ? undefined : values.device ?? process.env.THEVAL_DEVICE,
    quality: q === 'pyiqa',
    ...(p === 'facexformer' ? { facexformerCheckpoint: path.resolve(values['facexformer-checkpoint']!) } : {}),
    // Quirk pyiqa-batching (in --profile reference): MUSIQ padding, TOPIQ-NR-face failing the video.
    reference: profile.quirks.includes('pyiqa-batching'),
  });
}

/** `--published-gt`: the leaderboard normalised by the published THEval GT row, with the mixing warning. */
function printPublishedLeaderboard(s: EvaluationSummary, out2: (text: string) => void): void {
  const pipeline = `this run's pipeline (${[s.config.face?.name, s.config.audio?.name, s.config.quality?.backend.name].filter(Boolean).join(', ') || 'no face, audio or quality model'})`;
  const w = mixingWarning(pipeline);
  const same = publishedComparableMetrics(s.config);
  if (w) console.error(`\n${'!'.repeat(78)}\nWARNING: ${w}${same.length ? `\n(These metrics do come from the reference's own models and compare with the published GT row: ${same.join(', ')}.)` : ''}\n${'!'.repeat(78)}`);
  const rows = Object.entries(s.methods)
    .filter(([n]) => n !== GT_NAME)
    .map(([name, m]) => ({ name, values: Object.fromEntries(METRIC_IDS.map((id) => [id, m.values[id] ?? NaN])) as MetricValues }));
  try {
    out2(`\nLeaderboard against the PUBLISHED GT row (${PUBLISHED_GT.source}):\n${leaderboardTable(scoreMethods(rows, { ...PUBLISHED_GT.values }))}`);
  } catch (e) {
    console.error(`theval: no leaderboard against the published GT: ${(e as Error).message}`);
  }
}

/** `--device cuda:0,cuda:1`: one worker per device (each a shard), then the merge. */
async function runOnDevices(
  mode: string,
  argv: string[],
  devices: string[],
  out: string,
  values: { json?: boolean; quiet?: boolean; report?: boolean; 'published-gt'?: boolean },
): Promise<number> {
  const workers = deviceWorkers(devices);
  // The workers are shards: their values cover only their videos, so the report and the
  // published-GT leaderboard come after the merge.
  const args = withoutOptions(argv, ['device'], ['json', 'report', 'published-gt']);
  // The workers share this machine's cores: split the default number of videos in flight.
  if (!args.some((a) => a === '-j' || a === '--jobs' || a.startsWith('--jobs=') || /^-j\d/.test(a))) {
    args.push('--jobs', String(Math.max(1, Math.floor(defaultJobs() / workers.length))));
  }
  if (!values.quiet) console.error(`theval: ${workers.length} workers: ${workers.map((w) => `shard ${w.shard.index}/${w.shard.count} on ${w.device}`).join(', ')}`);
  const outcomes = await runDeviceWorkers(mode, args, workers, (l) => console.error(l));
  for (const o of outcomes) {
    if (o.code !== EXIT.OK && o.code !== EXIT.SOME_FAILED) console.error(`theval: the worker on ${o.worker.device} ended with ${o.signal ?? `exit status ${o.code}`}`);
  }
  const { mergeShards } = await import('../cluster/merge.js');
  const { reportMerge } = await import('./merge.js');
  const merged = await mergeShards(out, { onWarning: (m) => console.error(`theval: warning: ${m}`) });
  const status = reportMerge(merged, { json: values.json, quiet: values.quiet, out });
  if (values['published-gt']) printPublishedLeaderboard(merged.summary, values.json ? console.error : console.log);
  if (values.report) await (await import('./report.js')).writeFolderReport(out, values.quiet);
  const killed = outcomes.find((o) => o.code === EXIT.SIGINT || o.code === EXIT.SIGTERM || o.signal);
  if (killed) return killed.code === EXIT.SIGTERM || killed.signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
  return outcomes.some((o) => o.code === EXIT.FATAL || o.code === EXIT.USAGE) ? EXIT.FATAL : status;
}

/** Which models produced the numbers: printed under every leaderboard (a GT row is only valid for them). */
function producedBy(config: { face?: { name: string; version: string } | null; audio?: { name: string; version: string } | null; quality?: { scorers: Record<string, string> } | null; pose?: { name: string; version: string } }): string {
  const lines = ['Numbers produced by:'];
  const q = config.quality?.scorers ?? {};
  for (const [id, name] of Object.entries(q)) lines.push(`  ${id.padEnd(21)} ${name}`);
  if (Object.values(q).some((n) => n.startsWith('BRISQUE'))) {
    lines.push('  (BRISQUE: 0..100, lower = better; not the reference\'s TOPIQ-IAA / MUSIQ / TOPIQ-NR-face, so only comparable with a GT row computed here)');
  }
  lines.push(`  face, head pose         ${config.face ? `${config.face.name}, ${config.face.version}` : 'none'}`);
  if (config.pose) lines.push(`  head pose (head motion) ${config.pose.name}, ${config.pose.version}`);
  lines.push(`  speech, loudness        ${config.audio ? `${config.audio.name}, ${config.audio.version}` : 'none'}`);
  return lines.join('\n');
}

export const command = {
  summary: 'evaluate videos (resumable), write results.jsonl, CSVs, summary.json',
  run: (argv: string[]) => run(argv, 'evaluate'),
};

export const leaderboardCommand = {
  summary: 'evaluate GT + method folders and print the leaderboard',
  run: (argv: string[]) => run(argv, 'leaderboard'),
};
