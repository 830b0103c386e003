// mgc info [FILE...]: what this build links (libtorch, threads) and what audio files hold.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/runtime.h"
#include "mgc/core/text.h"

namespace mgc::cli {

void register_info(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto threads = std::make_shared<int>(0);
  CLI::App* cmd = app.add_subcommand("info", "Show the build's libtorch and threads, and the header of audio files");
  cmd->add_option("files", *files, "Audio files to describe");
  cmd->add_option("--threads", *threads, "Intra-op threads (0: all cores)")->capture_default_str();
  cmd->callback([files, threads] {
    set_num_threads(*threads);
    std::printf("%s\n", torch_summary().c_str());
    int failures = 0;
    for (const auto& f : *files) {
      try {
        const audio::AudioInfo info = audio::probe_audio(f);
        std::printf("%s: %s, %d Hz, %d channel(s), %lld frames (%.3f s)\n", f.c_str(), info.format.c_str(),
                    info.sample_rate, info.channels, static_cast<long long>(info.frames),
                    info.frames > 0 ? static_cast<double>(info.frames) / info.sample_rate : 0.0);
      } catch (const std::exception& e) {  // one bad file never stops the listing
        print_error(e.what());
        std::fflush(stderr);
        ++failures;
      }
    }
    if (failures > 0) throw make_error("info", "{} of {} file(s) could not be read", failures, files->size());
  });
}

}  // namespace mgc::cli
