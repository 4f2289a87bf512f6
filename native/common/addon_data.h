// Per-environment data of the addon (N-API keeps one instance-data slot per env, so every
// module's constructors live here).
#pragma once

#include <napi.h>

namespace theval {

struct AddonData {
  Napi::FunctionReference videoReaderCtor;
  Napi::FunctionReference qualityModelCtor;
};

// The env's AddonData, created on first use.
inline AddonData* GetAddonData(Napi::Env env) {
  AddonData* d = env.GetInstanceData<AddonData>();
  if (!d) {
    d = new AddonData();
    env.SetInstanceData<AddonData>(d);
  }
  return d;
}

}  // namespace theval
