// core/text.h: what mgc prints of names and tags cannot drive the terminal.
#include "mgc/core/text.h"

#include <gtest/gtest.h>

#include <string>

TEST(EscapeControl, ControlsAreShownNotObeyed) {
  EXPECT_EQ(mgc::escape_control("plain Hip-Hop / Électro"), "plain Hip-Hop / Électro");
  EXPECT_EQ(mgc::escape_control("\x1b[2J\x1b]0;pwned\a\nFAKE LINE"), "\\e[2J\\e]0;pwned\\x07\\nFAKE LINE");
  EXPECT_EQ(mgc::escape_control("a\rb\tc\x7f" "d"), "a\\rb\\tc\\x7fd");
  EXPECT_EQ(mgc::escape_control(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(mgc::escape_control("c1 \xc2\x9b" "31m"), "c1 \\u009b31m");  // U+009B, the 8-bit CSI
  EXPECT_EQ(mgc::escape_control("latin-1 \xe9t\xe9"), "latin-1 \xe9t\xe9");  // invalid UTF-8 kept as it is
  const std::string out = mgc::escape_control("\x01\x1f\x1b\x9b\xc2\x85");
  for (char c : out) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << out;
  EXPECT_EQ(out.find("\xc2\x85"), std::string::npos) << out;
}

TEST(FitColumn, PadsOrCutsToAWidthInCharacters) {
  EXPECT_EQ(mgc::fit_column("Rock", 6), "Rock  ");
  EXPECT_EQ(mgc::fit_column("Rock", 4), "Rock");
  EXPECT_EQ(mgc::fit_column("Progressive Rock", 8), "Progres\u2026");
  EXPECT_EQ(mgc::fit_column("Électro", 8), "Électro ");  // 7 characters, 8 bytes
  EXPECT_EQ(mgc::fit_column("Électronique", 4), "Éle\u2026");  // never half a character
  EXPECT_EQ(mgc::fit_column("x", 0), "");
  EXPECT_EQ(mgc::fit_column("", 2), "  ");
}
