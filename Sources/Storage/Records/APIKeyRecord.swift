import CheckBridgeCore
import GRDB

/// A stored API key. Only the SHA-256 of the key is kept; `prefix` lets a user tell keys apart.
public struct APIKeyRecord: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "api_keys"

    public var id: String
    public var name: String
    public var role: APIKeyRole
    public var keyHash: String
    public var prefix: String
    public var createdAt: Timestamp
    public var revokedAt: Timestamp?

    public init(
        id: String, name: String, role: APIKeyRole, keyHash: String, prefix: String,
        createdAt: Timestamp, revokedAt: Timestamp? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.keyHash = keyHash
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, prefix
        case keyHash = "key_hash"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }

    /// The active key with this hash.
    public static func active(hash: String, in db: Database) throws -> APIKeyRecord? {
        try APIKeyRecord.fetchOne(db, sql: "SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", arguments: [hash])
    }

    /// Every key, oldest first.
    public static func all(in db: Database) throws -> [APIKeyRecord] {
        try APIKeyRecord.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at, id")
    }

    /// Number of keys ever created (revoked included).
    public static func count(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys") ?? 0
    }
}

extension Timestamp: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { milliseconds.databaseValue }

    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Timestamp? {
        Int64.fromDatabaseValue(dbValue).map(Timestamp.init(milliseconds:))
    }
}

extension APIKeyRole: DatabaseValueConvertible {}
