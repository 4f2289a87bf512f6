/**
 * The Slurm job scripts of a sharded evaluation (`theval slurm`): an array job of N tasks,
 * task i running `theval evaluate ... --shard i/N --out OUT`, requeued (and so resumed from
 * its shard file) when its node fails; and a merge job that Slurm starts once every task
 * has ended (`--dependency=afterany:<array>`), whatever their outcome: `theval merge OUT`
 * then names the shards that did not finish.
 */
import path from 'node:path';

export interface SlurmJobOptions {
  /** Number of array tasks (shards). */
  shards: number;
  /** The shared output folder (absolute). */
  out: string;
  /** Arguments of `theval evaluate` (inputs and options, without --out / --shard). */
  evaluateArgs: readonly string[];
  /** Shell words that run theval, e.g. `'/usr/bin/node' '/home/u/node_modules/theval/bin/theval.js'`. */
  theval: string;
  /** Working folder of the jobs (relative inputs are taken from here). */
  chdir: string;
  /** Where the scripts and logs/ go. */
  scriptDir: string;
  jobName?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  gpusPerTask?: number;
  partition?: string;
  account?: string;
  qos?: string;
  /** At most this many tasks at once (`--array=1-N%M`). */
  maxParallel?: number;
  mergeTime?: string;
  /** Extra `#SBATCH` options for both jobs, e.g. `--constraint=a100`. */
  extra?: readonly string[];
  /** The merge job also writes the report (`theval merge OUT --report`). */
  report?: boolean;
}

export interface SlurmScripts {
  evaluate: string;
  merge: string;
  submit: string;
}

/** One shell word: quoted unless it is plainly safe. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A path in an #SBATCH line: sbatch splits those at blanks unless double-quoted. */
const directivePath = (p: string): string => (/\s/.test(p) ? `"${p}"` : p);

function commonDirectives(o: SlurmJobOptions): string[] {
  const d: string[] = [`--chdir=${directivePath(o.chdir)}`];
  if (o.partition) d.push(`--partition=${o.partition}`);
  if (o.account) d.push(`--account=${o.account}`);
  if (o.qos) d.push(`--qos=${o.qos}`);
  for (const x of o.extra ?? []) d.push(x);
  return d;
}

const directives = (opts: string[]): string => opts.map((o) => `#SBATCH ${o}`).join('\n');

export function slurmScripts(o: SlurmJobOptions): SlurmScripts {
  const name = o.jobName ?? 'theval';
  const logs = path.join(o.scriptDir, 'logs');
  const hasJobs = o.evaluateArgs.some((a) => a === '-j' || a === '--jobs' || a.startsWith('--jobs='));
  // One video per CPU of the task, less one for the main thread (evaluate's own default rule).
  const jobs = o.cpusPerTask && !hasJobs ? Math.max(1, o.cpusPerTask - 1) : undefined;
  const evalOpts = [
    `--job-name=${name}`,
    `--array=1-${o.shards}${o.maxParallel ? `%${o.maxParallel}` : ''}`,
    // A task whose node fails is put back in the queue and starts again: it resumes from its
    // own results file, redoing only the videos that were in flight.
    '--requeue',
    '--open-mode=append',
    `--output=${directivePath(path.join(logs, 'evaluate-%A_%a.out'))}`,
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.gpusPerTask ? [`--gpus-per-task=${o.gpusPerTask}`] : []),
    ...commonDirectives(o),
  ];
  const evalCmd = [
    o.theval,
    'evaluate',
    ...o.evaluateArgs.map(shellQuote),
    '--out',
    shellQuote(o.out),
    '--shard',
    `"$SLURM_ARRAY_TASK_ID/${o.shards}"`,
    ...(jobs ? ['--jobs', String(jobs)] : []),
    // After a requeue the attempt it replaces may still be finishing its videos in flight on
    // this node (SIGTERM lets them finish): wait for its lock instead of failing with BUSY.
    '$([ "${SLURM_RESTART_COUNT:-0}" != 0 ] && echo --wait-lock 300)',
  ].join(' ');
  const evaluate = `#!/bin/bash
# theval: shard $SLURM_ARRAY_TASK_ID of ${o.shards} of one evaluation into ${o.out}.
# Written by \`theval slurm\`; submit with submit.sh (which also queues the merge job).
${directives(evalOpts)}
set -u
${jobs ? `export UV_THREADPOOL_SIZE=\${UV_THREADPOOL_SIZE:-${Math.max(4, jobs + 1)}}\n` : ''}echo "theval: shard $SLURM_ARRAY_TASK_ID/${o.shards} on $(hostname) at $(date -u +%FT%TZ), restart \${SLURM_RESTART_COUNT:-0}, GPUs \${CUDA_VISIBLE_DEVICES:-none}" >&2
# Exit status 1 (some videos failed, each with its error record) still counts as done.
${evalCmd}
status=$?
[ "$status" = 1 ] && exit 0
exit "$status"
`;
  const mergeOpts = [
    `--job-name=${name}-merge`,
    `--output=${directivePath(path.join(logs, 'merge-%j.out'))}`,
    `--time=${o.mergeTime ?? '00:30:00'}`,
    '--cpus-per-task=1',
    ...commonDirectives(o),
  ];
  const merge = `#!/bin/bash
# theval: merges the ${o.shards} shards in ${o.out} once every array task has ended.
${directives(mergeOpts)}
set -u
exec ${o.theval} merge ${shellQuote(o.out)}${o.report ? ' --report' : ''}
`;
  const submit = `#!/bin/bash
# Queues the array job, then the merge job to start after all its tasks end (afterany).
set -euo pipefail
cd ${shellQuote(o.scriptDir)}
mkdir -p logs
array=$(sbatch --parsable evaluate.sbatch)
array=\${array%%;*}
merge=$(sbatch --parsable --dependency=afterany:$array merge.sbatch)
merge=\${merge%%;*}
echo "array job $array (${o.shards} tasks), merge job $merge"
`;
  return { evaluate, merge, submit };
}
