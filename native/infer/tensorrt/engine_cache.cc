// File format (one header, then the plan):
//   theval-tensorrt-engine 1\n
//   <EngineKey::Text()>\n
//   batch <dynamic|static>\n
//   plan <bytes> <sha256 of the plan>\n
//   <plan bytes>
// The plan's own hash catches a truncated or damaged file, which TensorRT might otherwise
// deserialize into garbage or crash on.
#include "infer/tensorrt/engine_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace theval::infer::tensorrt {

namespace {

// FIPS 180-4, written out: the only hash the engine key needs, without OpenSSL.
class Sha256 {
 public:
  void Update(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; i++) {
      block_[used_++] = p[i];
      if (used_ == 64) {
        Compress();
        used_ = 0;
      }
    }
    bits_ += uint64_t(n) * 8;
  }
  std::string HexDigest() {
    const uint64_t bits = bits_;
    const uint8_t one = 0x80, zero = 0;
    Update(&one, 1);
    while (used_ != 56) Update(&zero, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++) len[i] = uint8_t(bits >> (56 - 8 * i));
    Update(len, 8);
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (uint32_t w : h_)
      for (int i = 28; i >= 0; i -= 4) s += hex[(w >> i) & 15];
    return s;
  }

 private:
  static uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
  void Compress() {
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
      w[i] = uint32_t(block_[4 * i]) << 24 | uint32_t(block_[4 * i + 1]) << 16 | uint32_t(block_[4 * i + 2]) << 8 |
             uint32_t(block_[4 * i + 3]);
    for (int i = 16; i < 64; i++) {
      const uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; i++) {
      const uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a, h_[1] += b, h_[2] += c, h_[3] += d, h_[4] += e, h_[5] += f, h_[6] += g, h_[7] += h;
  }

  uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint8_t block_[64];
  size_t used_ = 0;
  uint64_t bits_ = 0;
};

const char* kMagic = "theval-tensorrt-engine 1";

// mkdir -p; true when the folder exists afterwards.
bool MakeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); i++) {
    if (i == dir.size() || dir[i] == '/') {
      const std::string part = dir.substr(0, i);
      if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
    }
  }
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Key fields are written one per line; a newline inside one would let two keys collide.
std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

std::string Sha256Hex(const void* data, size_t n) {
  Sha256 h;
  h.Update(static_cast<const uint8_t*>(data), n);
  return h.HexDigest();
}

std::string EngineKey::Text() const {
  return "onnx-sha256=" + OneLine(onnxSha256) + " | tensorrt=" + OneLine(tensorrt) + " | gpu=" + OneLine(gpu) +
         " | precision=" + OneLine(precision) + " | profile=" + OneLine(profile);
}

std::string EngineKey::FileName() const {
  const std::string t = Text();
  return Sha256Hex(t.data(), t.size()) + ".engine";
}

std::string EngineCacheDir() {
  if (const char* e = std::getenv("THEVAL_TENSORRT_CACHE"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && x[0] == '/') return std::string(x) + "/theval/tensorrt";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/theval/tensorrt";
}

std::optional<CachedEngine> ReadEngine(const std::string& dir, const EngineKey& key) {
  std::ifstream in(dir + "/" + key.FileName(), std::ios::binary);
  if (!in) return std::nullopt;
  std::string magic, keyLine, batchLine, planLine;
  if (!std::getline(in, magic) || magic != kMagic) return std::nullopt;
  if (!std::getline(in, keyLine) || keyLine != key.Text()) return std::nullopt;
  if (!std::getline(in, batchLine) || (batchLine != "batch dynamic" && batchLine != "batch static")) return std::nullopt;
  if (!std::getline(in, planLine)) return std::nullopt;
  std::istringstream pl(planLine);
  std::string word, sha;
  size_t bytes = 0;
  if (!(pl >> word >> bytes >> sha) || word != "plan" || bytes == 0 || bytes > (size_t(1) << 32)) return std::nullopt;
  CachedEngine e;
  e.batchMode = batchLine.substr(6);
  e.plan.resize(bytes);
  if (!in.read(e.plan.data(), std::streamsize(bytes)) || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
  if (Sha256Hex(e.plan.data(), e.plan.size()) != sha) return std::nullopt;
  return e;
}

bool WriteEngine(const std::string& dir, const EngineKey& key, const CachedEngine& e, std::string* why) {
  auto fail = [&](const std::string& w) {
    if (why) *why = w;
    return false;
  };
  if (!MakeDirs(dir)) return fail("cannot create " + dir + ": " + std::strerror(errno));
  const std::string path = dir + "/" + key.FileName();
  const std::string tmp = path + ".tmp" + std::to_string(::getpid()) + "." + std::to_string(reinterpret_cast<uintptr_t>(&e));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return fail("cannot write " + tmp + ": " + std::strerror(errno));
    out << kMagic << '\n'
        << key.Text() << '\n'
        << "batch " << e.batchMode << '\n'
        << "plan " << e.plan.size() << ' ' << Sha256Hex(e.plan.data(), e.plan.size()) << '\n';
    out.write(e.plan.data(), std::streamsize(e.plan.size()));
    out.close();
    if (!out) {
      std::remove(tmp.c_str());
      return fail("cannot write " + tmp + " (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    std::remove(tmp.c_str());
    return fail("cannot rename " + tmp + ": " + err);
  }
  return true;
}

}  // namespace theval::infer::tensorrt
