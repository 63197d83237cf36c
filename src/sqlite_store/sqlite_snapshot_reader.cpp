#include "sqlite_store/sqlite_snapshot_reader.hpp"

#include <sqlite3.h>

#include <tuple>

#include "sqlite_store/record_codec.hpp"

namespace hl2tp::store {
namespace {

std::span<const std::byte> column_blob(sqlite3_stmt* s, int column) {
  const void* p = sqlite3_column_blob(s, column);
  const int n = sqlite3_column_bytes(s, column);
  return {static_cast<const std::byte*>(p), static_cast<std::size_t>(p ? n : 0)};
}

// The tunnel a row describes, with its changing columns; nothing if the row is damaged.
std::optional<StoredTunnel> decode_tunnel_row(sqlite3_stmt* s) {
  auto t = decode_tunnel(column_blob(s, 1));
  if (!t || t->tunnel_id != sqlite3_column_int64(s, 0)) return std::nullopt;
  t->channel.next_ns = static_cast<std::uint16_t>(sqlite3_column_int(s, 2));
  t->channel.expected_ns = static_cast<std::uint16_t>(sqlite3_column_int(s, 3));
  t->channel.acked_ns = static_cast<std::uint16_t>(sqlite3_column_int(s, 4));
  t->session_id_limit = static_cast<std::uint16_t>(sqlite3_column_int(s, 5));
  StoredTunnel stored;
  stored.closing = sqlite3_column_int(s, 6) != 0;
  if (sqlite3_column_type(s, 7) != SQLITE_NULL) {
    stored.suggestion = decode_suggestion(column_blob(s, 7));
    if (!stored.suggestion) return std::nullopt;
  }
  if (sqlite3_column_type(s, 8) != SQLITE_NULL) {
    auto path = decode_path(column_blob(s, 8));
    if (!path) return std::nullopt;
    std::tie(t->peer, t->local) = *path;
  }
  stored.tunnel = std::move(*t);
  return stored;
}

// The session a row (tunnel_id, session_id, record) describes; nothing if the row is damaged.
std::optional<tunnel::SessionEstablished> decode_session_row(sqlite3_stmt* s) {
  auto session = decode_session(column_blob(s, 2));
  if (!session || session->session_id != sqlite3_column_int64(s, 1)) return std::nullopt;
  return session;
}

}  // namespace

SqliteSnapshotReader::Scan::Scan(sqlite3* db, const char* sql, std::size_t& rejected)
    : rejected_(rejected) {
  if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(s_);
    s_ = nullptr;
    ++rejected_;  // a table we cannot read at all: nothing of it is loaded
    return;
  }
  advance();
}

SqliteSnapshotReader::Scan::~Scan() {
  sqlite3_finalize(s_);
}

std::int64_t SqliteSnapshotReader::Scan::tunnel_id() const {
  return sqlite3_column_int64(s_, 0);
}

void SqliteSnapshotReader::Scan::advance() {
  const int rc = sqlite3_step(s_);
  has_row_ = rc == SQLITE_ROW;
  // A damaged page ends the scan: what follows it is not loaded (and the store's check refuses
  // the first commit, sqlite_store.hpp).
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) ++rejected_;
}

void SqliteSnapshotReader::Scan::skip_before(std::int64_t id) {
  while (has_row_ && tunnel_id() < id) {
    ++rejected_;
    advance();
  }
}

SqliteSnapshotReader::ReadTransaction::ReadTransaction(sqlite3* db, bool owned)
    : db_(db), owned_(owned) {
  // Deferred: the snapshot is taken at the first scan's first step, and every later scan shares it.
  // If BEGIN fails, the scans still each read a consistent table (autocommit), as before.
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
}

SqliteSnapshotReader::ReadTransaction::~ReadTransaction() {
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (owned_) sqlite3_close(db_);
}

