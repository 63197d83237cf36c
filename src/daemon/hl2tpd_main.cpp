// hl2tpd: the hitless L2TP daemon. `hl2tpd --config FILE` runs in the foreground (systemd runs it
// as Type=notify with hl2tpd.socket holding the UDP port); `--check` only validates the file.
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>

#include "daemon/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/socket_activation.hpp"
#include "store/sqlite_store.hpp"

int main(int argc, char** argv) {
  using namespace hl2tp;
  // A client of a local socket that goes away before reading its answer must not end the daemon:
  // every send says MSG_NOSIGNAL, and SIGPIPE is ignored for anything that does not.
  ::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"hl2tpd: a hitless L2TPv2 LAC/LNS"};
  std::string config_path = "/etc/hl2tp/hl2tpd.toml";
  bool check = false;
  app.add_option("-c,--config", config_path, "configuration file (TOML)");
  app.add_flag("--check", check, "validate the configuration and exit");
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
  if (check) {
    spdlog::info("configuration {} is valid", config_path);
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(config->log_level));

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
  auto store = store::SqliteStore::open(config->store_path, config->durability);
  if (!store) {
    spdlog::error("{}", store.error());
    return 1;
  }
  daemon::Daemon d(std::move(*config), std::move(*store), std::move(sockets));
  d.set_config_path(config_path);
  return d.run();
}
