import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@testable import Server

/// How the server ends when it cannot start.
@Suite("Server start")
struct StartupTests {
    /// The port taken, the server stops with the bind error. The background services are then
    /// cancelled rather than shut down gracefully; their loops used to take cancellation for a
    /// short sleep and went on forever, busy on every core, so this never returned.
    @Test(.timeLimit(.minutes(1)))
    func aServerWhosePortIsTakenStops() async throws {
        let first = try await TestServer.make()
        defer { first.removeFiles() }
        try await first.test(.live) { client in
            let port = try #require(client.port)
            let second = try await TestServer.make { $0.port = port }
            defer { second.removeFiles() }
            let error = await #expect(throws: IOError.self) { try await second.app.application.run() }
            #expect(error?.errnoCode == EADDRINUSE)
        }
    }
}
