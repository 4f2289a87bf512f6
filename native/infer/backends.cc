// Backend lookup by name for the scheduler and the bindings (infer/model.h ResolveBackend).
// FindBackend lives with the CPU backend; the CUDA names are resolved here so that file
// stays the CPU backend's alone.
#include "infer/model.h"

namespace theval::infer {

Backend* ResolveBackend(const std::string& name) {
  if (Backend* b = FindCudaBackend(name)) return b;
  return FindBackend(name);
}

}  // namespace theval::infer
