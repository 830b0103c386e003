#include "mgc/train/dist_config.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>

#include "mgc/core/error.h"

namespace mgc::train {
namespace {

void require(bool ok, const char* field, const std::string& rule) {
  if (!ok) throw make_error("train", "TrainConfig.{} {}", field, rule);
}

}  // namespace

void DistConfig::validate() const {
  require(backend.empty() || backend == "gloo" || backend == "nccl", "dist.backend", "must be gloo or nccl");
  require(world_size >= 1 && world_size <= 65536, "dist.world_size", "must be in 1..65536");
  require(rank >= 0 && rank < world_size, "dist.rank",
          fmt::format("must be in 0..{} (world size {})", world_size - 1, world_size));
  require(local_rank >= 0, "dist.local_rank", "must be >= 0");
  require(!master_addr.empty(), "dist.master_addr", "must name rank 0's host");
  require(master_port >= 1 && master_port <= 65535, "dist.master_port", "must be in 1..65535");
  require(timeout_seconds > 0 && timeout_seconds <= 86400, "dist.timeout_seconds", "must be in (0, 86400]");
}

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(v, &end, 10);
  if (errno != 0 || *end != '\0' || n < 0 || n > 1000000)
    throw make_error("train", "environment variable {}='{}' is not a non-negative integer", name, v);
  return static_cast<int>(n);
}

std::string env_string(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

}  // namespace

DistConfig resolve_dist_config(DistConfig c) {
  if (c.world_size <= 0) c.world_size = env_int("WORLD_SIZE", 1);
  // Launched by torchrun or the like (WORLD_SIZE > 1) without a backend named: Gloo, which runs everywhere.
  if (c.backend.empty() && c.world_size > 1) c.backend = "gloo";
  if (c.rank < 0) c.rank = env_int("RANK", 0);
  if (c.local_rank < 0) c.local_rank = env_int("LOCAL_RANK", c.rank);
  if (c.master_addr.empty()) c.master_addr = env_string("MASTER_ADDR", "127.0.0.1");
  if (c.master_port <= 0) c.master_port = env_int("MASTER_PORT", 29500);
  c.validate();
  return c;
}

}  // namespace mgc::train
