// The SQLite store (issue 5) against the reference semantics of store::apply: the same records give
// the same snapshot, a commit is all or nothing, and a file that is not a usable store of ours is
// refused with a clear error and left byte for byte as it was.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "sqlite_store/record_codec.hpp"
#include "sqlite_store/sqlite_store.hpp"
#include "support/lac_lns_pair.hpp"

namespace hl2tp::test {
namespace {

using namespace std::chrono_literals;
using store::Durability;
using store::SqliteStore;

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("hl2tp-store-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The records one LNS writes in a busy run: tunnels and calls coming and going under loss, a tunnel
// cleared, and a crash with an RFC 4951 recovery (ChannelReset, FSQ/FSR traffic). With `helper`,
// the LAC's records instead: it answers the LNS's recovery (RecoverySuggested, then the reset).
std::vector<tunnel::Checkpoint> busy_records(std::uint64_t seed, bool helper = false) {
  LacLnsPair p(seed);
  sim::LinkConfig link{2ms, 5ms, 0.1, 0.05};
  p.sim.set_link(p.lac, p.lns, link);
  p.sim.set_link(p.lns, p.lac, link);
  std::vector<std::uint16_t> tunnels;
  for (int i = 0; i < 3; ++i)
    tunnels.push_back(p.open_tunnel(p.lac, p.lns));
  for (int i = 0; i < 60; ++i) {
    (void)p.open_session(p.lac, tunnels[static_cast<std::size_t>(i % 3)],
                         session::Direction::incoming);
    p.sim.run_for(50ms);
  }
  p.sim.run_for(5s);
  for (const auto& key : established_sessions(p.sim.endpoint(p.lac))) {
    if (std::get<1>(key) % 3 == 0) {
      p.sim.command(p.lac, [&](engine::Endpoint& e, Time now) {
        return e.close_session(now, std::get<0>(key), std::get<1>(key), {3, std::nullopt, ""});
      });
    }
  }
  p.sim.command(p.lac, [&](engine::Endpoint& e, Time now) {
    return e.close_tunnel(now, tunnels[2], {1, std::nullopt, ""});
  });
  p.sim.run_for(2s);
  p.sim.crash(p.lns);
  p.sim.run_for(1s);
  p.sim.restart(p.lns, lns_config());
  p.sim.run_for(60s);
  return p.sim.checkpoints(helper ? p.lac : p.lns);
}

// The snapshot `records` make by the reference semantics (store::apply).
store::Snapshot replayed(const std::vector<tunnel::Checkpoint>& records) {
  store::Snapshot snapshot;
  for (const auto& r : records)
    store::apply(snapshot, r);
  return snapshot;
}

// A tunnel as a reader gave it, against the one expected.
void expect_same_tunnel(const std::pair<std::uint16_t, store::StoredTunnel>& read,
                        const std::pair<const std::uint16_t, store::StoredTunnel>& expected) {
  EXPECT_EQ(read.first, expected.first);
  EXPECT_EQ(read.second.sessions.size(), expected.second.sessions.size());
  EXPECT_EQ(read.second.tunnel.channel, expected.second.tunnel.channel);
}

// Commits `records` to a new store at `file` in batches of 1 to `max_batch` records and checks
// after every commit that the store holds what the reference semantics give. The store folds its
// recent sessions once it holds `recent_sessions` of them, and is closed and opened again after
// every fifth commit (a restart: what it knows of its recent table comes from the file).
void expect_same_as_reference(const std::string& file,
                              const std::vector<tunnel::Checkpoint>& records, std::size_t max_batch,
                              std::uint64_t seed, std::size_t min_checks,
                              std::size_t recent_sessions = SqliteStore::kRecentSessions) {
  std::mt19937 rng(static_cast<std::mt19937::result_type>(seed));
  const auto open = [&] {
    auto opened = SqliteStore::open(file, Durability::process_crash, recent_sessions);
    EXPECT_TRUE(opened) << opened.error();
    return opened ? std::move(*opened) : nullptr;
  };
  auto db = open();
  ASSERT_TRUE(db);
  store::Snapshot reference;
  std::size_t i = 0, checks = 0;
  while (i < records.size()) {
    const std::size_t batch = std::uniform_int_distribution<std::size_t>(1, max_batch)(rng);
    for (std::size_t n = 0; n < batch && i < records.size(); ++n, ++i) {
      db->append(records[i]);
      store::apply(reference, records[i]);
    }
    ASSERT_EQ(db->commit(), std::nullopt);
    const auto loaded = db->load();
    ASSERT_TRUE(loaded == reference) << "seed " << seed << " after record " << i;
    // operator== leaves out call parameters: the codec test covers them.
    EXPECT_EQ(db->rows_rejected(), 0u);
    if (++checks % 5 == 0) {
      db.reset();
      db = open();
      ASSERT_TRUE(db);
    }
  }
  EXPECT_GE(checks, min_checks);
}

TEST(SqliteStore, the_same_records_give_the_same_snapshot_as_the_reference) {
  TempDir dir;
  for (std::uint64_t seed : {301, 302, 303, 1301, 1302}) {
    const bool helper = seed > 1000;
    const auto records = busy_records(seed, helper);
    ASSERT_GT(records.size(), 150u);
    if (helper) {
      ASSERT_TRUE(std::any_of(records.begin(), records.end(), [](const auto& r) {
        return std::holds_alternative<tunnel::RecoverySuggested>(r);
      }));
    }
    // New sessions folded into the sessions table at every commit, every few sessions, and at
    // the daemon's threshold (above what these runs establish: they stay in the recent table).
    for (std::size_t recent : {std::size_t{0}, std::size_t{5}, SqliteStore::kRecentSessions}) {
      expect_same_as_reference(
          dir.file("s" + std::to_string(seed) + "-" + std::to_string(recent) + ".db"), records, 40,
          seed, 11, recent);
    }
  }
}

// A commit writes each tunnel's channel numbers once, however many messages moved them in the batch
// (SqliteStore::ChannelNumbers): in large batches, where a tunnel's numbers move many times and
// its row is also replaced, reset or removed in between, the store still ends as the records one by
// one would leave it.
TEST(SqliteStore, channel_numbers_gathered_over_large_batches_end_as_the_records_say) {
  TempDir dir;
  for (std::uint64_t seed : {304, 305, 1303}) {
    const auto records = busy_records(seed, seed > 1000);
    ASSERT_GT(records.size(), 150u);
    expect_same_as_reference(dir.file("l" + std::to_string(seed) + ".db"), records, 150, seed, 2,
                             7);
  }
}

TEST(SqliteStore, what_was_committed_survives_reopening_and_an_open_batch_does_not) {
  TempDir dir;
  const auto path = dir.file("s.db");
  const auto records = busy_records(304);
  store::Snapshot reference;
  {
    auto opened = SqliteStore::open(path, Durability::power_loss);
    ASSERT_TRUE(opened) << opened.error();
    auto& db = *opened;
    for (std::size_t i = 0; i < records.size() / 2; ++i) {
      db->append(records[i]);
      store::apply(reference, records[i]);
    }
    ASSERT_EQ(db->commit(), std::nullopt);
    for (std::size_t i = records.size() / 2; i < records.size(); ++i)
      db->append(records[i]);  // the process dies before this batch is committed
  }
  auto reopened = SqliteStore::open(path, Durability::power_loss);
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_TRUE((*reopened)->load() == reference);
  EXPECT_GT(reference.tunnels.size(), 0u);
}

// Issue 14: the log is copied back by the store's own checkpoint thread, not inside commit(), and
// it stays bounded under writes that never pause (a passive checkpoint alone cannot reset a log
// that is written meanwhile: the RESTART pass does).
TEST(SqliteStore, checkpoints_run_beside_the_commits_and_keep_the_log_bounded) {
  TempDir dir;
  const auto path = dir.file("wal.db");
  const auto records = busy_records(305);
  store::Snapshot reference;
  {
    auto opened = SqliteStore::open(path, Durability::process_crash);
    ASSERT_TRUE(opened) << opened.error();
    auto& db = **opened;
    std::uintmax_t largest_log = 0;
    // Every record again and again: each pass rewrites every row, some thousands of pages.
    for (int pass = 0; pass < 300; ++pass) {
      for (std::size_t i = 0; i < records.size(); ++i) {
        db.append(records[i]);
        store::apply(reference, records[i]);
        if (i % 8 == 7) {
          ASSERT_EQ(db.commit(), std::nullopt);
        }
      }
      ASSERT_EQ(db.commit(), std::nullopt);
      std::error_code ec;
      largest_log = std::max(largest_log, std::filesystem::file_size(path + "-wal", ec));
    }
    EXPECT_GT(db.checkpoints().passive, 0u);
    EXPECT_EQ(db.checkpoints().failed, 0u);
    // The log is reset before it grows much past its limit (and truncated to 64 MiB then).
    EXPECT_LT(largest_log, 80u << 20);
  }
  auto reopened = SqliteStore::open(path, Durability::process_crash);
  ASSERT_TRUE(reopened) << reopened.error();
  EXPECT_TRUE((*reopened)->load() == reference);
  EXPECT_GT(reference.tunnels.size(), 0u);
}

TEST(SqliteStore, records_round_trip_through_the_codec_field_for_field) {
  tunnel::TunnelEstablished t;
  t.tunnel_id = 4242;
  t.peer_tunnel_id = 17;
  t.peer = PeerAddress::ipv4(0x7F000002, 1701);
  t.peer.v6 = true;
  t.peer.ip[15] = 9;
  t.originator = true;
  t.peer_host_name = "lns-7.example.net";
  t.peer_window = 16;
  t.peer_capability = wire::FailoverCapability{true, true, 90'000};
  t.resync_method = failover::ResyncMethod::silent;
  const auto back = store::decode_tunnel(store::encode_tunnel(t));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->tunnel_id, t.tunnel_id);
  EXPECT_EQ(back->peer, t.peer);
  EXPECT_EQ(back->peer_host_name, t.peer_host_name);
  EXPECT_EQ(back->peer_capability, t.peer_capability);
  EXPECT_EQ(back->resync_method, t.resync_method);
  EXPECT_TRUE(back->originator);

  tunnel::SessionEstablished s;
  s.tunnel_id = 4242;
  s.session_id = 900;
  s.peer_session_id = 901;
  s.role = session::Role::lns;
  s.direction = session::Direction::outgoing;
  s.parameters.call_serial_number = 77;
  s.parameters.physical_channel_id = 5;
  s.parameters.set_calling_number("0123");
  s.parameters.set_called_number("4567");
  s.parameters.set_sub_address("x");
  s.parameters.sequencing_required = true;
  s.established_at = Time{std::chrono::microseconds(0x1'2345'6789'ABCDLL)};
  const auto sback = store::decode_session(store::encode_session(s));
  ASSERT_TRUE(sback);
  EXPECT_EQ(sback->established_at, s.established_at);
  EXPECT_EQ(sback->parameters.physical_channel_id, 5u);
  EXPECT_EQ(sback->parameters.called_number(), "4567");
  EXPECT_TRUE(sback->parameters.sequencing_required);
  EXPECT_EQ(sback->role, session::Role::lns);

  // Every truncation of a valid blob is refused, never read past its end.
  const auto blob = store::encode_session(s);
  for (std::size_t n = 0; n < blob.size(); ++n) {
    EXPECT_FALSE(store::decode_session(std::span(blob).first(n))) << n;
  }
}

TEST(SqliteStore, a_session_record_of_the_first_format_is_read_without_its_establishment_time) {
  tunnel::SessionEstablished s;
  s.tunnel_id = 1;
  s.session_id = 2;
  s.peer_session_id = 3;
  s.parameters.set_calling_number("0123");
  // The first format is the second without its trailing "no time" octet.
  auto blob = store::encode_session(s);
  ASSERT_EQ(blob.back(), std::byte{0});
  blob.pop_back();
  blob.front() = std::byte{1};
  const auto back = store::decode_session(blob);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->parameters.calling_number(), "0123");
  EXPECT_FALSE(back->established_at);
}

TEST(SqliteStore, a_file_that_is_not_a_database_is_refused_and_left_untouched) {
  TempDir dir;
  const auto path = dir.file("garbage.db");
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 4096; ++i)
      out.put(static_cast<char>(i * 37));
  }
  const auto before = read_file(path);
  auto opened = SqliteStore::open(path, Durability::process_crash);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().find("not readable"), std::string::npos) << opened.error();
  EXPECT_EQ(read_file(path), before);
}

// A SQLite file made by hand: `sql` runs on a fresh database.
void make_database(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

TEST(SqliteStore, another_applications_database_is_refused_and_left_untouched) {
  TempDir dir;
  const auto path = dir.file("other.db");
  make_database(path, "CREATE TABLE accounts(id INTEGER); INSERT INTO accounts VALUES(1);");
  const auto before = read_file(path);
  auto opened = SqliteStore::open(path, Durability::process_crash);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().find("not an hl2tp store"), std::string::npos) << opened.error();
  EXPECT_EQ(read_file(path), before);
}

TEST(SqliteStore, a_store_from_a_newer_version_is_refused_and_left_untouched) {
  TempDir dir;
  const auto path = dir.file("newer.db");
  {
    auto db = SqliteStore::open(path, Durability::process_crash);
    ASSERT_TRUE(db);
  }
  make_database(
      path,
      ("PRAGMA user_version = " + std::to_string(SqliteStore::kSchemaVersion + 1) + ";").c_str());
  const auto before = read_file(path);
  auto opened = SqliteStore::open(path, Durability::process_crash);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().find("newer hl2tpd"), std::string::npos) << opened.error();
  EXPECT_EQ(read_file(path), before);
}

