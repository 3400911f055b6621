import GRDB
import CheckBridgeCore
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Storage
import Testing

@testable import Server

/// `POST /hooks/{token}` and `/hooks/{token}/{status}` (SPEC §3).
@Suite("Webhooks")
struct WebhookTests {
    /// Creates a group and a check, returning the check.
    static func makeCheck(
        _ client: some TestClientProtocol, key: String, params: JSONValue = [:]
    ) async throws -> JSONValue {
        let group = try await client.rpc("checkGroups.create", ["name": "Acme Ltd"], key: key)
        var members = params.objectValue ?? [:]
        members["group_id"] = group["id"]
        if members["name"] == nil { members["name"] = "Nightly backup" }
        return try await client.rpc("checks.create", .object(members), key: key)
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    @Test(arguments: [nil, 0, 12] as [Int?])
    func storedAnswerIsTheSerializedSummary(ruleIndex: Int?) {
        let result = NewResult(
            checkID: #"chk_"quoted"\slash"#, status: .warning, source: .webhook,
            receivedAt: Timestamp(milliseconds: 1_795_000_000_999), ruleIndex: ruleIndex)
        let record = ResultRecord(rowID: 4_711, result: result)
        let tree: JSONValue = ["results": [record.summaryJSON]]
        #expect(String(decoding: record.storedAnswerJSON, as: UTF8.self) == tree.serializedString())
    }

    @Test(arguments: Transport.allCases)
    func explicitStatusIsStoredAndListed(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await Self.makeCheck(client, key: server.adminKey)
            let token = check.string("token") ?? ""
            #expect(token.count >= 26)
            #expect(check.string("webhook_url")?.hasSuffix("/hooks/\(token)") == true)
            #expect(check.string("state") == "pending")
            let answer = try await client.send(
                "/hooks/\(token)", headers: Self.json,
                body: #"{"status":"OK","subject":"Backup job Nightly","text":"All 12 files copied"}"#)
            #expect(answer.status == .accepted)
            let stored = try answer.json["results"]?.arrayValue?.first
            #expect(stored?.string("status") == "success")
            #expect(stored?.string("check_id") == check.string("id"))
            #expect(stored?["rule_index"] == .null)
            let listed = try await client.rpc("checks.results", ["check_id": check["id"] ?? .null], key: server.adminKey)
            let first = listed["results"]?.arrayValue?.first
            #expect(first?.string("id") == stored?.string("id"))
            #expect(first?.string("subject") == "Backup job Nightly")
            #expect(first?.string("excerpt") == "All 12 files copied")
            #expect(first?.string("source") == "webhook")
            let after = try await client.rpc("checks.get", ["id": check["id"] ?? .null], key: server.adminKey)
            #expect(after.string("state") == "success")
            #expect(after["last_result_at"] != .null)
        }
    }

    @Test("status aliases", arguments: [
        ("ok", "success"), ("passed", "success"), ("Succeeded", "success"), ("warn", "warning"),
        ("ERROR", "failure"), ("failed", "failure"), ("critical", "failure"),
    ])
    func aliases(_ alias: String, _ expected: String) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let token = try await Self.makeCheck(client, key: server.adminKey).string("token") ?? ""
            let body = try await client.send("/hooks/\(token)", headers: Self.json, body: #"{"status":"\#(alias)"}"#)
            #expect(try body.json["results"]?.arrayValue?.first?.string("status") == expected)
        }
    }

