import CheckBridgeCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /mail`, unmatched mail and the rule tester on raw mail (SPEC §3, §5.1).
@Suite("Mail ingest")
struct MailIngestTests {
    static func message(
        to: String, subject: String = "Backup job Nightly: Success", body: String = "All 14 VMs processed.",
        messageID: String = "<\(UUID().uuidString)@backup.example>"
    ) -> String {
        """
        From: Veeam Backup <veeam@acme.example>\r
        To: \(to)\r
        Subject: \(subject)\r
        Message-ID: \(messageID)\r
        Date: Mon, 23 Nov 2026 02:00:00 +0100\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \r
        \(body)\r

        """
    }

    static func ingestKey(_ client: some TestClientProtocol, admin: String) async throws -> String {
        try await client.rpc("apiKeys.create", ["name": "relay", "role": "ingest"], key: admin).string("key") ?? ""
    }

    static func post(
        _ client: some TestClientProtocol, _ message: String, key: String, query: String = "",
        type: String = "message/rfc822"
    ) async throws -> HTTPAnswer {
        try await client.send(
            "/mail" + query, headers: [.authorization: "Bearer \(key)", .contentType: type], body: message)
    }

    static let rules: JSONValue = [
        ["status": "success", "conditions": [["field": "subject", "op": "contains", "value": "success"]]],
        ["status": "warning", "conditions": [["field": "any", "op": "contains", "value": "warning"]]],
    ]

    @Test(arguments: Transport.allCases)
    func mailIsRoutedByTokenAndDecidedByRules(_ transport: Transport) async throws {
        let server = try await TestServer.make { $0.mailDomain = "in.checkbridge.example" }
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await WebhookTests.makeCheck(client, key: server.adminKey, params: ["rules": Self.rules])
            let token = check.string("token") ?? ""
            #expect(check.string("mail_address") == "\(token)@in.checkbridge.example")
            let key = try await Self.ingestKey(client, admin: server.adminKey)
            let plain = try await Self.post(client, Self.message(to: "\(token)@in.checkbridge.example"), key: key)
            #expect(plain.status == .accepted)
            #expect(try plain.json["results"]?.arrayValue?.first?.string("status") == "success")
            let tagged = try await Self.post(
                client, Self.message(to: "Backups <backups+\(token.uppercased())@in.checkbridge.example>",
                                     subject: "Job finished with Warning"), key: key)
            #expect(try tagged.json["results"]?.arrayValue?.first?.string("status") == "warning")
            let failed = try await Self.post(
                client, Self.message(to: "\(token)@in.checkbridge.example", subject: "Job failed"), key: key)
            #expect(try failed.json["results"]?.arrayValue?.first?.string("status") == "failure")
            let listed = try await client.rpc("checks.results", ["check_id": check["id"] ?? .null], key: server.adminKey)
            #expect(listed["results"]?.arrayValue?.map { $0.string("source") } == ["mail", "mail", "mail"])
            let resultID = listed["results"]?.arrayValue?.first?["id"] ?? .null
            let raw = try await client.rpc("results.get", ["id": resultID, "include_raw": true], key: server.adminKey)
            #expect(raw.string("raw")?.contains("Subject: Job failed") == true)
        }
    }

    @Test(arguments: Transport.allCases)
    func envelopeRecipientsWinOverHeaders(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let first = try await WebhookTests.makeCheck(client, key: server.adminKey, params: ["name": "A"])
            let second = try await WebhookTests.makeCheck(client, key: server.adminKey, params: ["name": "B"])
            let key = try await Self.ingestKey(client, admin: server.adminKey)
            let tokenA = first.string("token") ?? "", tokenB = second.string("token") ?? ""
            // Headers name A; the relay says the envelope went to A and B: one result each.
            let answer = try await Self.post(
                client, Self.message(to: "\(tokenA)@x.example"), key: key,
                query: "?to=\(tokenA)%40x.example&to=\(tokenB)%40x.example")
            #expect(answer.status == .accepted)
            let checkIDs = try answer.json["results"]?.arrayValue?.compactMap { $0.string("check_id") }
            #expect(Set(checkIDs ?? []) == Set([first.string("id") ?? "", second.string("id") ?? ""]))
        }
    }

    @Test(arguments: Transport.allCases)
    func repeatedMessageIDIsStoredOnce(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await WebhookTests.makeCheck(client, key: server.adminKey)
            let key = try await Self.ingestKey(client, admin: server.adminKey)
            let mail = Self.message(to: "\(check.string("token") ?? "")@x.example", messageID: "<same@backup.example>")
            let first = try await Self.post(client, mail, key: key)
            #expect(first.status == .accepted)
            let again = try await Self.post(client, mail, key: key)
            #expect(again.status == .ok)
            #expect(try again.json["results"] == first.json["results"])
        }
    }

    @Test(arguments: Transport.allCases)
    func unmatchedMailIsKeptAndCanBeAssigned(_ transport: Transport) async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let check = try await WebhookTests.makeCheck(client, key: server.adminKey, params: ["rules": Self.rules])
            let key = try await Self.ingestKey(client, admin: server.adminKey)
            let answer = try await Self.post(client, Self.message(to: "nobody@x.example"), key: key)
            #expect(answer.status == .accepted)
            #expect(try answer.json["unmatched"] == true)
            #expect(try answer.json["results"] == [])
            let listed = try await client.rpc("mail.unmatched.list", key: server.adminKey)
            let entry = try #require(listed["mail"]?.arrayValue?.first)
            #expect(entry.string("subject") == "Backup job Nightly: Success")
            #expect(entry["recipients"] == ["nobody@x.example"])
            let assigned = try await client.rpc(
                "mail.unmatched.assign", ["id": entry["id"] ?? .null, "check_id": check["id"] ?? .null],
                key: server.adminKey)
            #expect(assigned["result"]?.string("status") == "success")
            let after = try await client.rpc("mail.unmatched.list", key: server.adminKey)
            #expect(after["mail"] == [])
            let results = try await client.rpc("checks.results", ["check_id": check["id"] ?? .null], key: server.adminKey)
            #expect(results["results"]?.arrayValue?.count == 1)
            do {
                _ = try await client.rpc(
                    "mail.unmatched.assign", ["id": entry["id"] ?? .null, "check_id": check["id"] ?? .null],
                    key: server.adminKey)
                Issue.record("assigned twice")
            } catch let error as RPCCallError {
                #expect(error.code == -32002)
            }
        }
    }

    @Test(arguments: Transport.allCases)
    func mailNeedsAnIngestOrAdminKeyAndAMailType(_ transport: Transport) async throws {
        let server = try await TestServer.make { $0.maxMailBody = 4096 }
        defer { server.removeFiles() }
        try await server.test(transport.setup) { client in
            let readKey = try await client.rpc("apiKeys.create", ["name": "r", "role": "read"], key: server.adminKey)
                .string("key") ?? ""
            let mail = Self.message(to: "x@x.example")
            #expect(try await Self.post(client, mail, key: "cbk_nope").status == .unauthorized)
            #expect(try await Self.post(client, mail, key: readKey).status == .forbidden)
            #expect(try await Self.post(client, mail, key: server.adminKey, type: "application/json").status
                == .unsupportedMediaType)
            #expect(try await Self.post(client, mail, key: server.adminKey, type: "text/plain").status == .accepted)
            let big = Self.message(to: "x@x.example", body: String(repeating: "y", count: 5000))
            let tooLarge = try await Self.post(client, big, key: server.adminKey)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func testRulesShowsWhatTheRulesSee() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let mail = """
                Subject: =?UTF-8?B?U2ljaGVydW5nIGVyZm9sZ3JlaWNo?=\r
                Content-Type: multipart/mixed; boundary="b1"\r
                \r
                --b1\r
                Content-Type: text/html; charset=utf-8\r
                \r
                <html><head><style>p{}</style></head><body><p>Job&nbsp;done</p><p>0 errors</p></body></html>\r
                --b1\r
                Content-Type: text/plain; name="report.txt"\r
                Content-Disposition: attachment; filename="report.txt"\r
                \r
                WARNING: 1 file skipped\r
                --b1--\r

                """
            let rules: JSONValue = [
                ["status": "warning", "conditions": [["field": "attachments", "op": "contains", "value": "warning"]]],
            ]
            let answer = try await client.rpc(
                "checks.testRules", ["rules": rules, "default_status": "success", "raw_mail": .string(mail)],
                key: server.adminKey)
            #expect(answer.string("status") == "warning")
            #expect(answer["rule_index"] == 0)
            #expect(answer.string("subject") == "Sicherung erfolgreich")
            #expect(answer.string("body")?.contains("Job") == true)
            #expect(answer.string("body")?.contains("p{}") == false)
            #expect(answer["attachments"]?.arrayValue?.first?.string("filename") == "report.txt")
            #expect(answer.string("attachments_text")?.contains("1 file skipped") == true)
            let base64 = Data(mail.utf8).base64EncodedString()
            let same = try await client.rpc(
                "checks.testRules", ["rules": rules, "raw_mail_base64": .string(base64)], key: server.adminKey)
            #expect(same.string("status") == "warning")
        }
    }
}
