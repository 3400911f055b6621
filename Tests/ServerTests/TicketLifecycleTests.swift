import CheckBridgeCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PSA
import PSASimulator
import Server
import Testing

/// The ticket lifecycle of SPEC §6 end to end: results over HTTP, the durable queue, the worker,
/// and a strict PSA simulator over live HTTP on loopback.
@Suite("Ticket lifecycle")
struct TicketLifecycleTests {
    static let quiet: Logger = {
        var logger = Logger(label: "psa-simulator")
        logger.logLevel = .critical
        return logger
    }()

    /// Retries within milliseconds, so fault tests finish fast; the backoff shape is the same.
    static func fastRetries(_ configuration: inout AppConfiguration) {
        configuration.psaRetryBase = .milliseconds(20)
        configuration.psaTimeout = .seconds(1)
    }

    /// `channels.create` params for a simulator.
    static func channelParams(_ simulator: RunningPSASimulator, name: String = "PSA") -> JSONValue {
        let base = simulator.baseURL
        switch simulator.kind {
        case .halopsa:
            return [
                "name": .string(name), "kind": "halopsa",
                "connection": [
                    "resource_server": .string(base + "/api"), "authorization_server": .string(base + "/auth"),
                    "client_id": .string(SimulatorCredentials.haloClientID),
                    "client_secret": .string(SimulatorCredentials.haloClientSecret),
                ],
                "ticket": ["ticket_type_id": 1, "status_id": 1, "agent_id": 2, "priority_id": 3],
                "customer": ["mode": "check_group"],
            ]
        case .connectwise:
            return [
                "name": .string(name), "kind": "connectwise",
                "connection": [
                    "site": .string(base), "company_id": .string(SimulatorCredentials.connectWiseCompanyID),
                    "public_key": .string(SimulatorCredentials.connectWisePublicKey),
                    "private_key": .string(SimulatorCredentials.connectWisePrivateKey),
                    "client_id": .string(SimulatorCredentials.connectWiseClientID),
                ],
                "ticket": ["board_id": 1, "status_id": 1, "priority_id": 3],
                "customer": ["mode": "check_group"],
            ]
        case .syncro:
            return [
                "name": .string(name), "kind": "syncro",
                "connection": ["url": .string(base), "api_token": .string(SimulatorCredentials.syncroAPIToken)],
                "ticket": ["problem_type": "Other"],
                "customer": ["mode": "check_group"],
            ]
        }
    }

