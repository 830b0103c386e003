#pragma once
// FFTW's planner (plan creation and destruction) is not thread-safe; executing a plan is. Every file that makes
// FFTW plans holds this one mutex while it does.
#include <mutex>

namespace mgc::features {

std::mutex& fftw_planner_mutex();

}  // namespace mgc::features
