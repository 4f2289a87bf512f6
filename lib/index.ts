/**
 * theval: THEval talking-head video evaluation with a native core.
 * The public API. Everything here is safe to use from several evaluations in one process.
 */
export { TheValError, isTheValError, type TheValErrorCode } from './errors.js';
export { probe, openVideo, frames, VideoReader, type VideoInfo, type ProbeResult, type OpenVideoOptions, type Frame, type PixelFormat, type ReadStats } from './decode/video.js';
export { decodeAudio, type DecodedAudio } from './decode/audio.js';
export { gpuInfo, type GpuInfo } from './gpu.js';
export { version } from './version.js';
export type { FaceTracks, AudioTracks } from './tracks.js';
export { trackFaces, defaultFaceModels, type TrackFacesOptions, type FaceTrackResult, type FaceProfile, type FaceModelFiles } from './face/trackFaces.js';
