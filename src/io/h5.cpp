#include "eisnn/io/h5.hpp"

#include <hdf5.h>
#include <unistd.h>

#include <fstream>
#include <numeric>
#include <system_error>

#include "eisnn/error.hpp"

namespace eisnn::h5 {
namespace {

// HDF5 prints a stack of errors to stderr by default; the library must not.
// A thread-safe HDF5 keeps that setting per thread, so it is made on every
// thread that opens a file.
void silence_hdf5() {
  thread_local const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>)
    return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>)
    return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return H5T_NATIVE_INT8;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return H5T_NATIVE_INT16;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return H5T_NATIVE_UINT16;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return H5T_NATIVE_UINT64;
  else
    static_assert(sizeof(T) == 0, "unsupported HDF5 element type");
}

// Closes an HDF5 handle with the right H5*close when it leaves scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw InputError("HDF5 file '" + path.string() + "': " + what);
}

std::string shape_string(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

File File::create(const std::filesystem::path& path) {
  silence_hdf5();
  const hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) fail(path, "cannot be created (is the folder writable?)");
  return File(id, path);
}

File File::open(const std::filesystem::path& path) {
  silence_hdf5();
  if (!std::filesystem::exists(path)) fail(path, "does not exist");
  if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "is not a readable HDF5 file");
  const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) fail(path, "cannot be opened as HDF5 (corrupt or truncated?)");
  return File(id, path);
}

File::File(File&& other) noexcept : id_(other.id_), path_(std::move(other.path_)) {
  other.id_ = -1;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) H5Fclose(id_);
    id_ = other.id_;
    path_ = std::move(other.path_);
    other.id_ = -1;
  }
  return *this;
}

File::~File() {
  if (id_ >= 0) H5Fclose(id_);
}

bool File::exists(const std::string& name) const {
  // H5Lexists fails on a missing intermediate group, so test each level.
  std::size_t pos = 0;
  while (true) {
    pos = name.find('/', pos + 1);
    const std::string prefix = name.substr(0, pos);
    if (!prefix.empty() && prefix != "/" && H5Lexists(id_, prefix.c_str(), H5P_DEFAULT) <= 0)
      return false;
    if (pos == std::string::npos) return true;
  }
}

