/**
 * A one-node Slurm cluster on this machine for tests: munged, slurmctld and slurmd from
 * Debian's munge and slurm-wlm (scripts/setup.sh installs them), started without systemd,
 * with their key, socket, state, spool, logs and pid files in a temporary folder and ports
 * of their own, so nothing of the host's is touched. Stopped by their pid files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DAEMONS = ['munged', 'mungekey', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'sinfo'];

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd} || { [ -x /usr/sbin/${cmd} ] && echo /usr/sbin/${cmd}; }`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim().split('\n')[0] : undefined;
}

/** Why a local cluster cannot be started here, or undefined when it can. */
export function slurmUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'Slurm test cluster: Linux only';
  const missing = DAEMONS.filter((d) => !which(d));
  if (missing.length) return `Slurm or munge not installed (missing ${missing.join(', ')}; scripts/setup.sh installs slurm-wlm and munge)`;
  if (process.getuid?.() !== 0) return 'starting slurmd needs root (it runs each job as its user)';
  return undefined;
}

export interface LocalSlurm {
  dir: string;
  /** Environment for sbatch, squeue, scontrol (SLURM_CONF). */
  env: Record<string, string>;
  stop(): void;
  /** The tail of the daemons' logs (for failure messages). */
  logs(): string;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the cluster and waits until its node is idle; throws (after stopping what started) when it does not come up. */
export function startLocalSlurm(): LocalSlurm {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-slurm-'));
  chmodSync(dir, 0o755);
  for (const d of ['munge', 'state', 'spool', 'log']) mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 });
  const host = os.hostname().split('.')[0];
  const cpus = Math.max(1, Math.min(os.availableParallelism(), 4));
  const memMb = Math.min(4096, Math.floor(os.totalmem() / 2 ** 20 / 2));
  // Ports of our own (not 6817/6818), so a cluster the host may run is never touched.
  const port = 20000 + Math.floor(Math.random() * 20000);
  const sock = path.join(dir, 'munge', 'munge.socket');
  const pidFiles = { munged: path.join(dir, 'munge', 'munged.pid'), slurmctld: path.join(dir, 'slurmctld.pid'), slurmd: path.join(dir, 'slurmd.pid') };
  const conf = path.join(dir, 'slurm.conf');
  writeFileSync(
    conf,
    [
      'ClusterName=thevaltest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${sock}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      `StateSaveLocation=${path.join(dir, 'state')}`,
      `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
      `SlurmctldPidFile=${pidFiles.slurmctld}`,
      `SlurmdPidFile=${pidFiles.slurmd}`,
      `SlurmctldLogFile=${path.join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${path.join(dir, 'log', 'slurmd.log')}`,
      'JobCompType=jobcomp/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'ReturnToService=2',
      'SchedulerType=sched/backfill',
      // Scheduling passes and requeues without the production delays.
      'SchedulerParameters=defer_batch=0',
      'KillWait=5',
      'MinJobAge=300',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${memMb} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'),
  );
  const env = { SLURM_CONF: conf };
  const run = (cmd: string, args: string[]) => execFileSync(which(cmd)!, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const logs = () =>
    ['munge/munged.log', 'log/slurmctld.log', 'log/slurmd.log']
      .map((f) => path.join(dir, f))
      .filter(existsSync)
      .map((f) => `--- ${f}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}`)
      .join('\n');
  const stop = () => {
    for (const name of ['slurmd', 'slurmctld', 'munged'] as const) {
      const f = pidFiles[name];
      if (!existsSync(f)) continue;
      const pid = Number(readFileSync(f, 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 1 || !pidAlive(pid)) continue;
      process.kill(pid, 'SIGTERM');
      for (let k = 0; k < 100 && pidAlive(pid); k++) sleepMs(100);
      if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  };
  try {
    const key = path.join(dir, 'munge', 'munge.key');
    run('mungekey', ['-c', '-k', key]);
    chmodSync(key, 0o600);
    run('munged', ['--force', '-S', sock, `--key-file=${key}`, `--pid-file=${pidFiles.munged}`, `--log-file=${path.join(dir, 'munge', 'munged.log')}`, `--seed-file=${path.join(dir, 'munge', 'seed')}`]);
    run('slurmctld', ['-f', conf]);
    run('slurmd', ['-f', conf]);
    for (let k = 0; k < 150; k++) {
      const r = spawnSync(which('sinfo')!, ['-h', '-o', '%t'], { env: { ...process.env, ...env }, encoding: 'utf8' });
      if (r.status === 0 && r.stdout.trim() === 'idle') return { dir, env, stop, logs };
      sleepMs(200);
    }
    throw new Error('the node did not become idle within 30 s');
  } catch (e) {
    const text = `${(e as Error).message}\n${(e as { stderr?: string }).stderr ?? ''}\n${logs()}`;
    stop();
    throw new Error(`local Slurm cluster did not start: ${text}`);
  }
}

/** Runs a Slurm client command against the cluster; returns stdout. */
export function slurmCmd(cluster: LocalSlurm, cmd: string, args: string[]): string {
  return execFileSync(which(cmd)!, args, { env: { ...process.env, ...cluster.env }, encoding: 'utf8' });
}

/** The state of a job (or array task, `123_2`) as scontrol shows it, e.g. COMPLETED; undefined when unknown. */
export function jobState(cluster: LocalSlurm, job: string): string | undefined {
  const r = spawnSync(which('scontrol')!, ['show', 'job', job], { env: { ...process.env, ...cluster.env }, encoding: 'utf8' });
  const states = [...r.stdout.matchAll(/JobState=(\S+)/g)].map((m) => m[1]);
  if (states.length === 0) return undefined;
  // An array: one entry per task; report the first that is not finished, else COMPLETED/FAILED...
  return states.find((s) => !['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY'].includes(s)) ?? states[0];
}
