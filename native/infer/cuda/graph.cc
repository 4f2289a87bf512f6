#include "infer/cuda/graph.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "infer/cuda/onnx_reader.h"

namespace theval::infer::cuda {

namespace {

using Shape = std::vector<int64_t>;

size_t Count(const Shape& s) {
  size_t n = 1;
  for (int64_t d : s) n *= size_t(d);
  return n;
}

Shape Strides(const Shape& s) {
  Shape st(s.size(), 1);
  for (int k = int(s.size()) - 2; k >= 0; k--) st[k] = st[k + 1] * s[k + 1];
  return st;
}

std::string ShapeStr(const Shape& s) {
  std::string o = "[";
  for (size_t k = 0; k < s.size(); k++) o += (k ? "," : "") + std::to_string(s[k]);
  return o + "]";
}

struct Value {
  Shape shape;
  bool isConst = false;
  const OnnxTensorDef* init = nullptr;  // constants
  float* ptr = nullptr;                 // device pointer once placed
  int producer = -1;
  int lastUse = -1;
  bool keep = false;  // graph input/output: never reused
  size_t offset = 0;  // in the arena
};

}  // namespace

struct Graph::Impl {
  OnnxGraphDef def;
  std::unique_ptr<Device> dev;
  std::map<std::string, Value> values;
  std::string inputName;
  std::vector<int> order;
  std::vector<OpCall> calls;
  GraphStats stats;
  float* arena = nullptr;
  int capacity = 1;  // batch items the arena holds (item k's activations k * arenaFloats on)

  Value& V(const std::string& name, const OnnxNodeDef& n) {
    auto it = values.find(name);
    if (it == values.end()) throw std::runtime_error(n.opType + " " + n.name + ": unknown input " + name);
    return it->second;
  }
  const std::vector<int64_t>& Ints(const OnnxNodeDef& n, size_t k) {
    if (k >= n.inputs.size() || n.inputs[k].empty()) throw std::runtime_error(n.opType + " " + n.name + ": missing input");
    auto it = def.initializers.find(n.inputs[k]);
    if (it == def.initializers.end() || it->second.isFloat)
      throw std::runtime_error(n.opType + " " + n.name + ": input " + n.inputs[k] +
                               " must be a constant integer tensor (computed shapes are not supported)");
    return it->second.i64;
  }
  bool Has(const OnnxNodeDef& n, size_t k) const { return k < n.inputs.size() && !n.inputs[k].empty(); }

