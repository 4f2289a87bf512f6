#pragma once
#include <napi.h>

#include <string>

#include "face/face_pipeline.h"

namespace theval {
void InitFace(Napi::Env env, Napi::Object exports);

// The face stages' options as JS gives them (model paths, profile, emulation and quirk
// switches, motion diagnostics), validated once for every binding that runs them
// (analyzeFaces, runVideoPass). `what` names the call and `prefix` the options' key in its
// messages (e.g. "runVideoPass", "face."). Throws a BAD_ARGUMENT JS error naming `path`.
void ReadFaceOptions(Napi::Env env, const Napi::Object& o, const std::string& path, const char* what, const char* prefix,
                     face::FaceModelPaths* paths, face::FaceProfile* profile, face::FaceAnalysisOptions* options);
// The result's `emulation` object ({swapRB, squash, cpuWarp, staticMode}) when a reference
// quirk changes what the face stages compute, else nothing is set (analyzeFaces, runVideoPass).
void SetEmulation(Napi::Env env, Napi::Object& result, const face::FaceAnalysisOptions& options);
}  // namespace theval
