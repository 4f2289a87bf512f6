/**
 * One long-lived Python process running lib/reference/worker.py: started once, fed
 * requests over its stdin, answering on its stdout (protocol.ts). Requests are answered in
 * order; several may be queued (videos in flight share the worker).
 *
 * A worker that cannot start says why (no python, torch, pyiqa, weights...) as a
 * WORKER_SETUP error; one that dies mid-run rejects every request in flight with
 * WORKER_DIED, and the process is gone: the owner (bridge.ts) starts a new one for the
 * next request.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TheValError } from '../errors.js';
import { encodeMessage, MessageReader, type Message } from './protocol.js';

export interface WorkerOptions {
  /** The Python to run (default 'python3'); it needs numpy, torch and, per use, pyiqa / FaceXFormer. */
  python?: string;
  /** torch device: 'cpu' (default), 'cuda', 'cuda:1', ... */
  device?: string;
  /** pyiqa metric names to load (e.g. topiq_iaa, musiq, topiq_nr-face). */
  quality?: readonly string[];
  /** FaceXFormer checkpoint (ckpts/model.pt of its repository): enables the pose op. */
  facexformerCheckpoint?: string;
  /** Extra environment for the worker (e.g. PYTHONPATH, TORCH_HOME, CUDA_VISIBLE_DEVICES). */
  env?: Record<string, string | undefined>;
  /** How long model loading may take before giving up (default 10 minutes). */
  startTimeoutMs?: number;
}

export interface WeightFile {
  file: string;
  path: string;
  bytes: number;
  sha256: string;
}

/** What the worker reports once its models are loaded. */
export interface WorkerProvenance {
  protocol: number;
  python: string;
  executable: string;
  numpy: string;
  torch: string;
  device: string;
  pyiqa?: string;
  metrics: Record<string, { lowerBetter: boolean; weights: WeightFile[] }>;
  pose: null | {
    facexformer: { checkpoint: string; weights: WeightFile[] };
    retinaface: { version: string; weights: WeightFile[] };
    crop: string;
  };
}

