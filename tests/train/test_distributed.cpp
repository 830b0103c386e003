// Distributed data-parallel training on c10d's Gloo backend, on 127.0.0.1: the collectives (two ranks on two
// threads), the configuration (flags and torchrun's environment variables), the clear error for NCCL on a CPU
// build, and the CLI end to end with two processes: ranks stay identical, the run equals one process with the
// combined batch, and a distributed run resumes exactly.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "mgc/models/weights.h"
#include "mgc/run/config.h"
#include "mgc/train/distributed.h"
#include "train/toy_dataset.h"

using namespace mgc::run;
using namespace mgc::train;
using mgc::test::ScopedEnv;
using mgc::test::TempDir;

namespace {

// A port nobody listens on now (the kernel's pick for port 0).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("free_port: cannot bind");
  ::close(fd);
  return ntohs(a.sin_port);
}

DistConfig local_config(int rank, int world_size, int port) {
  DistConfig c;
  c.backend = "gloo";
  c.world_size = world_size;
  c.rank = rank;
  c.local_rank = rank;
  c.master_addr = "127.0.0.1";
  c.master_port = port;
  c.timeout_seconds = 60;
  return c;
}

// Runs f(group) as ranks 0 and 1 of a Gloo group, on two threads of this process; rethrows a rank's failure.
template <typename F>
void on_two_ranks(F f) {
  const int port = free_port();
  std::exception_ptr errors[2];
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&, r] {
      try {
        DistGroup g(local_config(r, 2, port));
        g.init_backend(torch::kCPU);
        f(g);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

TEST(DistGroup, AveragedGradientsOfTwoHalvesAreTheWholeBatchGradients) {
  at::set_num_threads(1);
  torch::manual_seed(5);
  const torch::Tensor w1 = torch::randn({16, 10}), b1 = torch::randn({16}), w2 = torch::randn({3, 16});
  const torch::Tensor x = torch::randn({8, 10});
  const torch::Tensor y = torch::tensor({0, 1, 2, 0, 1, 2, 2, 1}, torch::kLong);
  // params: w1, b1, an unused one (no gradient: skipped), w2; the loss is a batch mean like the trainer's.
  const auto grads_on = [&](const torch::Tensor& xs, const torch::Tensor& ys, DistGroup* g) {
    std::vector<torch::Tensor> p = {w1.clone().requires_grad_(), b1.clone().requires_grad_(),
                                    torch::zeros({4}).requires_grad_(), w2.clone().requires_grad_()};
    const torch::Tensor logits = torch::tanh(xs.matmul(p[0].t()) + p[1]).matmul(p[3].t());
    torch::nn::functional::cross_entropy(logits, ys).backward();
    // 200-byte buckets: w1 (640 B) alone, then b1 and w2 (64 + 192 B) in two more.
    if (g) g->average_gradients(p, 200);
    return std::vector<torch::Tensor>{p[0].grad(), p[1].grad(), p[3].grad(), p[2].grad()};
  };
  const auto whole = grads_on(x, y, nullptr);
  std::vector<torch::Tensor> got[2];
  on_two_ranks([&](DistGroup& g) {
    const int r = g.rank();
    got[r] = grads_on(x.slice(0, 4 * r, 4 * r + 4), y.slice(0, 4 * r, 4 * r + 4), &g);
  });
  for (int r = 0; r < 2; ++r) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(torch::allclose(got[r][static_cast<size_t>(i)], whole[static_cast<size_t>(i)], 1e-5, 1e-6))
          << "rank " << r << " grad " << i;
      EXPECT_TRUE(torch::equal(got[r][static_cast<size_t>(i)], got[0][static_cast<size_t>(i)]));
    }
    EXPECT_FALSE(got[r][3].defined());
  }
  // Not trivially equal: one half's own gradient is far from the whole batch's.
  EXPECT_FALSE(torch::allclose(grads_on(x.slice(0, 0, 4), y.slice(0, 0, 4), nullptr)[0], whole[0], 1e-3, 1e-4));
}

