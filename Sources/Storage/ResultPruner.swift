import CheckBridgeCore
import GRDB
import Logging
import ServiceLifecycle

/// Deletes results past the retention limits, a small batch per transaction so that ingest, which
/// shares the single writer connection, never waits long behind a prune.
public struct ResultPruner: Service {
    /// Results older than this are deleted; nil keeps them.
    public var maximumAge: Duration?
    /// At most this many results are kept per check; nil keeps them all.
    public var maximumPerCheck: Int?
    private let database: CheckBridgeDatabase
    private let interval: Duration
    private let logger: Logger
    /// Rows deleted per transaction: small enough that one delete takes a few milliseconds.
    static let batchSize = 500

    public init(
        database: CheckBridgeDatabase, maximumAge: Duration?, maximumPerCheck: Int?,
        interval: Duration = .seconds(60), logger: Logger
    ) {
        self.database = database
        self.maximumAge = maximumAge
        self.maximumPerCheck = maximumPerCheck
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        guard maximumAge != nil || maximumPerCheck != nil else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully {
            do {
                let deleted = try await prune(now: .now)
                if deleted > 0 { logger.info("pruned results past retention", metadata: ["deleted": "\(deleted)"]) }
            } catch {
                logger.warning("pruning results failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Deletes everything past the limits as of `now`; returns the number of results deleted.
    @discardableResult
    public func prune(now: Timestamp) async throws -> Int {
        var deleted = 0
        if let maximumAge {
            let (seconds, attoseconds) = maximumAge.components
            let cutoff = now.milliseconds - seconds * 1000 - attoseconds / 1_000_000_000_000_000
            while true {
                let count = try await database.pool.write { db in
                    try db.execute(
                        sql: """
                            DELETE FROM results WHERE id IN (
                                SELECT id FROM results WHERE received_at < ? ORDER BY id LIMIT ?)
                            """,
                        arguments: [cutoff, Self.batchSize])
                    return db.changesCount
                }
                deleted += count
                if count < Self.batchSize { break }
            }
        }
        if let maximumPerCheck {
            let checkIDs = try await database.pool.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM checks")
            }
            for checkID in checkIDs {
                while true {
                    let count = try await database.pool.write { db -> Int in
                        // The id of the oldest result to keep; everything below it goes.
                        let keepFrom = try Int64.fetchOne(
                            db,
                            sql: "SELECT id FROM results WHERE check_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
                            arguments: [checkID, maximumPerCheck - 1])
                        guard let keepFrom else { return 0 }
                        try db.execute(
                            sql: """
                                DELETE FROM results WHERE id IN (
                                    SELECT id FROM results WHERE check_id = ? AND id < ? ORDER BY id LIMIT ?)
                                """,
                            arguments: [checkID, keepFrom, Self.batchSize])
                        return db.changesCount
                    }
                    deleted += count
                    if count < Self.batchSize { break }
                }
            }
        }
        return deleted
    }
}
