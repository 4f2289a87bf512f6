#include "cuda/driver_probe.h"

#include <dlfcn.h>

namespace theval::gpu {

DriverInfo ProbeDriver() {
  DriverInfo d;
  dlerror();
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = dlerror();
    d.reason = std::string("the NVIDIA driver is not installed (dlopen libcuda.so.1: ") + (e ? e : "failed") + ")";
    return d;
  }
  d.present = true;
  using GetVersion = int (*)(int*);
  auto get = reinterpret_cast<GetVersion>(dlsym(lib, "cuDriverGetVersion"));
  int v = 0;
  if (get && get(&v) == 0 && v > 0) d.version = std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
  else d.reason = "libcuda.so.1 loaded but cuDriverGetVersion failed";
  // The library stays loaded: cudart (linked statically) loads it again anyway.
  return d;
}

}  // namespace theval::gpu
