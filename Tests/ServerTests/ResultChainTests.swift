import CheckBridgeCore
import Foundation
import GRDB
import Testing

@testable import Storage

/// Each check's results as a chain from `check_heads` (the v5 schema), against what a plain scan of
/// the results table says, on a real database.
@Suite struct ResultChainTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("chain-\(UUID().uuidString).sqlite").path
    }

    /// A group with `count` checks, `chk_0` … (token `token0` …), each failing when no rule matches.
    static func addChecks(_ count: Int, group: String = "grp_c", in db: Database) throws {
        try db.execute(sql: "INSERT INTO check_groups VALUES (?, 'Checks', '', 0, 0)", arguments: [group])
        for index in 0..<count {
            try db.execute(
                sql: """
                    INSERT INTO checks (id, group_id, name, token, rules, default_status, failure_threshold,
                                        enabled, created_at, updated_at)
                    VALUES (?, ?, ?, ?, '[]', 'failure', 1, 1, 0, 0)
                    """,
                arguments: ["chk_\(index)", group, "check \(index)", "token\(index)"])
        }
    }

    /// Stores a webhook result through the writer's own insert.
    @discardableResult
    static func store(
        _ checkID: String, _ status: CheckStatus, at milliseconds: Int64 = 0, dedupeKey: String? = nil, in db: Database
    ) throws -> ResultWriteOutcome {
        try ResultWriter.insert(
            NewResult(
                checkID: checkID, status: status, source: .webhook, receivedAt: Timestamp(milliseconds: milliseconds),
                dedupeKey: dedupeKey),
            in: db)
    }

    /// A check's result ids, newest first, by scanning the table: what the chain must give.
    static func scanned(_ checkID: String, in db: Database) throws -> [Int64] {
        try Int64.fetchAll(db, sql: "SELECT id FROM results WHERE check_id = ? ORDER BY id DESC", arguments: [checkID])
    }

    /// A check's result ids as `checks.results` pages them, `limit` at a time, cursor by cursor.
    static func paged(_ checkID: String, limit: Int, in db: Database) throws -> [Int64] {
        var ids: [Int64] = []
        var before: Int64?
        while true {
            let page = try ResultRecord.page(checkID: checkID, beforeRowID: before, limit: limit, in: db)
            ids += page.map(\.rowID)
            guard page.count == limit, let last = page.last else { return ids }
            before = last.rowID
        }
    }

    /// Statuses of a pseudo-random stream, the same on every run.
    static func status(_ index: Int) -> CheckStatus {
        [CheckStatus.success, .failure, .warning, .success, .missed, .failure, .success][(index * 7 + 3) % 7]
    }

    @Test func pagesWalkEachChecksResultsNewestFirst() throws {
        let path = Self.temporaryPath()
        defer { ResultPrunerTests.remove(path) }
        let database = try CheckBridgeDatabase(path: path)
        try database.pool.write { db in
            try Self.addChecks(3, in: db)
            // Interleaved unevenly, as real traffic arrives.
            for index in 0..<40 {
                let check = index % 5 == 0 ? 2 : index % 2
                try Self.store("chk_\(check)", Self.status(index), at: 1_000 + Int64(index), in: db)
            }
        }
        try database.pool.read { db in
            for check in 0..<3 {
                let expected = try Self.scanned("chk_\(check)", in: db)
                #expect(expected.count > 5)
                for limit in [1, 3, 50] {
                    #expect(try Self.paged("chk_\(check)", limit: limit, in: db) == expected)
                }
                // A cursor that is not one of the check's results (another check's, or none)
                // still gives the check's results below it.
                let middle = expected[expected.count / 2]
                for cursor in [middle + 1, middle - 1, 10_000] {
                    let page = try ResultRecord.page(checkID: "chk_\(check)", beforeRowID: cursor, limit: 500, in: db)
                    #expect(page.map(\.rowID) == expected.filter { $0 < cursor })
                }
            }
            #expect(try ResultRecord.page(checkID: "chk_none", beforeRowID: nil, limit: 10, in: db).isEmpty)
        }
    }

    @Test func theHeadCountsNonSuccessesSinceTheLastSuccess() throws {
        let path = Self.temporaryPath()
        defer { ResultPrunerTests.remove(path) }
        let database = try CheckBridgeDatabase(path: path)
        let statuses: [CheckStatus] = [.failure, .success, .failure, .warning, .missed, .success, .failure, .failure]
        let runs = try database.pool.write { db -> [Int] in
            try Self.addChecks(1, in: db)
            return try statuses.enumerated().map { index, status in
                try Self.store("chk_0", status, at: Int64(index), in: db)
                return try #require(try ResultChain.head(checkID: "chk_0", in: db)).nonSuccesses
            }
        }
        #expect(runs == [1, 0, 1, 2, 3, 0, 1, 2])
    }

    @Test func idsAreNeverReusedSoAChainCannotLoop() throws {
        let path = Self.temporaryPath()
        defer { ResultPrunerTests.remove(path) }
        let database = try CheckBridgeDatabase(path: path)
        try database.pool.write { db in
            try Self.addChecks(1, in: db)
            func add() throws -> Int64 {
                let outcome = try Self.store("chk_0", .success, in: db)
                guard case .stored(let record) = outcome else { throw ResultWriteError.databaseFailure("not stored") }
                return record.rowID
            }
            let first = try add()
            let newest = try add()
            // The newest result goes (as age pruning may do); the next one still gets a new id.
            try db.execute(sql: "DELETE FROM results WHERE id = ?", arguments: [newest])
            let next = try add()
            #expect(next > newest)
            // Its predecessor is gone, so the chain ends there: the older result is out of reach
            // but nothing loops.
            #expect(try ResultRecord.page(checkID: "chk_0", beforeRowID: nil, limit: 10, in: db).map(\.rowID) == [next])
            #expect(first < newest)
        }
    }

    @Test func deletingACheckDeletesItsResultsOnly() throws {
        let path = Self.temporaryPath()
        defer { ResultPrunerTests.remove(path) }
        let database = try CheckBridgeDatabase(path: path)
        try database.pool.write { db in
            try Self.addChecks(2, in: db)
            for index in 0..<30 {
                try Self.store("chk_\(index % 2)", .failure, at: Int64(index), in: db)
            }
            try ResultChain.deleteAll(checkID: "chk_0", in: db)
            try db.execute(sql: "DELETE FROM checks WHERE id = 'chk_0'")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results WHERE check_id = 'chk_0'") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results WHERE check_id = 'chk_1'") == 15)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM check_heads") == 1)
            // A result for the deleted check is refused, and nothing of it is kept.
            #expect(throws: ResultWriteError.self) {
                try Self.store("chk_0", .success, in: db)
            }
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results") == 15)
        }
    }

    /// A database written before the chain (schema v4) keeps every result, in the same order per
    /// check, with heads that say what the old queries said.
    @Test func theMigrationChainsResultsStoredBefore() throws {
        let path = Self.temporaryPath()
        defer { ResultPrunerTests.remove(path) }
        do {
            let queue = try DatabaseQueue(path: path)
            try CheckBridgeDatabase.migrator.migrate(queue, upTo: "v4-psa-links-and-assets")
            try queue.write { db in
                try Self.addChecks(4, in: db)
                for index in 0..<200 {
                    try db.execute(
                        sql: """
                            INSERT INTO results (check_id, status, source, received_at, dedupe_key)
                            VALUES (?, ?, 'webhook', ?, ?)
                            """,
                        arguments: [
                            "chk_\(index * index % 3)", Self.status(index).rawValue, index,
                            index % 10 == 0 ? "key-\(index)" : nil,
                        ])
                }
            }
            try queue.close()
        }
        let database = try CheckBridgeDatabase(path: path)
        try database.pool.write { db in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM results") == 200)
            #expect(try !db.indexes(on: "results").contains { $0.name == "results_by_check" })
            for check in 0..<4 {
                let expected = try Self.scanned("chk_\(check)", in: db)
                #expect(try Self.paged("chk_\(check)", limit: 7, in: db) == expected)
                let head = try ResultChain.head(checkID: "chk_\(check)", in: db)
                #expect(head?.lastResultID == expected.first)
                let statuses = try String.fetchAll(
                    db, sql: "SELECT status FROM results WHERE check_id = ? ORDER BY id DESC", arguments: ["chk_\(check)"])
                let run = statuses.prefix { $0 != CheckStatus.success.rawValue }.count
                #expect(head.map(\.nonSuccesses) == (expected.isEmpty ? nil : run))
            }
            // Repeats are still recognised after the migration, and new results continue the chains.
            let repeated = try Self.store("chk_0", .success, dedupeKey: "key-0", in: db)
            guard case .duplicate = repeated else {
                Issue.record("a repeat after the migration was stored again")
                return
            }
            let before = try Self.scanned("chk_1", in: db)
            let outcome = try Self.store("chk_1", .failure, in: db)
            guard case .stored(let record) = outcome else {
                Issue.record("a new result after the migration was not stored")
                return
            }
            #expect(record.rowID > 200)
            #expect(try Self.paged("chk_1", limit: 7, in: db) == [record.rowID] + before)
        }
    }
}
