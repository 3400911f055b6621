import CheckBridgeCore
import Foundation
import GRDB
import Logging
@testable import Storage
import Synchronization
import Testing

@testable import Server

/// The group-commit writer on its own thread, on a real database.
@Suite struct ResultWriterTests {
    @Test func concurrentWritesAreEachCommittedAndAnsweredWithTheirOwnRow() async throws {
        let (database, path) = try ResultPrunerTests.database(counts: [0, 0], now: Timestamp(milliseconds: 0))
        defer { ResultPrunerTests.remove(path) }
        let writer = ResultWriter(database: database, logger: Logger(label: "test"))
        let service = Task { try await writer.run() }
        let answers = try await withThrowingTaskGroup(of: (Int, ResultWriteOutcome).self) { group in
            for index in 0..<500 {
                group.addTask {
                    let result = NewResult(
                        checkID: "chk_\(index % 2)", status: .success, source: .webhook,
                        receivedAt: Timestamp(milliseconds: Int64(index)), subject: "report \(index)")
                    return (index, try await writer.write(result))
                }
            }
            var answers: [(Int, ResultWriteOutcome)] = []
            for try await answer in group { answers.append(answer) }
            return answers
        }
        var rowIDs = Set<Int64>()
        for (index, outcome) in answers {
            guard case .stored(let record) = outcome else {
                Issue.record("write \(index) was not stored")
                continue
            }
            #expect(record.subject == "report \(index)")
            rowIDs.insert(record.rowID)
        }
        #expect(rowIDs.count == 500)
        let stored = try await database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results WHERE subject LIKE 'report %'")
        }
        #expect(stored == 500)

