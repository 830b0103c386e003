#pragma once
// NumPy .npy files (format 1.0/2.0/3.0, C order, little-endian): float32, float64 and int64 arrays.
// Used for --npy outputs and for reading reference arrays in tests.
#include <cstdint>
#include <string>
#include <vector>

namespace mgc {

struct NpyArray {
  std::vector<int64_t> shape;  // C order
  std::vector<float> data;     // converted to float32 whatever the stored type
  int64_t numel() const;
};

// Reads a .npy file holding '<f4', '<f8' or '<i8' data in C order.
// Throws mgc::Error ("npy: ...") on a missing file, a bad header, Fortran order, an unsupported dtype or
// a data section shorter than the shape needs.
NpyArray read_npy(const std::string& path);

// Writes a float32 array of the given C-order shape, atomically (temporary file + rename).
// Throws mgc::Error if shape and data size disagree or the file cannot be written.
void write_npy(const std::string& path, const std::vector<int64_t>& shape, const float* data);

}  // namespace mgc
