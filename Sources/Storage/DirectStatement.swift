import GRDB
import GRDBSQLite

/// A cached statement bound and stepped through SQLite's C interface, for the few statements the
/// writer runs for every result. GRDB's arguments box each value and build arrays for every call,
/// and its rows are objects; on the single writer thread that cost more than SQLite's own work.
///
/// Bindings are set here rather than through GRDB, so the statement is only ever used this way.
/// Stepping it bypasses GRDB's hooks: there are no transaction observers to tell, and a read
/// interrupted on cancellation fails with SQLite's own error rather than `CancellationError`.
struct DirectStatement {
    private let statement: Statement
    private let db: Database
    private var handle: SQLiteStatement { statement.sqliteStatement }

    /// Prepares (once per connection) and clears the statement for new bindings.
    init(_ sql: String, in db: Database) throws {
        statement = try db.cachedStatement(sql: sql)
        self.db = db
        // The result of the previous run is reported by `step`; the reset itself cannot fail then.
        sqlite3_reset(statement.sqliteStatement)
        sqlite3_clear_bindings(statement.sqliteStatement)
    }

    func bind(_ value: String, at index: CInt) throws {
        try check(value.bind(to: handle, at: index))
    }

    func bind(_ value: String?, at index: CInt) throws {
        try check(value.bind(to: handle, at: index))
    }

    func bind(_ value: Int64?, at index: CInt) throws {
        try check(value.bind(to: handle, at: index))
    }

    func bind(_ value: Int?, at index: CInt) throws {
        try check(value.bind(to: handle, at: index))
    }

    /// Binds bytes as a blob, copied by SQLite, without going through `Data`.
    func bind(_ bytes: [UInt8]?, at index: CInt) throws {
        guard let bytes else {
            try check(sqlite3_bind_null(handle, index))
            return
        }
        let code = bytes.withUnsafeBytes { buffer in
            // SQLITE_TRANSIENT: SQLite copies the bytes before this returns.
            sqlite3_bind_blob(
                handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), CInt(buffer.count),
                unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
        try check(code)
    }

    /// A value SQLite would not take (too big, out of memory) must not be stored as NULL.
    private func check(_ code: CInt) throws {
        guard code != SQLITE_OK else { return }
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
    }

    /// Runs a query to its first row and reads that row with `read` (through `int64`, `text` and
    /// `isNull`); nil when there is none. The statement holds no cursor open afterwards.
    func firstRow<Value>(_ read: (DirectStatement) -> Value) throws -> Value? {
        guard try step() else { return nil }
        defer { sqlite3_reset(handle) }
        return read(self)
    }

    private func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
        }
    }

    /// Runs a statement that changes rows, inside the caller's transaction.
    func execute() throws {
        // GRDB refuses to go on in a transaction SQLite rolled back on its own (a full disk);
        // these statements bypass that check, so they make it themselves rather than commit
        // on their own outside the batch.
        guard sqlite3_get_autocommit(db.sqliteConnection) == 0 else {
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "the transaction was rolled back", sql: statement.sql)
        }
        _ = try step()
    }

    /// A column of the current row.
    func int64(at column: CInt) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    /// A text column of the current row ("" when NULL).
    func text(at column: CInt) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: bytes)
    }

    /// Whether a column of the current row is NULL.
    func isNull(at column: CInt) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }
}
