/** `theval slurm`: writes (and with --submit queues) the Slurm jobs of a sharded evaluation. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote, slurmScripts } from '../cluster/slurm.js';
import { EXIT, UsageError, parse, positiveInt, runCommand } from './common.js';

const help = `Usage: theval slurm --shards N --out DIR [options] -- <evaluate arguments...>

Writes the Slurm jobs of one evaluation split into N shards: evaluate.sbatch (an array job,
task i runs \`theval evaluate <arguments> --shard i/N --out DIR\`, requeued and resumed if its
node fails), merge.sbatch (\`theval merge DIR\`) and submit.sh, which queues the array and
then the merge with --dependency=afterany on it. Everything after -- goes to
\`theval evaluate\` (inputs, --gt, --metrics, --name, --device, ...; not --out, --shard);
--report there goes to the merge job (\`theval merge DIR --report\`). With --gpus-per-task
the tasks evaluate with --device cuda (their GPU) unless the arguments name a device.
Relative paths are taken from the current folder (the jobs --chdir to it). See
docs/cluster.md.

Options:
      --shards N           array tasks (shards)
  -o, --out DIR            the shared output folder (on a file system every node sees)
      --time T             per-task time limit (Slurm format, e.g. 04:00:00)
      --mem M              per-task memory (e.g. 8G)
      --cpus-per-task C    CPUs per task (also sets --jobs C-1 unless given after --)
      --gpus-per-task G    GPUs per task (Slurm sets CUDA_VISIBLE_DEVICES); the tasks then
                           evaluate with --device cuda unless given one after --
      --partition P, --account A, --qos Q
      --max-parallel M     at most M tasks at once (--array=1-N%M)
      --job-name NAME      default theval
      --merge-time T       time limit of the merge job (default 00:30:00)
      --sbatch OPT         extra #SBATCH option for both jobs, e.g. --sbatch=--constraint=a100 (repeatable)
      --script-dir DIR     where the scripts and logs/ go (default DIR/slurm)
      --theval CMD         shell words that run theval on the nodes (default: this node and
                           this theval, by absolute path)
      --submit             run submit.sh now and print the job ids
  -h, --help               this text

Exit status: 0 written (and submitted); 2 bad usage; 3 sbatch failed.`;

const options = {
  shards: { type: 'string' },
  out: { type: 'string', short: 'o' },
  time: { type: 'string' },
  mem: { type: 'string' },
  'cpus-per-task': { type: 'string' },
  'gpus-per-task': { type: 'string' },
  partition: { type: 'string' },
  account: { type: 'string' },
  qos: { type: 'string' },
  'max-parallel': { type: 'string' },
  'job-name': { type: 'string' },
  'merge-time': { type: 'string' },
  sbatch: { type: 'string', multiple: true },
  'script-dir': { type: 'string' },
  theval: { type: 'string' },
  submit: { type: 'boolean' },
} as const;

/** The default launcher: this node binary and this package's bin/theval.js. */
function defaultTheval(): string {
  const bin = fileURLToPath(new URL('../../bin/theval.js', import.meta.url));
  return `${shellQuote(process.execPath)} ${shellQuote(bin)}`;
}

export const command = {
  summary: 'write (and --submit) a Slurm array job + dependent merge job for a sharded evaluation',
  run: (argv: string[]) =>
    runCommand('slurm', help, async () => {
      const sep = argv.indexOf('--');
      const own = sep < 0 ? argv : argv.slice(0, sep);
      const evaluateArgs = sep < 0 ? [] : argv.slice(sep + 1);
      const { values, positionals } = parse(own, options);
      if (values.help) {
        console.log(help);
        return EXIT.OK;
      }
      if (positionals.length) throw new UsageError(`unexpected '${positionals[0]}': evaluate's inputs go after --`);
      const shards = positiveInt(values.shards, '--shards');
      if (!shards) throw new UsageError('--shards is required');
      if (!values.out) throw new UsageError('--out is required');
      if (evaluateArgs.length === 0) throw new UsageError('no evaluate arguments after --');
      let device: string | undefined;
      for (let i = 0; i < evaluateArgs.length; i++) {
        const a = evaluateArgs[i];
        const name = a.split('=')[0];
        if (['--out', '-o', '--shard', '--json'].includes(name)) throw new UsageError(`${name} after --: theval slurm sets the output and the shards itself`);
        if (name === '--published-gt') throw new UsageError(`--published-gt after --: the array tasks are shards; after the merge, \`theval score ${values.out ?? 'OUT'}/aggregate.csv --published-gt\``);
        if (name === '--device') device = a.includes('=') ? a.slice(a.indexOf('=') + 1) : evaluateArgs[i + 1];
      }
      const gpusPerTask = positiveInt(values['gpus-per-task'], '--gpus-per-task');
      if (device?.includes(',')) {
        throw new UsageError('--device with several devices after --: each array task is already a shard; ask for one GPU per task (--gpus-per-task 1) and more shards');
      }
      // --report belongs to the merge job: the array tasks are shards, which write no tables.
      const report = evaluateArgs.includes('--report');
      // Tasks given GPUs use them (Slurm sets CUDA_VISIBLE_DEVICES: the task's GPU is cuda:0)
      // unless the arguments name a device themselves (e.g. --device cpu).
      const taskArgs = [...evaluateArgs.filter((a) => a !== '--report'), ...(gpusPerTask && device === undefined ? ['--device', 'cuda'] : [])];
      const out = path.resolve(values.out);
      const scriptDir = path.resolve(values['script-dir'] ?? path.join(out, 'slurm'));
      const scripts = slurmScripts({
        shards,
        out,
        evaluateArgs: taskArgs,
        report,
        theval: values.theval ?? defaultTheval(),
        chdir: process.cwd(),
        scriptDir,
        jobName: values['job-name'],
        time: values.time,
        mem: values.mem,
        cpusPerTask: positiveInt(values['cpus-per-task'], '--cpus-per-task'),
        gpusPerTask,
        partition: values.partition,
        account: values.account,
        qos: values.qos,
        maxParallel: positiveInt(values['max-parallel'], '--max-parallel'),
        mergeTime: values['merge-time'],
        extra: values.sbatch,
      });
      mkdirSync(path.join(scriptDir, 'logs'), { recursive: true });
      mkdirSync(out, { recursive: true });
      for (const [name, text] of [['evaluate.sbatch', scripts.evaluate], ['merge.sbatch', scripts.merge], ['submit.sh', scripts.submit]] as const) {
        writeFileSync(path.join(scriptDir, name), text);
        chmodSync(path.join(scriptDir, name), 0o755);
      }
      console.error(`theval slurm: wrote evaluate.sbatch (array of ${shards}), merge.sbatch, submit.sh in ${scriptDir}`);
      if (gpusPerTask && gpusPerTask > 1 && (device === undefined || !device.startsWith('cpu'))) {
        console.error(`theval slurm: warning: --gpus-per-task ${gpusPerTask}: each task runs on one GPU (its cuda:0); the others stay idle. Ask for --gpus-per-task 1 and more shards`);
      }
      if (!values.submit) {
        console.log(path.join(scriptDir, 'submit.sh'));
        return EXIT.OK;
      }
      const r = spawnSync('bash', [path.join(scriptDir, 'submit.sh')], { encoding: 'utf8' });
      process.stderr.write(r.stderr ?? '');
      if (r.status !== 0) {
        console.error(`theval slurm: submit.sh failed (${r.error?.message ?? `exit status ${r.status}`})`);
        return EXIT.FATAL;
      }
      process.stdout.write(r.stdout);
      return EXIT.OK;
    }),
};
