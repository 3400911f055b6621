import CheckBridgeCore

/// A JSON-RPC error object (SPEC §4): the standard codes and CheckBridge's application codes.
struct RPCError: Error, Sendable, Equatable {
    var code: Int
    var message: String
    var data: JSONValue?

    init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(message)]
        if let data { members["data"] = data }
        return .object(members)
    }

    static func parseError(_ detail: String) -> RPCError {
        RPCError(code: -32700, message: "Parse error", data: ["detail": .string(detail)])
    }

    static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: -32600, message: "Invalid Request", data: ["detail": .string(detail)])
    }

    static func methodNotFound(_ name: String) -> RPCError {
        RPCError(code: -32601, message: "Method not found", data: ["method": .string(name)])
    }

    /// -32602 naming every offending field in `data.errors`.
    static func invalidParams(_ errors: [FieldError]) -> RPCError {
        let list = errors.map { JSONValue.object(["field": .string($0.field), "message": .string($0.message)]) }
        let summary = errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
        return RPCError(code: -32602, message: "Invalid params: \(summary)", data: ["errors": .array(list)])
    }

    static func invalidParams(field: String, _ message: String) -> RPCError {
        invalidParams([FieldError(field: field, message: message)])
    }

    /// -32603 with a reference the operator can find in the log, and nothing of the cause.
    static func internalError(reference: String) -> RPCError {
        RPCError(code: -32603, message: "Internal error", data: ["reference": .string(reference)])
    }

    /// -32001: the named object does not exist.
    static func notFound(_ kind: String, id: String) -> RPCError {
        RPCError(code: -32001, message: "\(kind) not found", data: ["id": .string(id)])
    }

    /// -32002: the call conflicts with the current state.
    static func conflict(_ message: String, data: JSONValue? = nil) -> RPCError {
        RPCError(code: -32002, message: message, data: data)
    }

    /// -32003: the caller's role may not call the method.
    static func forbidden(method: String, role: APIKeyRole, required: String) -> RPCError {
        RPCError(
            code: -32003, message: "Forbidden: role '\(role.rawValue)' may not call \(method)",
            data: ["role": .string(role.rawValue), "required_role": .string(required)])
    }
}
