import CheckBridgeCore
import Foundation
import GRDB
import Storage
import Testing

/// Retention (`--retention-days`, `--retention-per-check`) on a real database, across more rows than
/// one pruning transaction takes.
@Suite struct ResultPrunerTests {
    /// A database with two checks and `counts[i]` results for check i, one a minute up to `now`.
    static func database(counts: [Int], now: Timestamp) throws -> (CheckBridgeDatabase, String) {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("prune-\(UUID().uuidString).sqlite").path
        let database = try CheckBridgeDatabase(path: path)
        try database.pool.write { db in
            try ResultChainTests.addChecks(counts.count, group: "grp_p", in: db)
            // Interleaved, as real traffic arrives: oldest first, so ids follow arrival.
            let total = counts.max() ?? 0
            for minute in stride(from: total - 1, through: 0, by: -1) {
                for (index, count) in counts.enumerated() where minute < count {
                    let result = NewResult(
                        checkID: "chk_\(index)", status: .success, source: .webhook,
                        receivedAt: Timestamp(milliseconds: now.milliseconds - Int64(minute) * 60_000))
                    _ = try ResultWriter.insert(result, in: db)
                }
            }
        }
        return (database, path)
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// How many results a check has left, and when the oldest of them arrived.
    static func kept(_ database: CheckBridgeDatabase, check: Int) throws -> (count: Int, oldest: Int64?) {
        try database.pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT COUNT(*), MIN(received_at) FROM results WHERE check_id = ?", arguments: ["chk_\(check)"])
            return (row?[0] ?? -1, row?[1])
        }
    }

    @Test func deletesResultsPastTheAgeAcrossManyBatches() async throws {
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        let (database, path) = try Self.database(counts: [1_300, 40], now: now)
        defer { Self.remove(path) }
        // Ten hours: the 600 newest minutes stay (0…599 minutes old), older ones go.
        let pruner = ResultPruner(
            database: database, maximumAge: .seconds(600 * 60 - 30), maximumPerCheck: nil, logger: .init(label: "test"))
        #expect(try await pruner.prune(now: now) == 700)
        let first = try Self.kept(database, check: 0)
        #expect(first.count == 600 && first.oldest == now.milliseconds - 599 * 60_000)
        #expect(try Self.kept(database, check: 1).count == 40)
        #expect(try await pruner.prune(now: now) == 0)
        try database.close()
    }

    @Test func resultsStampedInTheFutureAmongTheOldestGoWithThem() async throws {
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        let (database, path) = try Self.database(counts: [1_300, 0], now: now)
        defer { Self.remove(path) }
        // Among the oldest rows, some written while the clock ran a day ahead.
        try await database.pool.write { db in
            try db.execute(
                sql: "UPDATE results SET received_at = ? WHERE id IN (SELECT id FROM results ORDER BY id LIMIT 150)",
                arguments: [now.milliseconds + 86_400_000])
        }
        let pruner = ResultPruner(
            database: database, maximumAge: .seconds(600 * 60 - 30), maximumPerCheck: nil, logger: .init(label: "test"))
        // 1,300 rows: the 150 stamped in the future were stored before the 550 past the age and go
        // with them; the 600 newest are kept.
        #expect(try await pruner.prune(now: now) == 700)
        #expect(try Self.kept(database, check: 0).count == 600)
        try database.close()
    }

    /// A result stored last but stamped long ago (unmatched mail assigned weeks later) is the
    /// check's newest: it stays until the results stored before it go, and the chain stays whole.
    @Test func anOldResultStoredLastKeepsItsPlaceInTheChain() async throws {
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        // 99 results, so the old one is the 100th: the first window ends with it.
        let (database, path) = try Self.database(counts: [50, 49], now: now)
        defer { Self.remove(path) }
        let assigned = try await database.pool.write { db -> Int64 in
            let outcome = try ResultWriter.insert(
                NewResult(
                    checkID: "chk_0", status: .failure, source: .mail,
                    receivedAt: Timestamp(milliseconds: now.milliseconds - 40 * 86_400_000)),
                in: db)
            guard case .stored(let record) = outcome else { throw ResultWriteError.databaseFailure("not stored") }
            return record.rowID
        }
        let pruner = ResultPruner(
            database: database, maximumAge: .seconds(30 * 86_400), maximumPerCheck: nil, logger: .init(label: "test"))
        #expect(try await pruner.prune(now: now) == 0)
        try await database.pool.read { db in
            let page = try ResultRecord.page(checkID: "chk_0", beforeRowID: nil, limit: 100, in: db)
            #expect(page.count == 51 && page.first?.rowID == assigned)
        }
        try database.close()
    }

    @Test func keepsTheNewestResultsOfEachCheck() async throws {
        let now = Timestamp(milliseconds: 1_795_000_000_000)
        let (database, path) = try Self.database(counts: [1_250, 30], now: now)
        defer { Self.remove(path) }
        let pruner = ResultPruner(database: database, maximumAge: nil, maximumPerCheck: 100, logger: .init(label: "test"))
        #expect(try await pruner.prune(now: now) == 1_150)
        let first = try Self.kept(database, check: 0)
        #expect(first.count == 100 && first.oldest == now.milliseconds - 99 * 60_000)
        #expect(try Self.kept(database, check: 1).count == 30)
        #expect(try await pruner.prune(now: now) == 0)
        try database.close()
    }
}