// An upgrade is a hitless restart (issue 20): a store of the first schema, which had neither the
// suggested reset nor the moved path, is upgraded in place and its tunnels are all there.
TEST(SqliteStore, a_store_of_the_first_schema_is_upgraded_and_keeps_its_tunnels) {
  TempDir dir;
  const auto path = dir.file("schema1.db");
  tunnel::TunnelEstablished t;
  t.tunnel_id = 77;
  t.peer_tunnel_id = 78;
  t.peer = PeerAddress::ipv4(0x7F000001, 1701);
  t.peer_host_name = "lac";
  t.resync_method = failover::ResyncMethod::failover_protocol;
  // The first tunnel format is the second without the trailing local address.
  auto blob = store::encode_tunnel(t);
  blob.resize(blob.size() - (1 + 16 + 2));
  blob.front() = std::byte{1};
  std::string hex;
  for (std::byte b : blob) {
    static const char* digits = "0123456789ABCDEF";
    hex += digits[std::to_integer<int>(b) >> 4];
    hex += digits[std::to_integer<int>(b) & 15];
  }
  const std::string schema1 =
      "CREATE TABLE tunnels(id INTEGER PRIMARY KEY, record BLOB NOT NULL, next_ns INTEGER NOT NULL,"
      " expected_ns INTEGER NOT NULL, acked_ns INTEGER NOT NULL, session_id_limit INTEGER NOT NULL,"
      " closing INTEGER NOT NULL DEFAULT 0);"
      "CREATE TABLE unacked(tunnel_id INTEGER NOT NULL, ns INTEGER NOT NULL, bytes BLOB NOT NULL);"
      "CREATE INDEX unacked_by_tunnel ON unacked(tunnel_id);"
      "CREATE TABLE sessions(tunnel_id INTEGER NOT NULL, session_id INTEGER NOT NULL,"
      " record BLOB NOT NULL, PRIMARY KEY(tunnel_id, session_id)) WITHOUT ROWID;"
      "PRAGMA application_id = 1751921268; PRAGMA user_version = 1;"
      "INSERT INTO tunnels VALUES(77, x'" +
      hex + "', 12, 34, 12, 512, 0);";
  make_database(path, schema1.c_str());
  auto opened = SqliteStore::open(path, Durability::process_crash);
  ASSERT_TRUE(opened) << opened.error();
  auto loaded = (*opened)->load();
  ASSERT_EQ(loaded.tunnels.count(77), 1u);
  EXPECT_EQ(loaded.tunnels[77].tunnel.peer, t.peer);
  EXPECT_TRUE(loaded.tunnels[77].tunnel.local.unspecified());
  EXPECT_EQ(loaded.tunnels[77].tunnel.channel.expected_ns, 34u);
  EXPECT_FALSE(loaded.tunnels[77].suggestion);
  // The new records work on the upgraded file.
  const failover::RecoverySuggestion s{
      {100, 200}, 12, 199, t.peer, PeerAddress::ipv4(0x7F000002, 1701)};
  (*opened)->append(tunnel::RecoverySuggested{77, s});
  (*opened)->append(tunnel::TunnelMoved{77, PeerAddress::ipv4(0x7F000001, 4000), s.to});
  ASSERT_EQ((*opened)->commit(), std::nullopt);
  loaded = (*opened)->load();
  EXPECT_EQ(loaded.tunnels[77].suggestion, s);
  EXPECT_EQ(loaded.tunnels[77].tunnel.peer.port, 4000u);
  EXPECT_EQ(loaded.tunnels[77].tunnel.local, s.to);
  EXPECT_EQ((*opened)->rows_rejected(), 0u);
}