/** worker.py next to this file (lib/reference/), or from dist/reference/ back to lib/reference/. */
export function workerScriptPath(): string {
  for (const rel of ['./worker.py', '../../lib/reference/worker.py']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new TheValError('WORKER_SETUP', 'theval\'s reference worker script lib/reference/worker.py is missing from this installation');
}

const STDERR_KEEP = 4000;

export class PythonWorker {
  readonly provenance: WorkerProvenance;
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private deathError: TheValError | null = null;
  private writing: Promise<void> = Promise.resolve();
  private stderrTail: () => string;

  private constructor(child: ChildProcessWithoutNullStreams, provenance: WorkerProvenance, reader: MessageReader, stderrTail: () => string) {
    this.child = child;
    this.provenance = provenance;
    this.stderrTail = stderrTail;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const m of reader.push(chunk)) this.settle(m);
    });
    child.on('exit', (code, signal) => this.died(`exited ${signal ? `on signal ${signal}` : `with status ${code}`}`));
    child.stdin.on('error', () => {
      /* EPIPE when the worker is gone: the exit handler reports it */
    });
    this.idle();
  }

  /** Starts the worker and waits until its models are loaded (or it says why not). */
  static start(options: WorkerOptions = {}): Promise<PythonWorker> {
    const python = options.python ?? 'python3';
    const args = [workerScriptPath(), '--device', options.device ?? 'cpu'];
    if (options.quality?.length) args.push('--quality', options.quality.join(','));
    if (options.facexformerCheckpoint) args.push('--facexformer-checkpoint', options.facexformerCheckpoint);
    return new Promise((resolve, reject) => {
      let child: ChildProcessWithoutNullStreams;
      try {
        child = spawn(python, args, { env: { ...process.env, PYTHONUNBUFFERED: '1', ...options.env }, stdio: 'pipe' });
      } catch (e) {
        reject(new TheValError('WORKER_SETUP', `cannot run Python '${python}': ${(e as Error).message}`));
        return;
      }
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString('utf8')).slice(-STDERR_KEEP);
      });
      const tail = () => stderr.trim().split('\n').slice(-8).join('\n');
      const reader = new MessageReader();
      let done = false;
      const fail = (msg: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new TheValError('WORKER_SETUP', msg));
      };
      const timer = setTimeout(() => fail(`the reference worker (${python}) did not load its models within ${(options.startTimeoutMs ?? 600_000) / 1000} s; last output:\n${tail()}`), options.startTimeoutMs ?? 600_000);
      child.on('error', (e: NodeJS.ErrnoException) =>
        fail(e.code === 'ENOENT'
          ? `cannot run Python '${python}': not found. Install Python 3 with PyTorch and pyiqa (pip install torch pyiqa==0.1.13), or pass --python /path/to/python`
          : `cannot run Python '${python}': ${e.message}`),
      );
      child.on('exit', (code, signal) => fail(`the reference worker (${python}) exited ${signal ? `on signal ${signal}` : `with status ${code}`} before it was ready; its last output:\n${tail()}`));
      const onData = (chunk: Buffer) => {
        const msgs = reader.push(chunk);
        if (!msgs.length || done) return;
        const first = msgs[0].header;
        if (first.op === 'error') return fail(`reference worker (${python}): ${String(first.message)}`);
        if (first.op !== 'ready') return fail(`reference worker (${python}) sent ${JSON.stringify(first).slice(0, 200)} instead of its ready message`);
        done = true;
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        const { op: _op, ...prov } = first;
        resolve(new PythonWorker(child, prov as unknown as WorkerProvenance, reader, tail));
      };
      child.stdout.on('data', onData);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.deathError === null;
  }

  /** Sends one request (header + pixel payload) and resolves with the worker's reply. */
  request(header: Record<string, unknown>, payload: readonly Uint8Array[] = []): Promise<Message> {
    if (this.deathError) return Promise.reject(this.deathError);
    const id = this.nextId++;
    const reply = new Promise<Message>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.busy();
    const chunks = encodeMessage({ ...header, id }, payload);
    this.writing = this.writing.then(async () => {
      for (const c of chunks) {
        if (this.deathError) return;
        if (!this.child.stdin.write(c)) await new Promise<void>((r) => {
          const done = () => {
            this.child.stdin.off('drain', done);
            this.child.off('exit', done);
            r();
          };
          this.child.stdin.once('drain', done);
          this.child.once('exit', done);
        });
      }
    });
    return reply.then((m) => {
      if (m.header.ok !== true) {
        throw new TheValError('INTERNAL', `reference worker: ${String(m.header.error ?? 'request failed')}${m.header.trace ? `\n${String(m.header.trace)}` : ''}`);
      }
      return m;
    });
  }

  /** Ends the worker (it finishes what it is doing first). */
  async close(): Promise<void> {
    if (this.deathError) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end(Buffer.concat(encodeMessage({ op: 'quit' })));
    const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  }

  private settle(m: Message): void {
    const id = Number(m.header.id);
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.resolve(m);
    if (this.pending.size === 0) this.idle();
  }

  private died(how: string): void {
    if (this.deathError) return;
    const tail = this.stderrTail();
    this.deathError = new TheValError(
      'WORKER_DIED',
      `the reference worker (pid ${this.child.pid}, ${this.provenance.executable}) ${how}${this.pending.size ? ` with ${this.pending.size} request(s) in flight` : ''}${tail ? `; its last output:\n${tail}` : ''}`,
    );
    for (const p of this.pending.values()) p.reject(this.deathError);
    this.pending.clear();
  }

  // An idle worker must not keep Node alive; one with requests in flight must.
  private idle(): void {
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
    (this.child.stderr as unknown as { unref?: () => void }).unref?.();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  private busy(): void {
    this.child.ref();
    (this.child.stdout as unknown as { ref?: () => void }).ref?.();
  }
}
