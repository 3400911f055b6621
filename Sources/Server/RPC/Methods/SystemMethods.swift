import CheckBridgeCore

/// The product's version, reported by `system.version` and `--version`.
public enum CheckBridgeVersion {
    public static let current = "0.1.0"
}

extension RPCMethods {
    static var system: [RPCMethod] {
        [
            RPCMethod("system.health", access: .read, summary: "Whether the server and its database answer.") {
                params, context in
                try params.finish()
                let ready = await context.services.database.isReady()
                return ["status": .string(ready ? "ok" : "degraded"), "database": .string(ready ? "ok" : "unavailable")]
            },
            RPCMethod("system.version", access: .read, summary: "The server's name and version.") { params, _ in
                try params.finish()
                return ["name": "CheckBridge", "version": .string(CheckBridgeVersion.current)]
            },
        ]
    }
}
