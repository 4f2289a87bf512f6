/** Audio analysis for the synchronization metrics (Silero VAD v5 speech segments, RMS loudness). */
export { speechProbabilities, vadSession, VAD_SAMPLE_RATE, VAD_WINDOW, VAD_CONTEXT } from './vad.js';
export type { VadOptions } from './vad.js';
export {
  speechSegments,
  speechTimestampsSamples,
  speechTimestampsSeconds,
  pyRound,
} from './speechSegments.js';
export type { SpeechSegmentOptions } from './speechSegments.js';
export { frameRms, rmsFrames, npInterp } from './loudness.js';
export { analyzeAudio, analyzeDecodedAudio } from './analyzeAudio.js';
export type { AnalyzeAudioOptions, AudioAnalysis, AudioReason } from './analyzeAudio.js';
export { speechFrames, keptSilentFrames, countFrames } from './frameMasks.js';
