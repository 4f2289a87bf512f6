/**
 * Silero VAD v5 model file: where it lives, how it is obtained, how it is verified.
 *
 * The model is `dist/silero_vad_v5.onnx` of the npm package `@ricky0123/vad-web@0.0.31`
 * (byte-identical to the silero-vad 5.1.x release model; see shared spec MODELS.md).
 * That package is NOT a dependency: it depends on onnxruntime-web (about 145 MB unpacked),
 * which theval never uses. Instead, at set-up (`npm run models:prepare`, run by scripts/setup.sh), the one
 * tarball is fetched with `npm pack` (npm's own client: registry, proxy, auth and cache
 * settings apply; `--prefer-offline` reuses npm's cache), its sha512 integrity is checked
 * against the pinned registry value, the single .onnx entry is extracted in-process and its
 * size and sha256 are checked before it is moved into the cache folder.
 *
 * Cache folder: `$THEVAL_MODEL_DIR` if set, else `<package root>/.cache/models` (gitignored),
 * else `$XDG_CACHE_HOME/theval/models` (modelCacheDir()).
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { TheValError } from '../errors.js';
import { packageRoot } from '../native.js';

export interface NpmModelFile {
  /** npm package that ships the file, with the exact version. */
  npmPackage: string;
  npmVersion: string;
  /** sha512 integrity of the package tarball, as the registry publishes it. */
  tarballIntegrity: string;
  /** Path of the file inside the package (without the tarball's leading `package/`). */
  entry: string;
  /** File name in the cache folder. */
  fileName: string;
  bytes: number;
  sha256: string;
}

export const SILERO_VAD_V5: NpmModelFile = {
  npmPackage: '@ricky0123/vad-web',
  npmVersion: '0.0.31',
  tarballIntegrity:
    'sha512-ePVq8TvB21sdHSxVMZOEIf9JVa7MAYpaIaNXeGgsPOiMCN8xbPCdF2LS5aYj7VRR3ZxzutedgV9ZplV65IA1Fg==',
  entry: 'dist/silero_vad_v5.onnx',
  fileName: 'silero_vad_v5.onnx',
  bytes: 2_327_524,
  sha256: '2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f',
};

/**
 * The folder model files are cached in: $THEVAL_MODEL_DIR; else `<package root>/.cache/models`
 * when that exists or the package folder is writable (a checkout, a user's own install);
 * else the user's cache, $XDG_CACHE_HOME/theval/models (default ~/.cache/theval/models), as
 * for a package installed by someone else (no root needed to prepare its models).
 */
export function modelCacheDir(): string {
  const env = process.env.THEVAL_MODEL_DIR;
  if (env && env.length > 0) return path.resolve(env);
  const own = path.join(packageRoot, '.cache', 'models');
  if (existsSync(own) || writable(packageRoot)) return own;
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'theval', 'models');
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

export interface PrepareOptions {
  /** Cache folder (default: modelCacheDir()). */
  dir?: string;
  /**
   * Fetch the file with `npm pack` when it is missing: set-up only (scripts/setup.sh runs
   * lib/models/prepare.ts). Default false: nothing is downloaded at run time, and a missing
   * file is MODEL_MISSING with instructions.
   */
  prepare?: boolean;
}

/**
 * Verifies an existing model file. Resolves true when present and correct, false when
 * absent; throws MODEL_CHECKSUM when present with the wrong size or content.
 */
export async function verifyModelFile(file: string, spec: NpmModelFile): Promise<boolean> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new TheValError('MODEL_MISSING', `cannot read model file ${file}: ${(e as Error).message}`, file);
  }
  const got = sha256(buf);
  if (buf.length !== spec.bytes || got !== spec.sha256) {
    throw new TheValError(
      'MODEL_CHECKSUM',
      `model file ${file} is not ${spec.npmPackage}@${spec.npmVersion}/${spec.entry}: ` +
        `${buf.length} bytes, sha256 ${got} (expected ${spec.bytes} bytes, sha256 ${spec.sha256}). ` +
        'Delete it to have it fetched again.',
      file,
    );
  }
  return true;
}

/**
 * Returns the path of a verified copy of `spec`, fetching it with `npm pack` when it is
 * missing (only with `prepare: true`). Errors: MODEL_MISSING (absent and could not be
 * fetched), MODEL_CHECKSUM (a file is there but is not the pinned one, or the download did
 * not match the pinned hashes).
 */