TEST(DistGroup, BroadcastSumShareAndBarrier) {
  std::vector<double> sums[2];
  std::string shared[2];
  std::vector<torch::Tensor> after[2];
  on_two_ranks([&](DistGroup& g) {
    const int r = g.rank();
    std::vector<torch::Tensor> t = {torch::full({5}, r + 1.0f), torch::full({3}, 10 * (r + 1), torch::kLong),
                                    torch::full({2}, 0.5 * (r + 1), torch::kFloat64), torch::full({2, 2}, r + 7.0f)};
    g.broadcast(t, 0, /*bucket_bytes=*/16);
    after[r] = t;
    sums[r] = g.sum({r + 1.0, 2.0, -0.25});
    shared[r] = g.share("blob", r == 0 ? std::string("hello\0world", 11) : std::string("ignored"));
    g.barrier();
    EXPECT_EQ(g.world_size(), 2);
    EXPECT_EQ(g.is_main(), r == 0);
  });
  for (int r = 0; r < 2; ++r) {
    EXPECT_TRUE(torch::equal(after[r][0], torch::full({5}, 1.0f)));
    EXPECT_TRUE(torch::equal(after[r][1], torch::full({3}, 10, torch::kLong)));
    EXPECT_TRUE(torch::equal(after[r][2], torch::full({2}, 0.5, torch::kFloat64)));
    EXPECT_TRUE(torch::equal(after[r][3], torch::full({2, 2}, 7.0f)));
    EXPECT_EQ(sums[r], (std::vector<double>{3.0, 4.0, -0.5}));
    EXPECT_EQ(shared[r], std::string("hello\0world", 11));
  }
}

TEST(DistConfig, FlagsWinOverTorchrunEnvironmentWhichWinsOverDefaults) {
  {
    ScopedEnv env({{"WORLD_SIZE", nullptr}, {"RANK", nullptr}, {"LOCAL_RANK", nullptr}, {"MASTER_ADDR", nullptr},
                   {"MASTER_PORT", nullptr}});
    const DistConfig d = resolve_dist_config({});
    EXPECT_FALSE(d.enabled());
    EXPECT_EQ(d.world_size, 1);
    EXPECT_EQ(d.rank, 0);
    EXPECT_EQ(d.master_addr, "127.0.0.1");
    EXPECT_EQ(d.master_port, 29500);
  }
  ScopedEnv env({{"WORLD_SIZE", "4"}, {"RANK", "3"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "10.1.2.3"},
                 {"MASTER_PORT", "1234"}});
  const DistConfig e = resolve_dist_config({});
  EXPECT_EQ(e.backend, "gloo");  // WORLD_SIZE > 1 without a backend named
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.master_addr, "10.1.2.3");
  EXPECT_EQ(e.master_port, 1234);
  DistConfig flags;
  flags.backend = "gloo";
  flags.world_size = 2;
  flags.rank = 1;
  flags.master_port = 4321;
  const DistConfig f = resolve_dist_config(flags);
  EXPECT_EQ(f.world_size, 2);
  EXPECT_EQ(f.rank, 1);
  EXPECT_EQ(f.local_rank, 1);  // $LOCAL_RANK
  EXPECT_EQ(f.master_port, 4321);
  EXPECT_EQ(f.master_addr, "10.1.2.3");

  const auto message = [](const DistConfig& c) {
    try {
      resolve_dist_config(c);
    } catch (const mgc::Error& err) {
      return std::string(err.what());
    }
    return std::string("no error");
  };
  flags.rank = 2;
  EXPECT_NE(message(flags).find("TrainConfig.dist.rank must be in 0..1"), std::string::npos) << message(flags);
  flags.rank = 0;
  flags.backend = "mpi";
  EXPECT_NE(message(flags).find("dist.backend must be gloo or nccl"), std::string::npos) << message(flags);
  ScopedEnv bad({{"RANK", "one"}});
  EXPECT_NE(message({}).find("RANK='one'"), std::string::npos) << message({});
}

TEST(DistGroup, NcclOrCudaOnACpuBuildIsOneClearError) {
  if (nccl_available() || torch::cuda::is_available()) GTEST_SKIP() << "this libtorch has CUDA";
  DistConfig c = local_config(0, 1, free_port());
  c.backend = "nccl";
  try {
    DistGroup g(c);
    FAIL() << "nccl accepted";
  } catch (const mgc::Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("train: --dist-backend nccl needs mgc built against a libtorch with CUDA", 0),
              0u) << e.what();
  }
  TempDir dir;
  const std::string common = "train --data " + dir.file("none.csv") + " --out " + dir.file("run") + " --quiet";
  const auto nccl = mgc::test::run_cli(common + " --dist-backend nccl --world-size 2 --rank 0 --master-port " +
                                       std::to_string(free_port()));
  EXPECT_EQ(nccl.exit_code, 1);
  EXPECT_EQ(nccl.output.rfind("mgc: error: train: --dist-backend nccl needs", 0), 0u) << nccl.output;
  EXPECT_EQ(std::count(nccl.output.begin(), nccl.output.end(), '\n'), 1) << nccl.output;
  const auto cuda = mgc::test::run_cli(common + " --device cuda");
  EXPECT_EQ(cuda.exit_code, 1);
  EXPECT_EQ(cuda.output, "mgc: error: train: device 'cuda' asked for, but this libtorch has no CUDA or no GPU is "
                         "visible\n");
}

