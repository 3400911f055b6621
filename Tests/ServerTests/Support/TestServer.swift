import CheckBridgeCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import Storage
import Testing

/// A CheckBridge on a fresh database in its own temporary folder, with an admin key ready.
struct TestServer {
    let directory: URL
    var configuration: AppConfiguration
    let app: CheckBridgeApplication
    let adminKey: String

    /// Builds a server on a new temporary database (or on `directory`'s database when given, to test restarts).
    static func make(
        directory: URL? = nil, configure: (inout AppConfiguration) -> Void = { _ in }
    ) async throws -> TestServer {
        let folder = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("checkbridge-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var configuration = AppConfiguration()
        configuration.databasePath = folder.appendingPathComponent("test.sqlite").path
        configuration.port = 0
        configuration.logLevel = .error
        configure(&configuration)
        var logger = Logger(label: "checkbridge-test")
        logger.logLevel = .error
        let app = try await buildApplication(configuration, logger: logger)
        let adminKey = try app.firstAdminKey
            ?? String(contentsOfFile: configuration.adminKeyPath, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        return TestServer(directory: folder, configuration: configuration, app: app, adminKey: adminKey)
    }

    /// Runs `body` against the application, through the router or over a real socket.
    func test<Value>(
        _ mode: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await app.application.test(mode, body)
    }

    /// Deletes the temporary folder.
    func removeFiles() {
        try? app.database.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A decoded HTTP answer.
struct HTTPAnswer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as JSON; a test failure when it is not.
    var json: JSONValue {
        get throws { try JSONParser.parse(body) }
    }
}

extension TestClientProtocol {
    /// Sends a request and collects the answer.
    func send(
        _ uri: String, method: HTTPRequest.Method = .post, headers: HTTPFields = [:], body: String? = nil
    ) async throws -> HTTPAnswer {
        try await execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            HTTPAnswer(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    /// Sends one raw JSON-RPC body with a key.
    func rpcRaw(_ body: String, key: String) async throws -> HTTPAnswer {
        try await send(
            "/rpc", headers: [.authorization: "Bearer \(key)", .contentType: "application/json"], body: body)
    }

    /// Calls one method and returns its `result`, or throws the error object as `RPCCallError`.
    func rpc(_ method: String, _ params: JSONValue = [:], key: String) async throws -> JSONValue {
        let request: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": params]
        let answer = try await rpcRaw(request.serializedString(), key: key)
        #expect(answer.status == .ok, "HTTP \(answer.status) for \(method): \(answer.text)")
        let response = try answer.json
        if let error = response["error"] { throw RPCCallError(error: error) }
        return response["result"] ?? .null
    }
}

/// A JSON-RPC error answer, thrown by `rpc(_:_:key:)`.
struct RPCCallError: Error, CustomStringConvertible {
    var error: JSONValue

    var code: Int64? {
        if case .int(let code)? = error["code"] { return code }
        return nil
    }

    /// The `field` names in `data.errors`.
    var fields: [String] {
        guard case .array(let errors)? = error["data"]?["errors"] else { return [] }
        return errors.compactMap { $0["field"]?.stringValue }
    }

    var description: String { error.serializedString() }
}

extension JSONValue {
    /// The string at a path of object keys, for terse assertions.
    func string(_ keys: String...) -> String? {
        var value: JSONValue? = self
        for key in keys { value = value?[key] }
        return value?.stringValue
    }

    /// The elements when this is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}

/// How a test reaches the server: through the router alone, or over a socket, where the ingest
/// routes are answered on the connection's event loop (`IngestChannelHandler`). Ingest tests run
/// both ways, since both must answer alike.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case router
    case socket

    var setup: TestingSetup {
        switch self {
        case .router: .router
        case .socket: .live
        }
    }

    var testDescription: String { rawValue }
}
