#pragma once
// FFTW helpers shared by the files that make FFTW plans (stft.cpp, chroma.cpp, tempo.cpp). FFTW's planner (plan creation and
// destruction) is not thread-safe; executing a plan is: every planner call holds fftw_planner_mutex().
#include <fftw3.h>

#include <cstddef>
#include <memory>
#include <mutex>

#include "mgc/core/error.h"

namespace mgc::features {

std::mutex& fftw_planner_mutex();

struct FftwFree {
  void operator()(void* p) const { fftwf_free(p); }
};
template <typename T>
using FftwBuffer = std::unique_ptr<T[], FftwFree>;

// n values of T from fftwf_malloc (aligned for FFTW's SIMD code). Throws mgc::Error when out of memory.
template <typename T>
FftwBuffer<T> fftw_alloc(size_t n) {
  auto* p = static_cast<T*>(fftwf_malloc(sizeof(T) * n));
  if (!p) throw make_error("features", "out of memory allocating an FFT buffer of {} values", n);
  return FftwBuffer<T>(p);
}

// The same for double-precision FFTW (fftw_malloc / fftw_free): the tempogram's autocorrelations.
struct FftwDoubleFree {
  void operator()(void* p) const { fftw_free(p); }
};
template <typename T>
using FftwDoubleBuffer = std::unique_ptr<T[], FftwDoubleFree>;

template <typename T>
FftwDoubleBuffer<T> fftw_alloc_double(size_t n) {
  auto* p = static_cast<T*>(fftw_malloc(sizeof(T) * n));
  if (!p) throw make_error("features", "out of memory allocating an FFT buffer of {} values", n);
  return FftwDoubleBuffer<T>(p);
}

}  // namespace mgc::features