  void Order();
  void InferShapes();
  void Plan();
  void Emit();
  void Grow(int items);
  Shape InferNode(const OnnxNodeDef& n);
  void EmitNode(const OnnxNodeDef& n);
};

void Graph::Impl::Order() {
  // Kahn's algorithm; the converter writes nodes in order already, this keeps it honest.
  std::map<std::string, int> producer;
  for (size_t i = 0; i < def.nodes.size(); i++)
    for (const auto& o : def.nodes[i].outputs) producer[o] = int(i);
  std::vector<int> pending(def.nodes.size(), 0);
  std::vector<std::vector<int>> readers(def.nodes.size());
  for (size_t i = 0; i < def.nodes.size(); i++)
    for (const auto& in : def.nodes[i].inputs) {
      auto it = producer.find(in);
      if (it != producer.end()) {
        pending[i]++;
        readers[it->second].push_back(int(i));
      }
    }
  std::vector<int> ready;
  for (size_t i = 0; i < def.nodes.size(); i++)
    if (!pending[i]) ready.push_back(int(i));
  for (size_t h = 0; h < ready.size(); h++) {
    order.push_back(ready[h]);
    for (int r : readers[ready[h]])
      if (--pending[r] == 0) ready.push_back(r);
  }
  if (order.size() != def.nodes.size()) throw std::runtime_error("ONNX graph has a cycle");
}

Shape Graph::Impl::InferNode(const OnnxNodeDef& n) {
  const std::string& op = n.opType;
  auto in = [&](size_t k) -> const Shape& { return V(n.inputs[k], n).shape; };
  auto fail = [&](const std::string& why) { return std::runtime_error(op + " " + n.name + ": " + why); };
  if (op == "Conv" || op == "MaxPool") {
    const Shape& x = in(0);
    if (x.size() != 4) throw fail("only 2-D NCHW is supported, input " + ShapeStr(x));
    if (n.attrs.count("auto_pad") && n.attrs.at("auto_pad").s != "NOTSET" && !n.attrs.at("auto_pad").s.empty())
      throw fail("auto_pad is not supported");
    if (n.Int("ceil_mode", 0)) throw fail("ceil_mode is not supported");
    Shape k = n.Ints("kernel_shape");
    const Shape s = n.Ints("strides").empty() ? Shape{1, 1} : n.Ints("strides");
    const Shape d = n.Ints("dilations").empty() ? Shape{1, 1} : n.Ints("dilations");
    const Shape p = n.Ints("pads").empty() ? Shape{0, 0, 0, 0} : n.Ints("pads");
    int64_t M = x[1];
    if (op == "Conv") {
      const Shape& w = in(1);
      if (w.size() != 4) throw fail("weights must be 4-D");
      M = w[0];
      if (k.empty()) k = {w[2], w[3]};
      if (w[1] * n.Int("group", 1) != x[1]) throw fail("weights do not match the input channels and group");
    }
    const int64_t oh = (x[2] + p[0] + p[2] - (d[0] * (k[0] - 1) + 1)) / s[0] + 1;
    const int64_t ow = (x[3] + p[1] + p[3] - (d[1] * (k[1] - 1) + 1)) / s[1] + 1;
    return {x[0], M, oh, ow};
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "PRelu") {
    const Shape& a = in(0);
    const Shape& b = in(1);
    const size_t r = std::max(a.size(), b.size());
    Shape out(r);
    for (size_t k = 0; k < r; k++) {
      const int64_t da = k + a.size() >= r ? a[k + a.size() - r] : 1;
      const int64_t db = k + b.size() >= r ? b[k + b.size() - r] : 1;
      if (da != db && da != 1 && db != 1) throw fail("shapes " + ShapeStr(a) + " and " + ShapeStr(b) + " do not broadcast");
      out[k] = std::max(da, db);
    }
    return out;
  }
  if (op == "Relu" || op == "Sqrt" || op == "Ceil" || op == "Abs" || op == "Identity") return in(0);
  if (op == "Transpose") {
    const Shape& x = in(0);
    Shape perm = n.Ints("perm");
    if (perm.empty())
      for (int k = int(x.size()) - 1; k >= 0; k--) perm.push_back(k);
    Shape out;
    for (int64_t p : perm) out.push_back(x.at(size_t(p)));
    return out;
  }
  if (op == "Pad") {
    if (n.attrs.count("mode") && n.attrs.at("mode").s != "constant") throw fail("only constant padding is supported");
    const Shape& x = in(0);
    const auto& pads = Ints(n, 1);
    if (pads.size() != 2 * x.size()) throw fail("pads do not match the rank");
    Shape out(x.size());
    for (size_t k = 0; k < x.size(); k++) {
      if (pads[k] < 0 || pads[k + x.size()] < 0) throw fail("negative pads are not supported");
      out[k] = x[k] + pads[k] + pads[k + x.size()];
    }
    return out;
  }
  if (op == "Reshape") {
    const Shape& x = in(0);
    Shape out = Ints(n, 1);
    int64_t known = 1;
    int minus = -1;
    for (size_t k = 0; k < out.size(); k++) {
      if (out[k] == 0) out[k] = x.at(k);
      if (out[k] == -1) minus = int(k);
      else known *= out[k];
    }
    if (minus >= 0) out[size_t(minus)] = int64_t(Count(x)) / known;
    if (Count(out) != Count(x)) throw fail("cannot reshape " + ShapeStr(x) + " to " + ShapeStr(out));
    return out;
  }
  if (op == "Concat") {
    Shape out = in(0);
    int64_t axis = n.Int("axis", 0);
    if (axis < 0) axis += int64_t(out.size());
    for (size_t i = 1; i < n.inputs.size(); i++) {
      const Shape& s = in(i);
      if (s.size() != out.size()) throw fail("inputs of different rank");
      for (size_t k = 0; k < s.size(); k++)
        if (int64_t(k) != axis && s[k] != out[k]) throw fail("inputs differ off the axis");
      out[size_t(axis)] += s[size_t(axis)];
    }
    return out;
  }
  if (op == "Slice") {
    const Shape& x = in(0);
    const auto& starts = Ints(n, 1);
    const auto& ends = Ints(n, 2);
    Shape out = x;
    for (size_t j = 0; j < starts.size(); j++) {
      int64_t axis = Has(n, 3) ? Ints(n, 3).at(j) : int64_t(j);
      if (axis < 0) axis += int64_t(x.size());
      const int64_t step = Has(n, 4) ? Ints(n, 4).at(j) : 1;
      if (step <= 0) throw fail("only positive steps are supported");
      const int64_t dim = x.at(size_t(axis));
      int64_t b = starts[j] < 0 ? starts[j] + dim : starts[j], e = ends[j] < 0 ? ends[j] + dim : ends[j];
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      out[size_t(axis)] = e > b ? (e - b + step - 1) / step : 0;
    }
    return out;
  }
  if (op == "MatMul") {
    const Shape& a = in(0);
    const Shape& b = in(1);
    if (a.size() < 2 || b.size() < 2) throw fail("1-D operands are not supported");
    if (a[a.size() - 1] != b[b.size() - 2]) throw fail("inner dims differ: " + ShapeStr(a) + " x " + ShapeStr(b));
    const Shape& longer = a.size() >= b.size() ? a : b;
    Shape out(longer.begin(), longer.end() - 2);
    out.push_back(a[a.size() - 2]);
    out.push_back(b[b.size() - 1]);
    return out;
  }
  if (op == "ReduceMax" || op == "ReduceMin") {
    Shape out = in(0);
    Shape axes = n.Ints("axes");
    if (axes.empty())
      for (size_t k = 0; k < out.size(); k++) axes.push_back(int64_t(k));
    for (int64_t a : axes) out.at(size_t(a < 0 ? a + int64_t(out.size()) : a)) = 1;
    if (!n.Int("keepdims", 1)) throw fail("keepdims=0 is not supported");
    return out;
  }
  if (op == "TransformTensorBilinear") {
    const Shape& f = in(0);
    if (f.size() != 4) throw fail("features must be [N,H,W,C]");
    return {f[0], n.Int("output_height", 0), n.Int("output_width", 0), f[3]};
  }
  throw fail("operator not supported by the CUDA backend");
}

void Graph::Impl::InferShapes() {
  for (const auto& [name, t] : def.initializers) {
    Value v;
    v.shape = t.dims;
    v.isConst = true;
    v.init = &t;
    values[name] = v;
  }
  if (def.inputs.size() != 1) throw std::runtime_error("the CUDA backend runs graphs with one input");
  inputName = def.inputs[0].name;
  Value in;
  in.shape = def.inputs[0].shape;
  for (int64_t& d : in.shape)
    if (d < 1) d = 1;  // a symbolic batch dim: one item per run
  in.keep = true;
  values[inputName] = in;
  for (size_t j = 0; j < order.size(); j++) {
    const OnnxNodeDef& n = def.nodes[size_t(order[j])];
    for (const auto& i : n.inputs)
      if (!i.empty()) V(i, n).lastUse = int(j);
    Value out;
    out.shape = InferNode(n);
    out.producer = int(j);
    if (n.outputs.size() != 1) throw std::runtime_error(n.opType + " " + n.name + ": one output expected");
    values[n.outputs[0]] = out;
  }
  for (const auto& o : def.outputs) {
    auto it = values.find(o.name);
    if (it == values.end()) throw std::runtime_error("graph output " + o.name + " is never produced");
    it->second.keep = true;
  }
}

void Graph::Impl::Plan() {
  // Slots: a slot holds one tensor at a time; a tensor takes the smallest free slot that
  // fits (or grows the largest free one) and frees it after its last reader.
  struct Slot {
    size_t size = 0;
    bool busy = false;
  };
  std::vector<Slot> slots;
  std::map<std::string, int> slotOf;
  std::vector<std::vector<std::string>> dying(order.size());
  for (auto& [name, v] : values)
    if (!v.isConst && !v.keep && v.lastUse >= 0) dying[size_t(v.lastUse)].push_back(name);
  auto take = [&](const std::string& name, size_t need) {
    int best = -1, largest = -1;
    for (size_t s = 0; s < slots.size(); s++) {
      if (slots[s].busy) continue;
      if (slots[s].size >= need && (best < 0 || slots[s].size < slots[size_t(best)].size)) best = int(s);
      if (largest < 0 || slots[s].size > slots[size_t(largest)].size) largest = int(s);
    }
    if (best < 0) best = largest;
    if (best < 0) {
      slots.push_back({});
      best = int(slots.size()) - 1;
    }
    slots[size_t(best)].size = std::max(slots[size_t(best)].size, need);
    slots[size_t(best)].busy = true;
    slotOf[name] = best;
    stats.unpackedFloats += need;
  };
  take(inputName, Count(values[inputName].shape));
  for (size_t j = 0; j < order.size(); j++) {
    const OnnxNodeDef& n = def.nodes[size_t(order[j])];
    take(n.outputs[0], Count(values[n.outputs[0]].shape));
    for (const auto& name : dying[j]) slots[size_t(slotOf[name])].busy = false;
  }
  std::vector<size_t> base(slots.size());
  for (size_t s = 0; s < slots.size(); s++) {
    base[s] = stats.arenaFloats;
    stats.arenaFloats += slots[s].size;
  }
  arena = dev->Alloc(std::max<size_t>(stats.arenaFloats, 1));
  for (auto& [name, s] : slotOf) values[name].ptr = arena + base[size_t(s)];
  for (auto& [name, v] : values) {
    if (!v.isConst || !v.init->isFloat || v.lastUse < 0) continue;
    v.ptr = dev->Alloc(std::max<size_t>(v.init->f.size(), 1));
    dev->Upload(v.ptr, v.init->f.data(), v.init->f.size());
    stats.weightFloats += v.init->f.size();
  }
}

void Graph::Impl::EmitNode(const OnnxNodeDef& n) {
  const std::string& op = n.opType;
  Value& y = values[n.outputs[0]];
  auto x = [&](size_t k) -> Value& {
    Value& v = V(n.inputs[k], n);
    if (!v.ptr) throw std::runtime_error(op + " " + n.name + ": input " + n.inputs[k] + " is not a float tensor");
    return v;
  };
  OpCall c;
  c.out = y.ptr;
  c.n = Count(y.shape);
  const Shape& ys = y.shape;
  auto setMap = [&](const Shape& dims) {
    c.map.rank = int32_t(dims.size());
    if (dims.size() > size_t(kMaxRank)) throw std::runtime_error(op + " " + n.name + ": rank above 6");
    for (size_t k = 0; k < dims.size(); k++) c.map.dims[k] = dims[k];
  };
  if (op == "Conv" || op == "MaxPool") {
    const Shape& xs = x(0).shape;
    const Shape s = n.Ints("strides").empty() ? Shape{1, 1} : n.Ints("strides");
    const Shape d = n.Ints("dilations").empty() ? Shape{1, 1} : n.Ints("dilations");
    const Shape p = n.Ints("pads").empty() ? Shape{0, 0, 0, 0} : n.Ints("pads");
    c.in[0] = x(0).ptr;
    if (op == "Conv") {
      const Shape& ws = x(1).shape;
      c.kind = OpKind::Conv;
      c.in[1] = x(1).ptr;
      c.in[2] = Has(n, 2) ? x(2).ptr : nullptr;
      c.conv = {xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], ys[3], ws[2], ws[3], s[0], s[1], d[0], d[1], p[0], p[1],
                n.Int("group", 1)};
    } else {
      const Shape k = n.Ints("kernel_shape");
      c.kind = OpKind::MaxPool;
      c.pool = {xs[0], xs[1], xs[2], xs[3], ys[2], ys[3], k[0], k[1], s[0], s[1], p[0], p[1]};
    }
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "PRelu") {
    c.kind = OpKind::Binary;
    c.sub = int32_t(op == "Add" ? BinOp::Add : op == "Sub" ? BinOp::Sub : op == "Mul" ? BinOp::Mul
                    : op == "Div" ? BinOp::Div : BinOp::PRelu);
    setMap(ys);
    for (int t = 0; t < 2; t++) {
      const Value& v = x(size_t(t));
      c.in[t] = v.ptr;
      const Shape st = Strides(v.shape);
      const size_t off = ys.size() - v.shape.size();
      for (size_t k = 0; k < v.shape.size(); k++) {
        const int64_t stride = v.shape[k] == 1 ? 0 : st[k];
        (t == 0 ? c.map.strideA : c.map.strideB)[k + off] = stride;
      }
    }
  } else if (op == "Relu" || op == "Sqrt" || op == "Ceil" || op == "Abs" || op == "Identity" || op == "Reshape") {
    c.kind = OpKind::Unary;
    c.sub = int32_t(op == "Relu" ? UnOp::Relu : op == "Sqrt" ? UnOp::Sqrt : op == "Ceil" ? UnOp::Ceil
                    : op == "Abs" ? UnOp::Abs : UnOp::Copy);
    c.in[0] = x(0).ptr;
  } else if (op == "Transpose") {
    const Shape& xs = x(0).shape;
    Shape perm = n.Ints("perm");
    if (perm.empty())
      for (int k = int(xs.size()) - 1; k >= 0; k--) perm.push_back(k);
    const Shape st = Strides(xs);
    c.kind = OpKind::Strided;
    c.in[0] = x(0).ptr;
    setMap(ys);
    for (size_t k = 0; k < perm.size(); k++) c.map.strideA[k] = st[size_t(perm[k])];
  } else if (op == "Slice") {
    const Shape& xs = x(0).shape;
    const Shape st = Strides(xs);
    c.kind = OpKind::Strided;
    c.in[0] = x(0).ptr;
    setMap(ys);
    for (size_t k = 0; k < xs.size(); k++) c.map.strideA[k] = st[k];
    const auto& starts = Ints(n, 1);
    for (size_t j = 0; j < starts.size(); j++) {
      int64_t axis = Has(n, 3) ? Ints(n, 3).at(j) : int64_t(j);
      if (axis < 0) axis += int64_t(xs.size());
      const int64_t step = Has(n, 4) ? Ints(n, 4).at(j) : 1;
      const int64_t dim = xs[size_t(axis)];
      const int64_t b = std::clamp<int64_t>(starts[j] < 0 ? starts[j] + dim : starts[j], 0, dim);
      c.map.baseA += b * st[size_t(axis)];
      c.map.strideA[axis] = step * st[size_t(axis)];
    }
  } else if (op == "Pad") {
    const Shape& xs = x(0).shape;
    const auto& pads = Ints(n, 1);
    const Shape st = Strides(xs);
    c.kind = OpKind::Pad;
    c.in[0] = x(0).ptr;
    setMap(ys);
    for (size_t k = 0; k < xs.size(); k++) {
      c.map.strideA[k] = st[k];
      c.map.lo[k] = pads[k];
      c.map.hi[k] = xs[k];
    }
    if (Has(n, 2)) {
      auto it = def.initializers.find(n.inputs[2]);
      if (it == def.initializers.end() || !it->second.isFloat || it->second.f.size() != 1)
        throw std::runtime_error("Pad " + n.name + ": constant_value must be a constant float scalar");
      c.padValue = it->second.f[0];
    }
  } else if (op == "Concat") {
    int64_t axis = n.Int("axis", 0);
    if (axis < 0) axis += int64_t(ys.size());
    const Shape yst = Strides(ys);
    int64_t at = 0;
    for (size_t i = 0; i < n.inputs.size(); i++) {
      const Value& v = x(i);
      OpCall p = c;
      p.kind = OpKind::Place;
      p.in[0] = v.ptr;
      p.n = Count(v.shape);
      p.map = IndexMap{};
      p.map.rank = int32_t(v.shape.size());
      for (size_t k = 0; k < v.shape.size(); k++) {
        p.map.dims[k] = v.shape[k];
        p.map.strideA[k] = yst[k];
      }
      p.map.baseA = at * yst[size_t(axis)];
      at += v.shape[size_t(axis)];
      calls.push_back(p);
    }
    return;
  } else if (op == "MatMul") {
    const Shape& as = x(0).shape;
    const Shape& bs = x(1).shape;
    const int64_t M = as[as.size() - 2], K = as[as.size() - 1], N = bs[bs.size() - 1];
    const int64_t ba = int64_t(Count(as)) / (M * K), bb = int64_t(Count(bs)) / (K * N);
    if (ba != bb && ba != 1 && bb != 1) throw std::runtime_error("MatMul " + n.name + ": batch dims do not broadcast");
    c.kind = OpKind::MatMul;
    c.in[0] = x(0).ptr;
    c.in[1] = x(1).ptr;
    c.mm = {std::max(ba, bb), M, K, N, ba == 1 ? 0 : M * K, bb == 1 ? 0 : K * N};
  } else if (op == "ReduceMax" || op == "ReduceMin") {
    const Shape& xs = x(0).shape;
    const Shape st = Strides(xs);
    c.kind = OpKind::Reduce;
    c.in[0] = x(0).ptr;
    setMap(ys);
    c.red.isMax = op == "ReduceMax";
    for (size_t k = 0; k < xs.size(); k++) {
      c.map.strideA[k] = st[k];
      if (ys[k] == 1 && xs[k] != 1) {
        c.red.dims[c.red.rank] = xs[k];
        c.red.strides[c.red.rank] = st[k];
        c.red.rank++;
      }
    }
  } else if (op == "TransformTensorBilinear") {
    const Shape& fs = x(0).shape;
    const size_t mElems = Count(x(1).shape);
    if (mElems != 16 && mElems != size_t(fs[0]) * 16)
      throw std::runtime_error("TransformTensorBilinear " + n.name + ": the matrix must hold 16 floats per item");
    c.kind = OpKind::Bilinear;
    c.in[0] = x(0).ptr;
    c.in[1] = x(1).ptr;
    c.bil = {fs[0], fs[1], fs[2], fs[3], ys[1], ys[2], int32_t(mElems != 16)};
  }
  calls.push_back(c);
}