    @Test(arguments: Transport.allCases)
    func rulesDecideWithoutAnExplicitStatus(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let rules: JSONValue = [
                ["status": "success", "conditions": [["field": "/severity", "op": "equals", "value": "info"]]],
                ["status": "warning", "conditions": [["field": "body", "op": "contains", "value": "retry"]]],
            ]
            let check = try await Self.makeCheck(
                client, key: server.adminKey, params: ["rules": rules, "default_status": "failure"])
            let token = check.string("token") ?? ""
            let info = try await client.send("/hooks/\(token)", headers: Self.json, body: #"{"severity":"INFO"}"#)
            #expect(try info.json["results"]?.arrayValue?.first?["rule_index"] == 0)
            #expect(try info.json["results"]?.arrayValue?.first?.string("status") == "success")
            let retry = try await client.send(
                "/hooks/\(token)", headers: [.contentType: "text/plain"], body: "copied, 2 files needed a RETRY")
            #expect(try retry.json["results"]?.arrayValue?.first?.string("status") == "warning")
            let other = try await client.send("/hooks/\(token)", headers: Self.json, body: #"{"severity":"high"}"#)
            #expect(try other.json["results"]?.arrayValue?.first?.string("status") == "failure")
            #expect(try other.json["results"]?.arrayValue?.first?["rule_index"] == .null)
            // A status that is no name, or not a string, leaves the decision to the rules.
            let numeric = try await client.send(
                "/hooks/\(token)", headers: Self.json, body: #"{"status":5,"severity":"info"}"#)
            #expect(try numeric.json["results"]?.arrayValue?.first?.string("status") == "success")
            // NinjaOne sends "RESET", which names no status here.
            let reset = try await client.send(
                "/hooks/\(token)", headers: Self.json, body: #"{"status":"RESET","severity":"info"}"#)
            #expect(try reset.json["results"]?.arrayValue?.first?.string("status") == "success")
        }
    }

    @Test(arguments: Transport.allCases)
    func presetRulesApply(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await Self.makeCheck(client, key: server.adminKey, params: ["preset": "syncro"])
            #expect(check.string("preset") == "syncro")
            #expect(check["rules"]?.arrayValue?.isEmpty == false)
            let token = check.string("token") ?? ""
            let resolved = try await client.send(
                "/hooks/\(token)", headers: Self.json, body: #"{"attributes":{"resolved":true}}"#)
            #expect(try resolved.json["results"]?.arrayValue?.first?.string("status") == "success")
            let open = try await client.send(
                "/hooks/\(token)", headers: Self.json, body: #"{"attributes":{"resolved":false}}"#)
            #expect(try open.json["results"]?.arrayValue?.first?.string("status") == "failure")
        }
    }

    @Test(arguments: Transport.allCases)
    func statusInThePath(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await Self.makeCheck(client, key: server.adminKey)
            let token = check.string("token") ?? ""
            let get = try await client.send("/hooks/\(token)/failure", method: .get)
            #expect(get.status == .accepted)
            #expect(try get.json["results"]?.arrayValue?.first?.string("status") == "failure")
            let post = try await client.send(
                "/hooks/\(token)/warning", headers: [.contentType: "text/plain"], body: "disk 91% full")
            #expect(try post.json["results"]?.arrayValue?.first?.string("status") == "warning")
            let listed = try await client.rpc("checks.results", ["check_id": check["id"] ?? .null], key: server.adminKey)
            #expect(listed["results"]?.arrayValue?.first?.string("excerpt") == "disk 91% full")
            let bad = try await client.send("/hooks/\(token)/missed", method: .get)
            #expect(bad.status == .badRequest)
            #expect(bad.headers[.contentType] == "application/problem+json")
        }
    }

    @Test(arguments: Transport.allCases)
    func repeatsReturnTheFirstResult(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await Self.makeCheck(client, key: server.adminKey)
            let token = check.string("token") ?? ""
            let body = #"{"status":"failure","external_id":"job-77"}"#
            let first = try await client.send("/hooks/\(token)", headers: Self.json, body: body)
            #expect(first.status == .accepted)
            let again = try await client.send(
                "/hooks/\(token)", headers: Self.json, body: #"{"status":"success","external_id":"job-77"}"#)
            #expect(again.status == .ok)
            #expect(try again.json["results"] == first.json["results"])
            #expect(try again.json["duplicate"] == true)
            var headers = Self.json
            headers.append(HTTPField(name: try #require(HTTPField.Name("Idempotency-Key")), value: "delivery-1"))
            let keyed = try await client.send("/hooks/\(token)/success", headers: headers)
            #expect(keyed.status == .accepted)
            let keyedAgain = try await client.send("/hooks/\(token)/failure", headers: headers)
            #expect(keyedAgain.status == .ok)
            #expect(try keyedAgain.json["results"]?.arrayValue?.first?.string("status") == "success")
            let listed = try await client.rpc("checks.results", ["check_id": check["id"] ?? .null], key: server.adminKey)
            #expect(listed["results"]?.arrayValue?.count == 2)
        }
    }

    @Test(arguments: Transport.allCases)
    func pausedChecksRecordNothing(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await Self.makeCheck(client, key: server.adminKey)
            let token = check.string("token") ?? ""
            let paused = try await client.rpc("checks.pause", ["id": check["id"] ?? .null], key: server.adminKey)
            #expect(paused.string("state") == "paused")
            let answer = try await client.send("/hooks/\(token)/failure", method: .post)
            #expect(answer.status == .accepted)
            #expect(try answer.json["paused"] == true)
            #expect(try answer.json["results"] == [])
            _ = try await client.rpc("checks.resume", ["id": check["id"] ?? .null], key: server.adminKey)
            let resumed = try await client.send("/hooks/\(token)/failure", method: .post)
            #expect(try resumed.json["paused"] == nil)
            let listed = try await client.rpc("checks.results", ["check_id": check["id"] ?? .null], key: server.adminKey)
            #expect(listed["results"]?.arrayValue?.count == 1)
        }
    }

    @Test(arguments: Transport.allCases)
    func badInputIsAClearProblem(_ transport: Transport) async throws {
        let server = try await TestServer.make { $0.maxHookBody = 1024 }
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let token = try await Self.makeCheck(client, key: server.adminKey).string("token") ?? ""
            let cases: [(HTTPFields, String, HTTPResponse.Status, String?)] = [
                (Self.json, "{not json", .badRequest, nil),
                (Self.json, "[1,2]", .badRequest, nil),
                (Self.json, #"{"subject":["a"]}"#, .badRequest, "subject"),
                (Self.json, #"{"occurred_at":"yesterday"}"#, .badRequest, "occurred_at"),
                (Self.json, #"{"external_id":""}"#, .badRequest, "external_id"),
                ([.contentType: "application/xml"], "<a/>", .unsupportedMediaType, nil),
                (Self.json, "{\"text\":\"" + String(repeating: "x", count: 2000) + "\"}", .contentTooLarge, nil),
            ]
            for (headers, body, status, field) in cases {
                let answer = try await client.send("/hooks/\(token)", headers: headers, body: body)
                #expect(answer.status == status, "\(body.prefix(40)) gave \(answer.status)")
                #expect(answer.headers[.contentType] == "application/problem+json")
                let problem = try answer.json
                #expect(problem["status"] == .int(Int64(status.code)))
                #expect(problem.string("detail")?.isEmpty == false)
                if let field {
                    #expect(problem["errors"]?.arrayValue?.first?.string("field") == field)
                }
            }
            let nowhere = try await client.send("/no/such/endpoint", method: .get)
            #expect(nowhere.status == .notFound)
            #expect(nowhere.headers[.contentType] == "application/problem+json")
            let unknown = try await client.send("/hooks/nosuchtoken", headers: Self.json, body: #"{"status":"ok"}"#)
            #expect(unknown.status == .notFound)
            #expect(unknown.headers[.contentType] == "application/problem+json")
        }
    }

    @Test(arguments: Transport.allCases)
    func untypedBodiesAreJSONWhenTheyParse(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let token = try await Self.makeCheck(client, key: server.adminKey).string("token") ?? ""
            let json = try await client.send("/hooks/\(token)", body: #"{"status":"warning"}"#)
            #expect(try json.json["results"]?.arrayValue?.first?.string("status") == "warning")
            // Not JSON and no type: text for the rules, default status here.
            let text = try await client.send("/hooks/\(token)", body: "{ looks like json but is not")
            #expect(text.status == .accepted)
            #expect(try text.json["results"]?.arrayValue?.first?.string("status") == "failure")
        }
    }

    @Test func resultsSurviveARestart() async throws {
        let first = try await TestServer.make()
        let checkID = try await first.test { client in
            let check = try await Self.makeCheck(client, key: first.adminKey)
            let token = check.string("token") ?? ""
            for status in ["success", "warning", "failure"] {
                _ = try await client.send("/hooks/\(token)/\(status)", method: .post)
            }
            return check.string("id") ?? ""
        }
        try first.app.database.close()
        let second = try await TestServer.make(directory: first.directory)
        defer { second.removeFiles() }
        #expect(second.app.firstAdminKey == nil, "a restart must not create another admin key")
        #expect(second.adminKey == first.adminKey)
        try await second.test { client in
            let listed = try await client.rpc("checks.results", ["check_id": .string(checkID)], key: second.adminKey)
            let statuses = listed["results"]?.arrayValue?.compactMap { $0.string("status") }
            #expect(statuses == ["failure", "warning", "success"])
        }
    }

    @Test func concurrentResultsAreAllStoredOverRealSockets() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(.live) { client in
            let check = try await Self.makeCheck(client, key: server.adminKey)
            let token = check.string("token") ?? ""
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let answer = try await client.send(
                            "/hooks/\(token)", headers: Self.json, body: #"{"status":"ok","text":"run \#(index)"}"#)
                        return answer.status == .accepted
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(accepted == 200)
            let stored = try await server.app.database.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results") ?? 0
            }
            #expect(stored == 200)
        }
    }

    /// Claimed webhooks are answered with bytes written by the ingest handler rather than by the
    /// framework's encoder: the same status line and the same fields as the router's answer to the
    /// same request, with a body exactly `Content-Length` long.
    @Test func claimedAnswersAreFramedAsTheRoutersAre() async throws {
        try await Self.withLiveCheck { port, token in
            let body = #"{"status":"ok","text":"nightly"}"#
            for path in ["/hooks/\(token)", "/hooks/no-such-token"] {
                // A `Content-Length` body is claimed; the same body chunked goes to the router.
                let claimed = try await RawHTTP.exchange(
                    port: port,
                    "POST \(path) HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let routed = try await RawHTTP.exchange(
                    port: port,
                    "POST \(path) HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n\(String(body.utf8.count, radix: 16))\r\n\(body)\r\n0\r\n\r\n")
                #expect(claimed.statusLine == routed.statusLine, "\(path)")
                #expect(claimed.fieldNames == routed.fieldNames, "\(path)")
                #expect(claimed.fieldNames == ["content-length", "content-type", "date"], "\(path)")
                #expect(try JSONParser.parse(Array(claimed.body.utf8)).objectValue?.keys.sorted()
                    == JSONParser.parse(Array(routed.body.utf8)).objectValue?.keys.sorted())
            }
        }
    }

    /// The HTTP/1 encoder frames each answer for the request it answers (no body for a HEAD), and
    /// keeps the methods of the requests it owes answers to. Claimed answers must take their
    /// request off that list too: otherwise the list grows by one for every webhook on a
    /// keep-alive connection, and every later answer on it is framed for an earlier request.
    @Test func answersAfterClaimedOnesAreFramedForTheirOwnRequest() async throws {
        try await Self.withLiveCheck { port, token in
            let body = #"{"status":"ok"}"#
            let (statusLines, rest) = try await RawHTTP.onOwnThread {
                let connection = try RawHTTP.Connection(port: port)
                var statusLines: [String] = []
                for _ in 0..<3 {
                    try connection.send(
                        "POST /hooks/\(token) HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    statusLines.append(try connection.readAnswer().statusLine)
                }
                try connection.send(
                    "HEAD /no-such-page HTTP/1.1\r\nHost: test\r\n\r\n"
                        + "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
                return (statusLines, try connection.readToEnd())
            }
            #expect(statusLines == Array(repeating: "HTTP/1.1 202 Accepted", count: 3))
            // The HEAD answer is a head alone: the next answer starts right after it.
            let headEnd = try #require(rest.range(of: "\r\n\r\n"))
            #expect(rest.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            let healthz = try #require(try RawHTTP.parse(String(rest[headEnd.upperBound...])))
            #expect(healthz.statusLine == "HTTP/1.1 200 OK")
            #expect(try JSONParser.parse(Array(healthz.body.utf8)).objectValue?["status"]?.stringValue == "ok")
        }
    }

    /// A live server on a real port with one check: for tests that speak HTTP/1.1 bytes to it.
    static func withLiveCheck(_ body: @escaping @Sendable (_ port: Int, _ token: String) async throws -> Void) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(.live) { client in
            let check = try await makeCheck(client, key: server.adminKey)
            try await body(try #require(client.port), check.string("token") ?? "")
        }
    }

}
