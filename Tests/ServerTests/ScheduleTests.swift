import CheckBridgeCore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import PSA
import PSASimulator
import Server
import Synchronization
import Testing

/// A clock the test moves by hand, so schedules run instantly.
///
/// It starts a day behind the real clock, so that a time the server takes from the real clock
/// instead of this one (a check's `updated_at` once did, anchoring its schedule a day late) shows
/// up as a wrong result rather than as a test that fails only when the machine is slow.
final class TestClock: Sendable {
    private let current: Mutex<Timestamp>

    init(start: Timestamp = Timestamp(milliseconds: Timestamp.now.milliseconds - 86_400_000)) {
        current = Mutex(start)
    }

    var now: Timestamp { current.withLock { $0 } }

    func advance(seconds: Int64) {
        current.withLock { $0 = Timestamp(milliseconds: $0.milliseconds + seconds * 1000) }
    }
}

/// Missed-check detection (SPEC §5.2) on a running server with an injected clock.
@Suite("Schedules")
struct ScheduleTests {
    static func configure(_ clock: TestClock) -> (inout AppConfiguration) -> Void {
        { configuration in
            configuration.clock = { clock.now }
            configuration.scheduleInterval = .milliseconds(10)
            configuration.psaRetryBase = .milliseconds(20)
        }
    }

    /// The check's results, newest first, once `count` of them are stored (bounded wait for the scheduler).
    static func results(
        _ client: some TestClientProtocol, key: String, checkID: JSONValue, count: Int
    ) async throws -> [JSONValue] {
        var results: [JSONValue] = []
        // Bounded by time rather than by tries: on a busy machine the scheduler's ticks come late.
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(30) {
            results = try await client.rpc("checks.results", ["check_id": checkID], key: key)["results"]?.arrayValue ?? []
            if results.count >= count { return results }
            try await Task.sleep(for: .milliseconds(10))
        }
        return results
    }

    /// Lets the scheduler run a few more ticks, to show that nothing else is recorded.
    static func settle() async throws {
        try await Task.sleep(for: .milliseconds(80))
    }

    @Test func onePerMissedPeriodAndASuccessResetsTheDeadline() async throws {
        let clock = TestClock()
        let server = try await TestServer.make(configure: Self.configure(clock))
        defer { server.removeFiles() }
        try await server.test { client in
            let group = try await client.rpc("checkGroups.create", ["name": "Acme"], key: server.adminKey)
            let check = try await client.rpc(
                "checks.create",
                ["group_id": group["id"] ?? .null, "name": "Nightly", "schedule": ["every_seconds": 60, "grace_seconds": 30]],
                key: server.adminKey)
            #expect(check["schedule"] == ["every_seconds": 60, "grace_seconds": 30])
            let id = check["id"] ?? .null
            clock.advance(seconds: 80)
            try await Self.settle()
            #expect(try await Self.results(client, key: server.adminKey, checkID: id, count: 0).isEmpty, "too early")
            clock.advance(seconds: 20)
            var results = try await Self.results(client, key: server.adminKey, checkID: id, count: 1)
            #expect(results.count == 1)
            #expect(results.first?.string("status") == "missed")
            #expect(results.first?.string("source") == "schedule")
            try await Self.settle()
            results = try await Self.results(client, key: server.adminKey, checkID: id, count: 1)
            #expect(results.count == 1, "one missed result per period")
            clock.advance(seconds: 60)
            results = try await Self.results(client, key: server.adminKey, checkID: id, count: 2)
            #expect(results.map { $0.string("status") } == ["missed", "missed"])
            // A report resets the deadline.
            let token = check.string("token") ?? ""
            _ = try await client.send("/hooks/\(token)/success", method: .post)
            clock.advance(seconds: 80)
            try await Self.settle()
            results = try await Self.results(client, key: server.adminKey, checkID: id, count: 3)
            #expect(results.count == 3)
            #expect(results.first?.string("status") == "success")
            clock.advance(seconds: 20)
            results = try await Self.results(client, key: server.adminKey, checkID: id, count: 4)
            #expect(results.first?.string("status") == "missed")
        }
    }

