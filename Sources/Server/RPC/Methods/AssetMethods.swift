import CheckBridgeCore
import GRDB
import PSA
import Storage

extension CheckAssetRecord {
    /// The asset as a check's `assets` entry shows it.
    var json: JSONValue {
        [
            "channel_id": .string(channelID), "asset_number": .string(assetNumber),
            "psa_asset_id": .int(psaAssetID), "psa_asset_name": .string(psaAssetName),
        ]
    }
}

extension PSAAsset {
    /// The asset as a -32012 candidate: `{id, name, number, serial, customer_id}`, nulls where the PSA has none.
    var candidateJSON: JSONValue {
        [
            "id": .int(id), "name": .string(name), "number": .string(number), "serial": .string(serial),
            "customer_id": customerID.map { .int($0) } ?? .null,
        ]
    }
}

extension RPCError {
    /// -32012: the asset number matches no PSA asset, or more than one; `candidates` helps pick a better one.
    static func asset(_ message: String, number: String, candidates: [PSAAsset]) -> RPCError {
        RPCError(
            code: -32012, message: message,
            data: ["asset_number": .string(number), "candidates": .array(candidates.map(\.candidateJSON))])
    }
}

extension RPCMethods {
    static var assets: [RPCMethod] {
        [
            RPCMethod(
                "checks.setAsset", access: .admin,
                summary: "Attaches a PSA asset, looked up by its number, to the check's tickets on one channel."
            ) { params, context in
                let checkID = params.string("check_id", required: true) ?? ""
                let channelID = params.string("channel_id", required: true) ?? ""
                let number = params.string("asset_number", required: true, nonEmpty: true, maxLength: 200) ?? ""
                try params.finish()
                let check = try await findCheck(checkID, context).check
                let channel = try await openChannel(channelID, context)
                let asset = try await lookUpAsset(number, check: check, channel: channel, context)
                let record = CheckAssetRecord(
                    checkID: checkID, channelID: channelID, assetNumber: number, psaAssetID: asset.id,
                    psaAssetName: asset.name)
                let missing = try await context.services.database.pool.write { db -> RPCError? in
                    // The check or channel may have gone while the PSA answered.
                    guard try CheckRecord.exists(db, key: checkID) else { return .notFound("check", id: checkID) }
                    guard try ChannelRecord.exists(db, key: channelID) else {
                        return .notFound("channel", id: channelID)
                    }
                    try record.save(db)
                    return nil
                }
                if let missing { throw missing }
                return try await findCheck(checkID, context).json(context.services.configuration)
            },
            RPCMethod(
                "checks.clearAsset", access: .admin,
                summary: "Stops attaching a PSA asset to the check's tickets on one channel."
            ) { params, context in
                let checkID = params.string("check_id", required: true) ?? ""
                let channelID = params.string("channel_id", required: true) ?? ""
                try params.finish()
                let missing = try await context.services.database.pool.write { db -> RPCError? in
                    guard try CheckRecord.exists(db, key: checkID) else { return .notFound("check", id: checkID) }
                    guard try ChannelRecord.exists(db, key: channelID) else {
                        return .notFound("channel", id: channelID)
                    }
                    // Clearing an asset that is not set is not an error: the end state is what was asked.
                    try CheckAssetRecord.remove(checkID: checkID, channelID: channelID, in: db)
                    return nil
                }
                if let missing { throw missing }
                return try await findCheck(checkID, context).json(context.services.configuration)
            },
        ]
    }

    /// The one PSA asset `number` names for this check's tickets on `channel` (SPEC §8).
    ///
    /// The search is scoped to the customer the check's tickets go to, when known without asking the
    /// PSA: the channel's fixed customer, else the group's linked customer. When that scope finds
    /// nothing, the unscoped matches are offered as candidates, so a user sees the asset sits at
    /// another customer rather than a bare "not found".
    private static func lookUpAsset(
        _ number: String, check: CheckRecord, channel: OpenedChannel, _ context: RPCCallContext
    ) async throws -> PSAAsset {
        let customerID: Int64?
        switch channel.customer {
        case .fixed(let id):
            customerID = id
        case .checkGroup:
            customerID = try await context.services.database.pool.read { db in
                try GroupPSALinkRecord.find(groupID: check.groupID, channelID: channel.record.id, in: db)?.customerID
            }
        }
        let system = context.services.psa.connector(for: channel, logger: context.logger)
        let found: [PSAAsset]
        var candidates: [PSAAsset] = []
        do {
            found = try await system.findAssets(number: number, customerID: customerID)
            if found.isEmpty, customerID != nil {
                candidates = try await system.findAssets(number: number, customerID: nil)
            }
        } catch {
            throw RPCError.psa(error)
        }
        if found.count == 1, let asset = found.first { return asset }
        if found.isEmpty { throw RPCError.asset("asset not found", number: number, candidates: candidates) }
        throw RPCError.asset("asset ambiguous", number: number, candidates: found)
    }
}
