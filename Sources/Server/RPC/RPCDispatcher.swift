import CheckBridgeCore
import Logging
import Storage

/// A JSON-RPC 2.0 server over one set of methods: requests, notifications and batches, with every
/// error of the specification. Errors thrown by methods are mapped here, once.
struct RPCDispatcher: Sendable {
    /// Larger batches are refused whole: one request must not hold the server for long.
    static let maximumBatch = 1000

    let methods: [String: RPCMethod]

    init(methods: [RPCMethod]) {
        self.methods = Dictionary(methods.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Answers a request body. Nil means no response at all (only notifications).
    func respond(to body: some Collection<UInt8>, context: RPCCallContext) async -> JSONValue? {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            return Self.errorResponse(.parseError("\(error)"), id: .null)
        }
        switch document {
        case .array(let calls):
            guard !calls.isEmpty else {
                return Self.errorResponse(.invalidRequest("an empty batch is not a request"), id: .null)
            }
            guard calls.count <= Self.maximumBatch else {
                return Self.errorResponse(
                    .invalidRequest("a batch may hold at most \(Self.maximumBatch) calls"), id: .null)
            }
            var responses: [JSONValue] = []
            for call in calls {
                if let response = await respond(toCall: call, context: context) { responses.append(response) }
            }
            return responses.isEmpty ? nil : .array(responses)
        default:
            return await respond(toCall: document, context: context)
        }
    }

    private func respond(toCall call: JSONValue, context: RPCCallContext) async -> JSONValue? {
        guard case .object(let members) = call else {
            return Self.errorResponse(.invalidRequest("a request must be a JSON object"), id: .null)
        }
        guard members["jsonrpc"] == .string("2.0") else {
            return Self.errorResponse(.invalidRequest("'jsonrpc' must be exactly \"2.0\""), id: .null)
        }
        guard case .string(let name)? = members["method"] else {
            return Self.errorResponse(.invalidRequest("'method' must be a string"), id: .null)
        }
        let id = members["id"]
        switch id {
        case nil, .null?, .string?, .int?, .double?: break
        default: return Self.errorResponse(.invalidRequest("'id' must be a string, a number or null"), id: .null)
        }
        let params: [String: JSONValue]
        switch members["params"] {
        case nil: params = [:]
        case .object(let object)?: params = object
        case .array?:
            // Valid JSON-RPC, but every CheckBridge method takes its params by name.
            guard let id else { return nil }
            return Self.errorResponse(.invalidParams(field: "params", "must be an object (params are by name)"), id: id)
        default:
            return Self.errorResponse(.invalidRequest("'params' must be an object or an array"), id: .null)
        }
        let outcome = await invoke(name, params: params, context: context)
        // A notification (no id member) is never answered, not even with an error.
        guard let id else { return nil }
        switch outcome {
        case .success(let result): return ["jsonrpc": "2.0", "result": result, "id": id]
        case .failure(let error): return Self.errorResponse(error, id: id)
        }
    }

    private func invoke(_ name: String, params: [String: JSONValue], context: RPCCallContext) async
        -> Result<JSONValue, RPCError>
    {
        guard let method = methods[name] else { return .failure(.methodNotFound(name)) }
        guard method.access.allows(context.caller.role) else {
            return .failure(.forbidden(method: name, role: context.caller.role, required: method.access.rawValue))
        }
        var reader = RPCParams(params)
        do {
            return .success(try await method.handler(&reader, context))
        } catch let error as RPCError {
            return .failure(error)
        } catch let error as ValidationError {
            return .failure(.invalidParams(error.errors))
        } catch {
            let reference = SecretGenerator.base32(byteCount: 5)
            context.logger.error(
                "RPC method failed", metadata: ["method": "\(name)", "reference": "\(reference)", "error": "\(error)"])
            return .failure(.internalError(reference: reference))
        }
    }

    static func errorResponse(_ error: RPCError, id: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "error": error.json, "id": id]
    }
}
