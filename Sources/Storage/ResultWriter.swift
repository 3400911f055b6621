import CheckBridgeCore
import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Synchronization

/// What storing a result came to.
public enum ResultWriteOutcome: Sendable {
    /// Newly stored.
    case stored(ResultRecord)
    /// The same delivery was stored before; this is the first one.
    case duplicate(ResultRecord)
}

/// Why a result was not stored.
public enum ResultWriteError: Error, Sendable {
    /// The check vanished (deleted) before its result could be stored.
    case checkNotFound
    /// The writer is shutting down and takes no more work.
    case shuttingDown
    /// SQLite failed the commit; nothing of the batch was stored.
    case databaseFailure(String)
}

/// The one writer of results: commits everything queued since its last commit, and whatever is
/// queued while that transaction inserts, in one transaction (group commit), and answers each
/// caller only after that commit is durable.
///
/// One fsync per batch instead of per request is what lets ingest run at thousands of results per
/// second with `synchronous=FULL`.
///
/// The commit loop runs on a thread of its own rather than as a task: on a busy server the
/// cooperative pool's queue is full of request work, and a writer task waiting behind it (twice
/// per batch, before and after GRDB's queue) left the disk idle while requests waited for their
/// commit. A plain thread is woken by the kernel as soon as work arrives and calls GRDB's
/// synchronous API, which runs the transaction on that same thread.
public final class ResultWriter: Service, Sendable {
    /// One caller's results, stored in the same transaction and answered together.
    private struct Pending: Sendable {
        var results: [NewResult]
        var completion: @Sendable (Result<[ResultWriteOutcome], any Error>) -> Void
    }

    private struct State {
        var pending: [Pending] = []
        /// The writer thread waits (or is about to) on `wakeUp`; the next producer signals it.
        var writerWaiting = false
        var stopping = false
        var stopped = false
    }

    /// Upper bound of callers in one transaction, so a flood cannot make a single commit arbitrarily long.
    public static let maximumBatch = 2048

    private let database: CheckBridgeDatabase
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let afterCommit: @Sendable (_ batchSize: Int) -> Void
    /// Copies most of the WAL back before the writer finishes a checkpoint itself; nil: the
    /// writer copies it all.
    private let checkpointer: WALCheckpointer?
    /// The pass the writer asked `checkpointer` for has ended.
    private let backgroundPassEnded = Atomic<Bool>(false)

    public init(
        database: CheckBridgeDatabase, logger: Logger, checkpointer: WALCheckpointer? = nil,
        afterCommit: @escaping @Sendable (_ batchSize: Int) -> Void = { _ in }
    ) {
        self.database = database
        self.logger = logger
        self.checkpointer = checkpointer
        self.afterCommit = afterCommit
    }

    /// Stores `result`, returning once it is committed (or found to be a repeat).
    public func write(_ result: NewResult) async throws -> ResultWriteOutcome {
        let outcomes = try await write([result])
        guard let outcome = outcomes.first else { throw ResultWriteError.databaseFailure("no outcome for the result") }
        return outcome
    }

    /// Stores `results` in one transaction, returning once it is committed: an outcome per result,
    /// in order, or the first error, in which case none of them is stored.
    public func write(_ results: [NewResult]) async throws -> [ResultWriteOutcome] {
        try await withCheckedThrowingContinuation { continuation in
            submit(results) { continuation.resume(with: $0) }
        }
    }

