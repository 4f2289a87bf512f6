// The CLI entry for tests (see cli.ts): the same main() that bin/theval.js runs, from source.
import { main } from '../../lib/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
