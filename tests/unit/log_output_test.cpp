// Log lines carry journald priority prefixes only when stderr is the journal (issue 13, point 11):
// JOURNAL_STREAM must name the very stream, not merely be set (a child of a service inherits it).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "daemon/log_output.hpp"

namespace hl2tp::daemon {
namespace {

std::string device_and_inode(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

TEST(JournalStream, the_stream_named_by_device_and_inode_is_the_journal) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  EXPECT_TRUE(is_journal_stream(device_and_inode(pipe_fds[1]), pipe_fds[1]));
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(JournalStream, another_stream_or_a_malformed_value_is_not) {
  int a[2], b[2];
  ASSERT_EQ(::pipe(a), 0);
  ASSERT_EQ(::pipe(b), 0);
  EXPECT_FALSE(is_journal_stream(device_and_inode(a[1]), b[1]));
  for (const char* bad : {"", ":", "12", "12:", ":34", "12:34x", "x12:34", "-1:-1"})
    EXPECT_FALSE(is_journal_stream(bad, a[1])) << bad;
  for (int fd : {a[0], a[1], b[0], b[1]})
    ::close(fd);
}

}  // namespace
}  // namespace hl2tp::daemon
