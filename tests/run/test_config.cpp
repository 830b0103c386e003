// run/config_fields.h: TrainConfig's one field table drives config.json both ways and the options of mgc train.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <type_traits>

#include "mgc/core/error.h"
#include "mgc/run/config.h"
#include "mgc/run/config_fields.h"

namespace {

// Every field set to a value other than its default.
mgc::run::TrainConfig all_changed() {
  mgc::run::TrainConfig c;
  int n = 0;
  mgc::run::for_each_field(c, [&](const mgc::run::FieldInfo& f, auto& value) {
    using T = std::decay_t<decltype(value)>;
    ++n;
    if constexpr (std::is_same_v<T, std::string>) {
      value = std::string("v_") + f.key;
    } else if constexpr (std::is_same_v<T, bool>) {
      value = !value;
    } else if constexpr (std::is_same_v<T, mgc::features::MelNorm>) {
      value = value == mgc::features::MelNorm::Slaney ? mgc::features::MelNorm::None : mgc::features::MelNorm::Slaney;
    } else if constexpr (std::is_floating_point_v<T>) {
      value = value + 0.25 + n;
    } else {
      value = static_cast<T>(value + 3 + n);
    }
  });
  c.features.mel.sample_rate = c.features.sample_rate;
  return c;
}

}  // namespace

TEST(ConfigFields, KeysAndOptionsAreUniqueAndCoverConfigJson) {
  const mgc::run::TrainConfig c;
  std::set<std::string> keys, options;
  size_t fields = 0;
  mgc::run::for_each_field(c, [&](const mgc::run::FieldInfo& f, const auto&) {
    ++fields;
    EXPECT_TRUE(keys.insert(std::string(f.group ? f.group : "") + "." + f.key).second) << f.key;
    if (f.option) EXPECT_TRUE(options.insert(f.option).second) << f.option;
  });
  // config.json holds exactly the table's fields: the top level's, and the "augment" and "features" objects'.
  const nlohmann::json j = mgc::run::to_json(c);
  size_t leaves = 0;
  for (auto it = j.begin(); it != j.end(); ++it) leaves += it->is_object() ? it->size() : 1;
  EXPECT_EQ(leaves, fields);
  EXPECT_EQ(j.at("features").at("norm"), "slaney");
  EXPECT_EQ(j.at("augment").at("enabled"), true);
  EXPECT_TRUE(options.count("--lr") && options.count("--n-mels") && options.count("--pitch-shift"));
}

TEST(ConfigFields, EveryFieldSurvivesConfigJson) {
  const mgc::run::TrainConfig changed = all_changed();
  const nlohmann::json j = mgc::run::to_json(changed);
  const mgc::run::TrainConfig back = mgc::run::train_config_from_json(j);
  EXPECT_EQ(mgc::run::to_json(back), j);
  EXPECT_EQ(back.features.mel.sample_rate, changed.features.sample_rate);
  // And no field kept its default on the way: each differs from a default config's.
  const nlohmann::json defaults = mgc::run::to_json(mgc::run::TrainConfig{});
  mgc::run::for_each_field(back, [&](const mgc::run::FieldInfo& f, const auto&) {
    const auto& got = f.group ? j.at(f.group).at(f.key) : j.at(f.key);
    const auto& def = f.group ? defaults.at(f.group).at(f.key) : defaults.at(f.key);
    EXPECT_NE(got, def) << f.key;
  });
}

TEST(ConfigFields, ConfigJsonRefusesUnknownKeysAndKeepsDefaultsForMissingOnes) {
  EXPECT_THROW(mgc::run::train_config_from_json({{"lr", 0.1}, {"learning_rate", 0.1}}), mgc::Error);
  const mgc::run::TrainConfig c = mgc::run::train_config_from_json({{"lr", 0.5}, {"augment", {{"eq_db", 3.0}}}});
  EXPECT_EQ(c.lr, 0.5);
  EXPECT_EQ(c.augment.eq_db, 3.0);
  EXPECT_EQ(c.augment.enabled, true);
  EXPECT_EQ(c.epochs, mgc::run::TrainConfig{}.epochs);
  EXPECT_THROW(mgc::run::train_config_from_json({{"epochs", "many"}}), mgc::Error);
}
