// A thin RAII layer over the HDF5 C library: numeric datasets of any rank,
// scalar and string attributes, and intermediate groups made on demand.
// Every data file eisnn writes or reads goes through here, so that a corrupt or
// mismatched file always surfaces as an InputError naming the file and the
// dataset. HDF5's own error printing is switched off: the library never prints.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace eisnn::h5 {

using Shape = std::vector<std::size_t>;

class File {
 public:
  // Creates (truncating) a file for writing.
  static File create(const std::filesystem::path& path);
  // Opens an existing file read-only; throws InputError if it is missing or not HDF5.
  static File open(const std::filesystem::path& path);

  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  const std::filesystem::path& path() const { return path_; }
  bool exists(const std::string& name) const;
  Shape shape(const std::string& dataset) const;

  // Datasets of float, double, int8/uint8, int32/uint32, int64/uint64.
  // `shape` is row-major and its product must equal data.size().
  template <class T>
  void write(const std::string& dataset, std::span<const T> data, const Shape& shape);
  template <class T>
  void write(const std::string& dataset, const std::vector<T>& data) {
    write<T>(dataset, std::span<const T>(data), Shape{data.size()});
  }
  template <class T>
  void write(const std::string& dataset, const std::vector<T>& data, const Shape& shape) {
    write<T>(dataset, std::span<const T>(data), shape);
  }

  // Reads a whole dataset, converting to T. If `expected` is not empty the
  // stored shape must equal it.
  template <class T>
  std::vector<T> read(const std::string& dataset, const Shape& expected = {}) const;

  // Attributes on a group or dataset ("/" is the root).
  void set_attr(const std::string& object, const std::string& name, const std::string& value);
  void set_attr(const std::string& object, const std::string& name, double value);
  void set_attr(const std::string& object, const std::string& name, std::int64_t value);
  std::string attr_string(const std::string& object, const std::string& name) const;
  double attr_double(const std::string& object, const std::string& name) const;
  std::int64_t attr_int(const std::string& object, const std::string& name) const;
  bool has_attr(const std::string& object, const std::string& name) const;

  void flush();

 private:
  File(std::int64_t id, std::filesystem::path path) : id_(id), path_(std::move(path)) {}
  std::int64_t id_ = -1;
  std::filesystem::path path_;
};

// Writes `path` atomically: the file is built under a temporary name in the
// same folder and renamed over `path` only by commit(). If the writer is
// destroyed without commit (an exception, a crash), the temporary is removed
// and whatever stood at `path` before is untouched.
class AtomicWriter {
 public:
  explicit AtomicWriter(std::filesystem::path path);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  File& file() { return *file_; }
  void commit();

 private:
  std::filesystem::path path_, tmp_path_;
  std::unique_ptr<File> file_;
  bool committed_ = false;
};

// Writes a text file atomically (same contract as AtomicWriter).
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

}  // namespace eisnn::h5