    /// Queues `results` for the next group commit and calls `completion` on the writer thread
    /// once they are committed, or with the error that kept them (or one of them) from it.
    ///
    /// For callers that are not tasks: ingest served on an event loop hands over its result here
    /// and answers from the completion, without a hop through the cooperative pool.
    public func submit(
        _ results: [NewResult], completion: @escaping @Sendable (Result<[ResultWriteOutcome], any Error>) -> Void
    ) {
        let outcome: (accepted: Bool, signal: Bool) = state.withLock { state in
            guard !state.stopped else { return (false, false) }
            state.pending.append(Pending(results: results, completion: completion))
            defer { state.writerWaiting = false }
            return (true, state.writerWaiting)
        }
        if !outcome.accepted {
            completion(.failure(ResultWriteError.shuttingDown))
        }
        if outcome.signal { wakeUp.signal() }
    }

    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    let thread = Thread { [self] in
                        // Named from inside: set from outside, the name never reaches the OS thread here.
                        Thread.current.name = "result-writer"
                        commitLoop()
                        finished.resume()
                    }
                    thread.start()
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
    }

    /// Lets the writer finish what is queued, then end. Writes that arrive while it drains are
    /// still committed; once the queue is empty, later writes are refused (`shuttingDown`). The
    /// server and the scheduler stop before the writer, so nothing arrives then in practice.
    private func stop() {
        let signal = state.withLock { state in
            state.stopping = true
            defer { state.writerWaiting = false }
            return state.writerWaiting
        }
        if signal { wakeUp.signal() }
    }

    /// Batches between checkpoints that start the WAL over (asked for, then finished by the writer).
    static let batchesPerCheckpoint = 32

    private func commitLoop() {
        var schedule = CheckpointSchedule(
            batchesPerCheckpoint: Self.batchesPerCheckpoint, backgroundPasses: checkpointer != nil)
        var heads = HeadCache()
        while let batch = nextBatch() {
            commit(batch, heads: &heads)
            switch schedule.afterCommit(passEnded: backgroundPassEnded.load(ordering: .acquiring)) {
            case .none:
                break
            case .askForPass:
                backgroundPassEnded.store(false, ordering: .relaxed)
                checkpointer?.passInBackground { [self] in
                    backgroundPassEnded.store(true, ordering: .releasing)
                }
            case .finish:
                finishCheckpoint()
            }
        }
    }

    /// Lets the next transaction start the WAL over from its beginning.
    ///
    /// SQLite reuses the WAL only when every frame has been copied back when a write begins. The
    /// background checkpointer copies most frames but, under constant writes, never catches up, so
    /// the WAL would grow without end and every commit would pay for extending the file (an fsync
    /// of appended data costs several times one of overwritten data here). Between batches the
    /// writer is idle, so a PASSIVE checkpoint from it copies the frames left. It runs after the
    /// batch was answered: no request waits for it, the next batch just grows a little.
    ///
    /// With a checkpointer, it runs once the pass the writer asked for has ended, and only copies
    /// what was committed during that pass (see `CheckpointSchedule`).
    private func finishCheckpoint() {
        do {
            try database.pool.writeWithoutTransaction(WALCheckpointer.copyBack)
        } catch {
            logger.warning("WAL checkpoint between batches failed", metadata: ["error": "\(error)"])
        }
    }

    /// Blocks the writer thread until there is work; nil once stopping with nothing left to write.
    private func nextBatch() -> [Pending]? {
        while true {
            let taken: [Pending]? = state.withLock { state in
                if !state.pending.isEmpty {
                    return Self.take(from: &state, limit: Self.maximumBatch)
                }
                if state.stopping {
                    state.stopped = true
                    return []
                }
                state.writerWaiting = true
                return nil
            }
            if let taken { return taken.isEmpty ? nil : taken }
            wakeUp.wait()
        }
    }

    /// Up to `limit` of the oldest queued callers, taken off the queue.
    private static func take(from state: inout State, limit: Int) -> [Pending] {
        let count = min(state.pending.count, limit)
        let taken = Array(state.pending.prefix(count))
        state.pending.removeFirst(count)
        return taken
    }

    private func commit(_ first: [Pending], heads: inout HeadCache) {
        var batch = first
        do {
            let outcomes = try database.pool.write { db in
                try heads.begin(in: db)
                let statements = try ResultStatements(in: db)
                let planTickets = try TicketPlanner.anyEnabledChannel(in: db)
                var outcomes: [Result<[ResultWriteOutcome], any Error>] = []
                outcomes.reserveCapacity(batch.count)
                // Callers that queue while this transaction inserts join it, up to its last
                // statement before COMMIT: they are answered after this fsync instead of the next
                // one, and under load the commit loop spends most of its time waiting on fsyncs.
                var next = 0
                while next < batch.count {
                    for pending in batch[next...] {
                        // A `ResultWriteError` is one caller's alone (nothing of theirs was kept);
                        // any other failure may have left a result half recorded, so it rolls back
                        // the whole batch and every caller is told to send again.
                        do {
                            let stored = try Self.insertAll(
                                pending.results, planningTickets: planTickets, statements: statements, heads: &heads,
                                in: db)
                            outcomes.append(.success(stored))
                        } catch let error as ResultWriteError {
                            outcomes.append(.failure(error))
                        }
                    }
                    next = batch.count
                    let room = Self.maximumBatch - batch.count
                    if room > 0 { batch += state.withLock { Self.take(from: &$0, limit: room) } }
                }
                heads.end(in: db)
                return outcomes
            }
            afterCommit(batch.reduce(0) { $0 + $1.results.count })
            for (pending, outcome) in zip(batch, outcomes) {
                pending.completion(outcome)
            }
        } catch {
            heads.forget()
            logger.error("result batch failed to commit", metadata: ["size": "\(batch.count)", "error": "\(error)"])
            for pending in batch {
                pending.completion(.failure(ResultWriteError.databaseFailure("\(error)")))
            }
        }
    }

    /// Inserts one result inside the caller's transaction, which must roll back if this throws.
    /// For writes that must commit together with other changes; ingest goes through `write(_:)`.
    public static func insert(_ result: NewResult, in db: Database) throws -> ResultWriteOutcome {
        var heads = HeadCache()
        let outcomes = try insertAll(
            [result], planningTickets: TicketPlanner.anyEnabledChannel(in: db), statements: ResultStatements(in: db),
            heads: &heads, in: db)
        guard let outcome = outcomes.first else { throw ResultWriteError.databaseFailure("no outcome for the result") }
        return outcome
    }

    /// One caller's results: all stored, or none (a mail to two checks, one of them deleted
    /// meanwhile, is answered "send again" with nothing of it kept, so the resend is not a repeat).
    ///
    /// A `ResultWriteError` leaves nothing of the caller's results behind; after any other error
    /// the transaction must roll back.
    static func insertAll(
        _ results: [NewResult], planningTickets: Bool, statements: ResultStatements, heads: inout HeadCache,
        in db: Database
    ) throws -> [ResultWriteOutcome] {
        // The common case, one result and no channels, needs no savepoint: a vanished check is
        // found before anything is written.
        guard results.count > 1 || planningTickets else {
            return try results.map {
                try insertRow($0, planningTickets: false, statements: statements, heads: &heads, in: db)
            }
        }
        // Several results, and a result with its ticket steps, stand or fall together: a
        // `ResultWriteError` leaves the savepoint rolled back. Any other error still rolls back the
        // batch: SQLite may have rolled back the whole transaction already (a full disk), and
        // later callers must not go on outside it.
        var outcomes: [ResultWriteOutcome] = []
        do {
            try db.inSavepoint {
                outcomes = try results.map {
                    try insertRow($0, planningTickets: planningTickets, statements: statements, heads: &heads, in: db)
                }
                return .commit
            }
        } catch {
            // Heads moved inside the savepoint were rolled back with it.
            heads.forget()
            throw error
        }
        return outcomes
    }

    private static func insertRow(
        _ result: NewResult, planningTickets: Bool, statements: ResultStatements, heads: inout HeadCache,
        in db: Database
    ) throws -> ResultWriteOutcome {
        // Results have no foreign key (see the v5 migration): a check is known to exist when it
        // has a head, and is looked up only for its first result.
        let head = try heads[result.checkID] ?? ResultChain.head(checkID: result.checkID, reading: statements.head)
        if head == nil {
            let exists = try DirectStatement("SELECT 1 FROM checks WHERE id = ?", in: db)
            let found = try exists.firstRow(.text(result.checkID)) { _ in true }
            guard found != nil else { throw ResultWriteError.checkNotFound }
        }
        try statements.insert.execute(
            .text(result.checkID), .integer(head?.lastResultID), .text(result.status.rawValue),
            .text(result.source.rawValue), .integer(result.receivedAt.milliseconds),
            .integer(result.occurredAt?.milliseconds), .text(result.subject), .text(result.excerpt),
            .integer(result.ruleIndex), .text(result.dedupeKey), .blob(result.raw), .text(result.rawContentType),
            .integer(result.rawSize))
        if db.changesCount == 0, let dedupeKey = result.dedupeKey {
            let first = try ResultRecord.fetchOne(
                db, sql: "SELECT \(ResultRecord.columns) FROM results WHERE check_id = ? AND dedupe_key = ?",
                arguments: [result.checkID, dedupeKey])
            guard let first else { throw ResultWriteError.databaseFailure("a repeated delivery's first result is missing") }
            return .duplicate(first)
        }
        let record = ResultRecord(rowID: db.lastInsertedRowID, result: result)
        let moved = try ResultChain.advance(
            checkID: result.checkID, to: record.rowID, success: result.status == .success, previous: head,
            update: statements.updateHead, in: db)
        heads[result.checkID] = moved
        if planningTickets { try TicketPlanner.plan(for: record, nonSuccesses: moved.nonSuccesses, in: db) }
        return .stored(record)
    }
}

