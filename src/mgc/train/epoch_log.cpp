#include "mgc/train/epoch_log.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"

namespace mgc::train {
namespace {

// The numeric columns after epoch and phase, in file order, with their CSV format.
struct Column {
  const char* name;
  double EpochRow::*field;
  const char* csv_format;
};

constexpr Column kColumns[] = {
    {"lr", &EpochRow::lr, "{:.6g}"},
    {"train_loss", &EpochRow::train_loss, "{:.6f}"},
    {"train_acc", &EpochRow::train_acc, "{:.6f}"},
    {"val_loss", &EpochRow::val_loss, "{:.6f}"},
    {"val_segment_acc", &EpochRow::val_segment_acc, "{:.6f}"},
    {"val_clip_acc", &EpochRow::val_clip_acc, "{:.6f}"},
    {"val_macro_f1", &EpochRow::val_macro_f1, "{:.6f}"},
    {"seconds", &EpochRow::seconds, "{:.2f}"},
    {"loader_wait_fraction", &EpochRow::loader_wait_fraction, "{:.4f}"},
};

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  if (!out) throw make_error("train", "cannot append to '{}'", path);
}

}  // namespace

std::string epoch_csv_header() {
  std::string s = "epoch,phase";
  for (const Column& c : kColumns) s += fmt::format(",{}", c.name);
  return s;
}

std::string epoch_csv_line(const EpochRow& row) {
  std::string s = fmt::format("{},{}", row.epoch, row.phase);
  for (const Column& c : kColumns) s += "," + fmt::format(fmt::runtime(c.csv_format), row.*c.field);
  return s;
}

nlohmann::json to_json(const EpochRow& row) {
  nlohmann::json j = {{"epoch", row.epoch}, {"phase", row.phase}};
  for (const Column& c : kColumns) j[c.name] = row.*c.field;
  return j;
}

void start_epoch_log(const run::RunPaths& files) {
  if (!std::filesystem::exists(files.metrics_csv())) write_file_atomic(files.metrics_csv(), epoch_csv_header() + "\n");
}

void append_epoch(const run::RunPaths& files, const EpochRow& row) {
  append_line(files.metrics_jsonl(), to_json(row).dump());
  append_line(files.metrics_csv(), epoch_csv_line(row));
}

void trim_epoch_log(const run::RunPaths& files, int epochs_done) {
  for (const std::string& path : {files.metrics_jsonl(), files.metrics_csv()}) {
    if (!std::filesystem::exists(path)) continue;
    std::ifstream in(path);
    std::string line, kept;
    int row = 0;
    const bool csv = path == files.metrics_csv();
    while (std::getline(in, line)) {
      if (csv && row == 0)
        kept += line + "\n";
      else if ((csv ? row : row + 1) <= epochs_done)
        kept += line + "\n";
      ++row;
    }
    write_file_atomic(path, kept);
  }
}

}  // namespace mgc::train
