// `hl2tpd --check` and every start refuse paths the daemon could not use (issue 13, point 8): the
// store's directory (SQLite creates the file, not the directory) and the management socket's.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "daemon/path_check.hpp"

namespace hl2tp::daemon {
namespace {

namespace fs = std::filesystem;

class PathCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/hl2tp-path-check-XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    dir_ = name;
    config_.store_path = dir_ + "/hl2tpd.db";
    config_.management_socket = dir_ + "/run/hl2tpd.sock";
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(dir_, fs::perms::owner_all, ignored);
    fs::remove_all(dir_, ignored);
  }
  // The one problem found, or "" when there is none; fails the test when there are more.
  std::string only_problem() {
    const auto problems = unusable_paths(config_);
    EXPECT_LE(problems.size(), 1u);
    return problems.empty() ? "" : problems.front();
  }

  std::string dir_;
  DaemonConfig config_;
};

TEST_F(PathCheck, usable_paths_pass_and_a_missing_socket_directory_will_be_created) {
  EXPECT_EQ(only_problem(), "");
}

TEST_F(PathCheck, a_store_directory_that_does_not_exist_is_refused) {
  config_.store_path = dir_ + "/missing/hl2tpd.db";
  EXPECT_EQ(only_problem(), "store " + dir_ + "/missing/hl2tpd.db: directory " + dir_ +
                                "/missing: No such file or directory");
}

TEST_F(PathCheck, a_store_directory_that_is_a_file_is_refused) {
  std::ofstream(dir_ + "/file") << "x";
  config_.store_path = dir_ + "/file/hl2tpd.db";
  EXPECT_EQ(only_problem(),
            "store " + dir_ + "/file/hl2tpd.db: " + dir_ + "/file is not a directory");
}

TEST_F(PathCheck, a_store_that_is_a_directory_is_refused) {
  fs::create_directory(config_.store_path);
  EXPECT_EQ(only_problem(), "store " + config_.store_path + " is not a regular file");
}

TEST_F(PathCheck, no_store_path_is_checked_without_durability) {
  config_.store_path = dir_ + "/missing/hl2tpd.db";
  config_.durability = StoreDurability::none;
  EXPECT_EQ(only_problem(), "");
}

TEST_F(PathCheck, a_read_only_directory_is_refused_unless_we_are_root) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root writes anywhere; tests/e2e/test_lifecycle.py runs it as nobody";
  fs::create_directory(dir_ + "/ro");
  fs::permissions(dir_ + "/ro", fs::perms::owner_read | fs::perms::owner_exec);
  config_.store_path = dir_ + "/ro/hl2tpd.db";
  EXPECT_EQ(only_problem(), "store " + dir_ + "/ro/hl2tpd.db: directory " + dir_ +
                                "/ro is not writable: Permission denied");
}

TEST_F(PathCheck, a_management_socket_under_a_file_is_refused) {
  std::ofstream(dir_ + "/file") << "x";
  config_.management_socket = dir_ + "/file/sub/hl2tpd.sock";
  EXPECT_EQ(only_problem(), "management socket " + dir_ + "/file/sub/hl2tpd.sock: " + dir_ +
                                "/file is not a directory");
}

TEST_F(PathCheck, a_management_socket_path_too_long_for_sun_path_is_refused) {
  config_.management_socket = dir_ + "/" + std::string(sizeof(sockaddr_un{}.sun_path), 's');
  EXPECT_NE(only_problem().find(": path longer than 107 bytes"), std::string::npos);
}

TEST_F(PathCheck, a_management_socket_path_held_by_another_file_is_refused) {
  config_.management_socket = dir_ + "/not-a-socket";
  std::ofstream(config_.management_socket) << "x";
  EXPECT_EQ(only_problem(),
            "management socket " + config_.management_socket + " exists and is not a socket");
}

}  // namespace
}  // namespace hl2tp::daemon
