#pragma once
// hl2tpd's exit statuses: what the process tells its supervisor about whether to start it again.
// systemd/hl2tpd.service runs with Restart=always and lists kExitShutDown in both
// RestartPreventExitStatus= and SuccessExitStatus=, and kExitBadConfiguration in
// RestartPreventExitStatus=; tests/e2e/test_lifecycle.py reads those lines from the unit and checks
// them against a real daemon, so the unit and this file cannot drift apart. README "Exit statuses"
// and `hl2tpd --help` say the same.

namespace hl2tp::daemon {

enum ExitStatus : int {
  // A hitless stop: `hl2tpctl request restart`, SIGTERM (`systemctl stop`, `systemctl restart`) or
  // SIGINT. Every tunnel stays in the store for the next start to recover; systemd starts the
  // daemon again unless it asked for the stop itself.
  kExitHitlessStop = 0,
  // Something failed at run time (a store commit, a socket that cannot be bound): a crash, as far
  // as
  // the supervisor is concerned, and restarted like one.
  kExitFailure = 1,
  // The configuration cannot be read or used (also what `--check` returns for it): starting again
  // would fail the same way, so systemd does not.
  kExitBadConfiguration = 2,
  // `hl2tpctl request shutdown`, with or without --clear: the operator wants the daemon stopped,
  // and
  // it stays stopped. Not 0, so that Restart=always can tell it from a restart.
  kExitShutDown = 10,
};

}  // namespace hl2tp::daemon
