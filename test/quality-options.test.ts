/** --quality-model parsing and scorer selection. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadQualityScorers, parseQualityModelOption } from '../lib/quality/options.js';
import { meanIntensityModel } from './helpers/onnx.js';

describe('parseQualityModelOption', () => {
  it('parses any subset of global, mouth, face', () => {
    expect(parseQualityModelOption('global=/m/a.onnx,mouth=/m/m.onnx,face=/m/f.onnx')).toEqual({
      global: '/m/a.onnx',
      mouth: '/m/m.onnx',
      face: '/m/f.onnx',
    });
    expect(parseQualityModelOption('face=rel/f.onnx')).toEqual({ face: 'rel/f.onnx' });
    expect(parseQualityModelOption(' Mouth_Quality = m.onnx , ')).toEqual({ mouth: 'm.onnx' });
    expect(parseQualityModelOption(['global=a.onnx', 'face=f.onnx'])).toEqual({ global: 'a.onnx', face: 'f.onnx' });
    expect(parseQualityModelOption('global=/a=b.onnx')).toEqual({ global: '/a=b.onnx' });
  });

  it.each([
    ['', /role=path/],
    ['a.onnx', /not role=path/],
    ['eyes=a.onnx', /unknown role 'eyes'/],
    ['global=', /no path/],
    ['global=a.onnx,global=b.onnx', /global given twice/],
  ])('rejects %j', (value, msg) => {
    expect(() => parseQualityModelOption(value)).toThrow(msg);
    try {
      parseQualityModelOption(value);
    } catch (e) {
      expect((e as { code: string }).code).toBe('BAD_ARGUMENT');
    }
  });
  it('rejects a role given twice across repeated flags', () => {
    expect(() => parseQualityModelOption(['face=a.onnx', 'face=b.onnx'])).toThrow(/twice/);
  });
});

describe('loadQualityScorers', () => {
  it('BRISQUE for roles without a model, the ONNX file for the others', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'theval-qopt-'));
    const f = path.join(dir, 'mouth.onnx');
    writeFileSync(f, meanIntensityModel(['N', 3, 32, 32]));
    const s = await loadQualityScorers(parseQualityModelOption(`mouth=${f}`));
    expect(s.global.name).toBe('BRISQUE (built-in)');
    expect(s.face).toBe(s.global);
    expect(s.mouth.name).toBe('ONNX mouth (mouth.onnx)');
    expect(s.mouth.model.kind).toBe('onnx');
    await expect(loadQualityScorers({ face: path.join(dir, 'missing.onnx') })).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });
});
