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
            // transaction looks at the next 100 ids and deletes the run of them past the age, and
            // the pass ends at the first one within it. Only ever deleting the lowest ids takes
            // each check's oldest results first, which keeps its chain whole (`ResultChain`): a
            // result stamped long ago but stored recently (unmatched mail assigned later) waits
            // for the results stored before it. Filtering the whole table by `received_at` instead
            // would also, once nothing is left to delete, scan every row while holding the writer.
            // A result stamped in the future (written while the clock ran ahead) among the oldest
            // goes with them: it was stored before them, and keeping it would hold up retention
            // until the clock reaches its stamp.
            var cursor: Int64 = 0
            while true {
                let after = cursor
                let window = try await pacedWrite { db -> (deleted: Int, next: Int64?) in
                    let rows = try Row.fetchAll(
                        db, sql: "SELECT id, received_at FROM results WHERE id > ? ORDER BY id LIMIT ?",
                        arguments: [after, Self.batchSize])
                    let firstKept = rows.firstIndex { row in
                        let received: Int64 = row["received_at"]
                        return received >= cutoff && received <= now.milliseconds
                    }
                    guard let lastID: Int64 = rows[..<(firstKept ?? rows.endIndex)].last?["id"] else { return (0, nil) }
                    try db.execute(sql: "DELETE FROM results WHERE id > ? AND id <= ?", arguments: [after, lastID])
                    return (db.changesCount, firstKept == nil ? lastID : nil)
                }
                deleted += window.deleted
                guard let next = window.next else { break }
                cursor = next
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
                    deleted += try await pacedWrite { db in try ResultChain.delete(ids: ids, in: db) }
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