namespace {

struct Launch {
  int rc0 = -1, rc1 = -1;
  std::string out0, out1;
};

// Runs `args` as two `mgc train` processes on 127.0.0.1 at once: rank 0 configured by flags, rank 1 only by
// torchrun's environment variables (so both ways are exercised every time).
Launch launch_two(const TempDir& dir, const std::string& name, const std::string& args) {
  const int port = free_port();
  const std::string log0 = dir.file(name + ".log0"), log1 = dir.file(name + ".log1");
  const std::string r0 = std::string(MGC_CLI) + " " + args + " --dist-backend gloo --world-size 2 --rank 0" +
                         " --master-addr 127.0.0.1 --master-port " + std::to_string(port) + " --dist-timeout 120";
  const std::string r1 = "env WORLD_SIZE=2 RANK=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " " +
                         std::string(MGC_CLI) + " " + args + " --dist-timeout 120";
  const auto res = mgc::test::run_command("(" + r0 + " > " + log0 + " 2>&1; echo $? > " + log0 + ".rc) & (" + r1 +
                                          " > " + log1 + " 2>&1; echo $? > " + log1 + ".rc) & wait");
  Launch l;
  l.out0 = mgc::read_file(log0);
  l.out1 = mgc::read_file(log1);
  l.rc0 = std::stoi(mgc::read_file(log0 + ".rc"));
  l.rc1 = std::stoi(mgc::read_file(log1 + ".rc"));
  return l;
}

std::vector<std::vector<double>> read_trace(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<double>> rows;
  double epoch, step, sum, squares;
  while (in >> epoch >> step >> sum >> squares) rows.push_back({epoch, step, sum, squares});
  return rows;
}

double max_weight_difference(const std::string& a, const std::string& b) {
  const auto wa = mgc::models::read_weights(a), wb = mgc::models::read_weights(b);
  EXPECT_EQ(wa.tensors.size(), wb.tensors.size());
  double worst = 0.0;
  for (const auto& [name, t] : wa.tensors) {
    const torch::Tensor* u = wb.find(name);
    if (!u) return 1e30;
    worst = std::max(worst, (t.to(torch::kFloat64) - u->to(torch::kFloat64)).abs().max().item<double>());
  }
  return worst;
}

class DistributedCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string manifest = mgc::test::make_toy_dataset(dir_->path());
    // The toy recipe (tests/train/toy_dataset.h) as flags: 24 train windows a epoch, one thread per process.
    common_ = "train --data " + manifest + " --cache " + dir_->file("cache") +
              " --segment 1 --lr 3e-3 --warmup 0.5 --val 0.25 --test 0.25 --threads 1 --patience 0 --quiet";
    // One process, one epoch: fills the feature cache, and its weights start the frozen-backbone runs.
    const auto r = mgc::test::run_cli(common_ + " --batch-size 4 --epochs 1 --out " + dir_->file("source"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static TempDir* dir_;
  static std::string common_;
};
TempDir* DistributedCli::dir_ = nullptr;
std::string DistributedCli::common_;

}  // namespace

TEST_F(DistributedCli, TwoRanksStayIdenticalAndADistributedRunResumesExactly) {
  TempDir d;
  const std::string args = common_ + " --batch-size 4 --epochs 2";
  const Launch a = launch_two(d, "a", args + " --out " + d.file("a") + " --param-trace " + d.file("trace-a"));
  ASSERT_EQ(a.rc0, 0) << a.out0;
  ASSERT_EQ(a.rc1, 0) << a.out1;
  EXPECT_EQ(a.out1, "rank 1 of 2: 2 epoch(s) done\n");
  EXPECT_NE(a.out0.find("2 epoch(s) done"), std::string::npos) << a.out0;

  // After every step (24 windows / (2 ranks x 4) = 3 a epoch) the ranks hold the same parameters, bit for bit.
  const std::string t0 = mgc::read_file(d.file("trace-a.rank0")), t1 = mgc::read_file(d.file("trace-a.rank1"));
  EXPECT_EQ(read_trace(d.file("trace-a.rank0")).size(), 6u);
  EXPECT_EQ(t0, t1);
  EXPECT_EQ(mgc::read_file(d.file("trace-a.rank0.safetensors")), mgc::read_file(d.file("trace-a.rank1.safetensors")));

  // Rank 0 wrote the run folder (rank 1 shares it here, and wrote nothing of its own).
  const auto run = nlohmann::json::parse(mgc::read_file(d.file("a") + "/run.json"));
  EXPECT_EQ(run["distributed"]["world_size"], 2);
  EXPECT_EQ(run["distributed"]["backend"], "gloo");
  const auto result = nlohmann::json::parse(mgc::read_file(d.file("a") + "/result.json"));
  EXPECT_EQ(result["epochs_done"], 2);
  EXPECT_EQ(result["world_size"], 2);
  std::istringstream rows(mgc::test::metrics_without_timing(d.file("a")));
  std::string line;
  int n = 0;
  while (std::getline(rows, line)) ++n;
  EXPECT_EQ(n, 3);  // header + 2 epochs

  // Rank 0 refuses to train over the run; rank 1 hears why instead of waiting for it.
  const Launch again = launch_two(d, "again", args + " --out " + d.file("a"));
  EXPECT_EQ(again.rc0, 1);
  EXPECT_EQ(again.rc1, 1);
  EXPECT_NE(again.out0.find("already holds a run"), std::string::npos) << again.out0;
  EXPECT_EQ(again.out1.rfind("mgc: error: train: rank 0 failed: train: '" + d.file("a") + "' already holds a run", 0),
            0u) << again.out1;

  // One epoch, stop, resume both ranks: the same metrics and the same final weights as the uninterrupted run.
  const Launch c1 = launch_two(d, "c1", args + " --max-epochs-now 1 --out " + d.file("c"));
  ASSERT_EQ(c1.rc0, 0) << c1.out0;
  ASSERT_EQ(c1.rc1, 0) << c1.out1;
  const Launch c2 = launch_two(d, "c2", common_ + " --resume " + d.file("c") + " --param-trace " + d.file("trace-c"));
  ASSERT_EQ(c2.rc0, 0) << c2.out0;
  ASSERT_EQ(c2.rc1, 0) << c2.out1;
  EXPECT_EQ(mgc::test::metrics_without_timing(d.file("a")), mgc::test::metrics_without_timing(d.file("c")));
  EXPECT_EQ(mgc::read_file(d.file("trace-c.rank0.safetensors")), mgc::read_file(d.file("trace-a.rank0.safetensors")));
  EXPECT_EQ(mgc::read_file(d.file("trace-c.rank1.safetensors")), mgc::read_file(d.file("trace-a.rank0.safetensors")));
}

TEST_F(DistributedCli, TwoRanksOfBatchFourEqualOneProcessOfBatchEight) {
  // BatchNorm normalises by each process's own batch, as in torch's DistributedDataParallel, so the comparison
  // holds the backbone (and its BatchNorm) frozen from the source run's weights and trains the head; no dropout
  // and no augmentation, whose draws depend on the batch layout.
  TempDir d;
  const std::string args = common_ + " --pretrained " + dir_->file("source") + "/best.safetensors" +
                           " --input-mode mono --freeze-only --dropout 0 --no-augment --epochs 2";
  const Launch two = launch_two(d, "two", args + " --batch-size 4 --out " + d.file("two") + " --param-trace " +
                                              d.file("trace-two"));
  ASSERT_EQ(two.rc0, 0) << two.out0;
  ASSERT_EQ(two.rc1, 0) << two.out1;
  const auto one = mgc::test::run_cli(args + " --batch-size 8 --out " + d.file("one") + " --param-trace " +
                                      d.file("trace-one"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto half = mgc::test::run_cli(args + " --batch-size 4 --out " + d.file("half") + " --param-trace " +
                                       d.file("trace-half"));
  ASSERT_EQ(half.exit_code, 0) << half.output;

  const auto t2 = read_trace(d.file("trace-two.rank0")), t1 = read_trace(d.file("trace-one"));
  ASSERT_EQ(t2.size(), 6u);
  ASSERT_EQ(t1.size(), 6u);
  // Measured: parameter sums agree to ~3e-11 relative, weights to float rounding.
  for (size_t i = 0; i < t1.size(); ++i) {
    EXPECT_NEAR(t2[i][2], t1[i][2], 1e-6 * std::abs(t1[i][2])) << "step " << i + 1;
    EXPECT_NEAR(t2[i][3], t1[i][3], 1e-6 * std::abs(t1[i][3])) << "step " << i + 1;
  }
  EXPECT_LT(max_weight_difference(d.file("trace-two.rank0.safetensors"), d.file("trace-one.safetensors")), 1e-6);
  // The check has teeth: one process with batch 4 (twice the steps, other batches) ends elsewhere.
  EXPECT_GT(max_weight_difference(d.file("trace-half.safetensors"), d.file("trace-one.safetensors")), 1e-3);
}
