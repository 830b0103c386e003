// libFuzzer: bytes -> weights file(s) -> read_weights (safetensors, PyTorch zip and legacy checkpoints through the
// restricted unpickler, TensorFlow checkpoints). The layout is fuzz_input.h's write_weights_input (first byte 'T':
// a TensorFlow index + data pair). mgc::Error is an expected rejection; anything else is a bug.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "mgc/core/error.h"
#include "mgc/models/weights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string path = mgc::fuzz::write_weights_input(data, size);
  try {
    const mgc::models::StateDict sd = mgc::models::read_weights(path);
    (void)sd.numel();
  } catch (const mgc::Error&) {
  }
  return 0;
}
