#include "face/face_geometry.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/errors.h"

namespace theval {
namespace {

// A minimal JSON reader for the geometry file: objects, arrays, numbers, strings, true,
// false, null. Only "vertexCount", "vertices" and "procrustes" are kept; everything else
// is parsed and skipped. (OpenCV's cv::FileStorage reads JSON too, but 4.6 rejects null,
// "Value 'null' is not supported by this parser", which a JSON file may well contain.)
class Reader {
 public:
  Reader(const std::string& s, const std::string& file) : s_(s), file_(file) {}

  FaceGeometry Parse() {
    FaceGeometry g;
    double vertexCount = -1;
    bool haveVertices = false, haveProcrustes = false;
    int members = 0;
    Ws();
    Object([&](const std::string& key) {
      members++;
      if (key == "vertexCount") {
        vertexCount = Number();
      } else if (key == "vertices") {
        Array([&] { g.vertices.push_back(static_cast<float>(Number())); });
        haveVertices = true;
      } else if (key == "procrustes") {
        Array([&] { ProcrustesEntry(g); });
        haveProcrustes = true;
      } else {
        Skip();
      }
    });
    if (members == 0) Fail("empty object");
    if (!haveVertices) Fail("no \"vertices\"");
    if (!haveProcrustes) Fail("no \"procrustes\"");
    if (g.vertices.empty() || g.vertices.size() % 3 != 0) Fail("\"vertices\" is not a non-empty x,y,z list");
    int n = g.vertexCount();
    if (vertexCount >= 0 && static_cast<int>(vertexCount) != n)
      Fail("\"vertexCount\" does not match the vertex list");
    if (n < 468) Fail("fewer than 468 vertices");
    for (float v : g.vertices)
      if (!std::isfinite(v)) Fail("non-finite vertex coordinate");
    if (g.procrustesIds.empty()) Fail("empty \"procrustes\" list");
    double sum = 0;
    for (size_t k = 0; k < g.procrustesIds.size(); k++) {
      if (g.procrustesIds[k] < 0 || g.procrustesIds[k] >= n) Fail("procrustes landmark id outside the mesh");
      if (!(g.procrustesWeights[k] >= 0) || !std::isfinite(g.procrustesWeights[k])) Fail("negative or non-finite procrustes weight");
      sum += g.procrustesWeights[k];
    }
    if (!(sum > 1e-9)) Fail("procrustes weights sum to 0");
    return g;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) {
    throw Error("BAD_ARGUMENT", "face geometry " + (file_.empty() ? std::string("JSON") : file_) +
                                    " is not a valid face geometry: " + what + " (at byte " +
                                    std::to_string(i_) + ")",
                file_);
  }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void Ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string String() {
    Expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\') {
        ++i_;  // escapes are kept verbatim (keys here are plain ASCII)
        if (i_ >= s_.size()) break;
      }
      out += s_[i_++];
    }
    Expect('"');
    return out;
  }
  double Number() {
    const char* begin = s_.c_str() + i_;
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(begin, &end);
    if (end == begin || errno == ERANGE) Fail("expected a number");
    i_ += static_cast<size_t>(end - begin);
    return v;
  }
  // Object members and array items, each handed to a callback that consumes the value.
  template <class F>
  void Object(F&& onMember) {
    Expect('{');
    Ws();
    if (Peek() == '}') { ++i_; return; }
    for (;;) {
      Ws();
      const std::string key = String();
      Ws();
      Expect(':');
      Ws();
      onMember(key);
      Ws();
      if (Peek() == ',') { ++i_; continue; }
      Expect('}');
      return;
    }
  }
  template <class F>
  void Array(F&& onItem) {
    Expect('[');
    Ws();
    if (Peek() == ']') { ++i_; return; }
    for (;;) {
      Ws();
      onItem();
      Ws();
      if (Peek() == ',') { ++i_; continue; }
      Expect(']');
      return;
    }
  }
  void ProcrustesEntry(FaceGeometry& g) {
    double id = NAN, w = NAN;
    Object([&](const std::string& key) {
      if (key == "landmarkId") id = Number();
      else if (key == "weight") w = Number();
      else Skip();
    });
    if (!std::isfinite(id) || !std::isfinite(w) || id != std::floor(id)) Fail("procrustes entry without an integer landmarkId and a weight");
    g.procrustesIds.push_back(static_cast<int32_t>(id));
    g.procrustesWeights.push_back(static_cast<float>(w));
  }
  void Skip() {
    const char c = Peek();
    if (c == '"') { String(); return; }
    if (c == '{') { Object([&](const std::string&) { Skip(); }); return; }
    if (c == '[') { Array([&] { Skip(); }); return; }
    for (const char* lit : {"true", "false", "null"}) {
      size_t n = std::char_traits<char>::length(lit);
      if (s_.compare(i_, n, lit) == 0) { i_ += n; return; }
    }
    Number();
  }

  const std::string& s_;
  const std::string& file_;
  size_t i_ = 0;
};

}  // namespace

FaceGeometry ParseFaceGeometryJson(const std::string& text, const std::string& file) {
  return Reader(text, file).Parse();
}

FaceGeometry LoadFaceGeometry(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("MODEL_MISSING",
                "face geometry " + path + " cannot be read (run `npm run models:prepare`, or pass the path prepareFaceModels returns)",
                path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseFaceGeometryJson(ss.str(), path);
}

}  // namespace theval