export async function ensureNpmModelFile(spec: NpmModelFile, opts: PrepareOptions = {}): Promise<string> {
  const dir = opts.dir ?? modelCacheDir();
  const file = path.join(dir, spec.fileName);
  if (await verifyModelFile(file, spec)) return file;
  if (opts.prepare !== true) {
    throw new TheValError(
      'MODEL_MISSING',
      `model file ${file} is missing. Run scripts/setup.sh or \`npm run models:prepare\` (needs the npm registry), ` +
        `or put ${spec.entry} from ${spec.npmPackage}@${spec.npmVersion} there ` +
        `(${spec.bytes} bytes, sha256 ${spec.sha256}).`,
      file,
    );
  }
  const tgz = await npmPack(spec, file);
  const data = extractTarEntry(gunzipSync(tgz), `package/${spec.entry}`);
  if (!data) {
    throw new TheValError(
      'MODEL_MISSING',
      `${spec.npmPackage}@${spec.npmVersion} has no ${spec.entry}`,
      file,
    );
  }
  const got = sha256(data);
  if (data.length !== spec.bytes || got !== spec.sha256) {
    throw new TheValError(
      'MODEL_CHECKSUM',
      `${spec.entry} in ${spec.npmPackage}@${spec.npmVersion} has ${data.length} bytes, sha256 ${got}; ` +
        `expected ${spec.bytes} bytes, sha256 ${spec.sha256}`,
      file,
    );
  }
  await fsp.mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, file); // atomic: concurrent preparers all write identical bytes
  return file;
}

/** Path of the verified Silero VAD v5 model (prepared at set-up; MODEL_MISSING otherwise). */
export function vadModelPath(opts: PrepareOptions = {}): Promise<string> {
  return ensureNpmModelFile(SILERO_VAD_V5, opts);
}

async function npmPack(spec: NpmModelFile, forFile: string): Promise<Buffer> {
  const tmpDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'theval-npm-pack-'));
  const id = `${spec.npmPackage}@${spec.npmVersion}`;
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.platform === 'win32' ? 'npm.cmd' : 'npm',
        ['pack', id, '--pack-destination', tmpDir, '--json', '--prefer-offline', '--ignore-scripts'],
        { cwd: tmpDir, maxBuffer: 16 << 20, shell: process.platform === 'win32', timeout: 300_000 },
        (err, out, errOut) => {
          if (err) reject(new Error(`${err.message}\n${String(errOut).trim()}`));
          else resolve(String(out));
        },
      );
    });
    const info = JSON.parse(stdout) as Array<{ filename: string; integrity: string }>;
    const first = info[0];
    if (!first) throw new Error(`npm pack printed no file: ${stdout}`);
    const tgz = await fsp.readFile(path.join(tmpDir, path.basename(first.filename)));
    const integrity = 'sha512-' + createHash('sha512').update(tgz).digest('base64');
    if (integrity !== spec.tarballIntegrity) {
      throw new TheValError(
        'MODEL_CHECKSUM',
        `${id} tarball integrity ${integrity} differs from the pinned ${spec.tarballIntegrity}`,
        forFile,
      );
    }
    return tgz;
  } catch (e) {
    if (e instanceof TheValError) throw e;
    throw new TheValError(
      'MODEL_MISSING',
      `model file ${forFile} is missing and \`npm pack ${id}\` failed (${(e as Error).message.trim()}). ` +
        `Put ${spec.entry} from ${id} there by hand (${spec.bytes} bytes, sha256 ${spec.sha256}) ` +
        'or set THEVAL_MODEL_DIR to a folder that has it.',
      forFile,
    );
  } finally {
    await fsp.rm(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Returns the bytes of one regular-file entry of an uncompressed (ustar/pax) tar archive,
 * or undefined. Handles the ustar name prefix and pax `path` records, which is all that
 * `npm pack` tarballs use.
 */
export function extractTarEntry(tar: Uint8Array, wanted: string): Uint8Array | undefined {
  const text = (b: Uint8Array) => {
    const z = b.indexOf(0);
    return Buffer.from(z < 0 ? b : b.subarray(0, z)).toString('utf8');
  };
  let off = 0;
  let paxPath: string | undefined;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((v) => v === 0)) break;
    const name = text(h.subarray(0, 100));
    const size = parseInt(text(h.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 0);
    const magic = text(h.subarray(257, 263));
    const prefix = magic.startsWith('ustar') ? text(h.subarray(345, 500)) : '';
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(Buffer.from(body).toString('utf8'));
      paxPath = m?.[1];
      continue;
    }
    const full = paxPath ?? (prefix ? `${prefix}/${name}` : name);
    paxPath = undefined;
    if ((type === '0' || type === '\0') && full === wanted) return body;
  }
  return undefined;
}
