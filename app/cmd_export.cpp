// mgc export RUN_DIR --torchscript OUT.pt: a trained run as one TorchScript file for deployment.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/core/text.h"
#include "mgc/tools/export.h"

namespace mgc::cli {

void register_export(CLI::App& app) {
  auto run_dir = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto weights = std::make_shared<std::string>();
  CLI::App* cmd = add_command(app, "export");
  cmd->footer(
      "The exported forward takes log-mel windows in dB, x: [B, 1, n_mels, frames] float32 (mgc's features, as\n"
      "`mgc extract` caches them), and returns logits [B, classes]. The archive's mgc.json holds the classes, the\n"
      "input contract, the run's config and, under \"predict\", what mgc predict does that the file does not\n"
      "(decoding, the log-mel, windows and their mean vote, the no-music rule, a harmony model); Python reads it with\n"
      "  extra = {'mgc.json': ''}; m = torch.jit.load('model.pt', _extra_files=extra)");
  cmd->add_option("run", *run_dir, "Run folder made by mgc train")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--torchscript", *out, "Output file (.pt)")->required();
  cmd->add_option("--weights", *weights, "Weights to export (default RUN/best.safetensors)");
  auto quiet = std::make_shared<bool>(false);
  cmd->add_flag("-q,--quiet", *quiet, "Print nothing on success (warnings still go to stderr)");
  cmd->callback([=] {
    const tools::ExportInfo info = tools::export_run_torchscript(*run_dir, *out, *weights);
    if (!*quiet)
      std::printf("exported %s (%zu classes, input [B, 1, %lld, %lld] dB) to %s\n", info.model.c_str(),
                info.classes.size(), static_cast<long long>(info.n_mels), static_cast<long long>(info.frames),
                out->c_str());
    if (info.harmony_left_out)
      print_warning(fmt::format("export: the run's harmony model is not in '{}': the file gives what `mgc predict "
                                "--no-harmony` gives, not mgc predict's default vote (mgc.json says so too)",
                                *out));
  });
}

}  // namespace mgc::cli
