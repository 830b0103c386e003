// libFuzzer: bytes -> weights file -> read_weights (safetensors, PyTorch zip and legacy checkpoints through the
// restricted unpickler). The first byte picks the extension; the rest is the file. mgc::Error is an expected
// rejection; anything else is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "mgc/core/error.h"
#include "mgc/models/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* kExt[] = {".safetensors", ".pt", ".pth", ".bin"};
  const std::string path = mgc::fuzz::write_input(data + 1, size - 1, kExt[data[0] % 4]);
  try {
    const mgc::models::StateDict sd = mgc::models::read_weights(path);
    (void)sd.numel();
  } catch (const mgc::Error&) {
  }
  return 0;
}
