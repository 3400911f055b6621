import CheckBridgeCore
import GRDB
import Storage

extension TicketLinkRecord {
    var json: JSONValue {
        [
            "id": .string(publicID),
            "check_id": .string(checkID),
            "channel_id": .string(channelID),
            "psa_ticket_id": psaTicketID.map { .int($0) } ?? .null,
            "state": .string(state.rawValue),
            "reference": .string(reference),
            "opened_at": .string(openedAt?.rfc3339),
            "closed_at": .string(closedAt?.rfc3339),
            "last_error": .string(lastError),
        ]
    }
}

extension PSAOperationRecord {
    var json: JSONValue {
        [
            "id": .string(publicID),
            "channel_id": .string(channelID),
            "check_id": .string(checkID),
            "ticket_id": .string(TicketLinkRecord.idFormat.format(linkID)),
            "result_id": resultID.map { .string(RowIDFormat.result.format($0)) } ?? .null,
            "step": .string(step.rawValue),
            "state": .string(state.rawValue),
            "attempts": .int(attempts),
            "next_attempt_at": .string(nextAttemptAt.rfc3339),
            "last_error": .string(lastError),
            "created_at": .string(createdAt.rfc3339),
        ]
    }
}

extension RPCMethods {
    static var tickets: [RPCMethod] {
        [
            RPCMethod("tickets.list", access: .read, summary: "PSA tickets CheckBridge opened, newest first.") {
                params, context in
                let checkID = params.string("check_id")
                let channelID = params.string("channel_id")
                let stateName = params.string("state")
                let state = stateName.flatMap(TicketLinkState.init(rawValue:))
                if stateName != nil, state == nil {
                    params.fail("state", "must be one of opening, open, closing, closed, failed")
                }
                let limit = params.int("limit", in: 1...1000) ?? 200
                try params.finish()
                let links = try await context.services.database.pool.read { db in
                    var conditions: [String] = []
                    var arguments: StatementArguments = []
                    if let checkID { conditions.append("check_id = ?"); arguments += [checkID] }
                    if let channelID { conditions.append("channel_id = ?"); arguments += [channelID] }
                    if let state { conditions.append("state = ?"); arguments += [state.rawValue] }
                    let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
                    arguments += [limit]
                    return try TicketLinkRecord.fetchAll(
                        db, sql: "SELECT * FROM ticket_links \(filter) ORDER BY id DESC LIMIT ?", arguments: arguments)
                }
                return ["tickets": .array(links.map(\.json))]
            },
            RPCMethod("tickets.get", access: .read, summary: "One ticket with its queued steps.") { params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                let found = try await context.services.database.pool.read { db -> (TicketLinkRecord, [PSAOperationRecord])? in
                    guard let rowID = TicketLinkRecord.parseID(id), let link = try TicketLinkRecord.fetchOne(db, key: rowID)
                    else { return nil }
                    let operations = try PSAOperationRecord.fetchAll(
                        db, sql: "SELECT * FROM psa_operations WHERE link_id = ? ORDER BY id", arguments: [rowID])
                    return (link, operations)
                }
                guard let (link, operations) = found else { throw RPCError.notFound("ticket", id: id) }
                guard case .object(var members) = link.json else { return link.json }
                members["operations"] = .array(operations.map(\.json))
                return .object(members)
            },
            RPCMethod("sync.status", access: .read, summary: "PSA steps not sent yet: pending, failing and dead.") {
                params, context in
                try params.finish()
                let (counts, operations) = try await context.services.database.pool.read {
                    db -> ([(String, Int)], [PSAOperationRecord]) in
                    let counts = try Row.fetchAll(
                        db, sql: "SELECT state, COUNT(*) AS n FROM psa_operations WHERE state != 'done' GROUP BY state"
                    ).map { row -> (String, Int) in (row["state"], row["n"]) }
                    let operations = try PSAOperationRecord.fetchAll(
                        db, sql: "SELECT * FROM psa_operations WHERE state != 'done' ORDER BY id LIMIT 500")
                    return (counts, operations)
                }
                var members: [String: JSONValue] = ["pending": 0, "failing": 0, "dead": 0]
                for (state, count) in counts { members[state] = .int(count) }
                members["operations"] = .array(operations.map(\.json))
                return .object(members)
            },
            RPCMethod("sync.retry", access: .admin, summary: "Sends a failing or dead step again now.") { params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                let operation = try await context.services.database.pool.write { db -> PSAOperationRecord? in
                    guard let rowID = PSAOperationRecord.parseID(id),
                        var operation = try PSAOperationRecord.fetchOne(db, key: rowID)
                    else { return nil }
                    guard operation.state != .done else {
                        throw RPCError.conflict("this step was sent already", data: ["id": .string(id)])
                    }
                    operation.state = .pending
                    operation.nextAttemptAt = .now
                    operation.updatedAt = .now
                    try operation.update(db)
                    return operation
                }
                guard let operation else { throw RPCError.notFound("sync operation", id: id) }
                return operation.json
            },
        ]
    }
}
