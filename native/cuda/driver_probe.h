// Whether the NVIDIA driver's libcuda.so.1 can be loaded, and its CUDA version, found with
// dlopen (never linked: the addon must load on machines without a driver).
#pragma once

#include <string>

namespace theval::gpu {

struct DriverInfo {
  bool present = false;
  std::string version;  // CUDA version the driver supports, "13.0"
  std::string reason;   // why not present (dlopen's message)
};

DriverInfo ProbeDriver();

}  // namespace theval::gpu
