import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AGGREGATE_HEADER, collectFolder, formatAggregateCsv, formatMetricCsv, formatNumber, metricCsvRow,
  parseAggregateCsv, parseCsv, parseMetricCsv, splitGt,
} from '../lib/io/referenceCsv.js';
import type { MetricValues } from '../lib/score.js';

const row = (v: number[]): MetricValues => ({
  global_aesthetic: v[0], mouth_quality: v[1], face_quality: v[2], lip_dynamics: v[3],
  head_motion: v[4], eyebrow_dynamics: v[5], silent_lip_stability: v[6], lip_sync: v[7],
});

describe('formatNumber (Python repr of a float)', () => {
  it('writes what Python 3 repr() writes', () => {
    // Each right-hand side is Python 3.11's repr() of the left-hand float.
    const cases: Array<[number, string]> = [
      [1, '1.0'], [1e-5, '1e-05'], [0.0001, '0.0001'], [1e16, '1e+16'], [1e15, '1000000000000000.0'],
      [123456789012345680, '1.2345678901234568e+17'], [0.1 + 0.2, '0.30000000000000004'], [-0, '-0.0'],
      [0, '0.0'], [5e-324, '5e-324'], [1.5e300, '1.5e+300'], [2.5, '2.5'], [1234.5678, '1234.5678'],
      [-0.00012, '-0.00012'], [1.716603, '1.716603'], [NaN, 'NaN'], [Infinity, 'inf'],
    ];
    for (const [x, s] of cases) expect(formatNumber(x), s).toBe(s);
  });

  it('reads back bit-exact', () => {
    for (const x of [Math.PI, 1 / 3, 2 / 3 * 1e-7, 12345.678e20, Number.MIN_VALUE, Number.MAX_VALUE]) {
      expect(Number(formatNumber(x))).toBe(x);
    }
  });
});

