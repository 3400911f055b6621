import CheckBridgeCore
import GRDB

/// A check with what its latest result says, for lists and detail views.
public struct CheckListing: Sendable {
    public var check: CheckRecord
    public var lastStatus: CheckStatus?
    public var lastResultAt: Timestamp?

    public init(check: CheckRecord, lastStatus: CheckStatus? = nil, lastResultAt: Timestamp? = nil) {
        self.check = check
        self.lastStatus = lastStatus
        self.lastResultAt = lastResultAt
    }

    /// Checks with their latest result: all, one group's, or one check.
    /// Each latest result is one index probe, so the cost does not grow with stored results.
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
                    (SELECT r.id FROM results r WHERE r.check_id = c.id ORDER BY r.id DESC LIMIT 1) AS last_result_id
                FROM checks c \(filter)
                ORDER BY c.name COLLATE NOCASE, c.id
                """,
            arguments: arguments)
        return try rows.map { row in
            let check = try CheckRecord(row: row)
            var listing = CheckListing(check: check, lastStatus: nil, lastResultAt: nil)
            if let lastID: Int64 = row["last_result_id"],
                let last = try Row.fetchOne(
                    db, sql: "SELECT status, received_at FROM results WHERE id = ?", arguments: [lastID])
            {
                listing.lastStatus = last["status"]
                listing.lastResultAt = last["received_at"]
            }
            return listing
        }
    }
}
