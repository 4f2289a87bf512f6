// One video's pass: a single decode feeds every per-frame stage, in order,
//   decode -> detect / track -> landmarks (plain, refined) -> box + pose
//          -> quality crops (whole frame, mouth, face) -> quality scorers
// and the pass keeps only per-frame signals (landmarks, presence, box, pose, the three
// quality scores) plus one decoded frame. Models come from outside (the scheduler shares
// them between the videos in flight); everything stateful here belongs to this one video.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "decode/video_decoder.h"
#include "face/face_pipeline.h"
#include "pipeline/quality_boxes.h"
#include "quality/quality_model.h"

namespace theval::pipeline {

// Which quality scores to compute; a null model is not scored (mouth and face also need the
// face stages: their crops come from the plain landmarks).
struct QualityRequest {
  quality::ModelPtr global, mouth, face;
  quality::ResizeSpec globalResize, mouthResize;
  quality::ResizeSpec faceResize{kFaceCropSize, kFaceCropSize};
  int stride = 1;  // score frames t with t % stride == 0
  bool any() const { return global || mouth || face; }
};

// Receives each decoded frame with its crops, for scorers that live outside the pass (the
// JS plug-ins): the frame is only valid during the call.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void Frame(int64_t t, const cv::Mat& rgb, const CropBox* mouth, const CropBox* face) = 0;
  virtual void End() = 0;
};

struct PassRequest {
  std::string path;
  bool faceStages = true;
  face::FaceAnalysisOptions faceOptions;
  QualityRequest quality;
  // "cuda": decode with FFmpeg's cuda hwaccel (NVDEC) on device hwDevice when it can; a
  // video it cannot decode is decoded on the CPU with a warning (decode/nvdec.h).
  std::string hwaccel;
  int hwDevice = 0;
};

struct PassTimings {  // seconds
  face::FaceTimings face;  // decode, detect, landmark warp / inference, pose
  double global = 0, mouth = 0, faceQuality = 0, sink = 0, total = 0;
};

struct PassResult {
  VideoInfo info;
  int64_t frames = 0;
  face::FaceSignals face;  // empty when the face stages did not run
  // T values each (NaN where not scored), present when requested.
  std::vector<double> global, mouth, faceQuality;
  bool hasGlobal = false, hasMouth = false, hasFaceQuality = false;
  std::vector<double> frameTimes;  // each decoded frame's timestamp, seconds (NaN where none)
  std::vector<std::string> warnings;
  PassTimings timings;
};

// models: the face networks (null when req.faceStages is false). sink: optional.
// Throws theval::Error (FILE_NOT_FOUND, NOT_MEDIA, NO_VIDEO_STREAM, NO_FRAMES, ...).
PassResult RunVideoPass(const PassRequest& req, face::FaceModels* models, FrameSink* sink = nullptr);

}  // namespace theval::pipeline
