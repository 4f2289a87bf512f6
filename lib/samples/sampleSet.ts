/**
 * The sample set the README's main command evaluates: synthetic "real" (GT) clips and
 * three "methods", each wrong in one known way. Made once; existing files are kept.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { synthesizeTalkingHead, type SynthOptions } from './synth.js';

const SCRIPTS = [
  '<speak>Hello, this is a sample clip. <break time="700ms"/> The mouth follows the voice. <break time="500ms"/> One, two, three.</speak>',
  '<speak>Good morning everyone. <break time="500ms"/> Today we measure talking heads. <break time="700ms"/> Thank you.</speak>',
  '<speak>Numbers are easy to read. <break time="300ms"/> Seven, eight, nine, ten. <break time="700ms"/> That is all.</speak>',
];

/** Folder -> how its clips are made (on top of the per-clip script and seed). */
export const SAMPLE_METHODS: Record<string, { description: string; options: SynthOptions }> = {
  gt: { description: 'reference: mouth follows the voice, natural head motion', options: { mouth: 'speech', headMotion: 3 } },
  static_mouth: { description: 'the mouth never moves', options: { mouth: 'static', headMotion: 3 } },
  shifted_audio: { description: 'audio 400 ms late against the video', options: { mouth: 'speech', headMotion: 3, audioShift: 0.4 } },
  still_head: { description: 'the head never moves', options: { mouth: 'speech', headMotion: 0 } },
};

export interface SampleSet {
  root: string;
  gt: string;
  methods: Record<string, string>;
}

export async function makeSampleSet(root: string, log: (line: string) => void = () => {}): Promise<SampleSet> {
  const set: SampleSet = { root, gt: path.join(root, 'gt'), methods: {} };
  for (const [name, spec] of Object.entries(SAMPLE_METHODS)) {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    if (name !== 'gt') set.methods[name] = dir;
    for (let i = 0; i < SCRIPTS.length; i++) {
      const file = path.join(dir, `clip${i + 1}.mp4`);
      if (existsSync(file)) continue;
      const tmp = path.join(dir, `.clip${i + 1}.partial.mp4`);
      await synthesizeTalkingHead(tmp, { ...spec.options, ssml: SCRIPTS[i], seed: i + 1 });
      renameSync(tmp, file);
      log(`made ${file} (${spec.description})`);
    }
  }
  return set;
}
