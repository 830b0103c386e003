// core/lock.h: one writer per folder.
#include "mgc/core/lock.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

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