// The rows of `table` in the store at `path`, read on a connection of their own.
std::int64_t rows_in(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_stmt* s = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &s, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    n = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return n;
}

std::unique_ptr<SqliteStore> open_store(const std::string& path, std::size_t recent_sessions) {
  auto opened = SqliteStore::open(path, Durability::process_crash, recent_sessions);
  EXPECT_TRUE(opened) << opened.error();
  return opened ? std::move(*opened) : nullptr;
}

tunnel::TunnelEstablished a_tunnel(std::uint16_t id) {
  tunnel::TunnelEstablished t;
  t.tunnel_id = id;
  t.peer_tunnel_id = static_cast<std::uint16_t>(id + 1);
  t.peer = PeerAddress::ipv4(0x7F000001, 1701);
  t.peer_host_name = "lac";
  return t;
}

tunnel::SessionEstablished a_session(std::uint16_t tunnel_id, std::uint16_t session_id,
                                     std::uint16_t peer_session_id) {
  tunnel::SessionEstablished s;
  s.tunnel_id = tunnel_id;
  s.session_id = session_id;
  s.peer_session_id = peer_session_id;
  return s;
}

// A new session goes to the recent table and a full one is folded into the sessions table
// (SqliteStore::recent_): a session established again while an older row of it is in either table
// reads as its last record, before and after a fold and a reopening, and a removal, of the session
// or of its tunnel, takes every row of it.
TEST(SqliteStore, a_session_reads_as_its_last_record_in_either_table_and_is_removed_from_both) {
  TempDir dir;
  const auto path = dir.file("recent.db");
  store::Snapshot reference;
  auto db = open_store(path, 2);
  ASSERT_TRUE(db);
  const auto commit = [&](std::vector<tunnel::Checkpoint> records) {
    for (const auto& r : records) {
      db->append(r);
      store::apply(reference, r);
    }
    ASSERT_EQ(db->commit(), std::nullopt);
    ASSERT_TRUE(db->load() == reference);
  };
  const auto peer_session_of = [&](std::uint16_t session_id) {
    return db->load().tunnels[77].sessions.at(session_id).peer_session_id;
  };
  commit({a_tunnel(77), a_session(77, 1, 10)});
  EXPECT_EQ(rows_in(path, "sessions_recent"), 1);
  commit({a_session(77, 2, 20)});  // the second: folded
  EXPECT_EQ(rows_in(path, "sessions_recent"), 0);
  EXPECT_EQ(rows_in(path, "sessions"), 2);
  commit({a_session(77, 1, 11)});  // again, over its folded row
  EXPECT_EQ(peer_session_of(1), 11);
  db.reset();
  db = open_store(path, 2);
  ASSERT_TRUE(db);
  EXPECT_EQ(peer_session_of(1), 11);
  commit({a_session(77, 1, 12)});  // again, over its recent row, which it replaces
  EXPECT_EQ(peer_session_of(1), 12);
  EXPECT_EQ(rows_in(path, "sessions_recent"), 1);
  commit({a_session(77, 3, 30)});  // folds: the last record wins over the folded one
  EXPECT_EQ(rows_in(path, "sessions_recent"), 0);
  EXPECT_EQ(peer_session_of(1), 12);
  commit({a_session(77, 4, 40), a_session(77, 2, 21), tunnel::SessionRemoved{77, 2}});
  EXPECT_EQ(rows_in(path, "sessions_recent"), 1);
  EXPECT_EQ(rows_in(path, "sessions"), 2);
  commit({a_tunnel(78), a_session(78, 5, 50), tunnel::TunnelRemoved{77}});
  EXPECT_EQ(rows_in(path, "sessions_recent"), 1);
  EXPECT_EQ(rows_in(path, "sessions"), 0);
  EXPECT_EQ(db->rows_rejected(), 0u);
}

