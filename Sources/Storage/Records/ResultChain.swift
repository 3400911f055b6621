import GRDB

/// A check's results, found without an index on `check_id`: each result names the check's result
/// before it (`previous_id`), and `check_heads` names each check's newest result and how many
/// results since its last success were not successes.
///
/// An index would have to be written at a page of its own for every check in a group commit;
/// the chain only writes the table's newest pages and the heads. Walks stop at a row that is
/// gone (pruned) or that is not older and of the same check, so a damaged chain ends a walk
/// early instead of looping.
public enum ResultChain {
    /// A check's newest result and its current run of non-successes.
    public struct Head: Sendable, Equatable {
        public var lastResultID: Int64
        public var nonSuccesses: Int
    }

    /// The head of a check's chain; nil if no result was ever stored for it.
    public static func head(checkID: String, in db: Database) throws -> Head? {
        try head(checkID: checkID, reading: DirectStatement(headSQL, in: db))
    }

    /// Reads a head with a statement prepared from `headSQL`.
    static func head(checkID: String, reading statement: DirectStatement) throws -> Head? {
        try statement.firstRow(.text(checkID)) { row in
            Head(lastResultID: row.int64(at: 0), nonSuccesses: Int(row.int64(at: 1)))
        }
    }

    static let headSQL = "SELECT last_result_id, non_successes FROM check_heads WHERE check_id = ?"
    static let updateHeadSQL = "UPDATE check_heads SET last_result_id = ?, non_successes = ? WHERE check_id = ?"

    /// Makes `resultID` the check's newest result, with `success` extending or ending its run of
    /// non-successes; returns the new head. `previous` is the head it replaces, and `update` a
    /// statement prepared from `updateHeadSQL`.
    static func advance(
        checkID: String, to resultID: Int64, success: Bool, previous: Head?, update: DirectStatement, in db: Database
    ) throws -> Head {
        let head = Head(lastResultID: resultID, nonSuccesses: success ? 0 : (previous?.nonSuccesses ?? 0) + 1)
        // The caller knows the current head (read in this transaction, or kept by the writer since
        // its last one), so whether the row exists is known: a plain update or insert costs SQLite
        // about half of an upsert, once for every result.
        let statement =
            previous == nil
            ? try DirectStatement(
                "INSERT INTO check_heads (last_result_id, non_successes, check_id) VALUES (?, ?, ?)", in: db)
            : update
        try statement.execute(.integer(head.lastResultID), .integer(head.nonSuccesses), .text(checkID))
        return head
    }

    /// A check's results, newest first, with ids below `beforeRowID` (all when nil), at most `limit`.
    static func page(checkID: String, beforeRowID: Int64?, limit: Int, in db: Database) throws -> [ResultRecord] {
        let start: Int64?
        // A cursor is the id of the previous page's last result: the page goes on below it. Any
        // other id (a result since pruned, or of another check) is found by walking from the head.
        if let before = beforeRowID, let cursor = try link(before, checkID: checkID, in: db) {
            start = cursor.previous
        } else {
            start = try head(checkID: checkID, in: db)?.lastResultID
        }
        let ids = try ids(checkID: checkID, from: start, below: beforeRowID ?? .max, limit: limit, in: db)
        guard !ids.isEmpty else { return [] }
        // The links are walked with small direct lookups; the page's rows are read in one query.
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        return try ResultRecord.fetchAll(
            db.cachedStatement(sql: """
                SELECT \(ResultRecord.columns) FROM results
                WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id DESC
                """),
            arguments: [list])
    }

    /// The ids of a check's results beyond its newest `keeping`, oldest first: deleting them in
    /// that order keeps the chain whole from its head at every step.
    public static func excess(checkID: String, keeping: Int, in db: Database) throws -> [Int64] {
        // Most checks are within their limit: only their kept results are walked.
        let newest = try head(checkID: checkID, in: db)?.lastResultID
        let kept = try ids(checkID: checkID, from: newest, limit: keeping + 1, in: db)
        guard kept.count > keeping, let newestExcess = kept.last else { return [] }
        return try ids(checkID: checkID, from: newestExcess, in: db).reversed()
    }

    /// Deletes every result of a check reachable from its head; for deleting the check itself.
    public static func deleteAll(checkID: String, in db: Database) throws {
        let newest = try head(checkID: checkID, in: db)?.lastResultID
        _ = try delete(ids: ids(checkID: checkID, from: newest, in: db), in: db)
    }

    /// Deletes results by id; returns how many there were.
    public static func delete(ids: [Int64], in db: Database) throws -> Int {
        let delete = try db.cachedStatement(sql: "DELETE FROM results WHERE id = ?")
        var count = 0
        for id in ids {
            try delete.execute(arguments: [id])
            count += db.changesCount
        }
        return count
    }

    /// A check's result ids, newest first, walking back from `start`: those below `bound`, at most `limit`.
    private static func ids(
        checkID: String, from start: Int64?, below bound: Int64 = .max, limit: Int = .max, in db: Database
    ) throws -> [Int64] {
        var ids: [Int64] = []
        var next = start
        while ids.count < limit, let id = next, let link = try link(id, checkID: checkID, in: db) {
            if id < bound { ids.append(id) }
            next = link.previous
        }
        return ids
    }

    /// One of a check's results, as a step of its chain.
    private struct Link {
        /// The check's result before it, when that one is older (a chain only ever points back).
        var previous: Int64?
    }

    /// The result `id` as a link of the check's chain; nil if it is gone or not the check's.
    private static func link(_ id: Int64, checkID: String, in db: Database) throws -> Link? {
        let statement = try DirectStatement("SELECT check_id, previous_id FROM results WHERE id = ?", in: db)
        let row = try statement.firstRow(.integer(id)) { row in
            (checkID: row.text(at: 0), previous: row.isNull(at: 1) ? nil : row.int64(at: 1))
        }
        guard let row, row.checkID == checkID else { return nil }
        return Link(previous: row.previous.flatMap { $0 < id ? $0 : nil })
    }
}
