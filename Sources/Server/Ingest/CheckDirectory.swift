import CheckBridgeCore
import Storage
import Synchronization

/// What ingest needs of a check, with its rules compiled once.
struct IngestCheck: Sendable {
    var id: String
    var enabled: Bool
    var ruleSet: RuleSet
}

/// Finds checks by token for ingest, keeping compiled rules in memory.
///
/// Entries are dropped whenever a check changes (`invalidate`), so a cached entry is never older
/// than the last committed update of its check.
final class CheckDirectory: Sendable {
    private struct Entry: Sendable {
        var check: IngestCheck?
    }

    private struct State: Sendable {
        var entries: [String: Entry] = [:]
        /// Bumped by every invalidation, so a lookup that raced with an update does not cache
        /// what it read before the update committed.
        var generation: UInt64 = 0
    }

    private let database: CheckBridgeDatabase
    private let state = Mutex(State())
    /// Bounds the memory taken by tokens that were probed but do not exist.
    private static let maximumEntries = 100_000

    init(database: CheckBridgeDatabase) {
        self.database = database
    }

    /// The check a token addresses, or nil.
    func check(token: String) async throws -> IngestCheck? {
        let (cached, generation) = state.withLock { ($0.entries[token], $0.generation) }
        if let cached { return cached.check }
        let record = try await database.pool.read { db in try CheckRecord.find(token: token, in: db) }
        let check = try record.map(Self.compile)
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.maximumEntries { state.entries.removeAll(keepingCapacity: true) }
            state.entries[token] = Entry(check: check)
        }
        return check
    }

    /// What the cache alone knows of a token.
    enum CachedAnswer {
        case check(IngestCheck)
        case noCheck
        case notCached
    }

    /// The cache's answer for a token, without waiting for the database: for callers that cannot
    /// wait (an event loop), which send what is not cached on to `check(token:)`.
    func cached(token: String) -> CachedAnswer {
        guard let entry = state.withLock({ $0.entries[token] }) else { return .notCached }
        return entry.check.map(CachedAnswer.check) ?? .noCheck
    }

    /// Forgets what is known of a token, after its check changed or was deleted.
    func invalidate(token: String) {
        state.withLock { state in
            state.entries.removeValue(forKey: token)
            state.generation &+= 1
        }
    }

    static func compile(_ record: CheckRecord) throws -> IngestCheck {
        IngestCheck(id: record.id, enabled: record.enabled, ruleSet: try record.ruleSet())
    }
}

extension CheckRecord {
    /// The stored rules, compiled. Stored rules were validated when written, so a failure here
    /// means the database was edited by hand.
    func ruleSet() throws -> RuleSet {
        let rulesJSON = try JSONParser.parse(rules)
        return try RuleSet.decode(rules: rulesJSON, defaultStatus: .string(defaultStatus.rawValue))
    }
}
