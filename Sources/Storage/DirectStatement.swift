import GRDB
import GRDBSQLite

/// A cached statement bound and stepped through SQLite's C interface, for the few statements the
/// writer runs for every result. GRDB's arguments box each value and build arrays for every call,
/// and its rows are objects; on the single writer thread that cost more than SQLite's own work.
///
/// Bindings are set here rather than through GRDB, so the statement is only ever used this way.
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

    func bind(_ value: String, at index: CInt) {
        _ = value.bind(to: handle, at: index)
    }

    func bind(_ value: String?, at index: CInt) {
        _ = value.bind(to: handle, at: index)
    }

    func bind(_ value: Int64?, at index: CInt) {
        _ = value.bind(to: handle, at: index)
    }

    func bind(_ value: Int?, at index: CInt) {
        _ = value.bind(to: handle, at: index)
    }

    /// Binds bytes as a blob, copied by SQLite, without going through `Data`.
    func bind(_ bytes: [UInt8]?, at index: CInt) {
        guard let bytes else {
            sqlite3_bind_null(handle, index)
            return
        }
        bytes.withUnsafeBytes { buffer in
            // SQLITE_TRANSIENT: SQLite copies the bytes before this returns.
            _ = sqlite3_bind_blob(
                handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), CInt(buffer.count),
                unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
    }

    /// Runs the statement to its first row; true when there is one, to be read with `int64`.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
        }
    }

    /// Runs a statement that returns no rows.
    func execute() throws {
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

    /// Ends a run that stopped at a row, so it holds no cursor open in the transaction.
    func finish() {
        sqlite3_reset(handle)
    }
}