// Schema 2 had no recent table: its sessions are read and new ones are stored after the upgrade.
TEST(SqliteStore, a_store_of_the_second_schema_is_upgraded_and_keeps_its_sessions) {
  TempDir dir;
  const auto path = dir.file("schema2.db");
  {
    auto db = open_store(path, 0);
    ASSERT_TRUE(db);
    db->append(a_tunnel(77));
    db->append(a_session(77, 1, 10));
    ASSERT_EQ(db->commit(), std::nullopt);
  }
  make_database(path, "DROP TABLE sessions_recent; PRAGMA user_version = 2;");
  auto opened = SqliteStore::open(path, Durability::process_crash);
  ASSERT_TRUE(opened) << opened.error();
  auto& db = *opened;
  EXPECT_EQ(db->load().tunnels[77].sessions.size(), 1u);
  db->append(a_session(77, 2, 20));
  ASSERT_EQ(db->commit(), std::nullopt);
  const auto loaded = db->load();
  EXPECT_EQ(loaded.tunnels.at(77).sessions.size(), 2u);
  EXPECT_EQ(db->rows_rejected(), 0u);
  EXPECT_EQ(rows_in(path, "sessions_recent"), 1);
}

TEST(SqliteStore, a_damaged_row_is_skipped_and_counted_and_the_rest_is_loaded) {
  TempDir dir;
  const auto path = dir.file("rows.db");
  const auto records = busy_records(305);
  {
    // Every new session folded into the sessions table at once.
    auto opened = SqliteStore::open(path, Durability::process_crash, 0);
    ASSERT_TRUE(opened) << opened.error();
    auto& db = *opened;
    for (const auto& r : records)
      db->append(r);
    ASSERT_EQ(db->commit(), std::nullopt);
  }
  // One session's row damaged, and a damaged row of another in the recent table.
  make_database(path,
                "UPDATE sessions SET record = x'0102' WHERE (tunnel_id, session_id) = "
                "(SELECT tunnel_id, session_id FROM sessions LIMIT 1);"
                "INSERT INTO sessions_recent SELECT id, 65000, x'0102' FROM tunnels LIMIT 1;");
  auto db = SqliteStore::open(path, Durability::process_crash);
  ASSERT_TRUE(db) << db.error();
  const auto loaded = (*db)->load();
  EXPECT_EQ((*db)->rows_rejected(), 2u);
  EXPECT_EQ(loaded.session_count() + 1, replayed(records).session_count());
}