Shape File::shape(const std::string& dataset) const {
  if (!exists(dataset)) fail(path_, "has no dataset '" + dataset + "'");
  Handle ds(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!ds.ok()) fail(path_, "'" + dataset + "' is not a dataset");
  Handle space(H5Dget_space(ds.get()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(path_, "dataset '" + dataset + "' has an unreadable shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return Shape(dims.begin(), dims.end());
}

template <class T>
void File::write(const std::string& dataset, std::span<const T> data, const Shape& shape) {
  const std::size_t count =
      std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  EISNN_ASSERT(count == data.size());
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  Handle ds(H5Dcreate2(id_, dataset.c_str(), native_type<T>(), space.get(), lcpl.get(), H5P_DEFAULT,
                       H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok()) fail(path_, "cannot create dataset '" + dataset + "'");
  if (count > 0 &&
      H5Dwrite(ds.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    fail(path_, "cannot write dataset '" + dataset + "' (disk full?)");
}

template <class T>
std::vector<T> File::read(const std::string& dataset, const Shape& expected) const {
  const Shape stored = shape(dataset);
  if (!expected.empty() && stored != expected)
    fail(path_, "dataset '" + dataset + "' has shape " + shape_string(stored) + ", expected " +
                    shape_string(expected));
  const std::size_t count =
      std::accumulate(stored.begin(), stored.end(), std::size_t{1}, std::multiplies<>());
  std::vector<T> out(count);
  Handle ds(H5Dopen2(id_, dataset.c_str(), H5P_DEFAULT), H5Dclose);
  Handle type(H5Dget_type(ds.get()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    fail(path_, "dataset '" + dataset + "' is not numeric");
  if (count > 0 &&
      H5Dread(ds.get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(path_, "cannot read dataset '" + dataset + "' (corrupt, or values out of range)");
  return out;
}

#define EISNN_H5_INSTANTIATE(T)                                                       \
  template void File::write<T>(const std::string&, std::span<const T>, const Shape&); \
  template std::vector<T> File::read<T>(const std::string&, const Shape&) const;
EISNN_H5_INSTANTIATE(float)
EISNN_H5_INSTANTIATE(double)
EISNN_H5_INSTANTIATE(std::int8_t)
EISNN_H5_INSTANTIATE(std::uint8_t)
EISNN_H5_INSTANTIATE(std::int16_t)
EISNN_H5_INSTANTIATE(std::uint16_t)
EISNN_H5_INSTANTIATE(std::int32_t)
EISNN_H5_INSTANTIATE(std::uint32_t)
EISNN_H5_INSTANTIATE(std::int64_t)
EISNN_H5_INSTANTIATE(std::uint64_t)
#undef EISNN_H5_INSTANTIATE

namespace {

// Opens `object` (a group or dataset) for attribute access; creates missing groups
// when writing.
hid_t open_object(hid_t file, const std::string& object, bool create,
                  const std::filesystem::path& path) {
  if (object != "/" && H5Lexists(file, object.c_str(), H5P_DEFAULT) <= 0) {
    if (!create) fail(path, "has no object '" + object + "'");
    Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    H5Pset_create_intermediate_group(lcpl.get(), 1);
    const hid_t g = H5Gcreate2(file, object.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) fail(path, "cannot create group '" + object + "'");
    H5Gclose(g);
  }
  const hid_t id = H5Oopen(file, object.c_str(), H5P_DEFAULT);
  if (id < 0) fail(path, "cannot open object '" + object + "'");
  return id;
}

template <class T>
void write_scalar_attr(hid_t file, const std::filesystem::path& path, const std::string& object,
                       const std::string& name, T value) {
  Handle obj(open_object(file, object, true, path), H5Oclose);
  if (H5Aexists(obj.get(), name.c_str()) > 0) H5Adelete(obj.get(), name.c_str());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(
      H5Acreate2(obj.get(), name.c_str(), native_type<T>(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  if (!attr.ok() || H5Awrite(attr.get(), native_type<T>(), &value) < 0)
    fail(path, "cannot write attribute '" + name + "' of '" + object + "'");
}

template <class T>
T read_scalar_attr(hid_t file, const std::filesystem::path& path, const std::string& object,
                   const std::string& name) {
  Handle obj(open_object(file, object, false, path), H5Oclose);
  if (H5Aexists(obj.get(), name.c_str()) <= 0)
    fail(path, "object '" + object + "' has no attribute '" + name + "'");
  Handle attr(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  T value{};
  if (H5Aread(attr.get(), native_type<T>(), &value) < 0)
    fail(path, "attribute '" + name + "' of '" + object + "' is not numeric");
  return value;
}

}  // namespace

void File::set_attr(const std::string& object, const std::string& name, double value) {
  write_scalar_attr(id_, path_, object, name, value);
}

void File::set_attr(const std::string& object, const std::string& name, std::int64_t value) {
  write_scalar_attr(id_, path_, object, name, value);
}

void File::set_attr(const std::string& object, const std::string& name, const std::string& value) {
  Handle obj(open_object(id_, object, true, path_), H5Oclose);
  if (H5Aexists(obj.get(), name.c_str()) > 0) H5Adelete(obj.get(), name.c_str());
  // A variable-length UTF-8 string reads back in h5py as str.
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(
      H5Acreate2(obj.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT),
      H5Aclose);
  const char* text = value.c_str();
  if (!attr.ok() || H5Awrite(attr.get(), type.get(), &text) < 0)
    fail(path_, "cannot write attribute '" + name + "' of '" + object + "'");
}

std::string File::attr_string(const std::string& object, const std::string& name) const {
  Handle obj(open_object(id_, object, false, path_), H5Oclose);
  if (H5Aexists(obj.get(), name.c_str()) <= 0)
    fail(path_, "object '" + object + "' has no attribute '" + name + "'");
  Handle attr(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle stored(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(stored.get()) != H5T_STRING)
    fail(path_, "attribute '" + name + "' of '" + object + "' is not a string");
  if (H5Tis_variable_str(stored.get()) > 0) {
    Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5Tget_cset(stored.get()));
    char* text = nullptr;
    if (H5Aread(attr.get(), type.get(), &text) < 0 || text == nullptr)
      fail(path_, "attribute '" + name + "' of '" + object + "' cannot be read");
    std::string value(text);
    H5free_memory(text);
    return value;
  }
  const std::size_t size = H5Tget_size(stored.get());
  std::string value(size, '\0');
  if (H5Aread(attr.get(), stored.get(), value.data()) < 0)
    fail(path_, "attribute '" + name + "' of '" + object + "' cannot be read");
  value.resize(value.find('\0') == std::string::npos ? size : value.find('\0'));
  return value;
}

double File::attr_double(const std::string& object, const std::string& name) const {
  return read_scalar_attr<double>(id_, path_, object, name);
}

std::int64_t File::attr_int(const std::string& object, const std::string& name) const {
  return read_scalar_attr<std::int64_t>(id_, path_, object, name);
}

bool File::has_attr(const std::string& object, const std::string& name) const {
  if (!exists(object)) return false;
  Handle obj(open_object(id_, object, false, path_), H5Oclose);
  return H5Aexists(obj.get(), name.c_str()) > 0;
}

void File::flush() {
  H5Fflush(id_, H5F_SCOPE_LOCAL);
}

AtomicWriter::AtomicWriter(std::filesystem::path path)
    : path_(std::move(path)), tmp_path_(path_.string() + ".tmp-" + std::to_string(::getpid())) {
  file_ = std::make_unique<File>(File::create(tmp_path_));
}

AtomicWriter::~AtomicWriter() {
  if (!committed_) {
    file_.reset();
    std::error_code ignored;
    std::filesystem::remove(tmp_path_, ignored);
  }
}

void AtomicWriter::commit() {
  file_->flush();
  file_.reset();  // closes the file before it is renamed
  std::error_code ec;
  std::filesystem::rename(tmp_path_, path_, ec);
  if (ec) fail(path_, "cannot be moved into place: " + ec.message());
  committed_ = true;
}

void write_text_atomic(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError("cannot write '" + path.string() + "' (is the folder writable?)");
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp);
      throw InputError("cannot write '" + path.string() + "' (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw InputError("cannot move '" + path.string() + "' into place: " + ec.message());
}

}  // namespace eisnn::h5
