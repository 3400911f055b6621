import CheckBridgeCore
import GRDB
import Logging
import ServiceLifecycle
import Storage

/// Records a `missed` result for every scheduled check whose deadline passed without a report
/// (SPEC §5.2): one per missed period, also across restarts, and after downtime only the latest.
///
/// Each missed result is keyed by the expected report time it stands for, so a repeat (another
/// tick, a restart) is the same delivery and stores nothing. Its `occurred_at` is that expected time,
/// which anchors the next period, so periods do not drift by the grace time.
final class MissedCheckScheduler: Service, Sendable {
    private let database: CheckBridgeDatabase
    private let writer: ResultWriter
    private let metrics: ServerMetrics
    private let logger: Logger
    private let clock: @Sendable () -> Timestamp
    private let interval: Duration

    init(
        database: CheckBridgeDatabase, writer: ResultWriter, metrics: ServerMetrics, logger: Logger,
        clock: @escaping @Sendable () -> Timestamp, interval: Duration
    ) {
        self.database = database
        self.writer = writer
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        self.interval = interval
    }

    func run() async throws {
        while !Task.isStoppingService {
            do {
                try await recordMissed(now: clock())
            } catch is CancellationError {
                return  // the server is stopping (also when it could not start listening)
            } catch {
                logger.warning("checking schedules failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// What a scheduled check's deadline is measured from.
    struct ScheduledCheck: Sendable {
        var id: String
        var schedule: CheckSchedule
        var anchor: Timestamp
    }

    /// Records the missed results due at `now`; returns how many were new.
    @discardableResult
    func recordMissed(now: Timestamp) async throws -> Int {
        let checks = try await database.pool.read { db in try Self.scheduledChecks(in: db) }
        var recorded = 0
        for check in checks {
            guard let expected = check.schedule.latestMissedExpectation(anchor: check.anchor, now: now) else { continue }
            let deadline = Timestamp(milliseconds: expected.milliseconds + check.schedule.graceSeconds * 1000)
            let result = NewResult(
                checkID: check.id, status: .missed, source: .schedule, receivedAt: now, occurredAt: expected,
                subject: "No report received",
                excerpt: "A report was expected at \(expected.rfc3339) and none arrived by \(deadline.rfc3339).",
                dedupeKey: "missed:\(expected.milliseconds)")
            do {
                if case .stored(let record) = try await writer.write(result) {
                    metrics.resultStored(status: record.status, source: record.source)
                    recorded += 1
                }
            } catch ResultWriteError.checkNotFound {
                continue
            }
        }
        return recorded
    }

    /// Enabled checks with a schedule, each with the time its next period counts from
    /// (`CheckListing.scheduleAnchor`).
    static func scheduledChecks(in db: Database) throws -> [ScheduledCheck] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT c.id, c.schedule, c.updated_at, r.source, r.received_at, r.occurred_at
                FROM checks c LEFT JOIN check_heads h ON h.check_id = c.id
                LEFT JOIN results r ON r.id = h.last_result_id
                WHERE c.enabled = 1 AND c.schedule IS NOT NULL
                """)
        return rows.compactMap { row -> ScheduledCheck? in
            let text: String = row["schedule"]
            guard let json = try? JSONParser.parse(text), let schedule = try? CheckSchedule.decode(json) else {
                return nil
            }
            let updatedAt: Timestamp = row["updated_at"]
            var anchor = updatedAt
            if let source: ResultSource = row["source"], let receivedAt: Timestamp = row["received_at"] {
                let last = CheckListing.scheduleAnchor(source: source, receivedAt: receivedAt, occurredAt: row["occurred_at"])
                anchor = max(anchor, last)
            }
            return ScheduledCheck(id: row["id"], schedule: schedule, anchor: anchor)
        }
    }
}