describe('per-metric files', () => {
  it('lip dynamics: exact bytes', () => {
    const text = formatMetricCsv('lip_dynamics', [
      { path: 'videos/a.mp4', values: [1.5] },
      { path: 'videos/b.mp4', values: [NaN] },
      { path: 'videos/c.mp4', values: [0] },
    ]);
    // summary = mean of 1.5 and 0 (NaN skipped, 0 counted) = 0.75
    expect(text).toBe(
      'Video Path,Std_Over_Time\n' +
        'videos/a.mp4,1.5\n' +
        'videos/b.mp4,NaN\n' +
        'videos/c.mp4,0.0\n' +
        '\n' +
        'Average STD Over Time: 0.75\n',
    );
  });

  it('silent lip stability: the summary is a two-cell row; CRLF on request', () => {
    const text = formatMetricCsv('silent_lip_stability', [{ path: 'x.mp4', values: [0.0263] }, { path: 'y.mp4', values: [0.0125] }], { eol: '\r\n' });
    // Python 3.11: repr((0.0263 + 0.0125) / 2) == '0.0194'
    expect(text).toBe('Video Path,Silent MAD\r\nx.mp4,0.0263\r\ny.mp4,0.0125\r\n\r\nAverage Silent MAD:,0.0194\r\n');
    // Python 3.11: repr((0.1 + 0.2) / 1) == '0.30000000000000004'
    expect(formatMetricCsv('silent_lip_stability', [{ path: 'x', values: [0.1 + 0.2] }])).toBe(
      'Video Path,Silent MAD\nx,0.30000000000000004\n\nAverage Silent MAD:,0.30000000000000004\n',
    );
  });

  it('head motion: four columns from the MetricResult details, summary of the last one', () => {
    const r = metricCsvRow('head_motion', 'v,1.mp4', {
      value: 2, details: { pitchSmoothness: 0.25, yawSmoothness: 0, rollSmoothness: 9 },
    });
    const none = metricCsvRow('head_motion', 'v2.mp4', { value: NaN, reason: 'no face' });
    const text = formatMetricCsv('head_motion', [r, none]);
    expect(text).toBe(
      'Video Path,Pitch Smoothness,Yaw Smoothness,Roll Smoothness,Head Motion Dynamics\n' +
        '"v,1.mp4",0.25,0.0,9.0,2.0\n' + // a comma in a path is quoted, as Python's csv.writer does
        'v2.mp4,NaN,NaN,NaN,NaN\n' +
        '\n' +
        'Mean head motion dynamics: 2.0\n',
    );
  });

  it('the other summary labels and columns', () => {
    const one = [{ path: 'a', values: [4.1234] }];
    expect(formatMetricCsv('global_aesthetic', one)).toBe('Video Path,Aesthetic_Score\na,4.1234\n\nOverall Average Aesthetics: 4.1234\n');
    expect(formatMetricCsv('mouth_quality', one)).toBe('Video Path,Quality_Score\na,4.1234\n\nOverall Average Quality: 4.1234\n');
    expect(formatMetricCsv('face_quality', one)).toBe('Video Path,Quality_Score\na,4.1234\n\nOverall Average Quality: 4.1234\n');
    expect(formatMetricCsv('eyebrow_dynamics', one)).toBe(
      'Video Path,Micro-Expression Intensity\na,4.1234\n\nAverage Micro-Expression Intensity: 4.1234\n',
    );
    expect(formatMetricCsv('lip_sync', one)).toBe('Video Path,Mean_Difference\na,4.1234\n\nAverage Mean Difference: 4.1234\n');
    // all NaN -> NaN summary
    expect(formatMetricCsv('lip_sync', [{ path: 'a', values: [NaN] }])).toBe('Video Path,Mean_Difference\na,NaN\n\nAverage Mean Difference: NaN\n');
  });

  it('round trip, and the metric is recognised from the column', () => {
    const rows = [
      { path: 'a "quoted", path.mp4', values: [0.1, 0.2, 1 / 3, Math.PI] },
      { path: 'b.mp4', values: [NaN, NaN, NaN, NaN] },
    ];
    const parsed = parseMetricCsv(formatMetricCsv('head_motion', rows, { eol: '\r\n' }));
    expect(parsed.metric).toBe('head_motion');
    expect(parsed.columns).toEqual(['Pitch Smoothness', 'Yaw Smoothness', 'Roll Smoothness', 'Head Motion Dynamics']);
    expect(parsed.rows).toEqual(rows);
    expect(parsed.summary).toBe(Math.PI);
  });

  it("reads the reference's rounded output", () => {
    const ref = 'Video Path,Silent MAD\r\n/d/a.mp4,0.0300\r\n/d/b.mp4,NaN\r\n/d/c.mp4,0.0226\r\n\r\nAverage Silent MAD:,0.0263\r\n';
    const p = parseMetricCsv(ref);
    expect(p.metric).toBe('silent_lip_stability');
    expect(p.rows.map((r) => r.values[0])).toEqual([0.03, NaN, 0.0226]);
    expect(p.summary).toBe(0.0263);
    // the reference's segment layout for lip dynamics / eyebrow / head motion
    const seg =
      'Video Path,Segment,Start Frame,End Frame,Std_Over_Time\n/v/a.mp4,Segment_1,0,500,1.234\n/v/b.mp4,N/A,N/A,N/A,NaN\n' +
      '\n=== Evaluation Summary ===\nNumber of video segments processed: 1\nAverage STD Over Time: 1.234000\n';
    const ps = parseMetricCsv(seg);
    expect(ps.metric).toBe('lip_dynamics');
    expect(ps.columns).toEqual(['Std_Over_Time']);
    expect(ps.rows).toEqual([{ path: '/v/a.mp4', values: [1.234] }, { path: '/v/b.mp4', values: [NaN] }]);
    expect(ps.summary).toBe(1.234);
    // Quality_Score needs the file name to say mouth or face
    const q = 'Video Path,Quality_Score\na,23.8\n\nOverall Average Quality: 23.8\n';
    expect(() => parseMetricCsv(q)).toThrow(/both mouth and face quality/);
    expect(parseMetricCsv(q, { fileName: 'out/mouth_musiq.csv' }).metric).toBe('mouth_quality');
    expect(parseMetricCsv(q, { fileName: 'out/face_topiq.csv' }).metric).toBe('face_quality');
    expect(() => parseMetricCsv('Video Path,Std_Over_Time\na,1,2\n')).toThrow(/line 2/);
    expect(() => parseMetricCsv('Video Path,Std_Over_Time\na,abc\n')).toThrow(/not a number/);
  });
});

describe('aggregate table', () => {
  it('exact bytes and round trip', () => {
    const text = formatAggregateCsv([
      { model: 'GT', values: row([4.6842, 23.835, 0.4425, 1.716603, 18.46757, 0.006777, 0.0263, 0.2528]) },
      { model: 'Mine', values: row([4, 20, 0.5, 1, 10, 0.01, NaN, 0.3]) },
    ]);
    expect(text).toBe(
      'Model,Global aesthetic,Mouth quality,Face quality,Lip dynamics,Head motion dynamics,Eyebrow dynamics,Silent lip stability,Lip sync\n' +
        'GT,4.6842,23.835,0.4425,1.716603,18.46757,0.006777,0.0263,0.2528\n' +
        'Mine,4.0,20.0,0.5,1.0,10.0,0.01,NaN,0.3\n',
    );
    const { rows, warnings } = parseAggregateCsv(text);
    expect(warnings).toEqual([]);
    expect(rows[1].values).toEqual(row([4, 20, 0.5, 1, 10, 0.01, NaN, 0.3]));
    const { gt, methods } = splitGt(rows);
    expect(gt.values.lip_dynamics).toBe(1.716603);
    expect(methods.map((m) => m.model)).toEqual(['Mine']);
    expect(AGGREGATE_HEADER).toHaveLength(9);
  });

  it('accepts aliases in any case/punctuation and any order, ignores unknown columns with a warning', () => {
    const text =
      'method,mean_difference,SILENT_MAD,micro_expression_intensity,head_motion,std_over_time,Face-Quality,mouth quality,aesthetic_score,Final\n' +
      'X,8,7,6,5,4,3,2,1,0.9\n' +
      'gt,1,1,1,1,1,1,1,1,\n'; // pandas writes NaN as an empty cell
    const { rows, warnings } = parseAggregateCsv(text);
    expect(rows[0]).toEqual({ model: 'X', values: row([1, 2, 3, 4, 5, 6, 7, 8]) });
    expect(warnings).toEqual(["aggregate table: column 'Final' is not a THEval metric; ignored"]);
    expect(splitGt(rows).gt.model).toBe('gt');
  });

  it('rejects ambiguous, duplicate and missing columns', () => {
    const base = 'Model,Global aesthetic,Mouth quality,Face quality,Lip dynamics,Head motion dynamics,Eyebrow dynamics,Silent lip stability';
    expect(() => parseAggregateCsv(base + ',Lip sync,quality_score\nA,1,1,1,1,1,1,1,1,1\n')).toThrow(/ambiguous/);
    expect(() => parseAggregateCsv(base + ',Lip sync,mean_difference\nA,1,1,1,1,1,1,1,1,1\n')).toThrow(/both mean 'Lip sync'/);
    expect(() => parseAggregateCsv(base + '\nA,1,1,1,1,1,1,1\n')).toThrow(/missing column\(s\) for 'Lip sync'/);
    expect(() => splitGt([])).toThrow(/no 'GT' row/);
  });
});

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, embedded line breaks, CRLF and a missing final newline', () => {
    expect(parseCsv('a,"b,c"\r\n"d""e","f\ng"\n\nh')).toEqual([['a', 'b,c'], ['d"e', 'f\ng'], [''], ['h']]);
  });
});

