import GRDB
import Logging
import ServiceLifecycle

/// Copies the write-ahead log back into the database file on its own connection.
///
/// The writer runs with `wal_autocheckpoint = 0`, so no commit ever pays for a checkpoint; this
/// service does a PASSIVE checkpoint (which never blocks readers or the writer) every interval.
public struct WALCheckpointer: Service {
    private let path: String
    private let interval: Duration
    private let logger: Logger

    public init(path: String, interval: Duration = .milliseconds(100), logger: Logger) {
        self.path = path
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? connection.close() }
        while !Task.isStoppingService {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            do {
                try await connection.writeWithoutTransaction { db in
                    _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
                }
            } catch is CancellationError {
                return  // the server is stopping (also when it could not start listening)
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
