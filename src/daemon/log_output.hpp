#pragma once
// Where hl2tpd's log lines go, and how each begins. Under systemd, stderr is a stream to the
// journal (systemd sets JOURNAL_STREAM to its device and inode): each line then begins with its
// syslog priority, "<6>" for info (sd-daemon(3)), which journald turns into the entry's priority
// and strips; journald adds the time. Anywhere else (a terminal, a file, a test harness) each line
// begins with the local time, to the millisecond.
//
// The event loop does not write: it formats a line and queues it (spdlog's asynchronous logger),
// and one logging thread writes what is queued, many lines to a write(2) when many are waiting. A
// line per session up at 50,000 set-ups a second then costs the loop well under a microsecond
// instead of a system call each (BENCHMARKS.md "Log lines"). A log that cannot keep up loses its
// oldest queued lines (and says how many, as soon as it can) rather than stall the loop and every
// tunnel with it.
#include <string_view>

namespace hl2tp::daemon {

// True when fd 2 is the stream JOURNAL_STREAM ("DEVICE:INODE", in decimal) names. Not the mere
// presence of the variable: a child of a systemd service inherits it with another stderr.
bool stderr_is_journal();
bool is_journal_stream(std::string_view journal_stream, int fd);

// Makes the default logger write to stderr in the form above, and starts the logging thread (with
// every signal blocked, so that SIGTERM, SIGINT and SIGHUP reach the loop's signalfd only).
void start_logging(bool journal);
// Writes every line still queued, and stops the logging thread. Before the process exits.
void stop_logging();

}  // namespace hl2tp::daemon
