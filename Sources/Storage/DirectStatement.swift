import GRDB
import GRDBSQLite

/// A cached statement bound and stepped through SQLite's C interface, for the few statements the
/// writer runs for every result. GRDB's arguments box each value and build arrays for every call,
/// and its rows are objects; on the single writer thread that cost more than SQLite's own work.
///
/// Each run binds its arguments, steps, resets the statement and clears the bindings in one call,
/// so bound bytes never outlive the buffer they point into, and the same statement can run again.
/// Stepping bypasses GRDB's hooks: there are no transaction observers to tell, and a read
/// interrupted on cancellation fails with SQLite's own error rather than `CancellationError`.
struct DirectStatement {
    /// A value for one of the statement's parameters; a run's arguments fill `?1`, `?2`, … in order.
    enum Argument {
        case integer(Int64?)
        case text(String?)
        case blob([UInt8]?)

        static func integer(_ value: Int?) -> Argument {
            .integer(value.map(Int64.init))
        }
    }

    private let statement: Statement
    private let db: Database
    private var handle: SQLiteStatement { statement.sqliteStatement }

    /// Prepares the statement once per connection; every later use finds it in GRDB's cache.
    init(_ sql: String, in db: Database) throws {
        statement = try db.cachedStatement(sql: sql)
        self.db = db
        // Runs here always end reset, but GRDB's own use of the same SQL may have left the shared
        // cached statement stepped. Its outcome was reported then; the reset cannot fail now.
        sqlite3_reset(statement.sqliteStatement)
    }

    /// Runs a query with `arguments` to its first row and reads that row with `read` (through
    /// `int64`, `text` and `isNull`); nil when there is none. No cursor stays open afterwards.
    func firstRow<Value>(_ arguments: Argument..., read: (DirectStatement) -> Value) throws -> Value? {
        try withBound(arguments) {
            guard try step() else { return nil }
            return read(self)
        }
    }

    /// Runs a statement that changes rows, inside the caller's transaction.
    func execute(_ arguments: Argument...) throws {
        // GRDB refuses to go on in a transaction SQLite rolled back on its own (a full disk);
        // these statements bypass that check, so they make it themselves rather than commit
        // on their own outside the batch.
        guard sqlite3_get_autocommit(db.sqliteConnection) == 0 else {
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "the transaction was rolled back", sql: statement.sql)
        }
        try withBound(arguments) { _ = try step() }
    }

    /// Binds `arguments` for the duration of `run`.
    ///
    /// Texts and blobs are copied into one buffer that SQLite reads in place (SQLITE_STATIC).
    /// Bound one by one with SQLITE_TRANSIENT, SQLite allocated, copied and later freed each value:
    /// about a seventh of the writer's time per result. The bindings are cleared before the
    /// buffer goes, so the statement never keeps a pointer into it.
    private func withBound<Value>(_ arguments: [Argument], _ run: () throws -> Value) throws -> Value {
        var byteCount = 0
        for argument in arguments {
            switch argument {
            case .text(let text?): byteCount += text.utf8.count
            case .blob(let bytes?): byteCount += bytes.count
            case .integer, .text(nil), .blob(nil): break
            }
        }
        // One byte more, so that even an empty text points into the buffer (a nil pointer binds NULL).
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: byteCount + 1) { buffer in
            defer {
                // The step's outcome was reported by `step`; the reset itself cannot fail then.
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
            var offset = 0
            for (position, argument) in arguments.enumerated() {
                let index = CInt(position + 1)
                switch argument {
                case .integer(let value?):
                    try check(sqlite3_bind_int64(handle, index, value))
                case .text(let text?):
                    let (start, count) = Self.copy(text.utf8, into: buffer, at: &offset)
                    let characters = UnsafeRawPointer(start)?.assumingMemoryBound(to: CChar.self)
                    try check(sqlite3_bind_text(handle, index, characters, count, nil))
                case .blob(let bytes?):
                    let (start, count) = Self.copy(bytes, into: buffer, at: &offset)
                    try check(sqlite3_bind_blob(handle, index, start, count, nil))
                case .integer(nil), .text(nil), .blob(nil):
                    try check(sqlite3_bind_null(handle, index))
                }
            }
            return try run()
        }
    }

    /// Copies `bytes` into `buffer` at `offset`, which moves past them; the start and length to bind.
    private static func copy<Bytes: Collection<UInt8>>(
        _ bytes: Bytes, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: inout Int
    ) -> (start: UnsafeMutablePointer<UInt8>?, count: CInt) {
        let rest = UnsafeMutableBufferPointer(rebasing: buffer[offset...])
        let copied = rest.initialize(fromContentsOf: bytes)
        defer { offset += copied }
        // `rest` always keeps the spare byte, so it has a start even for an empty value.
        return (rest.baseAddress, CInt(copied))
    }

    /// A value SQLite would not take (too big, out of memory) must not be stored as NULL.
    private func check(_ code: CInt) throws {
        guard code != SQLITE_OK else { return }
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
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
