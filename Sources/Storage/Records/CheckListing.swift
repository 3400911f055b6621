import CheckBridgeCore
import GRDB

/// A check with what its latest result says, for lists and detail views.
public struct CheckListing: Sendable {
    public var check: CheckRecord
    public var lastStatus: CheckStatus?
    public var lastResultAt: Timestamp?
    /// When the newest result counts as having happened for schedules: a missed result stands for
    /// the expected time it was recorded for, any other result for its arrival.
    public var lastScheduleAnchor: Timestamp?
    /// The check's PSA asset per channel, by channel id.
    public var assets: [CheckAssetRecord]

    public init(
        check: CheckRecord, lastStatus: CheckStatus? = nil, lastResultAt: Timestamp? = nil,
        assets: [CheckAssetRecord] = []
    ) {
        self.check = check
        self.lastStatus = lastStatus
        self.lastResultAt = lastResultAt
        self.assets = assets
    }

    /// Checks with their latest result: all, one group's, or one check.
    /// Each latest result is one probe of `check_heads`, so the cost does not grow with stored results.
    public static func fetch(groupID: String? = nil, checkID: String? = nil, in db: Database) throws -> [CheckListing] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let groupID {
            conditions.append("c.group_id = ?")
            arguments += [groupID]
        }
        if let checkID {
            conditions.append("c.id = ?")
            arguments += [checkID]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT c.*,
                    (SELECT h.last_result_id FROM check_heads h WHERE h.check_id = c.id) AS last_result_id
                FROM checks c \(filter)
                ORDER BY c.name COLLATE NOCASE, c.id
                """,
            arguments: arguments)
        // One query for the assets of every listed check, rather than one per check.
        let assets = try CheckAssetRecord.fetchAll(
            db,
            sql: """
                SELECT a.* FROM check_assets a JOIN checks c ON c.id = a.check_id \(filter)
                ORDER BY a.channel_id
                """,
            arguments: arguments)
        let assetsByCheck = Dictionary(grouping: assets, by: \.checkID)
        return try rows.map { row in
            let check = try CheckRecord(row: row)
            var listing = CheckListing(check: check, assets: assetsByCheck[check.id] ?? [])
            if let lastID: Int64 = row["last_result_id"],
                let last = try Row.fetchOne(
                    db, sql: "SELECT status, source, received_at, occurred_at FROM results WHERE id = ?",
                    arguments: [lastID])
            {
                listing.lastStatus = last["status"]
                listing.lastResultAt = last["received_at"]
                listing.lastScheduleAnchor = Self.scheduleAnchor(
                    source: last["source"], receivedAt: last["received_at"], occurredAt: last["occurred_at"])
            }
            return listing
        }
    }

    /// What a result anchors a schedule's next period to; see `lastScheduleAnchor`.
    public static func scheduleAnchor(source: ResultSource, receivedAt: Timestamp, occurredAt: Timestamp?) -> Timestamp {
        source == .schedule ? (occurredAt ?? receivedAt) : receivedAt
    }

    /// What a check's schedule counts from: its newest result, or the last change of the check when
    /// that is newer (or there is no result), so that resuming or editing starts a fresh period.
    public var scheduleAnchor: Timestamp {
        max(check.updatedAt, lastScheduleAnchor ?? check.updatedAt)
    }
}
