/**
 * Progress on stderr: a redrawn bar with rate and ETA on a terminal, one plain line per
 * finished video otherwise (logs, CI, `2> file`). Rate and ETA count only videos analysed
 * in this run (records reused from an earlier run finish instantly and would inflate them).
 */
import path from 'node:path';
import type { ProgressEvent } from '../evaluate.js';

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Force the terminal (bar) or log style; default: the stream's isTTY. */
  tty?: boolean;
  quiet?: boolean;
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/**
 * One line per video, whatever the file is called: a newline (or another control character)
 * in a path or message is written escaped (\n, \r, \t, \xNN), so a log reader splitting on
 * lines still sees one line per video.
 */
export function oneLine(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  private start = performance.now();
  private last: ProgressEvent | undefined;
  private analysed = 0;
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(opts: ProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? !!this.stream.isTTY;
    this.quiet = !!opts.quiet;
  }

  /** The callback to hand to evaluate(). */
  readonly onProgress = (e: ProgressEvent): void => {
    this.last = e;
    if (e.phase === 'start') {
      this.start = performance.now();
      if (this.tty && !this.quiet) {
        this.timer = setInterval(() => this.draw(), 1000);
        this.timer.unref();
      }
      if (!this.quiet && !this.tty) this.stream.write(`theval: ${e.total} video(s) to evaluate\n`);
      return;
    }
    if (!e.reused) this.analysed++;
    if (this.quiet) return;
    if (this.tty) this.draw();
    else if (!e.reused) {
      const r = e.record!;
      const width = String(e.total).length;
      const status = r.status === 'ok' ? `ok    ${(r.timings.total / 1000).toFixed(1)}s` : `error ${r.error!.code}: ${r.error!.message}`;
      const line = `[${String(e.done).padStart(width)}/${e.total}] ${e.method} ${r.status === 'ok' ? r.path : path.basename(r.path)} ${status}`;
      this.stream.write(`${oneLine(line)}\n`);
    }
  };

  /** Prints a line without tearing the bar. */
  log(message: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.stream.write(oneLine(message) + '\n');
    if (this.tty && this.drawn) this.draw();
  }

  private draw(): void {
    const e = this.last;
    if (!e || this.quiet) return;
    const secs = (performance.now() - this.start) / 1000;
    const rate = secs > 0 ? this.analysed / secs : 0;
    const left = e.total - e.done;
    const eta = rate > 0 ? left / rate : NaN;
    const cols = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 70));
    const filled = e.total ? Math.round((cols * e.done) / e.total) : cols;
    const bar = '#'.repeat(filled) + '-'.repeat(cols - filled);
    const extra = [e.reusedTotal ? `${e.reusedTotal} reused` : '', e.failed ? `${e.failed} failed` : ''].filter(Boolean).join(', ');
    const text = `[${bar}] ${e.done}/${e.total}  ${(rate * 60).toFixed(1)} videos/min  ETA ${duration(eta)}  elapsed ${duration(secs)}${extra ? `  (${extra})` : ''}`;
    this.stream.write(`\r\x1b[K${text}`);
    this.drawn = true;
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty && this.drawn) {
      this.draw();
      this.stream.write('\n');
    }
    this.drawn = false;
  }
}
