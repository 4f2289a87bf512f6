#!/usr/bin/env node
// Makes prebuilds/linux-x64/ installable without root (run after prebuildify; `npm run prebuild`
// does both): the addon's shared-library closure (FFmpeg, OpenCV and what they link) is copied
// into prebuilds/linux-x64/lib/, except the C and C++ runtime every glibc system has; the addon
// gets RUNPATH $ORIGIN/lib and each copied library RUNPATH $ORIGIN, so they load from there
// and nowhere else. BRISQUE's trained model (Debian's opencv-data) goes to share/quality/,
// the copied libraries' Debian copyright files to licenses/. BUNDLE.json records the glibc
// and libstdc++ versions the bundle needs and its size. Needs ldd, objdump, patchelf, dpkg.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
if (process.platform !== 'linux') {
  console.error('bundle-prebuild: Linux only');
  process.exit(1);
}

// The system's own: the C library family, the dynamic loader, the C++ and GCC runtimes.
// Node itself links these, so a second copy could never be used anyway.
const SYSTEM = /^(linux-vdso|ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libmvec|libstdc\+\+|libgcc_s)\.so/;

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });

const addons = readdirSync(dir).filter((f) => f.endsWith('.node'));
if (addons.length === 0) {
  console.error(`bundle-prebuild: no .node in ${dir}; run prebuildify first (npm run prebuild)`);
  process.exit(1);
}
const libDir = path.join(dir, 'lib');
rmSync(libDir, { recursive: true, force: true });
rmSync(path.join(dir, 'licenses'), { recursive: true, force: true });
mkdirSync(libDir, { recursive: true });

/** soname -> resolved path, over the whole closure (ldd already walks it). */
const closure = new Map();
for (const a of addons) {
  for (const line of run('ldd', [path.join(dir, a)]).split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\/\S+)/.exec(line);
    if (m && !SYSTEM.test(m[1])) closure.set(m[1], m[2]);
    if (/not found/.test(line)) throw new Error(`ldd ${a}: ${line.trim()}`);
  }
}
for (const [soname, file] of closure) {
  const dest = path.join(libDir, soname);
  copyFileSync(file, dest); // follows links (Debian's alternatives for BLAS/LAPACK too)
  chmodSync(dest, 0o755);
  run('patchelf', ['--set-rpath', '$ORIGIN', dest]);
}
for (const a of addons) run('patchelf', ['--set-rpath', '$ORIGIN/lib', path.join(dir, a)]);

// Check: every library now resolves inside the bundle (or is a system one), with no help
// from the host's search path beyond the system libraries.
for (const a of addons) {
  for (const line of run('ldd', [path.join(dir, a)]).split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+(\S+)/.exec(line);
    if (!m || SYSTEM.test(m[1])) continue;
    if (!m[2].startsWith(libDir + path.sep)) throw new Error(`${a}: ${m[1]} resolves to ${m[2]}, outside the bundle`);
  }
}

// The versions of glibc and libstdc++ the bundle asks for (undefined symbols only).
const need = { GLIBC: '0', GLIBCXX: '0' };
const neededBy = { GLIBC: [], GLIBCXX: [] };
const newer = (a, b) => {
  const x = a.split('.').map(Number), y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  return false;
};
for (const f of [...addons.map((a) => path.join(dir, a)), ...[...closure.keys()].map((s) => path.join(libDir, s))]) {
  for (const line of run('objdump', ['-T', f]).split('\n')) {
    if (!/\*UND\*/.test(line)) continue;
    const m = /\b(GLIBC|GLIBCXX)_([0-9.]+)\b/.exec(line);
    if (m && newer(m[2], need[m[1]])) {
      need[m[1]] = m[2];
      neededBy[m[1]] = [];
    }
    if (m && m[2] === need[m[1]] && !neededBy[m[1]].includes(path.basename(f))) neededBy[m[1]].push(path.basename(f));
  }
}

// BRISQUE's trained model: the files Debian's opencv-data ships.
const quality = path.join(dir, 'share', 'quality');
mkdirSync(quality, { recursive: true });
for (const f of ['brisque_model_live.yml', 'brisque_range_live.yml']) copyFileSync(path.join('/usr/share/opencv4/quality', f), path.join(quality, f));

// Licences of what is redistributed: each library's Debian package copyright file.
const licenses = path.join(dir, 'licenses');
mkdirSync(licenses, { recursive: true });
const packages = new Set();
for (const file of [...closure.values(), '/usr/share/opencv4/quality/brisque_model_live.yml']) {
  try {
    const real = run('readlink', ['-f', file]).trim();
    // With merged /usr, dpkg knows some libraries by their /lib path.
    const candidates = [real, real.replace(/^\/usr\/lib\//, '/lib/'), file];
    const found = candidates.map((c) => {
      try {
        return run('dpkg', ['-S', c]).split(':')[0].trim();
      } catch {
        return undefined;
      }
    }).find(Boolean);
    if (found) packages.add(found);
    else console.error(`bundle-prebuild: ${file}: no Debian package found (no licence file copied)`);
  } catch {
    /* readlink failed: keep going */
  }
}
for (const p of packages) {
  const c = `/usr/share/doc/${p}/copyright`;
  if (existsSync(c)) copyFileSync(c, path.join(licenses, `${p}.copyright`));
}

const bytes = (p) => (statSync(p).isDirectory() ? readdirSync(p).reduce((s, e) => s + bytes(path.join(p, e)), 0) : statSync(p).size);
const bundle = {
  platform: `${process.platform}-${process.arch}`,
  glibc: need.GLIBC,
  glibcNeededBy: neededBy.GLIBC,
  glibcxx: need.GLIBCXX,
  glibcxxNeededBy: neededBy.GLIBCXX,
  libraries: closure.size,
  bytes: bytes(dir),
  packages: [...packages].sort(),
};
writeFileSync(path.join(dir, 'BUNDLE.json'), JSON.stringify(bundle, null, 2) + '\n');
console.error(`bundle-prebuild: ${closure.size} libraries into ${path.relative(root, libDir)}; needs glibc >= ${need.GLIBC}, libstdc++ GLIBCXX >= ${need.GLIBCXX}; ${(bundle.bytes / 1e6).toFixed(1)} MB`);