    @Test func pausedChecksAreSkippedAndDowntimeCatchesUpOnce() async throws {
        let clock = TestClock()
        let first = try await TestServer.make(configure: Self.configure(clock))
        let (pausedID, activeID) = try await first.test { client in
            let group = try await client.rpc("checkGroups.create", ["name": "Acme"], key: first.adminKey)
            var ids: [JSONValue] = []
            for name in ["Paused", "Active"] {
                let check = try await client.rpc(
                    "checks.create",
                    ["group_id": group["id"] ?? .null, "name": .string(name),
                     "schedule": ["cron": "*/5 * * * *", "timezone": "Europe/Berlin"]],
                    key: first.adminKey)
                ids.append(check["id"] ?? .null)
            }
            _ = try await client.rpc("checks.pause", ["id": ids[0]], key: first.adminKey)
            return (ids[0], ids[1])
        }
        try first.app.database.close()
        // Down for two hours: 24 five-minute periods pass.
        clock.advance(seconds: 7200)
        let second = try await TestServer.make(directory: first.directory, configure: Self.configure(clock))
        defer { second.removeFiles() }
        try await second.test { client in
            let active = try await Self.results(client, key: second.adminKey, checkID: activeID, count: 1)
            try await Self.settle()
            #expect(try await Self.results(client, key: second.adminKey, checkID: activeID, count: 1).count == 1,
                    "catching up records one missed result, not one per period")
            #expect(active.first?.string("status") == "missed")
            #expect(try await Self.results(client, key: second.adminKey, checkID: pausedID, count: 0).isEmpty)
        }
    }

    @Test func badSchedulesAreRejected() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test { client in
            let group = try await client.rpc("checkGroups.create", ["name": "Acme"], key: server.adminKey)
            let cases: [(JSONValue, String)] = [
                (["cron": "61 * * * *"], "schedule.cron"),
                (["cron": "0 22 * * 1-5", "timezone": "Mars/Base"], "schedule.timezone"),
                (["every_seconds": 0], "schedule.every_seconds"),
                (["every_seconds": 60, "cron": "* * * * *"], "schedule"),
                (["every_seconds": 60, "grace_seconds": -1], "schedule.grace_seconds"),
            ]
            for (schedule, field) in cases {
                do {
                    _ = try await client.rpc(
                        "checks.create", ["group_id": group["id"] ?? .null, "name": "X", "schedule": schedule],
                        key: server.adminKey)
                    Issue.record("accepted \(schedule.serializedString())")
                } catch let error as RPCCallError {
                    #expect(error.code == -32602)
                    #expect(error.fields.contains(field), "\(error.fields) for \(schedule.serializedString())")
                }
            }
        }
    }

    @Test func aMissedCheckOpensATicketAndASuccessClosesIt() async throws {
        let clock = TestClock()
        try await PSASimulator.withRunning(kind: .syncro, logger: TicketLifecycleTests.quiet) { simulator in
            let server = try await TestServer.make(configure: Self.configure(clock))
            defer { server.removeFiles() }
            try await server.test { client in
                _ = try await client.rpc(
                    "channels.create", TicketLifecycleTests.channelParams(simulator), key: server.adminKey)
                let group = try await client.rpc("checkGroups.create", ["name": "Acme Dental Ltd"], key: server.adminKey)
                let check = try await client.rpc(
                    "checks.create",
                    ["group_id": group["id"] ?? .null, "name": "Nightly", "schedule": ["every_seconds": 3600]],
                    key: server.adminKey)
                // The check was created a moment after the clock started: a little more than one period.
                clock.advance(seconds: 3700)
                _ = try await Self.results(client, key: server.adminKey, checkID: check["id"] ?? .null, count: 1)
                _ = try await TicketLifecycleTests.drained(client, key: server.adminKey)
                let opened = await simulator.control.tickets()
                #expect(opened.count == 1)
                #expect(opened.first?.summary.contains("missed") == true)
                _ = try await client.send("/hooks/\(check.string("token") ?? "")/success", method: .post)
                _ = try await TicketLifecycleTests.drained(client, key: server.adminKey)
                #expect(await simulator.control.tickets().first?.isClosed == true)
            }
        }
    }
}