// The rows are read a tunnel at a time (three scans merged by tunnel ID): rows of a tunnel the
// store does not hold, before the first tunnel, between two and after the last, are skipped and
// counted; every other row still reaches its tunnel.
TEST(SqliteStore, rows_of_no_tunnel_are_skipped_and_counted_wherever_they_sort) {
  TempDir dir;
  const auto path = dir.file("orphans.db");
  const auto records = busy_records(306);
  const store::Snapshot reference = replayed(records);
  ASSERT_GE(reference.tunnels.size(), 2u);
  const auto first = reference.tunnels.begin()->first;
  const auto last = reference.tunnels.rbegin()->first;
  std::uint16_t between = 0;  // an ID between two held tunnels, if the IDs leave one
  for (auto it = reference.tunnels.begin(); std::next(it) != reference.tunnels.end(); ++it) {
    if (std::next(it)->first > it->first + 1) between = static_cast<std::uint16_t>(it->first + 1);
  }
  {
    auto opened = SqliteStore::open(path, Durability::process_crash);
    ASSERT_TRUE(opened) << opened.error();
    for (const auto& r : records)
      (*opened)->append(r);
    ASSERT_EQ((*opened)->commit(), std::nullopt);
  }
  std::vector<int> orphans{0, last + 1};
  if (first > 1) orphans.push_back(first - 1);
  if (between != 0) orphans.push_back(between);
  std::string sql;
  for (int id : orphans) {
    sql += "INSERT INTO sessions VALUES(" + std::to_string(id) + ", 7, x'00');" +
           "INSERT INTO unacked(tunnel_id, ns, bytes) VALUES(" + std::to_string(id) +
           ", 1, x'00');";
  }
  make_database(path, sql.c_str());
  auto db = SqliteStore::open(path, Durability::process_crash);
  ASSERT_TRUE(db) << db.error();
  const auto loaded = (*db)->load();
  EXPECT_EQ((*db)->rows_rejected(), 2 * orphans.size());
  EXPECT_EQ(loaded, reference);
  // And through the reader, one tunnel after another in ID order.
  auto reader = (*db)->read();
  EXPECT_EQ(reader->call_serial_limit(), reference.call_serial_limit);
  auto expected = reference.tunnels.begin();
  while (auto tunnel = reader->next()) {
    ASSERT_NE(expected, reference.tunnels.end());
    expect_same_tunnel(*tunnel, *expected);
    ++expected;
  }
  EXPECT_EQ(expected, reference.tunnels.end());
  EXPECT_EQ((*db)->rows_rejected(), 2 * orphans.size());
}

