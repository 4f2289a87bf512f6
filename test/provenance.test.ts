/**
 * Provenance in every output (lib/io/provenance.ts): each per-metric CSV and aggregate.csv
 * written by `evaluate` gets a `<name>.provenance.json` sidecar naming the backends and the
 * profile; the CSVs themselves stay in the reference's format (checked with regexes written
 * from the reference's summary-line formats, METRICS.md "Interop formats", not with our own
 * parser); `collect` carries provenance into an aggregate's sidecar; `score` warns when the
 * rows of one table come from different backends or profiles.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate, METRIC_IDS, type Providers } from '../lib/index.js';
import { formatProvenance, parseProvenance, provenancePath, readProvenance, type Provenance } from '../lib/io/provenance.js';
import { collectFolder } from '../lib/io/referenceCsv.js';
import { scoreTable } from '../lib/scoreTable.js';
import { smallClip, tempDir } from './helpers/batch.js';
import { runCli } from './helpers/cli.js';
// @ts-expect-error: plain JS test fixture
import { makeProviders } from './fixtures/fakeProviders.mjs';

const fake = (o: Record<string, unknown> = {}): Providers => makeProviders(o) as Providers;

/** The reference tool's summary lines (METRICS.md), as a regex-based collect step reads them. */
const REFERENCE_SUMMARY: Record<string, RegExp> = {
  global_aesthetic: /^Overall Average Aesthetics: (\S+)$/m,
  mouth_quality: /^Overall Average Quality: (\S+)$/m,
  face_quality: /^Overall Average Quality: (\S+)$/m,
  lip_dynamics: /^Average STD Over Time: (\S+)$/m,
  head_motion: /^Mean head motion dynamics: (\S+)$/m,
  eyebrow_dynamics: /^Average Micro-Expression Intensity: (\S+)$/m,
  silent_lip_stability: /^Average Silent MAD:,(\S+)$/m,
  lip_sync: /^Average Mean Difference: (\S+)$/m,
};

const sample: Provenance = {
  tool: 'theval 0.0.0',
  configHash: '0123456789abcdef',
  profile: 'clean',
  quirks: [],
  face: 'face-backend 1',
  audio: 'audio-backend 1',
  quality: { global_aesthetic: 'BRISQUE 1' },
};

