// Distributed data-parallel training (c10d); see distributed.h.
//
// Only c10d API spelled the same in libtorch 1.13 and 2.x is used (TCPStore + TCPStoreOptions, ProcessGroupGloo
// and ProcessGroupNCCL constructors and Options, allreduce/broadcast returning a work handle with wait()). The one
// difference, the base class of the process groups (ProcessGroup in 1.x, Backend in 2.x), is the alias below.
#include "mgc/train/distributed.h"

#include <torch/version.h>

// The c10d headers compile their contents only where these are defined (as libtorch's own build does).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#if defined(MGC_WITH_NCCL)
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "mgc/core/error.h"

namespace mgc::train {
namespace {

#if TORCH_VERSION_MAJOR >= 2
using GroupBase = c10d::Backend;
#else
using GroupBase = c10d::ProcessGroup;
#endif

std::chrono::milliseconds timeout_of(const DistConfig& c) {
  return std::chrono::milliseconds(static_cast<int64_t>(c.timeout_seconds * 1000.0));
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// Runs a c10d call, turning its errors (c10::Error, gloo's exceptions, std::runtime_error) into mgc::Error.
template <typename F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const mgc::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw make_error("train", "distributed {} failed: {}", what, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw make_error("train", "distributed {} failed: {}", what, e.what());
  }
}

// Consecutive runs of same-dtype tensors, each at most bucket_bytes (a larger tensor is a bucket of its own).
std::vector<std::vector<torch::Tensor>> buckets_of(const std::vector<torch::Tensor>& tensors, int64_t bucket_bytes) {
  std::vector<std::vector<torch::Tensor>> out;
  int64_t bytes = 0;
  for (const auto& t : tensors) {
    const int64_t n = t.numel() * static_cast<int64_t>(t.element_size());
    if (out.empty() || out.back().front().scalar_type() != t.scalar_type() || bytes + n > bucket_bytes) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().push_back(t);
    bytes += n;
  }
  return out;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& ts) {
  std::vector<torch::Tensor> flat;
  flat.reserve(ts.size());
  for (const auto& t : ts) flat.push_back(t.detach().reshape({-1}));
  return torch::cat(flat, 0);
}

void unflatten_into(const torch::Tensor& flat, const std::vector<torch::Tensor>& ts) {
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (const auto& t : ts) {
    const int64_t n = t.numel();
    t.copy_(flat.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

}  // namespace

bool nccl_available() {
#if defined(MGC_WITH_NCCL)
  return true;
#else
  return false;
#endif
}

struct DistGroup::Impl {
  DistConfig config;
  torch::Device device = torch::kCPU;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<GroupBase> group;
};

DistGroup::DistGroup(const DistConfig& requested) : impl_(std::make_unique<Impl>()) {
  DistConfig config = requested;
  config.validate();
  if (!config.enabled()) throw make_error("train", "distributed training needs a backend (gloo or nccl)");
  if (config.backend == "nccl" && !nccl_available())
    throw make_error("train", "--dist-backend nccl needs mgc built against a libtorch with CUDA and NCCL; this one "
                     "has neither (use --dist-backend gloo, or see docs/DISTRIBUTED.md to build with CUDA)");
  impl_->config = config;
  guarded("rendezvous", [&] {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(config.master_port);
    // Under torchrun the agent already serves the store at MASTER_ADDR:MASTER_PORT and says so (as in PyTorch).
    const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
    so.isServer = config.rank == 0 && !(agent && std::string(agent) == "True");
    so.numWorkers = static_cast<std::size_t>(config.world_size);
    so.waitWorkers = true;
    so.timeout = timeout_of(config);
    impl_->store = c10::make_intrusive<c10d::TCPStore>(config.master_addr, so);
  });
}

void DistGroup::init_backend(const torch::Device& device) {
  const DistConfig& config = impl_->config;
  const auto timeout = timeout_of(config);
  if (config.backend == "nccl" && !device.is_cuda())
    throw make_error("train", "--dist-backend nccl needs a CUDA device (--device cuda), not '{}'", device.str());
  impl_->device = device;
  guarded("process group creation", [&] {
    if (config.backend == "gloo") {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      // Gloo binds to one interface: GLOO_SOCKET_IFNAME if set (as in PyTorch), loopback when the master is
      // this machine's loopback (tests, one-machine runs), else the interface of this host's name.
      const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
      if (ifname && *ifname) options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else if (is_loopback(config.master_addr))
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      else options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      options->threads = 2;
      impl_->group =
          c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, config.rank, config.world_size, options);
    } else {
#if defined(MGC_WITH_NCCL)
      c10::cuda::set_device(device.index() >= 0 ? device.index() : 0);
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      impl_->group =
          c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, config.rank, config.world_size, options);
#endif
    }
  });
}

DistGroup::~DistGroup() = default;

int DistGroup::rank() const { return impl_->config.rank; }
int DistGroup::world_size() const { return impl_->config.world_size; }
const torch::Device& DistGroup::device() const { return impl_->device; }

void DistGroup::require_backend() const {
  if (!impl_->group) throw make_error("train", "distributed: collective before init_backend()");
}

void DistGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  require_backend();
  guarded("all-reduce", [&] {
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp::SUM;
    auto work = impl_->group->allreduce(tensors, opts);
    work->wait();
  });
}

void DistGroup::average_gradients(const std::vector<torch::Tensor>& params, int64_t bucket_bytes) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  const double scale = 1.0 / static_cast<double>(world_size());
  for (const auto& bucket : buckets_of(grads, bucket_bytes)) {
    std::vector<torch::Tensor> flat{flatten(bucket)};
    all_reduce_sum(flat);
    flat[0].mul_(scale);
    unflatten_into(flat[0], bucket);
  }
}

