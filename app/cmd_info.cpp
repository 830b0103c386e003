// mgc info [FILE...]: what audio files hold; without files, what this build links (libtorch, threads). Built into
// both halves of mgc (app/commands.h): in `mgc` (MGC_CLI_TORCH unset) the build's line is mgc-torch's to print.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "mgc/audio/audio.h"
#include "mgc/core/error.h"
#include "mgc/core/text.h"
#if MGC_CLI_TORCH
#include "mgc/models/runtime.h"
#endif

namespace mgc::cli {

void register_info(CLI::App& app, [[maybe_unused]] char** argv) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto threads = std::make_shared<int>(0);
  CLI::App* cmd = add_command(app, "info");
  cmd->add_option("files", *files, "Audio files to describe");
  cmd->add_option("--threads", *threads, "Intra-op threads to report (0: all cores); without files only")
      ->capture_default_str();
  cmd->callback([files, threads, argv] {
    if (files->empty()) {
#if MGC_CLI_TORCH
      set_num_threads(*threads);
      std::printf("%s\n", torch_summary().c_str());
#else
      exec_torch_half(argv);
#endif
      return;
    }
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
