#include "infer/cuda/onnx_reader.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace theval::infer::cuda {

namespace {

// One protobuf message: walks its fields (varint, 64-bit, length-delimited, 32-bit).
struct Field {
  uint32_t number = 0, wire = 0;
  uint64_t varint = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool Next(Field& f) {
    if (p_ >= end_) return false;
    const uint64_t key = Varint();
    f.number = uint32_t(key >> 3);
    f.wire = uint32_t(key & 7);
    f.data = nullptr;
    f.size = 0;
    switch (f.wire) {
      case 0: f.varint = Varint(); break;
      case 1: Take(f, 8); break;
      case 2: Take(f, size_t(Varint())); break;
      case 5: Take(f, 4); break;
      default: throw std::runtime_error("ONNX: unsupported protobuf wire type " + std::to_string(f.wire));
    }
    return true;
  }
  bool Done() const { return p_ >= end_; }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) throw std::runtime_error("ONNX: truncated varint");
      const uint8_t b = *p_++;
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("ONNX: varint too long");
  }

 private:
  void Take(Field& f, size_t n) {
    if (size_t(end_ - p_) < n) throw std::runtime_error("ONNX: truncated field");
    f.data = p_;
    f.size = n;
    p_ += n;
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

std::string Str(const Field& f) { return std::string(reinterpret_cast<const char*>(f.data), f.size); }

// A repeated int64 field, packed (wire 2) or one value per field (wire 0).
void Ints(const Field& f, std::vector<int64_t>& out) {
  if (f.wire == 0) {
    out.push_back(int64_t(f.varint));
    return;
  }
  Reader r(f.data, f.size);
  while (!r.Done()) out.push_back(int64_t(r.Varint()));
}

OnnxAttr Attribute(const Field& msg, std::string& name) {
  OnnxAttr a;
  Reader r(msg.data, msg.size);
  Field f;
  while (r.Next(f)) {
    if (f.number == 1) name = Str(f);
    else if (f.number == 2 && f.wire == 5) std::memcpy(&a.f, f.data, 4);
    else if (f.number == 3) a.i = int64_t(f.varint);
    else if (f.number == 4) a.s = Str(f);
    else if (f.number == 8) Ints(f, a.ints);
  }
  return a;
}

OnnxNodeDef Node(const Field& msg) {
  OnnxNodeDef n;
  Reader r(msg.data, msg.size);
  Field f;
  while (r.Next(f)) {
    if (f.number == 1) n.inputs.push_back(Str(f));
    else if (f.number == 2) n.outputs.push_back(Str(f));
    else if (f.number == 3) n.name = Str(f);
    else if (f.number == 4) n.opType = Str(f);
    else if (f.number == 5) {
      std::string name;
      OnnxAttr a = Attribute(f, name);
      n.attrs[name] = std::move(a);
    }
  }
  return n;
}

void Tensor(const Field& msg, std::string& name, OnnxTensorDef& t) {
  Reader r(msg.data, msg.size);
  Field f;
  int64_t type = 1;
  const uint8_t* raw = nullptr;
  size_t rawSize = 0;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  while (r.Next(f)) {
    if (f.number == 1) Ints(f, t.dims);
    else if (f.number == 2) type = int64_t(f.varint);
    else if (f.number == 8) name = Str(f);
    else if (f.number == 9) raw = f.data, rawSize = f.size;
    else if (f.number == 5 || f.number == 7) Ints(f, ints);
    else if (f.number == 4) {
      if (f.wire == 5) floats.push_back(0.f), std::memcpy(&floats.back(), f.data, 4);
      else for (size_t k = 0; k + 4 <= f.size; k += 4) floats.push_back(0.f), std::memcpy(&floats.back(), f.data + k, 4);
    }
  }
  size_t count = 1;
  for (int64_t d : t.dims) count *= size_t(d);
  if (type == 1) {
    t.isFloat = true;
    if (raw) {
      if (rawSize != count * 4) throw std::runtime_error("ONNX: initializer " + name + " raw size mismatch");
      t.f.resize(count);
      std::memcpy(t.f.data(), raw, rawSize);
    } else t.f = floats;
  } else if (type == 7 || type == 6) {
    t.isFloat = false;
    const size_t w = type == 7 ? 8 : 4;
    if (raw) {
      if (rawSize != count * w) throw std::runtime_error("ONNX: initializer " + name + " raw size mismatch");
      t.i64.resize(count);
      for (size_t k = 0; k < count; k++) {
        if (w == 8) std::memcpy(&t.i64[k], raw + k * 8, 8);
        else {
          int32_t v;
          std::memcpy(&v, raw + k * 4, 4);
          t.i64[k] = v;
        }
      }
    } else t.i64 = ints;
  } else {
    throw std::runtime_error("ONNX: initializer " + name + " has unsupported data type " + std::to_string(type));
  }
  if ((t.isFloat ? t.f.size() : t.i64.size()) != count)
    throw std::runtime_error("ONNX: initializer " + name + " holds the wrong number of values");
}

// ValueInfoProto -> TypeProto(1: tensor_type) -> TensorShapeProto(2) -> dims(1) -> dim_value(1)
OnnxValueDef Value(const Field& msg) {
  OnnxValueDef v;
  Reader r(msg.data, msg.size);
  Field f;
  while (r.Next(f)) {
    if (f.number == 1) v.name = Str(f);
    if (f.number != 2) continue;
    Reader tr(f.data, f.size);
    Field tt;
    while (tr.Next(tt)) {
      if (tt.number != 1) continue;
      Reader sr(tt.data, tt.size);
      Field s;
      while (sr.Next(s)) {
        if (s.number != 2) continue;
        Reader dr(s.data, s.size);
        Field d;
        while (dr.Next(d)) {
          if (d.number != 1) continue;
          int64_t value = -1;
          Reader vr(d.data, d.size);
          Field dv;
          while (vr.Next(dv))
            if (dv.number == 1) value = int64_t(dv.varint);
          v.shape.push_back(value);
        }
      }
    }
  }
  return v;
}

}  // namespace

OnnxGraphDef ReadOnnx(const std::vector<uint8_t>& bytes) {
  OnnxGraphDef g;
  Reader model(bytes.data(), bytes.size());
  Field f;
  bool found = false;
  while (model.Next(f)) {
    if (f.number != 7) continue;
    found = true;
    Reader gr(f.data, f.size);
    Field gf;
    std::vector<OnnxValueDef> inputs;
    while (gr.Next(gf)) {
      if (gf.number == 1) g.nodes.push_back(Node(gf));
      else if (gf.number == 5) {
        std::string name;
        OnnxTensorDef t;
        Tensor(gf, name, t);
        g.initializers[name] = std::move(t);
      } else if (gf.number == 11) inputs.push_back(Value(gf));
      else if (gf.number == 12) g.outputs.push_back(Value(gf));
    }
    for (auto& v : inputs)
      if (!g.initializers.count(v.name)) g.inputs.push_back(std::move(v));
  }
  if (!found) throw std::runtime_error("ONNX: no graph in the file");
  return g;
}

OnnxGraphDef ReadOnnxFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ReadOnnx(bytes);
}

}  // namespace theval::infer::cuda