void DistGroup::broadcast(const std::vector<torch::Tensor>& tensors, int root, int64_t bucket_bytes) {
  for (const auto& bucket : buckets_of(tensors, bucket_bytes)) {
    require_backend();
    std::vector<torch::Tensor> flat{flatten(bucket).to(impl_->device)};
    guarded("broadcast", [&] {
      c10d::BroadcastOptions opts;
      opts.rootRank = root;
      opts.rootTensor = 0;
      auto work = impl_->group->broadcast(flat, opts);
      work->wait();
    });
    unflatten_into(flat[0], bucket);
  }
}

std::vector<double> DistGroup::sum(const std::vector<double>& values) {
  if (values.empty()) return {};
  require_backend();
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64).to(impl_->device)};
  all_reduce_sum(t);
  const torch::Tensor cpu = t[0].to(torch::kCPU).contiguous();
  return std::vector<double>(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel());
}

std::string DistGroup::share(const std::string& key, const std::string& bytes, int root) {
  const std::string k = "mgc/" + key;
  return guarded("store exchange", [&] {
    if (rank() == root) {
      impl_->store->set(k, std::vector<uint8_t>(bytes.begin(), bytes.end()));
      return bytes;
    }
    const std::vector<uint8_t> got = impl_->store->get(k);
    impl_->store->add(k + "/received", 1);
    return std::string(got.begin(), got.end());
  });
}

void DistGroup::wait_until_shared(const std::string& key) {
  const std::string k = "mgc/" + key + "/received";
  const auto deadline = std::chrono::steady_clock::now() + timeout_of(impl_->config);
  guarded("store exchange", [&] {
    while (impl_->store->add(k, 0) < world_size() - 1) {
      if (std::chrono::steady_clock::now() > deadline)
        throw make_error("train", "distributed: the other ranks did not receive '{}' in time", key);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
}

void DistGroup::barrier() {
  std::vector<torch::Tensor> t{torch::zeros({1}, torch::TensorOptions().device(impl_->device))};
  all_reduce_sum(t);
}

}  // namespace mgc::train