/// The statements of storing a result, taken from the connection's statement cache once per
/// transaction: finding one there hashes its SQL text, which for three statements a result took
/// about 5 % of the writer's time.
struct ResultStatements {
    let head: DirectStatement
    let insert: DirectStatement
    let updateHead: DirectStatement

    init(in db: Database) throws {
        head = try DirectStatement(ResultChain.headSQL, in: db)
        insert = try DirectStatement(
            """
            INSERT INTO results (check_id, previous_id, status, source, received_at, occurred_at, subject, excerpt,
                                 rule_index, dedupe_key, raw, raw_content_type, raw_size)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (check_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
            """, in: db)
        updateHead = try DirectStatement(ResultChain.updateHeadSQL, in: db)
    }
}

/// Check heads as the writer last wrote them, so that storing a result does not first read its
/// check's head: that read was about a tenth of the writer's time.
///
/// Under ingest the writer is the only one moving heads. Anything else that writes (deleting a
/// check, pruning, a result stored by an RPC method, another process) changes the connection's
/// count of changed rows or the database's data version, and the cache starts over. It holds at
/// most one small entry per check.
struct HeadCache {
    private var heads: [String: ResultChain.Head] = [:]
    /// The database as this writer's last transaction left it; nil: unknown.
    private var lastWritten: Stamp?
    private var dataVersion: Int64 = 0

