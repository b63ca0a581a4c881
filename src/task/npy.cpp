// NumPy .npy / .npz reader (format: numpy.lib.format; zip: PKWARE APPNOTE).
#include "eisnn/task/npy.hpp"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>

#include "eisnn/error.hpp"

namespace eisnn::task {
namespace {

[[noreturn]] void fail(const std::string& origin, const std::string& what) {
  throw InputError("NumPy file '" + origin + "': " + what);
}

std::vector<unsigned char> read_bytes(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) fail(file.string(), "does not exist");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file.string(), "cannot be opened");
  std::vector<unsigned char> bytes(std::filesystem::file_size(file));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) fail(file.string(), "cannot be read");
  return bytes;
}

std::uint64_t le(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Value text of `key` in the header dict, e.g. "'<f4'" or "(600, 4080, 16)".
std::string dict_value(const std::string& header, const std::string& key,
                       const std::string& origin) {
  const std::size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) fail(origin, "header has no '" + key + "'");
  std::size_t v = header.find(':', k);
  if (v == std::string::npos) fail(origin, "header is malformed");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  std::size_t end = v;
  if (header[v] == '(') {
    end = header.find(')', v);
    if (end == std::string::npos) fail(origin, "header shape is malformed");
    ++end;
  } else if (header[v] == '\'') {
    end = header.find('\'', v + 1);
    if (end == std::string::npos) fail(origin, "header is malformed");
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  }
  return header.substr(v, end - v);
}

template <class To>
std::vector<To> convert(const NpyArray& a) {
  const std::size_t n = a.size();
  std::vector<To> out(n);
  const unsigned char* p = a.data.data();
  auto each = [&](auto tag) {
    using From = decltype(tag);
    for (std::size_t i = 0; i < n; ++i) {
      From v;
      std::memcpy(&v, p + i * sizeof(From), sizeof(From));
      out[i] = static_cast<To>(v);
    }
  };
  switch (a.kind) {
    case 'f':
      if (a.item_size == 4)
        each(float{});
      else if (a.item_size == 8)
        each(double{});
      else
        throw InputError("unsupported float size " + std::to_string(a.item_size));
      break;
    case 'b':
    case 'u':
      if (a.item_size == 1)
        each(std::uint8_t{});
      else if (a.item_size == 2)
        each(std::uint16_t{});
      else if (a.item_size == 4)
        each(std::uint32_t{});
      else
        each(std::uint64_t{});
      break;
    case 'i':
      if (a.item_size == 1)
        each(std::int8_t{});
      else if (a.item_size == 2)
        each(std::int16_t{});
      else if (a.item_size == 4)
        each(std::int32_t{});
      else
        each(std::int64_t{});
      break;
    default:
      throw InputError(std::string("unsupported dtype kind '") + a.kind + "'");
  }
  return out;
}

std::vector<unsigned char> inflate_raw(const unsigned char* src, std::size_t n_src,
                                       std::size_t n_out, const std::string& origin) {
  std::vector<unsigned char> out(n_out);
  z_stream zs{};
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) fail(origin, "cannot start decompression");
  zs.next_in = const_cast<unsigned char*>(src);
  zs.avail_in = static_cast<uInt>(n_src);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(n_out);
  const int rc = inflate(&zs, Z_FINISH);
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || zs.total_out != n_out) fail(origin, "compressed data is corrupt");
  return out;
}

template <class T>
void write_npy_impl(const std::filesystem::path& file, const T* data, std::size_t n,
                    const std::vector<std::size_t>& shape, const char* descr) {
  std::string shape_text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    shape_text += (i ? ", " : "") + std::to_string(shape[i]);
  shape_text += shape.size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + descr +
                       "', 'fortran_order': False, 'shape': " + shape_text + ", }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError("cannot write '" + file.string() + "'");
  out.write("\x93NUMPY\x01\x00", 8);
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(len), 2);
  out << header;
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
  if (!out) throw InputError("cannot write '" + file.string() + "'");
}

}  // namespace

