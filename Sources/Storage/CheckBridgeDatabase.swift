import Foundation
import GRDB

/// How hard a commit works to survive a power loss.
public enum Durability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: every commit is fsync'd before it returns. The default.
    case full
    /// `synchronous=NORMAL`: a commit survives a crash of the process but not of the machine.
    case normal
}

/// Why the database could not be opened or used.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// The embedded SQLite database: one WAL-mode pool with a single writer connection.
public final class CheckBridgeDatabase: Sendable {
    /// Readers and the single writer.
    public let pool: DatabasePool
    /// The path of the database file.
    public let path: String
    /// The durability the writer connection runs with, read back from SQLite after opening.
    public let durability: Durability

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String, durability: Durability = .full) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        // Concurrent RPC writes and the ingest writer wait for each other rather than failing.
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            // Checkpoints run on their own connection (WALCheckpointer), never inside a commit.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        // DatabasePool sets synchronous=NORMAL when it enables WAL; the writer must run with the
        // requested level, so set it after opening and read it back rather than trusting it.
        let level = durability == .full ? 2 : 1
        let applied = try pool.writeWithoutTransaction { db -> Int in
            try db.execute(sql: "PRAGMA synchronous = \(level)")
            return try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
        guard applied == level else {
            throw StorageError("SQLite refused synchronous=\(durability.rawValue) (it reports \(applied))")
        }
        self.pool = pool
        self.path = path
        self.durability = durability
    }

    /// True when a trivial query answers.
    public func isReady() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// Closes every connection; later calls fail.
    public func close() throws {
        try pool.close()
    }
}