// A restart commits the records of the tunnels it has rebuilt while it reads the rest (issue 14,
// point 4): the reader goes on giving the store as it was when it was made, every tunnel once, and
// the commits through the store succeed meanwhile.
TEST(SqliteStore, a_reader_gives_the_store_as_it_was_while_commits_go_on) {
  TempDir dir;
  const auto path = dir.file("reading.db");
  const auto records = busy_records(307);
  const store::Snapshot reference = replayed(records);
  ASSERT_GE(reference.tunnels.size(), 2u);
  auto opened = SqliteStore::open(path, Durability::process_crash);
  ASSERT_TRUE(opened) << opened.error();
  auto& db = **opened;
  for (const auto& r : records)
    db.append(r);
  ASSERT_EQ(db.commit(), std::nullopt);

  auto reader = db.read();
  std::vector<std::uint16_t> ids;
  for (const auto& entry : reference.tunnels)
    ids.push_back(entry.first);
  EXPECT_EQ(reader->tunnel_ids(), ids);
  auto expected = reference.tunnels.begin();
  while (auto tunnel = reader->next()) {
    ASSERT_NE(expected, reference.tunnels.end());
    expect_same_tunnel(*tunnel, *expected);
    ++expected;
    // Every tunnel, the ones not read yet too, is removed and its rows with it: the reader must
    // not see it.
    for (const auto& [id, stored] : reference.tunnels) {
      for (const auto& [sid, session] : stored.sessions)
        db.append(tunnel::SessionRemoved{id, sid});
      db.append(tunnel::TunnelRemoved{id});
    }
    ASSERT_EQ(db.commit(), std::nullopt);
  }
  EXPECT_EQ(expected, reference.tunnels.end());
  EXPECT_EQ(db.rows_rejected(), 0u);
  reader.reset();
  EXPECT_TRUE(db.load().tunnels.empty()) << "the commits made while reading are in the store";
}

