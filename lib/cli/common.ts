/** Pieces several commands share: exit codes, argument parsing, metric names, the leaderboard table. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isTheValError } from '../errors.js';
import { METRIC_IDS, getMetric, metricForName } from '../metrics/registry.js';
import type { MetricId } from '../metrics/types.js';
import { defaultProviders, loadProviders, type DefaultProviderOptions, type Providers } from '../providers.js';
import type { MethodScore } from '../score.js';

/** Exit statuses (docs/cli.md). */
export const EXIT = {
  OK: 0,
  /** The run finished but some inputs failed (each has its error record / message). */
  SOME_FAILED: 1,
  USAGE: 2,
  /** Nothing sensible could be done: output folder not writable or in use, providers module broken, bad table. */
  FATAL: 3,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

export class UsageError extends Error {}

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };
type OptionValue<O> = O extends { type: 'boolean' } ? (O extends { multiple: true } ? boolean[] : boolean) : O extends { multiple: true } ? string[] : string;
/** What parse() returns: each option's value (absent when not given) and the positionals. */
export interface Parsed<T extends Record<string, OptionSpec>> {
  values: { [K in keyof T]?: OptionValue<T[K]> } & { help?: boolean };
  positionals: string[];
}

/** node:util parseArgs (positionals allowed, strict, -h/--help added), with errors turned into UsageError. */
export function parse<const T extends Record<string, OptionSpec>>(argv: string[], options: T): Parsed<T> {
  try {
    const config = { ...options, help: { type: 'boolean', short: 'h' } } as NonNullable<ParseArgsConfig['options']>;
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: config }) as unknown as Parsed<T>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs a command body: UsageError -> usage text and exit 2; TheValError/other -> message and exit 3. */
export async function runCommand(name: string, help: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`theval ${name}: ${e.message}\n\n${help}`);
      return EXIT.USAGE;
    }
    if (isTheValError(e, 'BAD_ARGUMENT')) {
      console.error(`theval ${name}: ${e.message}`);
      return EXIT.USAGE;
    }
    console.error(`theval ${name}: ${isTheValError(e) ? `${e.code}: ` : ''}${(e as Error).message ?? String(e)}`);
    return EXIT.FATAL;
  }
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got '${value}'`);
  return n;
}

/** `a,b,c` of metric ids, display names or aliases -> ids. */
export function parseMetricList(value: string | undefined): MetricId[] | undefined {
  if (value === undefined) return undefined;
  const ids: MetricId[] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    let id: MetricId | undefined;
    try {
      id = metricForName(part);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (!id) throw new UsageError(`unknown metric '${part}'; known: ${METRIC_IDS.join(', ')}`);
    if (!ids.includes(id)) ids.push(id);
  }
  if (ids.length === 0) throw new UsageError('--metrics is empty');
  return ids;
}

/**
 * The analysis passes for a CLI run: this build's defaults, or those of the module named
 * by --providers / THEVAL_PROVIDERS (the plugin and testing hook, see docs/cli.md).
 */
export async function resolveProviders(
  flag: string | undefined,
  defaults: DefaultProviderOptions = {},
): Promise<{ providers: Providers; module?: string }> {
  const spec = flag ?? process.env.THEVAL_PROVIDERS;
  if (!spec) return { providers: defaultProviders(defaults) };
  return { providers: await loadProviders(spec, defaultProviders(defaults)), module: spec };
}

function fmt(x: number, d = 4): string {
  return Number.isFinite(x) ? x.toFixed(d) : 'n/a';
}

/** The leaderboard as an aligned text table, best first. */
export function leaderboardTable(scores: readonly MethodScore[]): string {
  const sorted = [...scores].sort((a, b) => (Number.isNaN(a.rank) ? 1 : Number.isNaN(b.rank) ? -1 : a.rank - b.rank));
  const head = ['Rank', 'Model', 'Final', 'Quality', 'Naturalness', 'Synchronization', ...METRIC_IDS.map((id) => getMetric(id).name)];
  const rows = sorted.map((s) => [
    Number.isNaN(s.rank) ? '-' : String(s.rank),
    s.name + (s.complete ? '' : ' *'),
    fmt(s.final),
    fmt(s.groups.quality),
    fmt(s.groups.naturalness),
    fmt(s.groups.synchronization),
    ...METRIC_IDS.map((id) => fmt(s.normalised[id])),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(head), ...rows.map(line)];
  if (sorted.some((s) => !s.complete)) out.push('* incomplete: some metric had no value and was left out of that method\'s scores (see warnings)');
  return out.join('\n');
}
