import CheckBridgeCore
import GRDB

/// A monitored job as stored. `rules` and `schedule` hold canonical JSON text.
public struct CheckRecord: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "checks"

    public var id: String
    public var groupID: String
    public var name: String
    public var token: String
    public var rules: String
    public var defaultStatus: CheckStatus
    public var preset: String?
    public var schedule: String?
    public var failureThreshold: Int
    public var enabled: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, groupID: String, name: String, token: String, rules: String, defaultStatus: CheckStatus,
        preset: String?, schedule: String?, failureThreshold: Int, enabled: Bool,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.groupID = groupID
        self.name = name
        self.token = token
        self.rules = rules
        self.defaultStatus = defaultStatus
        self.preset = preset
        self.schedule = schedule
        self.failureThreshold = failureThreshold
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, token, rules, preset, schedule, enabled
        case groupID = "group_id"
        case defaultStatus = "default_status"
        case failureThreshold = "failure_threshold"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The check a webhook token addresses.
    public static func find(token: String, in db: Database) throws -> CheckRecord? {
        try CheckRecord.fetchOne(db, sql: "SELECT * FROM checks WHERE token = ?", arguments: [token])
    }

}

extension CheckStatus: DatabaseValueConvertible {}
extension ResultSource: DatabaseValueConvertible {}
