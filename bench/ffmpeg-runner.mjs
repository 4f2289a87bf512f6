// Runs ffmpeg for bench/decode.ts, from a process of its own: the bench forks this once,
// before anything is timed, and sends it ffmpeg argument lists; it answers with
// { status, stderr }. Why: every fork() of the bench process (spawnSync included) marks its
// heap copy-on-write, and its next decode then pays thousands of page faults (measured:
// +40 ms on a 250-frame 512x512 clip after a mere `spawnSync('true')`).
import { spawnSync } from 'node:child_process';

process.on('message', (args) => {
  const r = spawnSync('ffmpeg', args, { encoding: 'utf8' });
  process.send({ status: r.status, stderr: r.stderr ?? String(r.error) });
});
