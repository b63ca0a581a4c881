// Reader for NumPy .npy arrays and .npz archives (stored or deflated), so that
// users can train on rate files made in Python, such as the study's own
// 600 x 4080 x 16 rates. Format: numpy.lib.format, version 1.0 to 3.0,
// little-endian, C order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace eisnn::task {

struct NpyArray {
  std::vector<std::size_t> shape;
  char kind = 'f';  // numpy dtype kind: f (float), i (int), u (unsigned), b (bool)
  std::size_t item_size = 4;
  std::vector<unsigned char> data;  // row-major, little-endian

  std::size_t size() const;
  // Converted copies; `what` names the array in error messages.
  std::vector<float> to_float() const;
  std::vector<double> to_double() const;
};

// Throws InputError naming the file and the problem.
NpyArray read_npy(const std::filesystem::path& file);
NpyArray read_npz(const std::filesystem::path& file, const std::string& name);
// Parses the bytes of one .npy file; `origin` names it in messages.
NpyArray parse_npy(std::vector<unsigned char> bytes, const std::string& origin);

// Writes a .npy file (float32 or uint8 only; for tests and tools).
void write_npy(const std::filesystem::path& file, const std::vector<float>& data,
               const std::vector<std::size_t>& shape);
void write_npy(const std::filesystem::path& file, const std::vector<std::uint8_t>& data,
               const std::vector<std::size_t>& shape);

}  // namespace eisnn::task
