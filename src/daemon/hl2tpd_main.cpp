// hl2tpd: the hitless L2TP daemon. `hl2tpd --config FILE` runs in the foreground (systemd runs it
// as Type=notify with hl2tpd.socket holding the UDP port); `--check` only validates the file and
// the paths it names.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/discarding_store.hpp"
#include "daemon/path_check.hpp"
#include "daemon/socket_activation.hpp"
#include "store/sqlite_store.hpp"

namespace {

using namespace hl2tp::daemon;

hl2tp::store::Durability sqlite_durability(StoreDurability d) {
  return d == StoreDurability::power_loss ? hl2tp::store::Durability::power_loss
                                          : hl2tp::store::Durability::process_crash;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hl2tp;
  CLI::App app{"hl2tpd: a hitless L2TPv2 LAC/LNS"};
  std::string config_path = "/etc/hl2tp/hl2tpd.toml";
  bool check = false;
  app.add_option("-c,--config", config_path, "configuration file (TOML)");
  app.add_flag("--check", check,
               "validate the configuration and the paths it names (store and management socket "
               "directories), and exit");
  CLI11_PARSE(app, argc, argv);

  // One line per message on stderr: journald adds the time stamp and the unit.
  auto logger = spdlog::stderr_logger_st("hl2tpd");
  logger->set_pattern("%^%l%$ %v");
  spdlog::set_default_logger(logger);

  auto config = daemon::load_config(config_path);
  if (!config) {
    spdlog::error("{}", config.error());
    return 2;
  }
  const auto unusable = daemon::unusable_paths(*config);
  for (const auto& problem : unusable)
    spdlog::error("{}", problem);
  if (!unusable.empty()) return 2;
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
      return 1;
    }
    spdlog::info("listening on {} (inherited)", s->local().to_string());
    sockets.push_back(std::move(*s));
  }
  if (sockets.empty()) {
    for (const auto& address : config->listen) {
      auto s = daemon::UdpSocket::bind(address);
      if (!s) {
        spdlog::error("{}", s.error());
        return 1;
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
      return 1;
    }
    store = std::move(*sqlite);
  }
  daemon::Daemon d(std::move(*config), std::move(store), std::move(sockets));
  d.set_config_path(config_path);
  return d.run();
}
