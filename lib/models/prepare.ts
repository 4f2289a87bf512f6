/**
 * Set-up entry: fetches and verifies every model file theval fetches itself.
 * `npm run models:prepare` (from a checkout) or `node dist/models/prepare.js` (installed).
 * Prints one line per model: name and verified path.
 */
import { vadModelPath } from './vadModel.js';

async function main(): Promise<void> {
  const vad = await vadModelPath({ prepare: true });
  process.stdout.write(`silero_vad_v5 ${vad}\n`);
}

main().catch((e: unknown) => {
  const err = e as { code?: string; message?: string };
  process.stderr.write(`${err.code ?? 'ERROR'}: ${err.message ?? String(e)}\n`);
  process.exitCode = 1;
});
