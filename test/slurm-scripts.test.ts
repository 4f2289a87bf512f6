/**
 * The job scripts `theval slurm` writes, without a cluster: the options a user asks for
 * become #SBATCH lines, odd paths survive shell quoting (bash runs the command line and we
 * read back its words), the scripts parse (bash -n).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellQuote, slurmScripts } from '../lib/cluster/slurm.js';
import { tempDir } from './helpers/batch.js';
import { runCli } from './helpers/cli.js';

describe('slurm job scripts', () => {
  const o = {
    shards: 12,
    out: '/scratch/my run/out',
    evaluateArgs: ['/data/method A', "--gt", "/data/it's real", '--metrics', 'lip_sync'],
    theval: `${shellQuote('/opt/node 20/bin/node')} /opt/theval/bin/theval.js`,
    chdir: '/home/u',
    scriptDir: '/scratch/my run/out/slurm',
    time: '02:00:00',
    mem: '16G',
    cpusPerTask: 4,
    gpusPerTask: 1,
    partition: 'gpu',
    account: 'lab',
    maxParallel: 5,
    extra: ['--constraint=a100'],
  };
  const s = slurmScripts(o);

  it('--report goes to the merge job, not to the array tasks (shards write no tables)', () => {
    const plain = s.merge.split('\n').find((l) => l.startsWith('exec '))!;
    expect(plain).not.toContain('--report');
    const withReport = slurmScripts({ ...o, report: true });
    expect(withReport.merge.split('\n').find((l) => l.startsWith('exec '))).toBe(`${plain} --report`);
    expect(withReport.evaluate).not.toContain('--report');
  });

  it('theval slurm ... -- ... --report: the written merge job reports, the array job does not get --report', () => {
    const out = path.join(tempDir('theval-slurm-report-'), 'out');
    const r = runCli(['slurm', '--shards', '2', '--out', out, '--', '/data/a', '--report']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'slurm', 'merge.sbatch'), 'utf8')).toMatch(/ merge \S+ --report\n/);
    expect(readFileSync(path.join(out, 'slurm', 'evaluate.sbatch'), 'utf8')).not.toContain('--report');
  });

  it('--published-gt after -- is refused (shards cover part of the videos), with the command to use after the merge', () => {
    const r = runCli(['slurm', '--shards', '2', '--out', '/tmp/x', '--', '/data/a', '--published-gt']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/theval score \/tmp\/x\/aggregate\.csv --published-gt/);
  });

  it('--gpus-per-task: the tasks evaluate on their GPU (--device cuda) unless the arguments name a device; device lists refused', () => {
    const dir = tempDir('theval-slurm-gpu-');
    const evalLine = (out: string) => readFileSync(path.join(out, 'slurm', 'evaluate.sbatch'), 'utf8').split('\n').find((l) => l.includes(' evaluate '))!;
    const gpu = runCli(['slurm', '--shards', '2', '--out', path.join(dir, 'a'), '--gpus-per-task', '1', '--', '/data/a', '--gpu-backend', 'tensorrt']);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect(evalLine(path.join(dir, 'a'))).toMatch(/ \/data\/a --gpu-backend tensorrt --device cuda --out /);
    const cpu = runCli(['slurm', '--shards', '2', '--out', path.join(dir, 'b'), '--gpus-per-task', '1', '--', '/data/a', '--device=cpu']);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(evalLine(path.join(dir, 'b'))).toMatch(/--device=cpu --out /);
    expect(evalLine(path.join(dir, 'b'))).not.toMatch(/--device cuda/);
    const noGpu = runCli(['slurm', '--shards', '2', '--out', path.join(dir, 'c'), '--', '/data/a']);
    expect(evalLine(path.join(dir, 'c'))).not.toMatch(/--device/);
    expect(noGpu.status).toBe(0);
    expect(gpu.stderr).not.toMatch(/warning/);
    const two = runCli(['slurm', '--shards', '2', '--out', path.join(dir, 'e'), '--gpus-per-task', '2', '--', '/data/a']);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stderr).toMatch(/warning: --gpus-per-task 2: each task runs on one GPU .* --gpus-per-task 1 and more shards/);
    const list = runCli(['slurm', '--shards', '2', '--out', path.join(dir, 'd'), '--', '/data/a', '--device', 'cuda:0,cuda:1']);
    expect(list.status).toBe(2);
    expect(list.stderr).toMatch(/--device with several devices after --: .*--gpus-per-task 1/);
  });

  it('turns the options into #SBATCH lines', () => {
    for (const line of ['--array=1-12%5', '--requeue', '--time=02:00:00', '--mem=16G', '--cpus-per-task=4', '--gpus-per-task=1', '--partition=gpu', '--account=lab', '--constraint=a100', '--chdir=/home/u']) {
      expect(s.evaluate.split('\n'), line).toContain(`#SBATCH ${line}`);
    }
    expect(s.merge.split('\n')).toContain('#SBATCH --account=lab');
    expect(s.evaluate.split('\n')).toContain('#SBATCH --output="/scratch/my run/out/slurm/logs/evaluate-%A_%a.out"');
    expect(s.merge).not.toMatch(/--array|--gpus/);
    expect(s.submit).toMatch(/--dependency=afterany:\$array merge\.sbatch/);
  });

  it('quotes every word so bash sees the arguments as given; the scripts parse', () => {
    const dir = tempDir('theval-sbatch-');
    // Replace the launcher with a printer of its arguments, one per line, and run the line.
    const line = s.evaluate.split('\n').find((l) => l.includes(' evaluate '))!;
    const printer = line.replace(o.theval, 'printf "%s\\n"');
    const r = spawnSync('bash', ['-c', printer], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '7' }, encoding: 'utf8' });
    expect(r.stdout.trim().split('\n')).toEqual(['evaluate', ...o.evaluateArgs, '--out', o.out, '--shard', '7/12', '--jobs', '3']);
    for (const [name, text] of Object.entries(s)) {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      const n = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      expect(n.status, `${name}: ${n.stderr}`).toBe(0);
    }
  });
});
