// core/csv.h: the one quoting rule and parser for every CSV file mgc writes and reads.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mgc/core/csv.h"
#include "mgc/core/error.h"

namespace {

std::string error_of(void (*f)()) {
  try {
    f();
  } catch (const mgc::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Csv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const auto t = mgc::csv::parse(
      "path,label,note\n"
      "\"a, b.wav\",rock,\"say \"\"hi\"\"\"\n"
      "c.wav,  jazz  ,\"two\nlines\"\n"
      "d.wav,\"\",\n",
      "t.csv");
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"path", "label", "note"}));
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"a, b.wav", "rock", "say \"hi\""}));
  EXPECT_EQ(t.rows[2], (std::vector<std::string>{"c.wav", "jazz", "two\nlines"}));  // unquoted fields trimmed
  EXPECT_EQ(t.rows[3], (std::vector<std::string>{"d.wav", "", ""}));                // trailing empty field kept
  EXPECT_EQ(t.lines, (std::vector<int>{1, 2, 3, 5}));
}

TEST(Csv, CrlfBomAndBlankLines) {
  const auto t =
      mgc::csv::parse("\xEF\xBB\xBFpath,genre\r\n\r\na.wav,rock\r\n  \r\n\"b\r\nc.wav\",pop\r\nlast,x", "t.csv");
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.rows[0][0], "path");  // no BOM left in the first name
  EXPECT_EQ(t.rows[1], (std::vector<std::string>{"a.wav", "rock"}));
  EXPECT_EQ(t.rows[2], (std::vector<std::string>{"b\r\nc.wav", "pop"}));
  EXPECT_EQ(t.rows[3], (std::vector<std::string>{"last", "x"}));  // no newline at the end
  EXPECT_EQ(t.lines, (std::vector<int>{1, 3, 5, 7}));
}

TEST(Csv, MalformedTextIsReportedWithFileAndLine) {
  std::string msg = error_of([] { mgc::csv::parse("a,b\n\"open,x\n\n", "m.csv", "data"); });
  EXPECT_NE(msg.find("data: 'm.csv' line 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("never closed"), std::string::npos) << msg;
  msg = error_of([] { mgc::csv::parse("a,b\nx,\"y\"z\n", "m.csv"); });
  EXPECT_NE(msg.find("'m.csv' line 2"), std::string::npos) << msg;
}

TEST(Csv, FieldQuotingRoundTrips) {
  const std::vector<std::string> values = {"plain", "a,b", "say \"hi\"", "two\nlines", " padded ", "", "x\r\ny"};
  std::string line;
  for (size_t i = 0; i < values.size(); ++i) line += (i ? "," : "") + mgc::csv::cell(values[i]);
  EXPECT_EQ(mgc::csv::cell("plain"), "plain");
  const auto t = mgc::csv::parse(line + "\n", "x.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], values);
}

TEST(Csv, FormulaCellsAreGuardedAndReadBack) {
  // OWASP's list: cells a spreadsheet would run as a formula get a leading quote; numbers stay as they are.
  EXPECT_EQ(mgc::csv::cell("=cmd|calc!A1.wav"), "'=cmd|calc!A1.wav");
  EXPECT_EQ(mgc::csv::cell("=HYPERLINK(\"http://evil.example/?x\",\"click\")"),
            "\"'=HYPERLINK(\"\"http://evil.example/?x\"\",\"\"click\"\")\"");
  EXPECT_EQ(mgc::csv::cell("+1+1"), "'+1+1");
  EXPECT_EQ(mgc::csv::cell("-x"), "'-x");
  EXPECT_EQ(mgc::csv::cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(mgc::csv::cell("\tx"), "'\tx");
  EXPECT_EQ(mgc::csv::cell("\rx"), "\"'\rx\"");
  for (const char* number : {"-3", "-3.5", "+2", "-0.25e-3", "1E5", "-.5"}) {
    EXPECT_EQ(mgc::csv::cell(number), number) << number;
    EXPECT_FALSE(mgc::csv::needs_formula_guard(number)) << number;
  }
  for (const char* text : {"-", "-e5", "--1", "-1-1", "-inf", "+1.2.3"}) {
    EXPECT_TRUE(mgc::csv::needs_formula_guard(text)) << text;
  }
  EXPECT_EQ(mgc::csv::cell("a=b"), "a=b");  // only the first character counts

  const std::vector<std::string> values = {"=1+1", "+x", "-y", "@z", "\tt", "\rr", "-3.5", "'quoted", "'=kept"};
  const auto t = mgc::csv::parse(mgc::csv::row(values) + "\n", "g.csv");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], values);
}
