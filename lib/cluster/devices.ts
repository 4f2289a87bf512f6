/**
 * One node, several GPUs: `theval evaluate ... --device cuda:0,cuda:1` starts one worker
 * process per device, each evaluating one shard (`--shard k/N`, N = number of devices) with
 * CUDA_VISIBLE_DEVICES set to its device (so inside the worker it is device 0, as under a
 * Slurm GPU allocation), then merges the shards (lib/cluster/merge.ts).
 *
 * Worker processes rather than threads: each has its own CUDA context, libuv pool and
 * memory, and one that crashes loses only its videos in flight (its shard resumes).
 */
import { spawn } from 'node:child_process';
import { TheValError } from '../errors.js';
import type { Shard } from '../io/shards.js';

export interface DeviceWorker {
  /** As given, e.g. 'cuda:1'. */
  device: string;
  shard: Shard;
  /** Environment the worker gets on top of ours. */
  env: Record<string, string>;
}

/** `cuda:0,cuda:1` (or `cuda:0,1`) -> the CUDA device ordinals, in order, no duplicates. */
export function parseDeviceList(text: string): string[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  const devices: string[] = [];
  for (const item of items) {
    const m = /^(?:cuda:)?(\d+)$/.exec(item);
    if (!m) throw new TheValError('BAD_ARGUMENT', `--device: '${item}' is not a CUDA device (cuda:K); give e.g. --device cuda:0,cuda:1`);
    const d = `cuda:${Number(m[1])}`;
    if (devices.includes(d)) throw new TheValError('BAD_ARGUMENT', `--device: ${d} is given twice`);
    devices.push(d);
  }
  if (devices.length === 0) throw new TheValError('BAD_ARGUMENT', '--device is empty');
  return devices;
}

/** One worker per device: shard k+1 of N on device k, seeing only that GPU. */
export function deviceWorkers(devices: readonly string[]): DeviceWorker[] {
  return devices.map((device, k) => ({
    device,
    shard: { index: k + 1, count: devices.length },
    // THEVAL_DEVICE names the device inside the worker's view (always its only GPU, ordinal 0).
    env: { CUDA_VISIBLE_DEVICES: device.slice('cuda:'.length), THEVAL_DEVICE: 'cuda:0' },
  }));
}

/** `argv` without the options named (`--x v`, `--x=v`; boolean ones with `flags`). */
export function withoutOptions(argv: readonly string[], valued: readonly string[], flags: readonly string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : '';
    if (valued.includes(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    if (flags.includes(name)) continue;
    out.push(a);
  }
  return out;
}

export interface WorkerOutcome {
  worker: DeviceWorker;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs `theval <command> <args> --shard k/N` once per worker, all at once, with this
 * process's node, flags and entry script; each output line is prefixed with the device.
 * SIGINT/SIGTERM received meanwhile are passed on to every worker.
 */
export async function runDeviceWorkers(
  command: string,
  args: readonly string[],
  workers: readonly DeviceWorker[],
  log: (line: string) => void,
): Promise<WorkerOutcome[]> {
  const children = workers.map((w) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], command, ...args, '--shard', `${w.shard.index}/${w.shard.count}`], {
      env: { ...process.env, ...w.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        const lines = (rest + d).split(/\r?\n|\r/);
        rest = lines.pop()!;
        for (const l of lines) if (l) log(`[${w.device}] ${l}`);
      });
      stream.on('end', () => rest && log(`[${w.device}] ${rest}`));
    }
    return { worker: w, child };
  });
  const forward = (sig: NodeJS.Signals) => {
    for (const { child } of children) if (child.exitCode === null) child.kill(sig);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await Promise.all(
      children.map(
        ({ worker, child }) =>
          new Promise<WorkerOutcome>((resolve) => {
            child.once('error', () => resolve({ worker, code: null, signal: null }));
            child.once('close', (code, signal) => resolve({ worker, code, signal }));
          }),
      ),
    );
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}
