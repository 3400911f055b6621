import CheckBridgeCore
import GRDB

/// The PSA asset a check's tickets are attached to on one channel (SPEC §8).
///
/// `assetNumber` is what the user gave; `psaAssetID` is what the PSA resolved it to when it was set,
/// so opening a ticket needs no lookup.
public struct CheckAssetRecord: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "check_assets"

    public var checkID: String
    public var channelID: String
    public var assetNumber: String
    public var psaAssetID: Int64
    public var psaAssetName: String

    public init(checkID: String, channelID: String, assetNumber: String, psaAssetID: Int64, psaAssetName: String) {
        self.checkID = checkID
        self.channelID = channelID
        self.assetNumber = assetNumber
        self.psaAssetID = psaAssetID
        self.psaAssetName = psaAssetName
    }

    enum CodingKeys: String, CodingKey {
        case checkID = "check_id"
        case channelID = "channel_id"
        case assetNumber = "asset_number"
        case psaAssetID = "psa_asset_id"
        case psaAssetName = "psa_asset_name"
    }

    /// The asset of one check on one channel.
    public static func find(checkID: String, channelID: String, in db: Database) throws -> CheckAssetRecord? {
        try CheckAssetRecord.fetchOne(
            db, sql: "SELECT * FROM check_assets WHERE check_id = ? AND channel_id = ?",
            arguments: [checkID, channelID])
    }

    /// Removes the asset of one check on one channel; false when there was none.
    @discardableResult
    public static func remove(checkID: String, channelID: String, in db: Database) throws -> Bool {
        try db.execute(
            sql: "DELETE FROM check_assets WHERE check_id = ? AND channel_id = ?", arguments: [checkID, channelID])
        return db.changesCount > 0
    }
}
