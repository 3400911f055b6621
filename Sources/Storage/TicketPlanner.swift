import CheckBridgeCore
import GRDB

/// Queues the PSA steps a new result asks for, in the same transaction as the result, so that a
/// stored result and its ticket work are never separated by a crash (SPEC §6).
public enum TicketPlanner {
    /// Whether any channel could want a step; checked once per batch so that ingest without
    /// channels pays nothing per result.
    public static func anyEnabledChannel(in db: Database) throws -> Bool {
        // Asked once per group commit: read directly, like the writer's per-result statements.
        let statement = try DirectStatement("SELECT EXISTS (SELECT 1 FROM channels WHERE enabled = 1)", in: db)
        return try statement.firstRow { $0.int64(at: 0) != 0 } ?? false
    }

    /// Plans the steps of a result just stored; `nonSuccesses` is its check's run of results that
    /// were not successes, this one included (the head the writer just wrote).
    static func plan(for result: ResultRecord, nonSuccesses: Int, in db: Database) throws {
        let channels = try ChannelRecord.fetchAll(db, sql: "SELECT * FROM channels WHERE enabled = 1")
        guard !channels.isEmpty, let check = try CheckRecord.fetchOne(db, key: result.checkID) else { return }
        let covering = channels.filter { $0.parsedScope.covers(checkID: check.id, groupID: check.groupID) }
        guard !covering.isEmpty else { return }
        let groupName = try String.fetchOne(
            db, sql: "SELECT name FROM check_groups WHERE id = ?", arguments: [check.groupID]) ?? ""
        let payload = payload(result: result, check: check, groupName: groupName)
        let now = Timestamp.now
        for channel in covering {
            var link = try TicketLinkRecord.latest(checkID: check.id, channelID: channel.id, in: db)
            let hasOpenTicket = link?.state.isActive ?? false
            guard
                let step = TicketLifecycle.step(
                    for: result.status, hasOpenTicket: hasOpenTicket, consecutiveNonSuccesses: nonSuccesses,
                    failureThreshold: check.failureThreshold, openOnWarning: channel.openOnWarning)
            else { continue }
            switch step {
            case .open:
                var created = TicketLinkRecord(
                    checkID: check.id, channelID: channel.id, reference: "CB-\(result.rowID)-\(channel.id)",
                    state: .opening, createdAt: now)
                try created.insert(db)
                link = created
            case .close:
                link?.state = .closing
                try link?.update(db)
            case .note:
                break
            }
            guard let linkID = link?.id else { continue }
            var operation = PSAOperationRecord(
                channelID: channel.id, checkID: check.id, linkID: linkID, resultID: result.rowID, step: step,
                payload: payload, now: now)
            try operation.insert(db)
        }
    }

    static func payload(result: ResultRecord, check: CheckRecord, groupName: String) -> String {
        let value: JSONValue = [
            "summary": .string(TicketLifecycle.summary(group: groupName, check: check.name, status: result.status)),
            "status": .string(result.status.rawValue),
            "source": .string(result.source.rawValue),
            "received_at": .string(result.receivedAt.rfc3339),
            "subject": .string(result.subject),
            "excerpt": .string(result.excerpt),
            "check_name": .string(check.name),
            "group_name": .string(groupName),
            "group_id": .string(check.groupID),
        ]
        return value.serializedString()
    }
}