    private struct Stamp: Equatable {
        var changedRows: Int
        var dataVersion: Int64
    }

    subscript(checkID: String) -> ResultChain.Head? {
        get { heads[checkID] }
        set { heads[checkID] = newValue }
    }

    /// At the start of a writer transaction: keeps the heads only if nothing else wrote since the
    /// writer's last transaction.
    mutating func begin(in db: Database) throws {
        // Changes only when another connection commits: another process, or a pool being replaced.
        dataVersion = try DirectStatement("PRAGMA data_version", in: db).firstRow { $0.int64(at: 0) } ?? 0
        if lastWritten != Stamp(changedRows: db.totalChangesCount, dataVersion: dataVersion) {
            heads.removeAll(keepingCapacity: true)
        }
        lastWritten = nil
    }

    /// After the transaction's last statement; valid once it commits (`forget` if it does not).
    mutating func end(in db: Database) {
        lastWritten = Stamp(changedRows: db.totalChangesCount, dataVersion: dataVersion)
    }

    /// Drops every head: a transaction or savepoint rolled back.
    mutating func forget() {
        heads.removeAll()
        lastWritten = nil
    }
}

/// When the writer asks the checkpointer for a pass, and when it finishes a checkpoint itself.
///
/// Copying a whole cycle of batches back on the writer thread held the writer for 2 ms (webhooks)
/// to 19 ms (mail) every 16 batches, and every caller queued behind it. With background passes,
/// the checkpointer copies the bulk of the cycle, and fsyncs the database file, while the writer
/// goes on committing; the writer then finishes with what was committed during that pass.
struct CheckpointSchedule {
    enum Step: Equatable {
        case none
        case askForPass
        case finish
    }

    let batchesPerCheckpoint: Int
    /// Whether a checkpointer runs passes when asked; without one the writer copies everything.
    let backgroundPasses: Bool
    private var batches = 0
    private var passAsked = false

    init(batchesPerCheckpoint: Int, backgroundPasses: Bool) {
        self.batchesPerCheckpoint = batchesPerCheckpoint
        self.backgroundPasses = backgroundPasses
    }

    /// The step after a commit; `passEnded`: the pass last asked for has ended.
    mutating func afterCommit(passEnded: Bool) -> Step {
        batches += 1
        guard batches >= batchesPerCheckpoint else { return .none }
        if backgroundPasses {
            if !passAsked {
                passAsked = true
                return .askForPass
            }
            guard passEnded else { return .none }
            passAsked = false
        }
        batches = 0
        return .finish
    }
}
