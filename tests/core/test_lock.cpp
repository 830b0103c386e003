// core/lock.h: one writer per folder; core/fs.h: what a dead writer left behind.
#include "mgc/core/lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mgc/core/error.h"
#include "mgc/core/fs.h"
#include "test_util.h"

TEST(FolderLock, ASecondHolderIsRefusedUntilTheFirstLetsGo) {
  mgc::test::TempDir dir;
  {
    const mgc::FolderLock first(dir.path(), ".lock", "train");
    EXPECT_EQ(mgc::read_file(dir.file(".lock")), std::to_string(::getpid()));
    try {
      const mgc::FolderLock second(dir.path(), ".lock", "harmony");
      ADD_FAILURE() << "two holders";
    } catch (const mgc::Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind("harmony: '" + dir.path() + "' is in use by another mgc process (pid " +
                            std::to_string(::getpid()) + ")",
                        0),
                0u)
          << m;
    }
  }
  const mgc::FolderLock again(dir.path(), ".lock", "train");  // released with the first
  EXPECT_THROW(mgc::FolderLock(dir.file("missing"), ".lock", "eval"), mgc::Error);
}

// A folder that is the user's (a music library, a corpus) is locked through itself: nothing is written into it.
TEST(FolderLock, AFolderLockedThroughItselfHoldsNoFile) {
  mgc::test::TempDir dir;
  {
    const mgc::FolderLock first(dir.path(), "", "tag");
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
    try {
      const mgc::FolderLock second(dir.path(), "", "synth");
      ADD_FAILURE() << "two holders";
    } catch (const mgc::Error& e) {
      EXPECT_EQ(std::string(e.what()), "synth: '" + dir.path() +
                                           "' is in use by another mgc process: wait for it to finish, or use "
                                           "another folder");
    }
  }
  const mgc::FolderLock again(dir.path(), "", "tag");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  std::ofstream(dir.file("file")) << "x";
  EXPECT_THROW(mgc::FolderLock(dir.file("file"), "", "tag"), mgc::Error);  // not a folder
}

// core/fs.h remove_leftovers: what a dead process left goes, a live one's stays.
TEST(Leftovers, OnlyADeadWritersFilesAreRemoved) {
  mgc::test::TempDir dir;
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);  // reaped: its pid names no process now
  const std::string dead = std::to_string(child), live = std::to_string(::getpid());
  std::filesystem::create_directories(dir.file("a"));
  mgc::write_file_atomic(dir.file("a/b.mel"), "entry");
  for (const std::string name : {"a/b.mel.tmp." + dead, "a/c.mel.tmp." + live, "d.json.tmp." + dead})
    std::ofstream(dir.file(name)) << "partial";
  EXPECT_EQ(mgc::atomic_temp_owner("b.mel.tmp." + dead), child);
  EXPECT_EQ(mgc::atomic_temp_owner("b.mel"), 0);
  EXPECT_EQ(mgc::atomic_temp_owner("b.tmp.12x"), 0);
  EXPECT_EQ(mgc::name_pid("mgc-synth-42-aB3xYz", "mgc-synth-"), 42);
  EXPECT_EQ(mgc::name_pid(".song.mgc-tag-7-00ff.mp3", ".mgc-tag-", std::string::npos), 7);
  EXPECT_EQ(mgc::name_pid(".song.mgc-tag-7-00ff.mp3", ".mgc-tag-"), 0);  // the mark must start the name
  EXPECT_EQ(mgc::name_pid("mgc-synth-42", "mgc-synth-"), 0);            // no '-' after the pid
  EXPECT_EQ(mgc::name_pid("mgc-synth--1", "mgc-synth-"), 0);
  EXPECT_EQ(mgc::name_pid("mgc-synth-1234567890-x", "mgc-synth-"), 0);  // longer than any pid
  EXPECT_TRUE(mgc::process_is_gone(child));
  EXPECT_FALSE(mgc::process_is_gone(::getpid()));
  auto removed = mgc::remove_leftovers(dir.path(), mgc::atomic_temp_owner, true);
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<std::string>{dir.file("a/b.mel.tmp." + dead), dir.file("d.json.tmp." + dead)}));
  EXPECT_TRUE(std::filesystem::exists(dir.file("a/c.mel.tmp." + live)));
  EXPECT_TRUE(std::filesystem::exists(dir.file("a/b.mel")));
}