// An integer PRAGMA of the database at `path`, read by a connection of its own.
std::int64_t pragma_value(const std::string& path, const std::string& name) {
  sqlite3* db = nullptr;
  sqlite3_stmt* s = nullptr;
  std::int64_t value = -1;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, ("PRAGMA " + name).c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW) {
    value = sqlite3_column_int64(s, 0);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return value;
}

// A page damaged under a sound header: open() accepts the file, its check (beside the reading)
// finds the damage, and the first commit refuses with a clear error. Nothing is written, and the
// file is left byte for byte as it was.
TEST(SqliteStore, a_damaged_page_is_refused_at_the_first_commit_and_the_file_is_left_as_it_was) {
  TempDir dir;
  const auto path = dir.file("damaged.db");
  tunnel::TunnelEstablished t;
  t.tunnel_id = 9;
  t.peer_tunnel_id = 90;
  {
    auto opened = SqliteStore::open(path, Durability::process_crash);
    ASSERT_TRUE(opened) << opened.error();
    (*opened)->append(t);
    for (std::uint16_t id = 1; id <= 3000; ++id) {
      tunnel::SessionEstablished s;
      s.tunnel_id = 9;
      s.session_id = id;
      s.peer_session_id = id;
      s.parameters.set_calling_number("subscriber-" + std::to_string(id));
      (*opened)->append(s);
    }
    ASSERT_EQ((*opened)->commit(), std::nullopt);
  }
  const auto page_size = pragma_value(path, "page_size");
  const auto pages = pragma_value(path, "page_count");
  ASSERT_GT(pages, 10);
  {
    // The last page holds sessions (the file grew as they were written): its b-tree page type
    // becomes one SQLite does not know.
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp((pages - 1) * page_size);
    f.put(static_cast<char>(0x37));
  }
  const auto before = read_file(path);
  {
    auto db = SqliteStore::open(path, Durability::process_crash);
    ASSERT_TRUE(db) << db.error();
    (void)(*db)->load();
    tunnel::SessionRemoved removed{9, 1};
    (*db)->append(removed);
    const auto error = (*db)->commit();
    ASSERT_TRUE(error);
    EXPECT_NE(error->find("damaged"), std::string::npos) << *error;
  }
  EXPECT_EQ(read_file(path), before);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal") &&
               std::filesystem::file_size(path + "-wal") > 0);
}

}  // namespace
}  // namespace hl2tp::test
