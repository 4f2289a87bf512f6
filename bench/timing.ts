/** Repeated timing for benches: one warm-up call, then `reps` timed calls (milliseconds). */
export interface Timing {
  median: number;
  min: number;
  max: number;
}

export async function timeCalls(f: () => Promise<unknown>, reps: number): Promise<Timing> {
  await f(); // warm-up: sessions, first-run allocations, page cache
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], min: ms[0], max: ms[ms.length - 1] };
}