describe('collectFolder', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('gathers one value per metric, from each file summary', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'theval-collect-'));
    dirs.push(dir);
    const one = (v: number) => [{ path: 'a.mp4', values: [v] }];
    await writeFile(path.join(dir, 'aesthetic.csv'), formatMetricCsv('global_aesthetic', one(4.5)));
    await writeFile(path.join(dir, 'mouth_quality.csv'), formatMetricCsv('mouth_quality', one(22)));
    await writeFile(path.join(dir, 'face_quality.csv'), formatMetricCsv('face_quality', one(0.45)));
    await writeFile(path.join(dir, 'lips.csv'), formatMetricCsv('lip_dynamics', one(1.7)));
    await writeFile(path.join(dir, 'head.csv'), formatMetricCsv('head_motion', [{ path: 'a', values: [1, 2, 3, 18] }]));
    await writeFile(path.join(dir, 'brow.csv'), formatMetricCsv('eyebrow_dynamics', one(0.007)));
    // reference-style: rounded rows, summary row, CRLF; mean of rows 0.0263 and 0.0264 = 0.02635, summary 0.0263 (rounded): no warning
    await writeFile(path.join(dir, 'silent.csv'), 'Video Path,Silent MAD\r\na,0.0263\r\nb,0.0264\r\n\r\nAverage Silent MAD:,0.0263\r\n');
    // no summary line: mean of the rows (0.2 + 0.3)/2
    await writeFile(path.join(dir, 'sync.csv'), 'Video Path,Mean_Difference\na,0.2\nb,0.3\n');
    await writeFile(path.join(dir, 'notes.txt'), 'ignored');
    await writeFile(path.join(dir, 'table.csv'), 'Model,Lip sync\nA,1\n');
    const { row: r, warnings, sources } = await collectFolder(dir, 'Mine');
    expect(r).toEqual({ model: 'Mine', values: row([4.5, 22, 0.45, 1.7, 18, 0.007, 0.0263, 0.25]) });
    expect(sources.lip_sync).toBe(path.join(dir, 'sync.csv'));
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/sync\.csv: no summary line/);
    expect(warnings.join('\n')).toMatch(/table\.csv: not a per-metric file/);
  });

  it('warns on a summary that disagrees with its rows, and on missing metrics', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'theval-collect-'));
    dirs.push(dir);
    // rows mean 0.25 (+-0.05 from their 1-decimal rounding), summary 0.35 (+-0.005): they disagree
    await writeFile(path.join(dir, 'sync.csv'), 'Video Path,Mean_Difference\na,0.2\nb,0.3\n\nAverage Mean Difference: 0.35\n');
    const { row: r, warnings } = await collectFolder(dir, 'M');
    expect(r.values.lip_sync).toBe(0.35);
    expect(r.values.lip_dynamics).toBeNaN();
    expect(warnings.filter((w) => /differs from the mean/.test(w))).toHaveLength(1);
    expect(warnings.filter((w) => /no file for/.test(w))).toHaveLength(7);
  });

  it('two files for one metric is an error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'theval-collect-'));
    dirs.push(dir);
    await writeFile(path.join(dir, 'a.csv'), 'Video Path,Mean_Difference\na,0.2\n');
    await writeFile(path.join(dir, 'b.csv'), 'Video Path,mean_difference\na,0.2\n');
    await expect(collectFolder(dir, 'M')).rejects.toThrow(/both .*a\.csv and .*b\.csv/);
  });
});