        // Once stopped and drained, the writer refuses work instead of leaving it waiting.
        service.cancel()
        try await service.value
        do {
            _ = try await writer.write(
                NewResult(checkID: "chk_0", status: .failure, source: .webhook, receivedAt: Timestamp(milliseconds: 1)))
            Issue.record("a write after stopping was accepted")
        } catch ResultWriteError.shuttingDown {
        } catch {
            Issue.record("unexpected \(error)")
        }
        try database.close()
    }

    /// Callers that queue while a batch is being written join that batch's transaction instead
    /// of waiting for the next commit.
    @Test func callersQueuedDuringATransactionJoinIt() async throws {
        let (database, path) = try ResultPrunerTests.database(counts: [0], now: Timestamp(milliseconds: 0))
        defer { ResultPrunerTests.remove(path) }
        let commits = Mutex<[Int]>([])
        let writer = ResultWriter(database: database, logger: Logger(label: "test")) { size in
            commits.withLock { $0.append(size) }
        }
        // Another connection holds the write lock, so the writer waits inside its first batch.
        var holding = Configuration()
        holding.allowsUnsafeTransactions = true  // the lock is held across two accesses
        let blocker = try DatabaseQueue(path: path, configuration: holding)
        try blocker.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let service = Task { try await writer.run() }
        func result(_ subject: String) -> NewResult {
            NewResult(checkID: "chk_0", status: .success, source: .webhook, receivedAt: Timestamp(milliseconds: 1), subject: subject)
        }
        async let first = writer.write(result("first"))
        try await Task.sleep(for: .milliseconds(300))  // the writer takes `first` and waits for the lock
        async let second = writer.write(result("second"))
        async let third = writer.write(result("third"))
        try await Task.sleep(for: .milliseconds(100))
        try blocker.inDatabase { try $0.execute(sql: "COMMIT") }
        let outcomes = try await [first, second, third]
        #expect(outcomes.count == 3)
        #expect(commits.withLock { $0 } == [3])
        service.cancel()
        try await service.value
        try blocker.close()
        try database.close()
    }

    @Test func oneCallersResultsAreStoredTogetherOrNotAtAll() async throws {
        let (database, path) = try ResultPrunerTests.database(counts: [0], now: Timestamp(milliseconds: 0))
        defer { ResultPrunerTests.remove(path) }
        let writer = ResultWriter(database: database, logger: Logger(label: "test"))
        let service = Task { try await writer.run() }
        func result(_ checkID: String, _ subject: String) -> NewResult {
            NewResult(checkID: checkID, status: .failure, source: .mail, receivedAt: Timestamp(milliseconds: 1), subject: subject)
        }
        // A mail to an existing check and to one deleted meanwhile: nothing of it is kept.
        do {
            _ = try await writer.write([result("chk_0", "to both"), result("chk_deleted", "to both")])
            Issue.record("a result for a missing check was stored")
        } catch ResultWriteError.checkNotFound {
        } catch {
            Issue.record("unexpected \(error)")
        }
        let outcomes = try await writer.write([result("chk_0", "first"), result("chk_0", "second")])
        #expect(outcomes.count == 2)
        let subjects = try await database.pool.read { db in
            try String.fetchAll(db, sql: "SELECT subject FROM results ORDER BY id")
        }
        #expect(subjects == ["first", "second"])
        service.cancel()
        try await service.value
        try database.close()
    }

    /// The writer keeps the heads it wrote between batches; whatever else moves a head (a result
    /// stored in another transaction or by another connection, a deleted check, a caller's results
    /// rolled back) must make it read them again, or a chain would skip results and count a run of
    /// failures wrongly, or a deleted check would get a result.
    @Test func headsChangedOutsideTheWriterAreReadAgain() async throws {
        let (database, path) = try ResultPrunerTests.database(counts: [0, 0], now: Timestamp(milliseconds: 0))
        defer { ResultPrunerTests.remove(path) }
        let writer = ResultWriter(database: database, logger: Logger(label: "test"))
        let service = Task { try await writer.run() }
        @Sendable func failure(_ checkID: String) -> NewResult {
            NewResult(checkID: checkID, status: .failure, source: .webhook, receivedAt: Timestamp(milliseconds: 1))
        }
        @Sendable func stored(_ outcome: ResultWriteOutcome) -> Int64 {
            guard case .stored(let record) = outcome else { return -1 }
            return record.rowID
        }
        func link(_ id: Int64) throws -> Int64? {
            try database.pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT previous_id FROM results WHERE id = ?", arguments: [id])
            }
        }
        func nonSuccesses(_ checkID: String) throws -> Int? {
            try database.pool.read { db in try ResultChain.head(checkID: checkID, in: db)?.nonSuccesses }
        }

        // A result stored in a transaction of its own, on the writer's connection.
        let first = stored(try await writer.write(failure("chk_0")))
        let elsewhere = try await database.pool.write { db in stored(try ResultWriter.insert(failure("chk_0"), in: db)) }
        let third = stored(try await writer.write(failure("chk_0")))
        #expect(try link(third) == elsewhere)
        #expect(try link(elsewhere) == first)
        #expect(try nonSuccesses("chk_0") == 3)

        // A result stored by another connection, as another process would.
        let other = try DatabaseQueue(path: path)
        let fromOther = try await other.write { db in stored(try ResultWriter.insert(failure("chk_0"), in: db)) }
        try other.close()
        let fifth = stored(try await writer.write(failure("chk_0")))
        #expect(try link(fifth) == fromOther)
        #expect(try nonSuccesses("chk_0") == 5)

        // A caller's results rolled back together: the head stays where it was.
        do {
            _ = try await writer.write([failure("chk_0"), failure("chk_missing")])
            Issue.record("a result for a missing check was stored")
        } catch ResultWriteError.checkNotFound {
        } catch {
            Issue.record("unexpected \(error)")
        }
        let sixth = stored(try await writer.write(failure("chk_0")))
        #expect(try link(sixth) == fifth)
        #expect(try nonSuccesses("chk_0") == 6)

        // A check deleted after the writer stored its result gets no more.
        _ = try await writer.write(failure("chk_1"))
        try await database.pool.write { db in
            try ResultChain.deleteAll(checkID: "chk_1", in: db)
            try db.execute(sql: "DELETE FROM checks WHERE id = 'chk_1'")
        }
        do {
            _ = try await writer.write(failure("chk_1"))
            Issue.record("a result for a deleted check was stored")
        } catch ResultWriteError.checkNotFound {
        } catch {
            Issue.record("unexpected \(error)")
        }
        service.cancel()
        try await service.value
        try database.close()
    }

    /// Every value reaches its column as given: empty texts stay empty texts (the columns are NOT
    /// NULL), an empty raw input stays an empty blob, and texts and bytes, non-ASCII too, are kept
    /// exactly, in small rows and in one larger than a page.
    @Test func everyValueIsStoredExactlyAsGiven() async throws {
        let (database, path) = try ResultPrunerTests.database(counts: [0], now: Timestamp(milliseconds: 0))
        defer { ResultPrunerTests.remove(path) }
        let writer = ResultWriter(database: database, logger: Logger(label: "test"))
        let service = Task { try await writer.run() }
        let large = (0..<9000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let results = [
            NewResult(checkID: "chk_0", status: .success, source: .webhook, receivedAt: Timestamp(milliseconds: 1)),
            NewResult(
                checkID: "chk_0", status: .warning, source: .mail, receivedAt: Timestamp(milliseconds: 2),
                occurredAt: Timestamp(milliseconds: -5), subject: "Sauvegarde réussie ✓ 備份", excerpt: "ligne 1\nligne 2",
                ruleIndex: 3, dedupeKey: "<id@example.net>", raw: [], rawContentType: "message/rfc822", rawSize: 0),
            NewResult(
                checkID: "chk_0", status: .failure, source: .webhook, receivedAt: Timestamp(milliseconds: 3),
                subject: String(repeating: "long ", count: 900), raw: large, rawContentType: "application/octet-stream",
                rawSize: 12_000),
        ]
        for result in results { _ = try await writer.write(result) }
        let rows = try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT check_id, status, source, received_at, occurred_at, subject, typeof(subject) AS subject_type,
                       excerpt, rule_index, dedupe_key, raw, typeof(raw) AS raw_type, raw_content_type, raw_size
                FROM results ORDER BY id
                """)
        }
        #expect(rows.count == 3)
        for (row, result) in zip(rows, results) {
            #expect(row["check_id"] == result.checkID)
            #expect(row["status"] == result.status.rawValue)
            #expect(row["source"] == result.source.rawValue)
            #expect(row["received_at"] == result.receivedAt.milliseconds)
            #expect(row["occurred_at"] == result.occurredAt?.milliseconds)
            #expect(row["subject"] == result.subject)
            #expect(row["subject_type"] == "text")
            #expect(row["excerpt"] == result.excerpt)
            #expect(row["rule_index"] == result.ruleIndex)
            #expect(row["dedupe_key"] == result.dedupeKey)
            #expect((row["raw"] as Data?).map(Array.init) == result.raw)
            #expect(row["raw_content_type"] == result.rawContentType)
            #expect(row["raw_size"] == result.rawSize)
        }
        #expect(rows.map { $0["raw_type"] as String } == ["null", "blob", "blob"])
        service.cancel()
        try await service.value
        try database.close()
    }

    /// Every `batchesPerCheckpoint` batches the writer asks for a background pass, goes on committing
    /// until it has ended, then finishes the checkpoint itself; without a checkpointer it finishes
    /// at once.
    @Test func checkpointsAreFinishedAfterTheBackgroundPassEnds() {
        var schedule = CheckpointSchedule(batchesPerCheckpoint: 3, backgroundPasses: true)
        let steps = [false, false, false, false, false, true, false, false, false, true].map {
            schedule.afterCommit(passEnded: $0)
        }
        #expect(steps == [.none, .none, .askForPass, .none, .none, .finish, .none, .none, .askForPass, .finish])

        var alone = CheckpointSchedule(batchesPerCheckpoint: 3, backgroundPasses: false)
        let alonesSteps = (0..<7).map { _ in alone.afterCommit(passEnded: false) }
        #expect(alonesSteps == [.none, .none, .finish, .none, .none, .finish, .none])
    }

    /// Under writes the WAL starts over every cycle, with the checkpointer running its passes
    /// when asked (its own timer is set beyond the test), and with a checkpointer that is not
    /// running (the server is stopping): that one skips the pass and says so, and the writer does
    /// not wait for a pass that never comes while the log grows.
    @Test(arguments: [true, false])
    func theWALStartsOverEveryCycle(checkpointerRuns: Bool) async throws {
        let (database, path) = try ResultPrunerTests.database(counts: [0], now: Timestamp(milliseconds: 0))
        defer { ResultPrunerTests.remove(path) }
        let checkpointer = WALCheckpointer(path: path, interval: .seconds(3600), logger: Logger(label: "test"))
        let passes = Task { if checkpointerRuns { try await checkpointer.run() } }
        let writer = ResultWriter(database: database, logger: Logger(label: "test"), checkpointer: checkpointer)
        let service = Task { try await writer.run() }
        let batches = 2 * ResultWriter.batchesPerCheckpoint + 6
        for index in 0..<batches {
            _ = try await writer.write(
                NewResult(checkID: "chk_0", status: .success, source: .webhook, receivedAt: Timestamp(milliseconds: Int64(index))))
        }
        service.cancel()
        try await service.value
        passes.cancel()
        try await passes.value
        // Frames now in the log; every batch writes at least two (the table's page and the head's).
        let framesInLog: Int = try await database.pool.writeWithoutTransaction { db in
            try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)").map { $0[1] as Int } ?? -1
        }
        #expect(framesInLog >= 0)
        #expect(framesInLog < ResultWriter.batchesPerCheckpoint, "the WAL held \(framesInLog) frames")
        try database.close()
    }

    @Test func whatTheWriterCannotStoreIsAProblemToRetryNotAnInternalError() {
        let gone = ProblemDetails(.notFound, "no check has this token")
        #expect(ProblemDetails.notStored(ResultWriteError.checkNotFound, checkGone: gone).status == .notFound)
        #expect(ProblemDetails.notStored(ResultWriteError.shuttingDown, checkGone: gone).status == .serviceUnavailable)
        #expect(
            ProblemDetails.notStored(ResultWriteError.databaseFailure("disk full"), checkGone: gone).status
                == .serviceUnavailable)
        #expect(ProblemDetails.notStored(CancellationError(), checkGone: gone).status == .serviceUnavailable)
    }
}