void Graph::Impl::Emit() {
  for (int j : order) EmitNode(def.nodes[size_t(j)]);
  stats.nodes = order.size();
  stats.calls = calls.size();
  // Activations live in the arena and move with the batch item; weights are shared.
  const size_t A = std::max<size_t>(stats.arenaFloats, 1);
  auto inArena = [&](const float* p) { return p && p >= arena && p < arena + A; };
  for (OpCall& c : calls) {
    for (int k = 0; k < 3; k++) c.inItemStride[k] = inArena(c.in[k]) ? int64_t(A) : 0;
    c.outItemStride = int64_t(A);
  }
}

// Room for `items` batch items: a larger arena, every activation pointer moved onto it.
void Graph::Impl::Grow(int items) {
  if (items <= capacity) return;
  const int cap = std::max(items, 2 * capacity);  // doubling: few reallocations up to maxBatch
  const size_t A = std::max<size_t>(stats.arenaFloats, 1);
  float* next = dev->Alloc(A * size_t(cap));
  auto move = [&](const float* p) -> float* {
    return p && p >= arena && p < arena + A ? next + (p - arena) : const_cast<float*>(p);
  };
  for (OpCall& c : calls) {
    for (int k = 0; k < 3; k++) c.in[k] = move(c.in[k]);
    c.out = move(c.out);
  }
  for (auto& [name, v] : values) v.ptr = move(v.ptr);
  dev->Free(arena);
  arena = next;
  capacity = cap;
}

