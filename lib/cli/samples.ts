/** `theval samples --out DIR`: make the synthetic sample set (GT + three flawed methods). */
import { parseArgs } from 'node:util';
import { makeSampleSet, SAMPLE_METHODS } from '../samples/sampleSet.js';

const help = `Usage: theval samples [--out DIR]

Makes synthetic talking-head clips (espeak-ng speech, an animated public-domain face
photo, H.264 + AAC) in DIR (default ./sample):
${Object.entries(SAMPLE_METHODS).map(([k, v]) => `  ${k.padEnd(14)} ${v.description}`).join('\n')}
Existing clips are kept, so running it again is cheap. Needs espeak-ng and ffmpeg.`;

export const command = {
  summary: 'make synthetic sample clips',
  async run(argv: string[]): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
    } catch (e) {
      console.error(`theval samples: ${(e as Error).message}\n\n${help}`);
      return 2;
    }
    if (values.help) {
      console.log(help);
      return 0;
    }
    const set = await makeSampleSet(values.out ?? 'sample', (l) => console.error(l));
    console.log(JSON.stringify(set));
    return 0;
  },
};
