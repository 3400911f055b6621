import CheckBridgeCore
import Foundation
import GRDB

/// A mail whose recipients matched no check: kept whole until someone assigns it to a check.
public struct UnmatchedMailRecord: Sendable, Hashable, FetchableRecord {
    public var rowID: Int64
    public var receivedAt: Timestamp
    public var sender: String
    /// The addresses it was routed by, lower-cased.
    public var recipients: [String]
    public var subject: String
    public var messageID: String?
    public var rawSize: Int
    public var assignedCheckID: String?
    public var assignedResultID: Int64?

    public init(row: Row) throws {
        rowID = row["id"]
        receivedAt = row["received_at"]
        sender = row["sender"]
        let recipientText: String = row["recipients"]
        recipients = recipientText.split(separator: "\n").map(String.init)
        subject = row["subject"]
        messageID = row["message_id"]
        rawSize = row["raw_size"]
        assignedCheckID = row["assigned_check_id"]
        assignedResultID = row["assigned_result_id"]
    }

    static let columns = """
        id, received_at, sender, recipients, subject, message_id, raw_size, assigned_check_id, assigned_result_id
        """

    /// The opaque id clients see.
    public var id: String { Self.idFormat.format(rowID) }

    static let idFormat = RowIDFormat(prefix: "mail_")

    public static func parseID(_ id: String) -> Int64? { idFormat.parse(id) }

    /// Stores an unmatched mail and returns it.
    public static func insert(
        receivedAt: Timestamp, sender: String, recipients: [String], subject: String, messageID: String?,
        raw: [UInt8], rawSize: Int, in db: Database
    ) throws -> UnmatchedMailRecord? {
        try db.execute(
            sql: """
                INSERT INTO unmatched_mail (received_at, sender, recipients, subject, message_id, raw, raw_size)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [receivedAt, sender, recipients.joined(separator: "\n"), subject, messageID, Data(raw), rawSize])
        return try find(rowID: db.lastInsertedRowID, in: db)
    }

    static func find(rowID: Int64, in db: Database) throws -> UnmatchedMailRecord? {
        try UnmatchedMailRecord.fetchOne(
            db, sql: "SELECT \(columns) FROM unmatched_mail WHERE id = ?", arguments: [rowID])
    }

    /// One unmatched mail by its opaque id.
    public static func find(id: String, in db: Database) throws -> UnmatchedMailRecord? {
        guard let rowID = parseID(id) else { return nil }
        return try find(rowID: rowID, in: db)
    }

    /// The stored message.
    public static func raw(id: String, in db: Database) throws -> [UInt8]? {
        guard let rowID = parseID(id) else { return nil }
        let data = try Data.fetchOne(db, sql: "SELECT raw FROM unmatched_mail WHERE id = ?", arguments: [rowID])
        return data.map { Array($0) }
    }

    /// A page of mail not yet assigned, newest first.
    public static func openPage(beforeRowID: Int64?, limit: Int, in db: Database) throws -> [UnmatchedMailRecord] {
        try UnmatchedMailRecord.fetchAll(
            db,
            sql: """
                SELECT \(columns) FROM unmatched_mail
                WHERE assigned_check_id IS NULL AND id < ? ORDER BY id DESC LIMIT ?
                """,
            arguments: [beforeRowID ?? Int64.max, limit])
    }

    /// Records that the mail now belongs to a check, as the given result.
    public static func markAssigned(rowID: Int64, checkID: String, resultRowID: Int64, in db: Database) throws {
        try db.execute(
            sql: "UPDATE unmatched_mail SET assigned_check_id = ?, assigned_result_id = ? WHERE id = ?",
            arguments: [checkID, resultRowID, rowID])
    }
}
