// mgc: music genre classification from the command line.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "mgc/core/error.h"
#include "mgc/core/runtime.h"
#include "mgc/core/text.h"

int main(int argc, char** argv) {
  mgc::tune_malloc_for_tensors();
  CLI::App app{"mgc: music genre classification (audio -> log-mel -> CNN -> genres)", "mgc"};
  app.set_version_flag("--version", "mgc 0.1.0");
  app.require_subcommand(1);
  mgc::cli::register_spectrogram(app);
  mgc::cli::register_info(app);
  mgc::cli::register_models(app);
  mgc::cli::register_weights(app);
  mgc::cli::register_synth(app);
  mgc::cli::register_extract(app);
  mgc::cli::register_train(app);
  mgc::cli::register_eval(app);
  mgc::cli::register_harmony(app);
  mgc::cli::register_predict(app);
  mgc::cli::register_compare(app);
  mgc::cli::register_report(app);
  mgc::cli::register_serve(app);
  mgc::cli::register_tag(app);
  mgc::cli::register_export(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const mgc::Error& e) {
    mgc::print_error(e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mgc: unexpected error: %s\n", e.what());
    return 2;
  }
  return 0;
}