describe('provenance sidecars', () => {
  it('round trip: format -> parse gives the same provenance; path next to the CSV', () => {
    expect(provenancePath('/x/y/lip_sync.csv')).toBe('/x/y/lip_sync.provenance.json');
    expect(provenancePath('/x/aggregate.CSV')).toBe('/x/aggregate.provenance.json');
    const back = parseProvenance(formatProvenance(sample, { A: { ...sample, profile: 'reference', quirks: ['bgr-lipsync'] } }));
    expect(back).toMatchObject(sample);
    expect(back.rows?.A.profile).toBe('reference');
    expect(() => parseProvenance('{"format":"other"}')).toThrow(/not a theval-provenance/);
    expect(() => parseProvenance('{')).toThrow(/not JSON/);
  });

  it('evaluate writes one per CSV; the CSVs still match the reference summary formats; collect reads them back', async () => {
    const dir = tempDir('theval-prov-');
    const out = path.join(dir, 'out');
    const r = await evaluate([smallClip()], { providers: fake(), name: 'A', gt: [smallClip()], out });
    expect(r.summary.methods.A.recorded).toBe(1);
    for (const method of ['A', 'GT']) {
      for (const id of METRIC_IDS) {
        const csv = path.join(out, method, `${id}.csv`);
        const text = readFileSync(csv, 'utf8');
        const m = REFERENCE_SUMMARY[id].exec(text.replace(/\r\n/g, '\n'));
        expect(m, `${method}/${id}.csv: the reference's summary line`).not.toBeNull();
        expect(text.split(/\r?\n/)[0].startsWith('Video Path,'), 'header').toBe(true);
        expect(text, 'no provenance inside the CSV').not.toMatch(/provenance|fake-face/);
        const side = await readProvenance(csv);
        expect(side.provenance, `${method}/${id}.provenance.json`).not.toBeNull();
        expect(side.provenance!.profile).toBe('clean');
        expect(side.provenance!.configHash).toBe(r.summary.configHash);
      }
      // collect: the folder's files agree, so its provenance is theirs.
      const c = await collectFolder(path.join(out, method), method);
      expect(c.warnings.filter((w) => /backends\/profiles/.test(w))).toEqual([]);
      expect(c.provenance?.face).toBe('fake-face 1');
      expect(c.provenance?.audio).toBe('fake-audio 1');
    }
    const agg = await readProvenance(path.join(out, 'aggregate.csv'));
    expect(agg.provenance?.face).toBe('fake-face 1');
    expect(agg.provenance?.configHash).toBe(r.summary.configHash);
    // The sidecar files are the only additions: every other file is a CSV or summary/results.
    const extra = readdirSync(path.join(out, 'A')).filter((f) => !f.endsWith('.csv') && !f.endsWith('.provenance.json'));
    expect(extra).toEqual([]);
  }, 120_000);

  it('score warns when rows come from different profiles; not when they agree', () => {
    const table = 'Model,Global aesthetic,Mouth quality,Face quality,Lip dynamics,Head motion dynamics,Eyebrow dynamics,Silent lip stability,Lip sync\nA,1,1,1,1,1,1,1,1\nGT,1,1,1,1,1,1,1,1\n';
    const same = parseProvenance(formatProvenance(sample));
    expect(scoreTable(table, { provenance: same }).mixing).toBeUndefined();
    const mixed = parseProvenance(formatProvenance(sample, { A: { ...sample, profile: 'reference', quirks: ['squash256'] } }));
    const r = scoreTable(table, { provenance: mixed });
    expect(r.mixing).toMatch(/different backends\/profiles/);
    expect(r.mixing).toMatch(/A: profile reference/);
    expect(r.mixing).toMatch(/GT: profile clean/);
    const otherFace = parseProvenance(formatProvenance(sample, { GT: { ...sample, face: 'another-face 2' } }));
    expect(scoreTable(table, { provenance: otherFace }).mixing).toMatch(/another-face 2/);
  });

  it('CLI: collect of two runs with different profiles warns and writes per-row provenance; score then warns', async () => {
    const dir = tempDir('theval-prov-cli-');
    const runs: Record<string, string> = {};
    for (const [name, profile] of [
      ['clean', 'clean'],
      ['ref', 'reference'],
    ] as const) {
      const out = path.join(dir, name);
      await evaluate([smallClip()], { providers: fake(), name: 'M', out });
      // A reference-profile run of the same backends, told apart only by its provenance.
      if (profile === 'reference') {
        for (const f of readdirSync(path.join(out, 'M')).filter((f) => f.endsWith('.provenance.json'))) {
          const p = parseProvenance(readFileSync(path.join(out, 'M', f), 'utf8'));
          writeFileSync(path.join(out, 'M', f), formatProvenance({ ...p, profile: 'reference', quirks: ['bgr-lipsync'] }));
        }
      }
      runs[name] = path.join(out, 'M');
    }
    const gtDir = path.join(dir, 'GT');
    mkdirSync(gtDir);
    for (const f of readdirSync(runs.clean)) copyFileSync(path.join(runs.clean, f), path.join(gtDir, f));
    const refDir = path.join(dir, 'REF');
    mkdirSync(refDir);
    for (const f of readdirSync(runs.ref)) copyFileSync(path.join(runs.ref, f), path.join(refDir, f));
    const table = path.join(dir, 'table.csv');
    const c = runCli(['collect', refDir, gtDir, '--out', table]);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/different backends\/profiles/);
    expect(existsSync(provenancePath(table))).toBe(true);
    const side = parseProvenance(readFileSync(provenancePath(table), 'utf8'));
    expect(side.rows?.REF.profile).toBe('reference');
    expect(side.rows?.GT.profile).toBe('clean');
    const s = runCli(['score', table]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/WARNING: .*different backends\/profiles/);
    // Without the sidecar (e.g. a table from the reference tool): scored, no provenance warning.
    const bare = path.join(dir, 'bare.csv');
    copyFileSync(table, bare);
    const b = runCli(['score', bare]);
    expect(b.status).toBe(0);
    expect(b.stderr).not.toMatch(/backends\/profiles/);
  }, 180_000);
});
