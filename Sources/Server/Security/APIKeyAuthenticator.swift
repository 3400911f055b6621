import CheckBridgeCore
import Storage
import Synchronization

/// Resolves bearer keys to their stored record, remembering the answers so that ingest at
/// thousands of requests per second does not read the key table each time.
final class APIKeyAuthenticator: Sendable {
    private let database: CheckBridgeDatabase
    private let known = Mutex<[String: APIKeyRecord]>([:])

    init(database: CheckBridgeDatabase) {
        self.database = database
    }

    /// The active key with this plaintext, or nil.
    func authenticate(_ key: String) async throws -> APIKeyRecord? {
        let hash = SecretGenerator.hash(apiKey: key)
        if let record = known.withLock({ $0[hash] }) { return record }
        let record = try await database.pool.read { db in try APIKeyRecord.active(hash: hash, in: db) }
        if let record { known.withLock { $0[hash] = record } }
        return record
    }

    /// The remembered active key with this plaintext; nil when it is not remembered (which does
    /// not mean it is invalid: ask `authenticate`).
    func remembered(_ key: String) -> APIKeyRecord? {
        let hash = SecretGenerator.hash(apiKey: key)
        return known.withLock { $0[hash] }
    }

    /// Forgets every remembered key; called after a revoke.
    func invalidate() {
        known.withLock { $0.removeAll() }
    }
}
