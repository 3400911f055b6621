import CheckBridgeCore
import Foundation
import GRDB
import MailParser
import Storage

extension ResultRecord {
    /// A result as `checks.results` lists it.
    var listJSON: JSONValue {
        [
            "id": .string(id),
            "check_id": .string(checkID),
            "status": .string(status.rawValue),
            "source": .string(source.rawValue),
            "received_at": .string(receivedAt.rfc3339),
            "occurred_at": .string(occurredAt?.rfc3339),
            "subject": .string(subject),
            "excerpt": .string(excerpt),
            "rule_index": .int(ruleIndex),
        ]
    }
}

extension RPCMethods {
    static var results: [RPCMethod] {
        [
            RPCMethod("checks.results", access: .read, summary: "A check's results, newest first, paged.") {
                params, context in
                let checkID = params.string("check_id", required: true) ?? ""
                let limit = params.int("limit", in: 1...500) ?? 50
                let cursor = params.string("cursor")
                let before = cursor.flatMap(RowIDFormat.result.parse)
                if cursor != nil, before == nil { params.fail("cursor", "is not a cursor this method returned") }
                try params.finish()
                let rows = try await context.services.database.pool.read { db -> [ResultRecord]? in
                    guard try CheckRecord.exists(db, key: checkID) else { return nil }
                    return try ResultRecord.page(checkID: checkID, beforeRowID: before, limit: limit + 1, in: db)
                }
                guard let rows else { throw RPCError.notFound("check", id: checkID) }
                return page(rows, limit: limit, key: "results", id: \.id, json: \.listJSON)
            },
            RPCMethod("results.get", access: .read, summary: "One result; with include_raw, its original input.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                let includeRaw = params.bool("include_raw") ?? false
                try params.finish()
                let found = try await context.services.database.pool.read { db -> (ResultRecord, [UInt8]?)? in
                    guard let record = try ResultRecord.find(id: id, in: db) else { return nil }
                    return (record, includeRaw ? try ResultRecord.raw(id: id, in: db) : nil)
                }
                guard let (record, raw) = found else { throw RPCError.notFound("result", id: id) }
                guard case .object(var members) = record.listJSON else { return record.listJSON }
                members["raw_size"] = .int(record.rawSize)
                members["raw_content_type"] = .string(record.rawContentType)
                members["raw_truncated"] = .bool(record.rawSize > (raw?.count ?? record.rawSize))
                if includeRaw {
                    let bytes = raw ?? []
                    // Text stays readable; anything that is not UTF-8 is given exactly, as base64.
                    if let text = String(validating: bytes, as: UTF8.self) {
                        members["raw"] = .string(text)
                    } else {
                        members["raw_base64"] = .string(Data(bytes).base64EncodedString())
                    }
                    members["raw_truncated"] = .bool(record.rawSize > bytes.count)
                }
                return .object(members)
            },
            RPCMethod("checks.testRules", access: .read, summary: "Evaluates rules on a sample input without storing.") {
                params, context in
                try await testRules(&params, context)
            },
        ]
    }

    /// The rule tester: what a check (or the given rules) would decide for a sample, and the fields
    /// the rules saw, so users can write rules against real reports.
    private static func testRules(_ params: inout RPCParams, _ context: RPCCallContext) async throws -> JSONValue {
        let checkID = params.string("check_id")
        let rulesValue = params.value("rules")
        let defaultValue = params.value("default_status")
        let json = params.value("json")
        if let json, json.objectValue == nil { params.fail("json", "must be a JSON object, as a webhook body is") }
        // Samples may be as large as a whole mail: bounded by the RPC body limit, not a field limit.
        let sampleLimit = context.services.configuration.maxRPCBody
        let subject = params.string("subject", maxLength: 10_000)
        let text = params.string("text", maxLength: sampleLimit)
        let rawMail = params.string("raw_mail", maxLength: sampleLimit)
        let rawMailBase64 = params.string("raw_mail_base64", maxLength: sampleLimit)
        var ruleSet: RuleSet?
        if rulesValue != nil || defaultValue != nil || checkID == nil {
            do {
                ruleSet = try RuleSet.decode(rules: rulesValue, defaultStatus: defaultValue)
            } catch {
                for problem in error.errors { params.fail(problem.field, problem.message) }
            }
        }
        let samples = [
            json != nil ? "json" : nil, subject != nil ? "subject" : (text != nil ? "text" : nil),
            rawMail != nil ? "raw_mail" : nil, rawMailBase64 != nil ? "raw_mail_base64" : nil,
        ].compactMap { $0 }
        for extra in samples.dropFirst() {
            params.fail(extra, "give only one sample: json, subject and text, raw_mail or raw_mail_base64")
        }
        var mailBytes: [UInt8]?
        if let rawMail { mailBytes = Array(rawMail.utf8) }
        if let rawMailBase64 {
            if let data = Data(base64Encoded: rawMailBase64, options: .ignoreUnknownCharacters) {
                mailBytes = Array(data)
            } else {
                params.fail("raw_mail_base64", "is not valid base64")
            }
        }
        try params.finish()
        if ruleSet == nil, let checkID {
            ruleSet = try await findCheck(checkID, context).check.ruleSet()
        }
        guard let ruleSet else { throw RPCError.invalidParams(field: "rules", "is required without check_id") }
        var input = RuleInput(subject: subject ?? "", body: text ?? "")
        var attachments: [JSONValue] = []
        if let json {
            input.json = json
            input.subject = json["subject"]?.stringValue ?? ""
            input.body = json["text"]?.stringValue ?? json.serializedString()
        }
        if let mailBytes {
            let mail = MailParser.parse(mailBytes)
            input = mail.ruleInput
            attachments = mail.attachments.map { attachment in
                [
                    "filename": .string(attachment.filename),
                    "content_type": .string(attachment.contentType),
                    "size": .int(attachment.size),
                ]
            }
        }
        // As on a webhook, a top-level status naming a known status decides before any rule.
        let reported = json?["status"]?.stringValue.flatMap(CheckStatus.init(reportedName:))
        let decision = reported.map { RuleDecision(status: $0, ruleIndex: nil) } ?? ruleSet.evaluate(input)
        return [
            "status": .string(decision.status.rawValue),
            "rule_index": .int(decision.ruleIndex),
            "subject": .string(input.subject),
            "body": .string(input.body),
            "attachments": .array(attachments),
            "attachments_text": .string(input.attachments),
        ]
    }
}
