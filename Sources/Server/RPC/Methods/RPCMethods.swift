import CheckBridgeCore

/// Every JSON-RPC method CheckBridge offers, grouped by area in the files beside this one.
enum RPCMethods {
    static var all: [RPCMethod] {
        let methods =
            system + checkGroups + checks + assets + results + mail + channels + customers + tickets + apiKeys
        return methods + [discover(methods)]
    }
}

extension RPCMethods {
    /// A page answer from rows fetched with `limit + 1`: the extra row only says that more follow,
    /// and the last row kept is where the next page starts.
    static func page<Row>(
        _ rows: [Row], limit: Int, key: String, id: (Row) -> String, json: (Row) -> JSONValue
    ) -> JSONValue {
        let kept = rows.prefix(limit)
        let next = rows.count > limit ? kept.last.map(id) : nil
        return [key: .array(kept.map(json)), "next_cursor": .string(next)]
    }
}
