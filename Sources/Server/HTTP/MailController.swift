import CheckBridgeCore
import Foundation
import Hummingbird
import MailParser
import Storage

/// `POST /mail`: a raw message from a mail relay, routed to checks by recipient (SPEC §3).
struct MailController {
    let services: AppServices

    static let acceptedTypes: Set<String> = ["message/rfc822", "text/plain", "application/octet-stream"]

    func register(on router: Router<BasicRequestContext>) {
        router.post("/mail", use: receive)
    }

    @Sendable func receive(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard let key = request.bearerToken, let caller = try await services.keys.authenticate(key) else {
            throw ProblemDetails.unauthorized
        }
        guard caller.role == .ingest || caller.role == .admin else {
            throw ProblemDetails(.forbidden, "role '\(caller.role.rawValue)' may not post mail; use an ingest key")
        }
        let mediaType = request.mediaType
        guard let mediaType, Self.acceptedTypes.contains(mediaType) else {
            throw ProblemDetails.unsupportedMediaType(mediaType, accepted: "message/rfc822")
        }
        let body = try await request.collectBody(limit: services.configuration.maxMailBody)
        let raw = Array(body.readableBytesView)
        guard !raw.isEmpty else { throw ProblemDetails.badRequest("the message is empty", field: "body") }
        let envelope = request.uri.queryParameters.getAll("to").map { String($0) }
        let receipt = try await MailIngest(services: services).ingest(raw: raw, envelope: envelope)
        return .json(receipt.json, status: receipt.allDuplicates ? .ok : .accepted)
    }
}

/// What happened to one posted mail.
struct MailReceipt {
    var results: [JSONValue] = []
    var duplicates = 0
    var paused: [String] = []
    var unmatched: UnmatchedMailRecord?

    var allDuplicates: Bool { duplicates > 0 && duplicates == results.count }

    var json: JSONValue {
        var members: [String: JSONValue] = ["results": .array(results)]
        if let unmatched {
            members["unmatched"] = true
            members["unmatched_id"] = .string(unmatched.id)
        }
        if duplicates > 0 { members["duplicate"] = .bool(allDuplicates) }
        if !paused.isEmpty { members["paused_check_ids"] = .array(paused.map(JSONValue.string)) }
        return .object(members)
    }
}

/// Parses, routes, evaluates and stores one mail.
struct MailIngest {
    let services: AppServices

    func ingest(raw: [UInt8], envelope: [String]) async throws -> MailReceipt {
        let mail = MailParser.parse(raw)
        let recipients = MailRouting.recipients(envelope: envelope, mail: mail)
        var checks: [IngestCheck] = []
        var seen = Set<String>()
        for address in recipients {
            for token in MailRouting.tokens(in: address) {
                guard let check = try await services.checks.check(token: token) else { continue }
                if seen.insert(check.id).inserted { checks.append(check) }
                break
            }
        }
        var receipt = MailReceipt()
        let rawKept = raw.count <= services.configuration.maxStoredMail
            ? raw : Array(raw.prefix(services.configuration.maxStoredMail))
        if checks.isEmpty {
            receipt.unmatched = try await services.database.pool.write { db in
                try UnmatchedMailRecord.insert(
                    receivedAt: services.configuration.clock(), sender: mail.from.first?.address ?? "", recipients: recipients,
                    subject: mail.subject, messageID: mail.messageID, raw: rawKept, rawSize: raw.count, in: db)
            }
            return receipt
        }
        let receivedAt = services.configuration.clock()
        let pending: [NewResult] = checks.compactMap { check in
            guard check.enabled else {
                receipt.paused.append(check.id)
                return nil
            }
            return Self.result(for: check, mail: mail, raw: rawKept, rawSize: raw.count, receivedAt: receivedAt)
        }
        for outcome in try await store(pending) {
            switch outcome {
            case .stored(let record):
                services.metrics.resultStored(status: record.status, source: record.source)
                receipt.results.append(record.summaryJSON)
            case .duplicate(let record):
                services.metrics.duplicateDelivery()
                receipt.duplicates += 1
                receipt.results.append(record.summaryJSON)
            }
        }
        return receipt
    }

    /// Hands the results to the writer, in order. Several are submitted together so that they join
    /// one group commit; the usual single result needs no child task.
    private func store(_ results: [NewResult]) async throws -> [ResultWriteOutcome] {
        let checkGone = ProblemDetails(
            .serviceUnavailable, "a check this mail is addressed to was deleted meanwhile; send the mail again")
        if results.count == 1, let only = results.first { return [try await services.store(only, checkGone: checkGone)] }
        return try await withThrowingTaskGroup(of: (Int, ResultWriteOutcome).self) { group in
            for (index, result) in results.enumerated() {
                group.addTask { (index, try await services.store(result, checkGone: checkGone)) }
            }
            var outcomes: [(Int, ResultWriteOutcome)] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// The result a check's rules give a mail.
    static func result(
        for check: IngestCheck, mail: ParsedMail, raw: [UInt8], rawSize: Int, receivedAt: Timestamp
    ) -> NewResult {
        let decision = check.ruleSet.evaluate(mail.ruleInput)
        return NewResult(
            checkID: check.id, status: decision.status, source: .mail, receivedAt: receivedAt,
            occurredAt: mail.date.map(Timestamp.init), subject: mail.subject, excerpt: Excerpt.make(mail.body),
            ruleIndex: decision.ruleIndex, dedupeKey: mail.messageID.map { "message-id:" + $0 }, raw: raw,
            rawContentType: "message/rfc822", rawSize: rawSize)
    }
}

extension ParsedMail {
    /// The fields rules see (SPEC §5.1).
    var ruleInput: RuleInput {
        RuleInput(subject: subject, body: body, attachments: attachmentsText)
    }
}
