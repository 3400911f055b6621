import CheckBridgeCore
import Foundation
import GRDB

/// A configured ticketing system. Connection secrets are kept only sealed (AES-GCM) in `sealedSecrets`;
/// `connection` holds the rest of the connection settings as JSON.
public struct ChannelRecord: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "channels"

    public var id: String
    public var name: String
    public var kind: String
    public var enabled: Bool
    public var connection: String
    public var sealedSecrets: Data
    public var ticket: String
    public var customer: String
    public var scope: String
    public var openOnWarning: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, name: String, kind: String, enabled: Bool, connection: String, sealedSecrets: Data,
        ticket: String, customer: String, scope: String, openOnWarning: Bool, createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.enabled = enabled
        self.connection = connection
        self.sealedSecrets = sealedSecrets
        self.ticket = ticket
        self.customer = customer
        self.scope = scope
        self.openOnWarning = openOnWarning
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, enabled, connection, ticket, customer, scope
        case sealedSecrets = "sealed_secrets"
        case openOnWarning = "open_on_warning"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Every channel, by name.
    public static func all(in db: Database) throws -> [ChannelRecord] {
        try ChannelRecord.fetchAll(db, sql: "SELECT * FROM channels ORDER BY name COLLATE NOCASE, id")
    }

    /// The parsed scope; a stored scope that no longer parses covers nothing rather than everything.
    public var parsedScope: ChannelScope {
        guard let json = try? JSONParser.parse(scope), let parsed = try? ChannelScope.decode(json) else {
            return ChannelScope(all: false)
        }
        return parsed
    }
}

/// Where a ticket of one (check, channel) pair stands.
public enum TicketLinkState: String, Sendable, Hashable, Codable, CaseIterable, DatabaseValueConvertible {
    case opening, open, closing, closed, failed

    /// Whether the ticket counts as open for the lifecycle: later failures add notes to it.
    public var isActive: Bool { self == .opening || self == .open }
}

/// The PSA ticket of one (check, channel) pair: at most one active at a time.
public struct TicketLinkRecord: Sendable, Hashable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "ticket_links"

    public var id: Int64?
    public var checkID: String
    public var channelID: String
    /// Our reference, written into the PSA ticket so an unknown create can be looked up.
    public var reference: String
    public var psaTicketID: Int64?
    public var state: TicketLinkState
    public var openedAt: Timestamp?
    public var closedAt: Timestamp?
    public var lastError: String?
    public var createdAt: Timestamp

    public init(checkID: String, channelID: String, reference: String, state: TicketLinkState, createdAt: Timestamp) {
        self.checkID = checkID
        self.channelID = channelID
        self.reference = reference
        self.state = state
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, reference, state
        case checkID = "check_id"
        case channelID = "channel_id"
        case psaTicketID = "psa_ticket_id"
        case openedAt = "opened_at"
        case closedAt = "closed_at"
        case lastError = "last_error"
        case createdAt = "created_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The opaque id clients see.
    public var publicID: String { Self.idFormat.format(id ?? 0) }

    public static let idFormat = RowIDFormat(prefix: "tkt_")

    public static func parseID(_ id: String) -> Int64? { idFormat.parse(id) }

    /// The newest link of a pair.
    public static func latest(checkID: String, channelID: String, in db: Database) throws -> TicketLinkRecord? {
        try TicketLinkRecord.fetchOne(
            db, sql: "SELECT * FROM ticket_links WHERE check_id = ? AND channel_id = ? ORDER BY id DESC LIMIT 1",
            arguments: [checkID, channelID])
    }
}

/// Where a queued PSA call stands.
public enum PSAOperationState: String, Sendable, Hashable, Codable, CaseIterable, DatabaseValueConvertible {
    /// Waiting for its turn.
    case pending
    /// Failed at least once with a temporary error; retried with backoff.
    case failing
    /// Failed permanently; blocks its pair until `sync.retry`.
    case dead
    /// Sent.
    case done
}

extension TicketStep: DatabaseValueConvertible {}

/// One lifecycle step queued for a PSA, in the same transaction as the result that asked for it.
public struct PSAOperationRecord: Sendable, Hashable, Codable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "psa_operations"

    public var id: Int64?
    public var channelID: String
    public var checkID: String
    public var linkID: Int64
    public var resultID: Int64?
    public var step: TicketStep
    public var state: PSAOperationState
    /// What the ticket or note says, frozen when the result arrived (results may be pruned later).
    public var payload: String
    public var attempts: Int
    public var nextAttemptAt: Timestamp
    public var lastError: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        channelID: String, checkID: String, linkID: Int64, resultID: Int64?, step: TicketStep, payload: String,
        now: Timestamp
    ) {
        self.channelID = channelID
        self.checkID = checkID
        self.linkID = linkID
        self.resultID = resultID
        self.step = step
        self.state = .pending
        self.payload = payload
        self.attempts = 0
        self.nextAttemptAt = now
        self.createdAt = now
        self.updatedAt = now
    }

    enum CodingKeys: String, CodingKey {
        case id, step, state, payload, attempts
        case channelID = "channel_id"
        case checkID = "check_id"
        case linkID = "link_id"
        case resultID = "result_id"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The opaque id clients see.
    public var publicID: String { Self.idFormat.format(id ?? 0) }

    public static let idFormat = RowIDFormat(prefix: "op_")

    public static func parseID(_ id: String) -> Int64? { idFormat.parse(id) }

    /// The operations whose turn it is: the oldest unsent one of each pair, if due and not dead.
    public static func due(now: Timestamp, limit: Int, in db: Database) throws -> [PSAOperationRecord] {
        try PSAOperationRecord.fetchAll(
            db,
            sql: """
                SELECT o.* FROM psa_operations o
                WHERE o.state IN ('pending', 'failing') AND o.next_attempt_at <= ?
                  AND o.id = (SELECT MIN(p.id) FROM psa_operations p
                              WHERE p.check_id = o.check_id AND p.channel_id = o.channel_id AND p.state != 'done')
                ORDER BY o.next_attempt_at, o.id LIMIT ?
                """,
            arguments: [now, limit])
    }
}