SqliteSnapshotReader::SqliteSnapshotReader(sqlite3* db, bool owned, std::size_t& rejected)
    : transaction_(db, owned),
      rejected_(rejected),
      tunnels_(db,
               "SELECT id, record, next_ns, expected_ns, acked_ns, session_id_limit, closing,"
               " suggestion, path FROM tunnels ORDER BY id",
               rejected),
      // Each tunnel's messages oldest first: the index on tunnel_id keeps rowid order within one.
      unacked_(db, "SELECT tunnel_id, ns, bytes FROM unacked ORDER BY tunnel_id, rowid", rejected),
      // The table's own order (its primary key): each tunnel's sessions come together and sorted,
      // so every session is appended at the end of its tunnel's map.
      sessions_(db,
                "SELECT tunnel_id, session_id, record FROM sessions ORDER BY tunnel_id, session_id",
                rejected),
      // The sessions not yet folded into `sessions` (sqlite_store.hpp, recent_): a few hundred,
      // sorted here; of two rows of one session the later (by rowid) is read last and wins.
      recent_(db,
              "SELECT tunnel_id, session_id, record FROM sessions_recent"
              " ORDER BY tunnel_id, session_id, rowid",
              rejected) {
  Scan serials(db, "SELECT value FROM endpoint WHERE key = 'call_serial_limit'", rejected);
  if (serials.has_row()) {
    call_serial_limit_ = static_cast<std::uint32_t>(sqlite3_column_int64(serials.row(), 0));
  }
  // The IDs alone: a damaged row is counted when the main scan reaches it, not here.
  std::size_t counted_by_the_main_scan = 0;
  for (Scan ids(db, "SELECT id FROM tunnels ORDER BY id", counted_by_the_main_scan); ids.has_row();
       ids.advance()) {
    const std::int64_t id = ids.tunnel_id();
    if (id > 0 && id <= 0xFFFF) tunnel_ids_.push_back(static_cast<std::uint16_t>(id));
  }
}

std::optional<std::pair<std::uint16_t, StoredTunnel>> SqliteSnapshotReader::next() {
  while (tunnels_.has_row()) {
    const std::int64_t id = tunnels_.tunnel_id();
    auto stored = decode_tunnel_row(tunnels_.row());
    tunnels_.advance();
    if (!stored) ++rejected_;
    unacked_.skip_before(id);
    sessions_.skip_before(id);
    recent_.skip_before(id);
    for (; unacked_.has_row() && unacked_.tunnel_id() == id; unacked_.advance()) {
      if (!stored) {
        ++rejected_;  // the messages of a tunnel that could not be read
        continue;
      }
      const auto blob = column_blob(unacked_.row(), 2);
      stored->tunnel.channel.unacked.emplace_back(
          static_cast<std::uint16_t>(sqlite3_column_int(unacked_.row(), 1)),
          Bytes(blob.begin(), blob.end()));
    }
    // This tunnel's rows of one of the session scans, each given to `place`.
    const auto take_sessions = [&](Scan& scan, auto place) {
      for (; scan.has_row() && scan.tunnel_id() == id; scan.advance()) {
        auto session = stored ? decode_session_row(scan.row()) : std::nullopt;
        if (!session) {
          ++rejected_;
          continue;
        }
        const std::uint16_t session_id = session->session_id;
        place(stored->sessions, session_id, std::move(*session));
      }
    };
    take_sessions(sessions_, [](auto& sessions, std::uint16_t sid, auto&& session) {
      sessions.emplace_hint(sessions.end(), sid, std::move(session));
    });
    take_sessions(recent_, [](auto& sessions, std::uint16_t sid, auto&& session) {
      sessions.insert_or_assign(sid, std::move(session));
    });
    if (stored) return std::pair{stored->tunnel.tunnel_id, std::move(*stored)};
  }
  // Past the last tunnel: what is left belongs to none.
  unacked_.skip_before(INT64_MAX);
  sessions_.skip_before(INT64_MAX);
  recent_.skip_before(INT64_MAX);
  return std::nullopt;
}

}  // namespace hl2tp::store