std::size_t NpyArray::size() const {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

std::vector<float> NpyArray::to_float() const {
  return convert<float>(*this);
}
std::vector<double> NpyArray::to_double() const {
  return convert<double>(*this);
}

NpyArray parse_npy(std::vector<unsigned char> bytes, const std::string& origin) {
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    fail(origin, "is not a .npy array (bad magic string)");
  const int major = bytes[6];
  const int len_bytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) fail(origin, "unsupported .npy version " + std::to_string(major));
  const std::size_t header_len = le(&bytes[8], len_bytes);
  const std::size_t data_start = 8 + len_bytes + header_len;
  if (data_start > bytes.size()) fail(origin, "is truncated (header)");
  const std::string header(bytes.begin() + 8 + len_bytes, bytes.begin() + data_start);

  NpyArray a;
  const std::string descr = dict_value(header, "descr", origin);
  if (descr.size() < 4) fail(origin, "dtype " + descr + " is not supported");
  const char order = descr[1];
  a.kind = descr[2];
  a.item_size = std::stoul(descr.substr(3, descr.size() - 4));
  if (order == '>' && a.item_size > 1)
    fail(origin, "big-endian dtype " + descr + " is not supported");
  if (std::string("fiub").find(a.kind) == std::string::npos ||
      (a.kind == 'f' && a.item_size != 4 && a.item_size != 8))
    fail(origin, "dtype " + descr + " is not supported (use float32/float64 or integers)");
  if (dict_value(header, "fortran_order", origin) != "False")
    fail(origin, "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
  const std::string shape_text = dict_value(header, "shape", origin);
  std::size_t i = 1;
  while (i < shape_text.size()) {
    while (i < shape_text.size() && !std::isdigit(static_cast<unsigned char>(shape_text[i]))) ++i;
    if (i >= shape_text.size()) break;
    std::size_t j = i;
    while (j < shape_text.size() && std::isdigit(static_cast<unsigned char>(shape_text[j]))) ++j;
    a.shape.push_back(std::stoull(shape_text.substr(i, j - i)));
    i = j;
  }
  const std::size_t n_bytes = a.size() * a.item_size;
  if (bytes.size() - data_start < n_bytes)
    fail(origin, "is truncated: " + std::to_string(bytes.size() - data_start) + " data bytes, " +
                     std::to_string(n_bytes) + " expected");
  // Reuse the buffer: a rate file can be hundreds of MB.
  bytes.resize(data_start + n_bytes);
  bytes.erase(bytes.begin(), bytes.begin() + data_start);
  a.data = std::move(bytes);
  return a;
}

NpyArray read_npy(const std::filesystem::path& file) {
  return parse_npy(read_bytes(file), file.string());
}

NpyArray read_npz(const std::filesystem::path& file, const std::string& name) {
  const std::vector<unsigned char> z = read_bytes(file);
  const std::string origin = file.string();
  // End of central directory: the last 22+ bytes, after an optional comment.
  std::size_t eocd = std::string::npos;
  for (std::size_t i = z.size() >= 22 ? z.size() - 22 : 0; i + 22 <= z.size(); --i) {
    if (le(&z[i], 4) == 0x06054b50) {
      eocd = i;
      break;
    }
    if (i == 0 || z.size() - i > 65557) break;
  }
  if (eocd == std::string::npos) fail(origin, "is not a .npz (zip) archive");
  std::uint64_t n_entries = le(&z[eocd + 10], 2);
  std::uint64_t cd = le(&z[eocd + 16], 4);
  if (cd == 0xffffffffull || n_entries == 0xffff) {
    if (eocd < 20 || le(&z[eocd - 20], 4) != 0x07064b50) fail(origin, "zip64 locator missing");
    const std::uint64_t z64 = le(&z[eocd - 20 + 8], 8);
    if (z64 + 56 > z.size() || le(&z[z64], 4) != 0x06064b50) fail(origin, "zip64 record missing");
    n_entries = le(&z[z64 + 32], 8);
    cd = le(&z[z64 + 48], 8);
  }
  std::vector<std::string> names;
  std::size_t p = cd;
  for (std::uint64_t e = 0; e < n_entries; ++e) {
    if (p + 46 > z.size() || le(&z[p], 4) != 0x02014b50)
      fail(origin, "central directory is corrupt");
    const int method = static_cast<int>(le(&z[p + 10], 2));
    std::uint64_t comp = le(&z[p + 20], 4), raw = le(&z[p + 24], 4);
    const std::size_t n_name = le(&z[p + 28], 2), n_extra = le(&z[p + 30], 2),
                      n_comment = le(&z[p + 32], 2);
    std::uint64_t local = le(&z[p + 42], 4);
    const std::string entry(z.begin() + p + 46, z.begin() + p + 46 + n_name);
    // Zip64 sizes and offset, present only for fields saturated above.
    for (std::size_t x = p + 46 + n_name; x + 4 <= p + 46 + n_name + n_extra;) {
      const auto id = le(&z[x], 2), len = le(&z[x + 2], 2);
      if (id == 1) {
        std::size_t q = x + 4;
        if (raw == 0xffffffffull) raw = le(&z[q], 8), q += 8;
        if (comp == 0xffffffffull) comp = le(&z[q], 8), q += 8;
        if (local == 0xffffffffull) local = le(&z[q], 8);
      }
      x += 4 + len;
    }
    p += 46 + n_name + n_extra + n_comment;
    names.push_back(entry);
    if (entry != name && entry != name + ".npy") continue;

    if (local + 30 > z.size() || le(&z[local], 4) != 0x04034b50)
      fail(origin, "entry '" + entry + "' is corrupt");
    const std::size_t start = local + 30 + le(&z[local + 26], 2) + le(&z[local + 28], 2);
    if (start + comp > z.size()) fail(origin, "entry '" + entry + "' is truncated");
    const std::string member = origin + ":" + entry;
    if (method == 0)
      return parse_npy(std::vector<unsigned char>(z.begin() + start, z.begin() + start + comp),
                       member);
    if (method == 8) return parse_npy(inflate_raw(&z[start], comp, raw, member), member);
    fail(member, "compression method " + std::to_string(method) + " is not supported");
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  fail(origin, "has no array '" + name + "' (it holds: " + list + ")");
}

void write_npy(const std::filesystem::path& file, const std::vector<float>& data,
               const std::vector<std::size_t>& shape) {
  write_npy_impl(file, data.data(), data.size(), shape, "<f4");
}

void write_npy(const std::filesystem::path& file, const std::vector<std::uint8_t>& data,
               const std::vector<std::size_t>& shape) {
  write_npy_impl(file, data.data(), data.size(), shape, "|u1");
}

}  // namespace eisnn::task