Graph::Graph() : impl_(std::make_unique<Impl>()) {}
Graph::~Graph() = default;

std::unique_ptr<Graph> Graph::Load(const std::string& path, Backend backend, int ordinal) {
  std::unique_ptr<Graph> g(new Graph());
  Impl& m = *g->impl_;
  m.dev = MakeDevice(backend, ordinal);
  m.def = ReadOnnxFile(path);
  m.Order();
  m.InferShapes();
  m.Plan();
  m.Emit();
  m.dev->Sync();
  return g;
}

const std::vector<int64_t>& Graph::inputShape() const { return impl_->values.at(impl_->inputName).shape; }

std::vector<int64_t> Graph::outputShape(const std::string& name) const {
  auto it = impl_->values.find(name);
  if (it == impl_->values.end()) throw std::runtime_error("no tensor named " + name);
  return it->second.shape;
}

const GraphStats& Graph::stats() const { return impl_->stats; }
std::string Graph::deviceName() const { return impl_->dev->Name(); }

void Graph::Run(const float* input, int batch, const std::vector<std::string>& names,
                std::vector<std::vector<float>>& outputs) {
  Impl& m = *impl_;
  const Value& in = m.values.at(m.inputName);
  const size_t perItem = Count(in.shape);
  std::vector<const Value*> outs;
  for (const auto& name : names) {
    auto it = m.values.find(name);
    if (it == m.values.end() || !it->second.ptr || !it->second.keep)
      throw std::runtime_error("no graph output named " + name);
    outs.push_back(&it->second);
  }
  outputs.assign(names.size(), {});
  for (size_t k = 0; k < outs.size(); k++) outputs[k].resize(size_t(batch) * Count(outs[k]->shape));
  m.dev->Bind();
  batch = std::max(1, batch);
  m.Grow(batch);
  // One launch per node for the whole batch: item b's activations are b arenas further on
  // (Emit set the strides), so `in` and `outs` are read through the same offsets.
  const size_t A = std::max<size_t>(m.stats.arenaFloats, 1);
  for (int b = 0; b < batch; b++) m.dev->Upload(in.ptr + size_t(b) * A, input + size_t(b) * perItem, perItem);
  for (const OpCall& c : m.calls) {
    if (batch == 1) m.dev->Launch(c);
    else m.dev->LaunchBatched(c, batch);
  }
  for (int b = 0; b < batch; b++)
    for (size_t k = 0; k < outs.size(); k++) {
      const size_t e = Count(outs[k]->shape);
      m.dev->Download(outputs[k].data() + size_t(b) * e, outs[k]->ptr + size_t(b) * A, e);
    }
  m.dev->Sync();
}

}  // namespace theval::infer::cuda