    /// A server with a channel on a running simulator of `kind`, handed to `body` with a client.
    static func withChannel(
        _ kind: PSAKind,
        _ body: @escaping @Sendable (RunningPSASimulator, TestServer, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await PSASimulator.withRunning(kind: kind, logger: quiet) { simulator in
            let server = try await TestServer.make(configure: fastRetries)
            defer { server.removeFiles() }
            try await server.test { client in
                _ = try await client.rpc("channels.create", channelParams(simulator), key: server.adminKey)
                try await body(simulator, server, client)
            }
        }
    }

    /// A group named like a seeded PSA customer, a check in it, and its token.
    static func makeCheck(
        _ client: some TestClientProtocol, key: String, threshold: Int = 1
    ) async throws -> (id: JSONValue, token: String) {
        let group = try await client.rpc("checkGroups.create", ["name": "Acme Dental Ltd"], key: key)
        let check = try await client.rpc(
            "checks.create",
            ["group_id": group["id"] ?? .null, "name": "Nightly backup", "failure_threshold": .int(Int64(threshold))],
            key: key)
        return (check["id"] ?? .null, check.string("token") ?? "")
    }

    /// Waits (bounded) until the queue has nothing left to send, and returns sync.status.
    static func drained(_ client: some TestClientProtocol, key: String) async throws -> JSONValue {
        var status: JSONValue = .null
        for _ in 0..<400 {
            status = try await client.rpc("sync.status", key: key)
            if status["pending"] == 0, status["failing"] == 0 { return status }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the PSA queue did not drain: \(status.serializedString())")
        return status
    }

    static func report(_ client: some TestClientProtocol, token: String, _ status: String) async throws {
        let answer = try await client.send("/hooks/\(token)/\(status)", method: .post)
        #expect(answer.status == .accepted)
    }

    @Test("open on failure, note on repeat, close on success", arguments: PSAKind.allCases)
    func fullLifecycle(_ kind: PSAKind) async throws {
        try await PSASimulator.withRunning(kind: kind, logger: Self.quiet) { simulator in
            let server = try await TestServer.make(configure: Self.fastRetries)
            defer { server.removeFiles() }
            try await server.test { client in
                let channel = try await client.rpc("channels.create", Self.channelParams(simulator), key: server.adminKey)
                let shown = channel["connection"]?.serializedString() ?? ""
                for secret in [
                    SimulatorCredentials.haloClientSecret, SimulatorCredentials.connectWisePrivateKey,
                    SimulatorCredentials.syncroAPIToken,
                ] {
                    #expect(!shown.contains(secret), "a secret was shown")
                }
                let (checkID, token) = try await Self.makeCheck(client, key: server.adminKey)
                try await Self.report(client, token: token, "failure")
                _ = try await Self.drained(client, key: server.adminKey)
                var tickets = await simulator.control.tickets()
                #expect(tickets.count == 1)
                let opened = try #require(tickets.first)
                #expect(opened.summary.hasPrefix("Acme Dental Ltd / Nightly backup: failure"))
                #expect(opened.reference?.hasPrefix("CB-") == true)
                #expect(!opened.isClosed)
                try await Self.report(client, token: token, "failure")
                try await Self.report(client, token: token, "warning")
                _ = try await Self.drained(client, key: server.adminKey)
                tickets = await simulator.control.tickets()
                #expect(tickets.count == 1, "a repeat must not open another ticket")
                let notesBeforeClose = tickets.first?.notes.count ?? 0
                #expect(notesBeforeClose >= 2)
                try await Self.report(client, token: token, "success")
                _ = try await Self.drained(client, key: server.adminKey)
                tickets = await simulator.control.tickets()
                #expect(tickets.count == 1)
                #expect(tickets.first?.isClosed == true)
                #expect(tickets.first?.closeCount == 1)
                let listed = try await client.rpc("tickets.list", ["check_id": checkID], key: server.adminKey)
                let link = listed["tickets"]?.arrayValue?.first
                #expect(link?.string("state") == "closed")
                #expect(link?["psa_ticket_id"] == .int(opened.id))
                // A success with no open ticket does nothing.
                try await Self.report(client, token: token, "success")
                _ = try await Self.drained(client, key: server.adminKey)
                #expect(await simulator.control.tickets().count == 1)
            }
        }
    }

    @Test("wrong credentials are a -32010 with the PSA's answer", arguments: PSAKind.allCases)
    func wrongCredentials(_ kind: PSAKind) async throws {
        try await PSASimulator.withRunning(kind: kind, logger: Self.quiet) { simulator in
            let server = try await TestServer.make(configure: Self.fastRetries)
            defer { server.removeFiles() }
            try await server.test { client in
                guard case .object(var params) = Self.channelParams(simulator),
                    case .object(var connection)? = params["connection"]
                else { return }
                for secret in ["client_secret", "private_key", "api_token"] where connection[secret] != nil {
                    connection[secret] = "wrong"
                }
                params["connection"] = .object(connection)
                do {
                    _ = try await client.rpc("channels.create", .object(params), key: server.adminKey)
                    Issue.record("a wrong credential was accepted")
                } catch let error as RPCCallError {
                    #expect(error.code == -32010)
                    #expect(error.error["data"]?["status"] != .null)
                    #expect(error.error["data"]?.string("message")?.isEmpty == false)
                }
                let channels = try await client.rpc("channels.list", key: server.adminKey)
                #expect(channels["channels"] == [])
            }
        }
    }

    @Test("failure_threshold counts consecutive non-successes")
    func threshold() async throws {
        try await Self.withChannel(.syncro) { simulator, server, client in
            let (_, token) = try await Self.makeCheck(client, key: server.adminKey, threshold: 3)
            try await Self.report(client, token: token, "failure")
            try await Self.report(client, token: token, "failure")
            try await Self.report(client, token: token, "success")
            try await Self.report(client, token: token, "failure")
            try await Self.report(client, token: token, "warning")
            _ = try await Self.drained(client, key: server.adminKey)
            #expect(await simulator.control.tickets().isEmpty)
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            #expect(await simulator.control.tickets().count == 1)
        }
    }

    @Test("a lost create answer, 5xx and 429 still end with exactly one ticket", arguments: PSAKind.allCases)
    func faults(_ kind: PSAKind) async throws {
        try await Self.withChannel(kind) { simulator, server, client in
            let (_, token) = try await Self.makeCheck(client, key: server.adminKey)
            await simulator.control.loseNextCreateResponse()
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            #expect(await simulator.control.tickets().count == 1, "a lost answer must not duplicate the ticket")
            await simulator.control.failNext(2, status: 503)
            try await Self.report(client, token: token, "failure")
            await simulator.control.rateLimitNext(1, retryAfterSeconds: 1)
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            let tickets = await simulator.control.tickets()
            #expect(tickets.count == 1)
            #expect((tickets.first?.notes.count ?? 0) >= 2)
        }
    }

    @Test("a slow PSA and a dropped connection still end with exactly one ticket", arguments: PSAKind.allCases)
    func slowAndDropped(_ kind: PSAKind) async throws {
        try await Self.withChannel(kind) { simulator, server, client in
            let (_, token) = try await Self.makeCheck(client, key: server.adminKey)
            // Slower than the 1 s timeout: the call counts as failed and is retried.
            await simulator.control.delayNext(1, by: .seconds(2))
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            #expect(await simulator.control.tickets().count == 1)
            await simulator.control.dropNextConnection(1)
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            let tickets = await simulator.control.tickets()
            #expect(tickets.count == 1)
            #expect((tickets.first?.notes.count ?? 0) >= 1)
        }
    }

    @Test("a ticket deleted by hand is replaced at the next failure; a success then closes the new one")
    func deletedByHand() async throws {
        try await Self.withChannel(.syncro) { simulator, server, client in
            let (checkID, token) = try await Self.makeCheck(client, key: server.adminKey)
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            let first = try #require(await simulator.control.tickets().first)
            #expect(await simulator.control.deleteTicketByHand(first.id))
            try await Self.report(client, token: token, "failure")
            try await Self.report(client, token: token, "success")
            _ = try await Self.drained(client, key: server.adminKey)
            let live = await simulator.control.tickets().filter { !$0.isDeleted }
            #expect(live.count == 1)
            #expect(live.first?.id != first.id)
            #expect(live.first?.isClosed == true)
            let links = try await client.rpc("tickets.list", ["check_id": checkID], key: server.adminKey)
            let states = links["tickets"]?.arrayValue?.compactMap { $0.string("state") }
            #expect(states == ["closed", "closed"])
            #expect(links["tickets"]?.arrayValue?.last?.string("last_error") == "deleted in the PSA")
        }
    }

    @Test("a ticket closed by hand is replaced at the next failure")
    func closedByHand() async throws {
        try await Self.withChannel(.halopsa) { simulator, server, client in
            let (_, token) = try await Self.makeCheck(client, key: server.adminKey)
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            let first = try #require(await simulator.control.tickets().first)
            #expect(await simulator.control.closeTicketByHand(first.id))
            try await Self.report(client, token: token, "failure")
            _ = try await Self.drained(client, key: server.adminKey)
            let tickets = await simulator.control.tickets()
            #expect(tickets.count == 2)
            #expect(tickets.first { $0.id == first.id }?.notes.isEmpty == true, "wrote to the dead ticket")
            #expect(tickets.filter { !$0.isClosed }.count == 1)
        }
    }

    @Test("no matching PSA customer shows as a dead step in sync.status")
    func missingCustomerIsVisible() async throws {
        try await Self.withChannel(.syncro) { simulator, server, client in
            let group = try await client.rpc("checkGroups.create", ["name": "Nobody Ltd"], key: server.adminKey)
            let check = try await client.rpc(
                "checks.create", ["group_id": group["id"] ?? .null, "name": "Backup"], key: server.adminKey)
            try await Self.report(client, token: check.string("token") ?? "", "failure")
            var status: JSONValue = .null
            for _ in 0..<200 {
                status = try await client.rpc("sync.status", key: server.adminKey)
                if status["dead"] == 1 { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(status["dead"] == 1)
            let operation = status["operations"]?.arrayValue?.first
            #expect(operation?.string("last_error")?.contains("Nobody Ltd") == true)
            #expect(await simulator.control.tickets().isEmpty)
        }
    }

    @Test("steps queued before a restart are sent after it, once")
    func restartMidQueue() async throws {
        try await PSASimulator.withRunning(kind: .connectwise, logger: Self.quiet) { simulator in
            let first = try await TestServer.make(configure: Self.fastRetries)
            let token = try await first.test { client in
                _ = try await client.rpc("channels.create", Self.channelParams(simulator), key: first.adminKey)
                let (_, token) = try await Self.makeCheck(client, key: first.adminKey)
                // The PSA is down: the steps stay queued.
                await simulator.control.failNext(1000, status: 503)
                try await Self.report(client, token: token, "failure")
                try await Self.report(client, token: token, "failure")
                try await Self.report(client, token: token, "success")
                return token
            }
            try first.app.database.close()
            #expect(await simulator.control.tickets().isEmpty)
            await simulator.control.clearFaults()
            let second = try await TestServer.make(directory: first.directory, configure: Self.fastRetries)
            defer { second.removeFiles() }
            try await second.test { client in
                // Failing steps wait for their backoff; make them due now, as sync.retry does.
                let status = try await client.rpc("sync.status", key: second.adminKey)
                for operation in status["operations"]?.arrayValue ?? [] {
                    _ = try await client.rpc("sync.retry", ["id": operation["id"] ?? .null], key: second.adminKey)
                }
                _ = try await Self.drained(client, key: second.adminKey)
                let tickets = await simulator.control.tickets()
                #expect(tickets.count == 1)
                #expect(tickets.first?.isClosed == true)
                _ = token
            }
        }
    }
}
