/**
 * `npm run bench -- <name...>`: runs benchmarks. Each prints a table and, as its last
 * stdout line, one JSON object of its figures (ratios against a baseline measured in the
 * same run: absolute times on shared machines mean little).
 */
const benches: Record<string, () => Promise<{ run(): Promise<Record<string, unknown>> }>> = {
  decode: () => import('./decode.js'),
  quality: () => import('./quality.js'),
  landmarks: () => import('./landmarks.js'),
  pose: () => import('./pose-accuracy.js'),
  fidelity: () => import('./fidelity.js'),
  report: () => import('./report.js'),
  reference: () => import('./reference.js'),
  diagnostics: () => import('./diagnostics.js'),
  long: () => import('./long-video.js'),
  'landmark-offset': () => import('./landmark-offset.js'),
  gpu: () => import('./gpu/index.js'),
  throughput: () => import('./throughput.js'),
  'tracker-order': () => import('./tracker-order.js'),
  'reference-readers': () => import('./reference-readers.js'),
};

const args = process.argv.slice(2).filter((a) => !a.startsWith('-'));
// `gpu` takes clips (and --emulate, --frames N) after its name.
const names = args[0] === 'gpu' ? ['gpu'] : args;
if (names.length === 0 || names.some((n) => !(n in benches))) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}>...`);
  process.exit(2);
}
const results: Record<string, unknown> = {};
for (const name of names) results[name] = await (await benches[name]()).run();
// The last line of stdout: one JSON object (for one bench, that bench's figures).
console.log(JSON.stringify(names.length === 1 ? results[names[0]] : results));
