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
    /// Rows deleted per transaction: small enough that ingest waiting behind one waits a few
    /// milliseconds at most (rows of one check lie on many pages, so a delete writes many).
    static let batchSize = 100

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
        while !Task.isStoppingService {
            do {
                let deleted = try await prune(now: .now)
                if deleted > 0 { logger.info("pruned results past retention", metadata: ["deleted": "\(deleted)"]) }
            } catch is CancellationError {
                return
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
            // Results are stored in the order they arrive, so the oldest are the lowest ids: each
            // transaction looks at the next 100 ids and deletes those past the age, until the
            // newest of such a window is within it. Filtering the whole table by `received_at`
            // instead would, once nothing is left to delete, scan every row while holding the
            // writer. Rows stamped in the future (written while the clock ran ahead) are stepped
            // over rather than ending the pass.
            var cursor: Int64 = 0
            while true {
                let after = cursor
                let window = try await pacedWrite { db -> (deleted: Int, last: Int64?, goOn: Bool) in
                    // The window's newest row: the 100th after the cursor, or the last there is.
                    let newest = try Row.fetchOne(
                        db, sql: "SELECT id, received_at FROM results WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?",
                        arguments: [after, Self.batchSize - 1])
                        ?? Row.fetchOne(db, sql: "SELECT id, received_at FROM results ORDER BY id DESC LIMIT 1")
                    guard let last = newest, let lastID: Int64 = last["id"], lastID > after else { return (0, nil, false) }
                    try db.execute(
                        sql: "DELETE FROM results WHERE id > ? AND id <= ? AND received_at < ?",
                        arguments: [after, lastID, cutoff])
                    let lastReceived: Int64 = last["received_at"] ?? cutoff
                    return (db.changesCount, lastID, lastReceived < cutoff || lastReceived > now.milliseconds)
                }
                deleted += window.deleted
                guard let last = window.last, window.goOn else { break }
                cursor = last
            }
        }
        if let maximumPerCheck {
            let checkIDs = try await database.pool.read { db in
                try String.fetchAll(db, sql: "SELECT id FROM checks")
            }
            for checkID in checkIDs {
                // Walked by a reader, so that the many checks within their limit never take the
                // writer from ingest. Oldest first, so the chain stays whole from its head.
                let excess = try await database.pool.read { db in
                    try ResultChain.excess(checkID: checkID, keeping: maximumPerCheck, in: db)
                }
                var start = 0
                while start < excess.count {
                    let ids = Array(excess[start..<min(start + Self.batchSize, excess.count)])
                    start += ids.count
                    deleted += try await pacedWrite { db in
                        let delete = try db.cachedStatement(sql: "DELETE FROM results WHERE id = ?")
                        var count = 0
                        for id in ids {
                            try delete.execute(arguments: [id])
                            count += db.changesCount
                        }
                        return count
                    }
                }
            }
        }
        return deleted
    }

    /// One pruning transaction, then a pause twice as long as it took.
    ///
    /// Ingest and pruning share the single writer, and pruning is never urgent: without the pause,
    /// back-to-back deletes held the writer most of the time, and ingest ran at a third of its rate
    /// (1,650 results/s instead of 5,700 while half of a million-result database was pruned).
    private func pacedWrite<T: Sendable>(_ deletion: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await database.pool.write(deletion)
        // A long pass (half a million rows takes minutes) must not hold up a shutdown.
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: (clock.now - start) * 2) }
        return outcome
    }
}
