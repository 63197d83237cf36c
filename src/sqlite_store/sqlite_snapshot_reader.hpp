#pragma once
// The SQLite store's rows read a tunnel at a time (snapshot_reader.hpp): four scans in tunnel-ID
// order (tunnels, their unacknowledged messages, their sessions, their recent sessions: those not
// yet folded into the sessions table, sqlite_store.hpp) merged as they go, so that no
// more than one tunnel's rows are held at once. A row that cannot be decoded, or that belongs to
// no tunnel, is skipped and counted, never a crash: a store file may be damaged.
//
// The scans are one read transaction. On a connection of its own the reader sees the database as
// it was when the reader was made, while the restart commits through the store's connection.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/snapshot_reader.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace hl2tp::store {

class SqliteSnapshotReader final : public SnapshotReader {
 public:
  // Reads through `db` (closed with the reader when `owned`), adding the rows it skips to
  // `rejected`. Nothing may be written through `db` itself while the reader is alive: a scan must
  // not see the rows it is reading change.
  SqliteSnapshotReader(sqlite3* db, bool owned, std::size_t& rejected);
  ~SqliteSnapshotReader() override = default;
  SqliteSnapshotReader(const SqliteSnapshotReader&) = delete;
  SqliteSnapshotReader& operator=(const SqliteSnapshotReader&) = delete;

  std::uint32_t call_serial_limit() const override { return call_serial_limit_; }
  const std::vector<std::uint16_t>& tunnel_ids() const override { return tunnel_ids_; }
  std::optional<std::pair<std::uint16_t, StoredTunnel>> next() override;

 private:
  // One scan, positioned on its current row (or ended).
  class Scan {
   public:
    Scan(sqlite3* db, const char* sql, std::size_t& rejected);
    ~Scan();
    Scan(const Scan&) = delete;
    Scan& operator=(const Scan&) = delete;
    bool has_row() const { return has_row_; }
    sqlite3_stmt* row() const { return s_; }
    std::int64_t tunnel_id() const;  // column 0
    void advance();
    // Skips (and counts) the rows before tunnel `id`: they belong to no tunnel.
    void skip_before(std::int64_t id);

   private:
    sqlite3_stmt* s_ = nullptr;
    bool has_row_ = false;
    std::size_t& rejected_;
  };

  // The connection in one read transaction, from the first scan until the reader is gone.
  class ReadTransaction {
   public:
    ReadTransaction(sqlite3* db, bool owned);
    ~ReadTransaction();  // ends the transaction, and closes the connection if it is owned
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;
    sqlite3* db() const { return db_; }

   private:
    sqlite3* db_;
    bool owned_;
  };

  ReadTransaction transaction_;  // first: destroyed after the scans
  std::size_t& rejected_;
  std::uint32_t call_serial_limit_ = 0;
  std::vector<std::uint16_t> tunnel_ids_;
  Scan tunnels_, unacked_, sessions_, recent_;
};

}  // namespace hl2tp::store
