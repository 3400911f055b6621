import CheckBridgeCore
import GRDB

/// A check group: usually one customer.
public struct CheckGroupRecord: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "check_groups"

    public var id: String
    public var name: String
    public var description: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, name: String, description: String, createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Every group, by name.
    public static func all(in db: Database) throws -> [CheckGroupRecord] {
        try CheckGroupRecord.fetchAll(db, sql: "SELECT * FROM check_groups ORDER BY name COLLATE NOCASE, id")
    }

    /// Number of checks in the group.
    public static func checkCount(groupID: String, in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checks WHERE group_id = ?", arguments: [groupID]) ?? 0
    }
}
