import CheckBridgeCore
import Logging
import Storage

/// Which roles may call a method (SPEC §4 "Roles").
enum RPCAccess: String, Sendable {
    /// Changes nothing and calls no PSA: `read` and `admin`.
    case read
    /// Everything else: `admin` only.
    case admin

    func allows(_ role: APIKeyRole) -> Bool {
        switch (self, role) {
        case (_, .admin): true
        case (.read, .read): true
        default: false
        }
    }
}

/// What a method runs with: the app's services and who is calling.
struct RPCCallContext: Sendable {
    let services: AppServices
    let caller: APIKeyRecord
    let logger: Logger
}

/// One JSON-RPC method: its name, who may call it, and what it does.
struct RPCMethod: Sendable {
    typealias Handler = @Sendable (_ params: inout RPCParams, _ context: RPCCallContext) async throws -> JSONValue

    let name: String
    let summary: String
    let access: RPCAccess
    let handler: Handler

    init(_ name: String, access: RPCAccess, summary: String, handler: @escaping Handler) {
        self.name = name
        self.summary = summary
        self.access = access
        self.handler = handler
    }
}
