import Dispatch
import GRDB
import Logging
import ServiceLifecycle
import Synchronization

/// Copies the write-ahead log back into the database file on a connection of its own.
///
/// The writer runs with `wal_autocheckpoint = 0`, so no commit ever pays for a checkpoint; this
/// service does a PASSIVE checkpoint (which never blocks readers or the writer) every interval,
/// and one more whenever the result writer asks for it (`passInBackground`).
public final class WALCheckpointer: Service, Sendable {
    private let path: String
    private let interval: Duration
    private let logger: Logger
    /// Open while the service runs; passes asked for before or after that are skipped.
    private let connection = Mutex<DatabaseQueue?>(nil)
    /// Runs the passes one at a time, off the threads that ask for them.
    private let passes = DispatchQueue(label: "wal-checkpointer")

    public init(path: String, interval: Duration = .milliseconds(100), logger: Logger) {
        self.path = path
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(1)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        connection.withLock { $0 = queue }
        defer {
            connection.withLock { $0 = nil }
            // After any pass already queued; later ones find the connection closed and skip.
            passes.async { try? queue.close() }
        }
        while !Task.isStoppingService {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            if Task.isStoppingService { return }
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                passInBackground { done.resume() }
            }
        }
    }

    /// Starts a pass now on the checkpointer's own thread and calls `finished` once it has ended,
    /// whether it copied anything or not (or was skipped because the service is not running).
    public func passInBackground(then finished: @escaping @Sendable () -> Void) {
        passes.async {
            self.pass()
            finished()
        }
    }

    private func pass() {
        guard let queue = connection.withLock({ $0 }) else { return }
        do {
            try queue.writeWithoutTransaction(Self.copyBack)
        } catch {
            logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// Copies back what the WAL holds that no reader still needs, without waiting for anyone
    /// (PASSIVE); the result writer finishes its checkpoints the same way.
    static func copyBack(in db: Database) throws {
        _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
    }
}
