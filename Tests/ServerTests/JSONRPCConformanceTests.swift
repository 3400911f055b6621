import CheckBridgeCore
import Hummingbird
import HummingbirdTesting
import Testing

/// The examples of the JSON-RPC 2.0 specification (section 7), with CheckBridge methods in place of
/// `subtract`, `update` and friends, plus the edges the examples do not show.
@Suite("JSON-RPC 2.0 conformance")
struct JSONRPCConformanceTests {
    /// What one exchange must give: nil = no body at all (HTTP 204).
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var request: String
        /// Per answer (in order): the id and either the error code or nil for a result.
        var expected: [(id: JSONValue, errorCode: Int64?)]?
        var batch = false

        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "call with named params", request: #"{"jsonrpc":"2.0","method":"system.version","params":{},"id":1}"#,
            expected: [(1, nil)]),
        Case(
            name: "call without params", request: #"{"jsonrpc":"2.0","method":"system.health","id":"abc"}"#,
            expected: [("abc", nil)]),
        Case(
            name: "positional params are refused: every method takes names",
            request: #"{"jsonrpc":"2.0","method":"checks.get","params":[42,23],"id":2}"#, expected: [(2, -32602)]),
        Case(
            name: "notification", request: #"{"jsonrpc":"2.0","method":"system.version","params":{}}"#, expected: nil),
        Case(
            name: "notification of a missing method is still not answered",
            request: #"{"jsonrpc":"2.0","method":"foobar"}"#, expected: nil),
        Case(
            name: "non-existent method", request: #"{"jsonrpc":"2.0","method":"foobar","id":"1"}"#,
            expected: [("1", -32601)]),
        Case(
            name: "invalid JSON", request: #"{"jsonrpc":"2.0","method":"foobar,"params":"bar","baz]"#,
            expected: [(.null, -32700)]),
        Case(
            name: "invalid Request object", request: #"{"jsonrpc":"2.0","method":1,"params":"bar"}"#,
            expected: [(.null, -32600)]),
        Case(
            name: "batch, invalid JSON",
            request: #"[{"jsonrpc":"2.0","method":"system.version","params":{},"id":"1"},{"jsonrpc":"2.0","method""#,
            expected: [(.null, -32700)]),
        Case(name: "empty array", request: "[]", expected: [(.null, -32600)]),
        Case(name: "invalid batch of one", request: "[1]", expected: [(.null, -32600)], batch: true),
        Case(
            name: "invalid batch", request: "[1,2,3]", expected: [(.null, -32600), (.null, -32600), (.null, -32600)],
            batch: true),
        Case(
            name: "mixed batch",
            request: """
                [
                 {"jsonrpc":"2.0","method":"system.version","params":{},"id":"1"},
                 {"jsonrpc":"2.0","method":"system.health","params":{}},
                 {"jsonrpc":"2.0","method":"checkGroups.get","params":{"id":"grp_missing"},"id":"2"},
                 {"foo":"boo"},
                 {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},
                 {"jsonrpc":"2.0","method":"system.version","id":"9"}
                ]
                """,
            expected: [("1", nil), ("2", -32001), (.null, -32600), ("5", -32601), ("9", nil)], batch: true),
        Case(
            name: "batch of notifications only",
            request: #"[{"jsonrpc":"2.0","method":"system.version","params":{}},{"jsonrpc":"2.0","method":"system.health"}]"#,
            expected: nil),
        Case(
            name: "wrong protocol version", request: #"{"jsonrpc":"1.0","method":"system.version","id":7}"#,
            expected: [(.null, -32600)]),
        Case(
            name: "id of a forbidden type", request: #"{"jsonrpc":"2.0","method":"system.version","id":{"a":1}}"#,
            expected: [(.null, -32600)]),
        Case(
            name: "null id is echoed as null", request: #"{"jsonrpc":"2.0","method":"system.version","id":null}"#,
            expected: [(.null, nil)]),
        Case(
            name: "fractional number id is echoed", request: #"{"jsonrpc":"2.0","method":"system.version","id":1.5}"#,
            expected: [(1.5, nil)]),
        Case(
            name: "params of a scalar type", request: #"{"jsonrpc":"2.0","method":"system.version","params":3,"id":3}"#,
            expected: [(.null, -32600)]),
        Case(
            name: "unknown param is named",
            request: #"{"jsonrpc":"2.0","method":"system.version","params":{"verbose":true},"id":4}"#,
            expected: [(4, -32602)]),
        Case(name: "a bare string is not a request", request: #""system.version""#, expected: [(.null, -32600)]),
    ]

    @Test("specification example", arguments: cases)
    func example(_ example: Case) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let answer = try await client.rpcRaw(example.request, key: server.adminKey)
            guard let expected = example.expected else {
                #expect(answer.status == .noContent)
                #expect(answer.body.isEmpty)
                return
            }
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/json")
            let document = try answer.json
            let responses: [JSONValue]
            if case .array(let list) = document {
                #expect(example.batch || expected.count > 1 || example.request.hasPrefix("["), "unexpected batch answer")
                responses = list
            } else {
                #expect(!example.batch, "a batch must be answered with an array")
                responses = [document]
            }
            #expect(responses.count == expected.count)
            for (response, want) in zip(responses, expected) {
                #expect(response["jsonrpc"] == "2.0")
                #expect(response["id"] == want.id)
                if let code = want.errorCode {
                    #expect(response["error"]?["code"] == .int(code), "\(response.serializedString())")
                    #expect(response["result"] == nil)
                    #expect(response["error"]?["message"]?.stringValue?.isEmpty == false)
                } else {
                    #expect(response["result"] != nil, "\(response.serializedString())")
                    #expect(response["error"] == nil)
                }
            }
        }
    }

    @Test func invalidParamsNameEveryField() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            do {
                _ = try await client.rpc(
                    "checks.create", ["name": 5, "failure_threshold": 0, "colour": "blue"], key: server.adminKey)
                Issue.record("expected -32602")
            } catch let error as RPCCallError {
                #expect(error.code == -32602)
                #expect(Set(error.fields) == ["group_id", "name", "failure_threshold", "colour"])
            }
        }
    }

    @Test func authenticationIsRequired() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let body = #"{"jsonrpc":"2.0","method":"system.version","id":1}"#
            let missing = try await client.send("/rpc", headers: [.contentType: "application/json"], body: body)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(missing.headers[.wwwAuthenticate] == "Bearer")
            let wrong = try await client.rpcRaw(body, key: "cbk_wrong")
            #expect(wrong.status == .unauthorized)
            let text = try await client.send(
                "/rpc", headers: [.authorization: "Bearer \(server.adminKey)", .contentType: "text/plain"], body: body)
            #expect(text.status == .unsupportedMediaType)
            #expect(try text.json["status"] == 415)
        }
    }

    @Test func theBearerSchemeIsReadAsRFC6750Says() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let body = #"{"jsonrpc":"2.0","method":"system.version","id":1}"#
            let key = server.adminKey
            for (header, accepted) in [
                ("Bearer \(key)", true), ("bearer \(key)", true), ("BEARER \(key)  ", true),
                ("Bearer   \(key)", true), ("Bearer", false), ("Bearer ", false), ("Bearer\(key)", false),
                ("Basic \(key)", false), ("Bearer \(key)x", false), ("Bearerx \(key)", false),
            ] {
                let answer = try await client.send(
                    "/rpc", headers: [.authorization: header, .contentType: "application/json"], body: body)
                #expect((answer.status == .ok) == accepted, "\(header.replacingOccurrences(of: key, with: "KEY"))")
            }
        }
    }

    @Test func rolesAreEnforced() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let readKey = try await client.rpc("apiKeys.create", ["name": "viewer", "role": "read"], key: server.adminKey)
                .string("key") ?? ""
            let ingestKey = try await client.rpc("apiKeys.create", ["name": "relay", "role": "ingest"], key: server.adminKey)
                .string("key") ?? ""
            // read may read...
            let groups = try await client.rpc("checkGroups.list", key: readKey)
            #expect(groups["check_groups"]?.arrayValue?.isEmpty == true)
            _ = try await client.rpc("rpc.discover", key: readKey)
            // ...but not change anything.
            await #expect(throws: RPCCallError.self) {
                _ = try await client.rpc("checkGroups.create", ["name": "Acme"], key: readKey)
            }
            do {
                _ = try await client.rpc("checkGroups.create", ["name": "Acme"], key: readKey)
            } catch let error as RPCCallError {
                #expect(error.code == -32003)
            }
            do {
                _ = try await client.rpc("apiKeys.list", key: readKey)
                Issue.record("read listed API keys")
            } catch let error as RPCCallError {
                #expect(error.code == -32003)
            }
            // ingest has no RPC at all.
            do {
                _ = try await client.rpc("system.version", key: ingestKey)
                Issue.record("ingest called RPC")
            } catch let error as RPCCallError {
                #expect(error.code == -32003)
            }
        }
    }

    @Test func revokedKeysStopWorking() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let created = try await client.rpc("apiKeys.create", ["name": "temp", "role": "admin"], key: server.adminKey)
            let key = created.string("key") ?? ""
            #expect(key.hasPrefix("cbk_"))
            _ = try await client.rpc("system.version", key: key)
            let listed = try await client.rpc("apiKeys.list", key: server.adminKey)
            #expect(!listed.serializedString().contains(key), "a listing must never show a key")
            _ = try await client.rpc("apiKeys.revoke", ["id": created["id"] ?? .null], key: server.adminKey)
            let after = try await client.rpcRaw(#"{"jsonrpc":"2.0","method":"system.version","id":1}"#, key: key)
            #expect(after.status == .unauthorized)
        }
    }

    @Test func theLastAdminKeyCannotBeRevoked() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let keys = try await client.rpc("apiKeys.list", key: server.adminKey)["api_keys"]?.arrayValue ?? []
            #expect(keys.count == 1)
            do {
                _ = try await client.rpc("apiKeys.revoke", ["id": keys.first?["id"] ?? .null], key: server.adminKey)
                Issue.record("revoked the last admin key")
            } catch let error as RPCCallError {
                #expect(error.code == -32002)
            }
        }
    }

    @Test func internalErrorsLeakNothing() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        // Corrupt a stored rule set behind the server's back: reading it must fail cleanly.
        try await server.app.database.pool.write { db in
            try db.execute(sql: "INSERT INTO check_groups VALUES ('grp_x', 'X', '', 0, 0)")
            try db.execute(sql: """
                INSERT INTO checks (id, group_id, name, token, rules, default_status, failure_threshold, enabled,
                                    created_at, updated_at)
                VALUES ('chk_x', 'grp_x', 'Broken', 'tok', '{not json', 'failure', 1, 1, 0, 0)
                """)
        }
        try await server.test { client in
            let answer = try await client.rpcRaw(
                #"{"jsonrpc":"2.0","method":"checks.testRules","params":{"check_id":"chk_x","text":"hi"},"id":1}"#,
                key: server.adminKey)
            let response = try answer.json
            #expect(response["error"]?["code"] == -32603)
            #expect(response["error"]?["message"] == "Internal error")
            #expect(!answer.text.contains("not json") && !answer.text.contains("Syntax"))
        }
    }
}
