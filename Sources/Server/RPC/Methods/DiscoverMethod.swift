import CheckBridgeCore

extension RPCMethods {
    /// `rpc.discover`: an OpenRPC document generated from the registered methods and the JSON
    /// Schemas shipped for their params and results.
    static func discover(_ methods: [RPCMethod]) -> RPCMethod {
        let document = openRPCDocument(methods)
        return RPCMethod("rpc.discover", access: .read, summary: "This API as an OpenRPC document.") { params, _ in
            try params.finish()
            return document
        }
    }

    static func openRPCDocument(_ methods: [RPCMethod]) -> JSONValue {
        let shared = BundledResources.json("schemas/rpc/common.schema.json")?["$defs"]?.objectValue ?? [:]
        let described: [JSONValue] = methods.sorted { $0.name < $1.name }.map { method in
            let paramsSchema = BundledResources.json("schemas/rpc/\(method.name).params.schema.json")
                .map(localizeReferences)
            let resultSchema = BundledResources.json("schemas/rpc/\(method.name).result.schema.json")
                .map(localizeReferences) ?? [:]
            var params: [JSONValue] = []
            if let properties = paramsSchema?["properties"]?.objectValue {
                let required = Set((paramsSchema?["required"].flatMap { value -> [JSONValue]? in
                    if case .array(let list) = value { return list }
                    return nil
                } ?? []).compactMap(\.stringValue))
                for name in properties.keys.sorted() {
                    params.append([
                        "name": .string(name),
                        "required": .bool(required.contains(name)),
                        "schema": properties[name] ?? [:],
                    ])
                }
            }
            return [
                "name": .string(method.name),
                "summary": .string(method.summary),
                "paramStructure": "by-name",
                "params": .array(params),
                "result": ["name": "result", "schema": resultSchema],
                "x-roles": .array(method.access == .read ? ["read", "admin"] : ["admin"]),
            ]
        }
        return [
            "openrpc": "1.3.2",
            "info": [
                "title": "CheckBridge",
                "version": .string(CheckBridgeVersion.current),
                "description": "Backup and monitoring reports to PSA tickets. Bearer API key on every call.",
            ],
            "servers": [["name": "CheckBridge", "url": "/rpc"]],
            "methods": .array(described),
            "components": ["schemas": .object(shared.mapValues(localizeReferences))],
        ]
    }

    /// Points references to the shared schema file at this document's `components`, so an OpenRPC
    /// client resolves every `$ref` without fetching anything.
    static func localizeReferences(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .object(var members):
            if case .string(let reference)? = members["$ref"], let marker = reference.range(of: "#/$defs/") {
                members["$ref"] = .string("#/components/schemas/" + reference[marker.upperBound...])
            }
            members["$id"] = nil
            members["$schema"] = nil
            return .object(members.mapValues(localizeReferences))
        case .array(let elements):
            return .array(elements.map(localizeReferences))
        default:
            return schema
        }
    }
}
