import CheckBridgeCore
import Foundation
import GRDB

/// A result about to be stored.
public struct NewResult: Sendable {
    public var checkID: String
    public var status: CheckStatus
    public var source: ResultSource
    public var receivedAt: Timestamp
    public var occurredAt: Timestamp?
    public var subject: String
    public var excerpt: String
    public var ruleIndex: Int?
    /// Identifies one delivery (`Idempotency-Key`, `external_id`, `Message-ID`): a repeat stores nothing.
    public var dedupeKey: String?
    /// The original input, already capped, kept for audit and re-evaluation.
    public var raw: [UInt8]?
    public var rawContentType: String?
    /// Size of the original input before capping.
    public var rawSize: Int

    public init(
        checkID: String, status: CheckStatus, source: ResultSource, receivedAt: Timestamp,
        occurredAt: Timestamp? = nil, subject: String = "", excerpt: String = "", ruleIndex: Int? = nil,
        dedupeKey: String? = nil, raw: [UInt8]? = nil, rawContentType: String? = nil, rawSize: Int = 0
    ) {
        self.checkID = checkID
        self.status = status
        self.source = source
        self.receivedAt = receivedAt
        self.occurredAt = occurredAt
        self.subject = subject
        self.excerpt = excerpt
        self.ruleIndex = ruleIndex
        self.dedupeKey = dedupeKey
        self.raw = raw
        self.rawContentType = rawContentType
        self.rawSize = rawSize
    }
}

/// A stored result, without its raw input.
public struct ResultRecord: Sendable, Hashable, FetchableRecord {
    public var rowID: Int64
    public var checkID: String
    public var status: CheckStatus
    public var source: ResultSource
    public var receivedAt: Timestamp
    public var occurredAt: Timestamp?
    public var subject: String
    public var excerpt: String
    public var ruleIndex: Int?
    public var dedupeKey: String?
    public var rawContentType: String?
    public var rawSize: Int

    /// The columns `init(row:)` reads; everything but the raw input.
    public static let columns = """
        id, check_id, status, source, received_at, occurred_at, subject, excerpt, rule_index, dedupe_key, \
        raw_content_type, raw_size
        """

    /// The record of a result just inserted as `rowID`.
    public init(rowID: Int64, result: NewResult) {
        self.rowID = rowID
        checkID = result.checkID
        status = result.status
        source = result.source
        receivedAt = result.receivedAt
        occurredAt = result.occurredAt
        subject = result.subject
        excerpt = result.excerpt
        ruleIndex = result.ruleIndex
        dedupeKey = result.dedupeKey
        rawContentType = result.rawContentType
        rawSize = result.rawSize
    }

    public init(row: Row) throws {
        rowID = row["id"]
        checkID = row["check_id"]
        status = row["status"]
        source = row["source"]
        receivedAt = row["received_at"]
        occurredAt = row["occurred_at"]
        subject = row["subject"]
        excerpt = row["excerpt"]
        ruleIndex = row["rule_index"]
        dedupeKey = row["dedupe_key"]
        rawContentType = row["raw_content_type"]
        rawSize = row["raw_size"]
    }

    /// The opaque id clients see.
    public var id: String { RowIDFormat.result.format(rowID) }

    /// One result by its opaque id.
    public static func find(id: String, in db: Database) throws -> ResultRecord? {
        guard let rowID = RowIDFormat.result.parse(id) else { return nil }
        return try ResultRecord.fetchOne(db, sql: "SELECT \(columns) FROM results WHERE id = ?", arguments: [rowID])
    }

    /// The raw input kept for a result.
    public static func raw(id: String, in db: Database) throws -> [UInt8]? {
        guard let rowID = RowIDFormat.result.parse(id) else { return nil }
        let row = try Row.fetchOne(db, sql: "SELECT raw FROM results WHERE id = ?", arguments: [rowID])
        let data: Data? = row?["raw"]
        return data.map { Array($0) }
    }

    /// A page of a check's results, newest first, starting below `beforeRowID`.
    public static func page(checkID: String, beforeRowID: Int64?, limit: Int, in db: Database) throws -> [ResultRecord] {
        try ResultChain.page(checkID: checkID, beforeRowID: beforeRowID, limit: limit, in: db)
    }
}

/// The opaque id of a row clients see: a kind prefix and the SQLite row id, which keeps inserts and
/// paging cheap (`res_42`, `tkt_7`, `op_3`, `mail_9`).
public struct RowIDFormat: Sendable {
    public let prefix: String

    public func format(_ rowID: Int64) -> String { prefix + String(rowID) }

    /// The row id of an id in this format; nil for anything else.
    public func parse(_ id: String) -> Int64? {
        guard id.hasPrefix(prefix), let value = Int64(id.dropFirst(prefix.count)), value > 0 else { return nil }
        return value
    }
}

extension RowIDFormat {
    /// Result ids.
    public static let result = RowIDFormat(prefix: "res_")
}
