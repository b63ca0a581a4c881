#include "eisnn/io/network_io.hpp"

#include <cmath>

#include "eisnn/error.hpp"

namespace eisnn {
namespace {

void write_weights(h5::File& f, const std::string& g, const SparseWeights& s) {
  std::vector<std::uint32_t> pre(s.n_synapses());
  for (int i = 0; i < s.n_pre; ++i)
    for (std::uint32_t k = s.begin(i); k < s.end(i); ++k) pre[k] = static_cast<std::uint32_t>(i);
  f.write(g + "/row_start", s.row_start);
  f.write(g + "/pre", pre);
  f.write(g + "/post", s.post);
  f.write(g + "/w_mV", s.w_mV);
  f.set_attr(g, "n_pre", static_cast<std::int64_t>(s.n_pre));
  f.set_attr(g, "n_post", static_cast<std::int64_t>(s.n_post));
}

SparseWeights read_weights(const h5::File& f, const std::string& g, int n_pre, int n_post) {
  auto bad = [&](const std::string& what) {
    throw InputError("HDF5 file '" + f.path().string() + "': " + g + ": " + what);
  };
  SparseWeights s;
  s.n_pre = n_pre;
  s.n_post = n_post;
  s.row_start = f.read<std::uint32_t>(g + "/row_start", {static_cast<std::size_t>(n_pre) + 1});
  const std::size_t n_syn = s.row_start.back();
  s.post = f.read<std::uint16_t>(g + "/post", {n_syn});
  s.w_mV = f.read<float>(g + "/w_mV", {n_syn});
  if (s.row_start.front() != 0) bad("row_start must begin at 0");
  for (int i = 0; i < n_pre; ++i) {
    if (s.row_start[i + 1] < s.row_start[i]) bad("row_start must not decrease");
    for (std::uint32_t k = s.begin(i); k < s.end(i); ++k) {
      if (s.post[k] >= n_post)
        bad("post index " + std::to_string(s.post[k]) + " out of range [0, " +
            std::to_string(n_post) + ")");
      if (k > s.begin(i) && s.post[k] <= s.post[k - 1])
        bad("post indices of row " + std::to_string(i) + " must be strictly ascending");
      if (!std::isfinite(s.w_mV[k])) bad("weight " + std::to_string(k) + " is not finite");
    }
  }
  return s;
}

}  // namespace

void write_network(h5::File& f, const Network& net, const std::string& group) {
  f.set_attr(group, "n_in", static_cast<std::int64_t>(net.n_in));
  f.set_attr(group, "n_e", static_cast<std::int64_t>(net.n_e));
  f.set_attr(group, "n_i", static_cast<std::int64_t>(net.n_i));
  f.set_attr(group, "n_out", static_cast<std::int64_t>(net.n_out));
  write_weights(f, group + "/in", net.w_in);
  write_weights(f, group + "/rec", net.w_rec);
  write_weights(f, group + "/out", net.w_out);
}

Network read_network(const h5::File& f, const std::string& group) {
  if (!f.exists(group))
    throw InputError("HDF5 file '" + f.path().string() + "' holds no network (no group '" + group +
                     "')");
  Network net;
  auto size = [&](const char* name) {
    const std::int64_t v = f.attr_int(group, name);
    if (v < 1 || v > 65535)
      throw InputError("HDF5 file '" + f.path().string() + "': " + group + " attribute " + name +
                       " = " + std::to_string(v) + " must be in [1, 65535]");
    return static_cast<int>(v);
  };
  net.n_in = size("n_in");
  net.n_e = size("n_e");
  net.n_i = size("n_i");
  net.n_out = size("n_out");
  const int n = net.n_units();
  net.w_in = read_weights(f, group + "/in", net.n_in, n);
  net.w_rec = read_weights(f, group + "/rec", n, n);
  net.w_out = read_weights(f, group + "/out", n, net.n_out);
  return net;
}

}  // namespace eisnn
