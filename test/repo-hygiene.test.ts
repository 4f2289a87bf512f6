/**
 * The committed tree is readable as it is: no file carries unresolved merge-conflict markers
 * (three of them once reached main inside README.md and docs/, which every reader sees first).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';

const TEXT = /\.(md|ts|mts|js|mjs|cjs|json|cc|h|cu|cuh|py|sh|txt|gyp|yml|yaml|html|css)$|(^|\/)(CMakeLists\.txt|run)$/;

describe('repository hygiene', () => {
  it('no tracked text file holds merge-conflict markers', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: packageRoot, encoding: 'utf8' }).split('\n').filter((f) => TEXT.test(f));
    expect(files.length).toBeGreaterThan(100);
    const marker = /^(<{7} |={7}$|>{7} )/m;
    const bad = files.filter((f) => marker.test(readFileSync(path.join(packageRoot, f), 'utf8')));
    expect(bad).toEqual([]);
  });
});
