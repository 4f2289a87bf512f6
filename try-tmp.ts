import { synthesizeTalkingHead } from './lib/samples/synth.ts';
import { trackFaces } from './lib/face/trackFaces.ts';
import { DIAGNOSTICS } from './lib/diagnostics/registry.ts';
import { analyzeAudio } from './lib/audio/analyzeAudio.ts';
import { existsSync } from 'node:fs';
const dir = '/tmp/wt-diag';
const variants: Record<string, any> = {
  clean: {}, flicker: { faceFlicker: 12 }, drift: { drift: [0.37, 0.23] }, staticbg: { background: 'static' },
  shiftm200: { audioShift: -0.2 }, shift200: { audioShift: 0.2 }, shift400: { audioShift: 0.4 }, staticmouth: { mouth: 'static' },
};
for (const [name, opt] of Object.entries(variants)) {
  const f = `${dir}/${name}.mp4`;
  if (!existsSync(f)) await synthesizeTalkingHead(f, { seed: 3, ...opt });
  const t0 = performance.now();
  const face = await trackFaces(f, { motion: true });
  const audio = await analyzeAudio(f, face.fps, face.frames).catch((e) => { console.log(e.message); return null; });
  const out: string[] = [];
  for (const d of DIAGNOSTICS) {
    const r = d.compute({ face, audio: (audio as any)?.tracks ?? null });
    out.push(`${d.id}=${r.value.toFixed(3)}${(r.details as any)?.confidence !== undefined ? ` conf=${(r.details as any).confidence.toFixed(3)}` : ''}`);
  }
  console.log(name.padEnd(12), out.join(' '), `motionMs/frame=${(face.timings.motionMs! / face.frames).toFixed(2)} total/frame=${(face.timings.totalMs / face.frames).toFixed(1)}`);
}
