import CheckBridgeCore
import Foundation
import GRDB
import MailParser
import Storage

extension UnmatchedMailRecord {
    var json: JSONValue {
        [
            "id": .string(id),
            "received_at": .string(receivedAt.rfc3339),
            "from": .string(sender),
            "recipients": .array(recipients.map(JSONValue.string)),
            "subject": .string(subject),
            "message_id": .string(messageID),
            "size": .int(rawSize),
        ]
    }
}

extension RPCMethods {
    static var mail: [RPCMethod] {
        [
            RPCMethod("mail.unmatched.list", access: .read, summary: "Mail that matched no check, newest first.") {
                params, context in
                let limit = params.int("limit", in: 1...500) ?? 50
                let cursor = params.string("cursor")
                let before = cursor.flatMap(UnmatchedMailRecord.parseID)
                if cursor != nil, before == nil { params.fail("cursor", "is not a cursor this method returned") }
                try params.finish()
                let rows = try await context.services.database.pool.read { db in
                    try UnmatchedMailRecord.openPage(beforeRowID: before, limit: limit + 1, in: db)
                }
                return page(rows, limit: limit, key: "mail", id: \.id, json: \.json)
            },
            RPCMethod("mail.unmatched.assign", access: .admin, summary: "Gives an unmatched mail to a check and records its result.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                let checkID = params.string("check_id", required: true) ?? ""
                try params.finish()
                return try await assignUnmatched(id: id, checkID: checkID, context)
            },
        ]
    }

    private static func assignUnmatched(id: String, checkID: String, _ context: RPCCallContext) async throws
        -> JSONValue
    {
        let services = context.services
        let found = try await services.database.pool.read { db -> (UnmatchedMailRecord, [UInt8], CheckRecord?)? in
            guard let mail = try UnmatchedMailRecord.find(id: id, in: db),
                let raw = try UnmatchedMailRecord.raw(id: id, in: db)
            else { return nil }
            return (mail, raw, try CheckRecord.fetchOne(db, key: checkID))
        }
        guard let (unmatched, raw, checkRecord) = found else { throw RPCError.notFound("unmatched mail", id: id) }
        guard let checkRecord else { throw RPCError.notFound("check", id: checkID) }
        if let assigned = unmatched.assignedCheckID {
            throw RPCError.conflict(
                "this mail was already assigned", data: ["id": .string(id), "check_id": .string(assigned)])
        }
        let check = try CheckDirectory.compile(checkRecord)
        let parsed = MailParser.parse(raw)
        let result = MailIngest.result(
            for: check, mail: parsed, raw: raw, rawSize: unmatched.rawSize, receivedAt: unmatched.receivedAt)
        // The result and the assignment commit together: a mail is never both unmatched and counted.
        let outcome = try await services.database.pool.write { db -> ResultWriteOutcome in
            let outcome = try ResultWriter.insert(result, in: db)
            let record: ResultRecord
            switch outcome {
            case .stored(let stored): record = stored
            case .duplicate(let first): record = first
            }
            try UnmatchedMailRecord.markAssigned(
                rowID: unmatched.rowID, checkID: check.id, resultRowID: record.rowID, in: db)
            return outcome
        }
        switch outcome {
        case .stored(let record):
            services.metrics.resultStored(status: record.status, source: record.source)
            return ["id": .string(id), "check_id": .string(check.id), "result": record.listJSON, "duplicate": false]
        case .duplicate(let record):
            return ["id": .string(id), "check_id": .string(check.id), "result": record.listJSON, "duplicate": true]
        }
    }
}
