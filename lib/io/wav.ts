/**
 * 16-bit PCM WAV (RIFF, WAVE_FORMAT_PCM), written here rather than by a library so the
 * bytes are exactly known: a 44-byte header (RIFF, fmt, data) then little-endian int16.
 */

/**
 * float [-1, 1] -> int16 as libswresample converts (av_clip_int16(lrintf(x * 32768))):
 * round half to even, then clip. So a WAV written here holds the same samples as
 * `ffmpeg -ac 1 -ar R out.wav` from the same float decode.
 */
export function floatToInt16(x: number): number {
  const v = Math.fround(x * 32768);
  let r = Math.round(v);
  if (r - v === 0.5 && r % 2 !== 0) r -= 1; // Math.round rounds .5 up; lrintf rounds to even
  return r > 32767 ? 32767 : r < -32768 ? -32768 : Number.isNaN(r) ? 0 : r;
}

/** A mono (or interleaved multi-channel) 16-bit PCM WAV file's bytes. */
export function encodeWav(samples: Float32Array, sampleRate: number, channels = 1): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // WAVE_FORMAT_PCM
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28); // byte rate
  buf.writeUInt16LE(channels * 2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(floatToInt16(samples[i]), 44 + 2 * i);
  return buf;
}

/**
 * FFmpeg (libswresample) downmixes to mono with the matrix of its default channel layout
 * (FL, FR -> FC at 1/sqrt2 each; FC at 1; back/side at 1/2) and, for an integer output
 * format such as 16-bit PCM, divides the matrix by its largest row sum so that the mix cannot
 * clip; for a float output (what decodeAudio returns) it does not. So `ffmpeg -ac 1 out.wav`
 * holds decodeAudio's samples divided by this factor. Returns undefined for channel counts
 * whose default layout is not handled here (the samples are then written unscaled).
 */
export function int16DownmixNormalisation(sourceChannels: number): number | undefined {
  switch (sourceChannels) {
    case 1:
      return 1;
    case 2: // stereo
    case 3: // 2.1: LFE is not mixed in (lfe_mix_level 0)
      return 2 * Math.SQRT1_2;
    case 6: // 5.1: FL, FR at 1/sqrt2, FC at 1, BL, BR at 1/2, LFE 0
      return 2 * Math.SQRT1_2 + 1 + 2 * 0.5;
    default:
      return undefined;
  }
}
