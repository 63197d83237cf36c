// hl2tpd: the hitless L2TP daemon. `hl2tpd --config FILE` runs in the foreground (systemd runs it
// as Type=notify with hl2tpd.socket holding the UDP port); `--check` only validates the file and
// the paths it names.
#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include <CLI/CLI.hpp>

#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/discarding_store.hpp"
#include "daemon/exit_status.hpp"
#include "daemon/log_output.hpp"
#include "daemon/path_check.hpp"
#include "daemon/socket_activation.hpp"
#include "sqlite_store/sqlite_store.hpp"

namespace {

using namespace hl2tp::daemon;

// `hl2tpd --help` ends with this; exit_status.hpp and systemd/hl2tpd.service say the same.
std::string exit_status_help() {
  return fmt::format(
      "Exit statuses:\n"
      "  {:<3} stopped hitlessly (hl2tpctl request restart, SIGTERM, SIGINT): every tunnel is\n"
      "      kept in the store for the next start; systemd restarts it unless it stopped it\n"
      "  {:<3} failed at run time (store, sockets): restarted, and the next start recovers\n"
      "  {:<3} the configuration or a path it names cannot be used (also from --check), or a\n"
      "      command-line mistake: not restarted\n"
      "  {:<3} shut down (hl2tpctl request shutdown [--clear]): stays stopped\n",
      static_cast<int>(kExitHitlessStop), static_cast<int>(kExitFailure),
      static_cast<int>(kExitBadConfiguration), static_cast<int>(kExitShutDown));
}

hl2tp::store::Durability sqlite_durability(StoreDurability d) {
  return d == StoreDurability::power_loss ? hl2tp::store::Durability::power_loss
                                          : hl2tp::store::Durability::process_crash;
}

}  // namespace

int main(int argc, char** argv) {
  const auto began = std::chrono::steady_clock::now();
  using namespace hl2tp;
  // A client of a local socket that goes away before reading its answer must not end the daemon:
  // every send says MSG_NOSIGNAL, and SIGPIPE is ignored for anything that does not.
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"hl2tpd: a hitless L2TPv2 LAC/LNS"};
  std::string config_path = "/etc/hl2tp/hl2tpd.toml";
  bool check = false;
  app.add_option("-c,--config", config_path, "configuration file (TOML)");
  app.add_flag("--check", check,
               "validate the configuration and the paths it names (store and management socket "
               "directories), and exit");
  app.set_version_flag("--version", std::string("hl2tpd ") + HL2TP_VERSION);
  app.footer(exit_status_help());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints help, the version, or the mistake
    return status == 0 ? 0 : kExitBadConfiguration;
  }

  daemon::start_logging(daemon::stderr_is_journal());
  // Every line queued is written before the process ends, whichever way main returns.
  struct LogsWrittenAtExit {
    ~LogsWrittenAtExit() { daemon::stop_logging(); }
  } logs_written_at_exit;

  auto config = daemon::load_config(config_path);
  if (!config) {
    spdlog::error("{}", config.error());
    return kExitBadConfiguration;
  }
  const auto unusable = daemon::unusable_paths(*config);
  for (const auto& problem : unusable)
    spdlog::error("{}", problem);
  if (!unusable.empty()) return kExitBadConfiguration;
  if (check) {
    spdlog::info("configuration {} is valid", config_path);
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  if (config->durability == StoreDurability::none) {
    spdlog::warn(
        "store durability = \"none\": no store is kept; a restart, an upgrade or a crash of hl2tpd "
        "loses every tunnel and session");
  }

  std::vector<daemon::UdpSocket> sockets;
  for (int fd : daemon::inherited_udp_sockets()) {
    auto s = daemon::UdpSocket::adopt(fd);
    if (!s) {
      spdlog::error("{}", s.error());
      return kExitFailure;
    }
    spdlog::info("listening on {} (inherited)", s->local().to_string());
    sockets.push_back(std::move(*s));
  }
  if (sockets.empty()) {
    for (const auto& address : config->listen) {
      auto s = daemon::UdpSocket::bind(address);
      if (!s) {
        spdlog::error("{}", s.error());
        return kExitFailure;
      }
      spdlog::info("listening on {}", address.to_string());
      sockets.push_back(std::move(*s));
    }
  }
  std::unique_ptr<store::CheckpointStore> store;
  if (config->durability == StoreDurability::none) {
    store = std::make_unique<daemon::DiscardingStore>();
  } else {
    auto sqlite =
        store::SqliteStore::open(config->store_path, sqlite_durability(config->durability));
    if (!sqlite) {
      spdlog::error("{}", sqlite.error());
      return kExitFailure;
    }
    store = std::move(*sqlite);
  }
  daemon::Daemon d(std::move(*config), std::move(store), std::move(sockets));
  d.set_config_path(config_path);
  d.set_began(began);
  return d.run();
}
