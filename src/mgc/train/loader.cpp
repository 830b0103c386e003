#include "mgc/train/loader.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "mgc/core/random.h"
#include "mgc/run/model.h"

namespace mgc::train {

void shard(const std::vector<Sample>& order, int rank, int world_size, std::vector<Sample>* samples,
           std::vector<int64_t>* positions) {
  const auto n = static_cast<int64_t>(order.size());
  const int64_t per_rank = (n + world_size - 1) / world_size;
  samples->clear();
  positions->clear();
  for (int64_t i = 0; i < per_rank; ++i) {
    const int64_t p = i * world_size + rank;
    samples->push_back(order[static_cast<size_t>(p % n)]);
    positions->push_back(p);
  }
}

EpochLoader::EpochLoader(const RunData& run, const std::vector<Sample>& samples, const std::vector<int64_t>& positions,
                         const std::vector<std::vector<int64_t>>& by_label, const run::TrainConfig& config, int epoch,
                         int rank)
    : run_(run),
      samples_(samples),
      positions_(positions),
      by_label_(by_label),
      config_(config),
      epoch_(epoch),
      rank_(rank) {
  batches_ = static_cast<int64_t>(samples.size()) / config.batch_size;
  if (static_cast<int64_t>(samples.size()) % config.batch_size >= 2) ++batches_;  // a last batch of 1 breaks BN
  const int workers = config.loader_threads;
  for (int w = 0; w < workers; ++w) threads_.emplace_back([this, w, workers] { work(w, workers); });
}

EpochLoader::~EpochLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

Batch EpochLoader::get(int64_t b, double* waited) {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait(lock, [&] { return ready_.count(b) > 0 || error_; });
  if (error_) std::rethrow_exception(error_);
  Batch out = std::move(ready_[b]);
  ready_.erase(b);
  consumed_ = b + 1;
  lock.unlock();
  cv_.notify_all();
  *waited += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

void EpochLoader::work(int w, int workers) {
  try {
    for (int64_t b = w; b < batches_; b += workers) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || b < consumed_ + 2 * workers; });
        if (stop_) return;
      }
      Batch batch = make(b);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_[b] = std::move(batch);
      }
      cv_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    cv_.notify_all();
  }
}

Batch EpochLoader::make(int64_t b) {
  std::mt19937_64 rng(derive_seed(config_.seed, static_cast<uint64_t>(epoch_),
                                  static_cast<uint64_t>(b) + 1 + (static_cast<uint64_t>(rank_) << 32)));
  const int64_t window = config_.segment_frames();
  const int64_t first = b * config_.batch_size;
  const int64_t last = std::min<int64_t>(first + config_.batch_size, static_cast<int64_t>(samples_.size()));
  const auto& any = run_.features[static_cast<size_t>(samples_[static_cast<size_t>(first)].clip)];
  Batch out;
  out.db = torch::empty({last - first, 1, any.rows, window});
  std::vector<int64_t> labels;
  for (int64_t i = first; i < last; ++i) {
    const Sample& s = samples_[static_cast<size_t>(i)];
    const auto& mel = run_.features[static_cast<size_t>(s.clip)];
    const int64_t span = std::max<int64_t>(0, mel.cols - window);
    std::mt19937_64 crop(derive_seed(config_.seed ^ 0xC4CEB9FE1A85EC53ull, static_cast<uint64_t>(epoch_),
                                     static_cast<uint64_t>(positions_[static_cast<size_t>(i)]) + 1));
    const int64_t start = std::uniform_int_distribution<int64_t>(0, span)(crop);
    out.db[i - first].copy_(run::windows_tensor(mel, {start}, window)[0]);
    // Same-class mix, drawn from the crop's generator: the same whatever the world size.
    const run::AugmentConfig& a = config_.augment;
    const auto& partners = by_label_[static_cast<size_t>(s.label)];
    if (a.enabled && a.mix_same_class > 0 && partners.size() > 1 &&
        std::uniform_real_distribution<double>(0.0, 1.0)(crop) < a.mix_same_class) {
      // Another clip of the class: a random one of the others.
      size_t k = std::uniform_int_distribution<size_t>(0, partners.size() - 2)(crop);
      const auto self = std::find(partners.begin(), partners.end(), s.clip);
      if (self != partners.end() && k >= static_cast<size_t>(self - partners.begin())) ++k;
      const auto& other = run_.features[static_cast<size_t>(partners[k])];
      const int64_t other_start =
          std::uniform_int_distribution<int64_t>(0, std::max<int64_t>(0, other.cols - window))(crop);
      const double level = -std::uniform_real_distribution<double>(0.0, a.mix_level_db)(crop);
      mix_power_db(out.db[i - first], run::windows_tensor(other, {other_start}, window)[0], level);
    }
    labels.push_back(s.label);
  }
  out.labels = torch::tensor(labels, torch::kLong);
  augment_batch(out.db, config_.augment, rng);
  out.mix = mixup_batch(out.db, config_.augment, rng);
  return out;
}

}  // namespace mgc::train
