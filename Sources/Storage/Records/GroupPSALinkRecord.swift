import CheckBridgeCore
import GRDB

/// The PSA customer a check group is linked to on one channel (SPEC §1 `psa_links`).
///
/// `customerName` is the PSA's name when the link was made or last refreshed by an import; it is
/// shown to users and lets `customers.preview` notice a rename, but tickets use only `customerID`.
public struct GroupPSALinkRecord: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "group_psa_links"

    public var groupID: String
    public var channelID: String
    public var customerID: Int64
    public var customerName: String

    public init(groupID: String, channelID: String, customerID: Int64, customerName: String) {
        self.groupID = groupID
        self.channelID = channelID
        self.customerID = customerID
        self.customerName = customerName
    }

    enum CodingKeys: String, CodingKey {
        case groupID = "group_id"
        case channelID = "channel_id"
        case customerID = "customer_id"
        case customerName = "customer_name"
    }

    /// The link of one group on one channel.
    public static func find(groupID: String, channelID: String, in db: Database) throws -> GroupPSALinkRecord? {
        try GroupPSALinkRecord.fetchOne(
            db, sql: "SELECT * FROM group_psa_links WHERE group_id = ? AND channel_id = ?",
            arguments: [groupID, channelID])
    }

    /// Every link of one channel.
    public static func all(channelID: String, in db: Database) throws -> [GroupPSALinkRecord] {
        try GroupPSALinkRecord.fetchAll(
            db, sql: "SELECT * FROM group_psa_links WHERE channel_id = ? ORDER BY group_id", arguments: [channelID])
    }

    /// The links of the given groups (all groups when nil), keyed by group, in channel order.
    public static func byGroup(groupIDs: [String]? = nil, in db: Database) throws -> [String: [GroupPSALinkRecord]] {
        let links: [GroupPSALinkRecord]
        if let groupIDs {
            guard !groupIDs.isEmpty else { return [:] }
            let marks = Array(repeating: "?", count: groupIDs.count).joined(separator: ", ")
            links = try GroupPSALinkRecord.fetchAll(
                db, sql: "SELECT * FROM group_psa_links WHERE group_id IN (\(marks)) ORDER BY channel_id",
                arguments: StatementArguments(groupIDs))
        } else {
            links = try GroupPSALinkRecord.fetchAll(db, sql: "SELECT * FROM group_psa_links ORDER BY channel_id")
        }
        return Dictionary(grouping: links, by: \.groupID)
    }
}
