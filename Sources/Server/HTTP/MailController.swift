import CheckBridgeCore
import Foundation
import Hummingbird
import HummingbirdCore
import MailParser
import NIOHTTP1
import Storage

/// `POST /mail`: a raw message from a mail relay, routed to checks by recipient (SPEC §3).
struct MailController {
    let services: AppServices

    static let acceptedTypes: Set<String> = ["message/rfc822", "text/plain", "application/octet-stream"]

    func register(on router: Router<BasicRequestContext>) {
        router.post("/mail", use: receive)
    }

    @Sendable func receive(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try await authorize(key: request.headers.bearerToken)
        let mediaType = request.headers.mediaType
        guard let mediaType, Self.acceptedTypes.contains(mediaType) else {
            throw ProblemDetails.unsupportedMediaType(mediaType, accepted: "message/rfc822")
        }
        let body = try await request.collectBody(limit: services.configuration.maxMailBody)
        let raw = Array(body.readableBytesView)
        guard !raw.isEmpty else { throw ProblemDetails.badRequest("the message is empty", field: "body") }
        let receipt = try await MailIngest(services: services).ingest(raw: raw, envelope: Self.envelope(request.uri))
        return receipt.answer.response
    }

    /// Takes `POST /mail` over at its head when it has a key and its body type and length are
    /// acceptable; otherwise the router answers it.
    func claim(head: HTTPRequestHead) -> ClaimedRequest? {
        guard let mediaType = head.headers.mediaType, Self.acceptedTypes.contains(mediaType),
            let length = head.headers.contentLength,
            length > 0, length <= min(services.configuration.maxMailBody, IngestShortcut.largestClaimedBody)
        else { return nil }
        let key = head.headers.bearerToken
        let envelope = Self.envelope(URI(head.uri))
        return ClaimedRequest(route: "/mail") { body, respond in
            let ingest = MailIngest(services: services)
            let raw = Array(body.readableBytesView)
            guard let key else { return respond { CompleteResponse(problem: .unauthorized) } }
            if let caller = services.keys.remembered(key) {
                do throws(ProblemDetails) {
                    try Self.authorize(caller)
                } catch {
                    return respond { CompleteResponse(problem: error) }
                }
                return ingest.ingest(raw: raw, envelope: envelope, respond: respond)
            }
            // A key not seen since start: look it up first.
            Task {
                do throws(ProblemDetails) {
                    try await authorize(key: key)
                    ingest.ingest(raw: raw, envelope: envelope, respond: respond)
                } catch {
                    respond { CompleteResponse(problem: error) }
                }
            }
        }
    }

    /// Whether the key may post mail: a problem when it is missing, unknown, of the wrong role, or
    /// could not be looked up.
    private func authorize(key: String?) async throws(ProblemDetails) {
        guard let key else { throw ProblemDetails.unauthorized }
        let caller: APIKeyRecord?
        do {
            caller = try await services.keys.authenticate(key)
        } catch {
            throw ProblemDetails.unavailable("the key could not be checked; send the mail again")
        }
        guard let caller else { throw ProblemDetails.unauthorized }
        try Self.authorize(caller)
    }

    private static func authorize(_ caller: APIKeyRecord) throws(ProblemDetails) {
        guard caller.role == .ingest || caller.role == .admin else {
            throw ProblemDetails(.forbidden, "role '\(caller.role.rawValue)' may not post mail; use an ingest key")
        }
    }

    /// The relay's envelope recipients, `?to=` once per address.
    private static func envelope(_ uri: URI) -> [String] {
        uri.queryParameters.getAll("to").map { String($0) }
    }
}

/// What happened to one posted mail.
struct MailReceipt: Sendable {
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

    var answer: CompleteResponse {
        CompleteResponse(json: json, status: allDuplicates ? .ok : .accepted)
    }
}

/// Parses, routes, evaluates and stores one mail.
struct MailIngest {
    let services: AppServices

    private static let checkGone = ProblemDetails(
        .serviceUnavailable, "a check this mail is addressed to was deleted meanwhile; send the mail again")

    func ingest(raw: [UInt8], envelope: [String]) async throws(ProblemDetails) -> MailReceipt {
        let mail = MailParser.parse(raw)
        return try await ingest(mail, raw: raw, recipients: MailRouting.recipients(envelope: envelope, mail: mail))
    }

    /// The same for a caller that cannot wait (an event loop): when every check the mail names is
    /// cached and it names one, the results go to the writer and `respond` is called from its
    /// thread; otherwise the rest runs as a task.
    func ingest(raw: [UInt8], envelope: [String], respond: @escaping ClaimedRequest.Respond) {
        let mail = MailParser.parse(raw)
        let recipients = MailRouting.recipients(envelope: envelope, mail: mail)
        guard case .checks(let checks) = MailRouting.addressedChecks(recipients, lookup: services.checks.cached),
            !checks.isEmpty
        else {
            Task {
                let response: CompleteResponse
                do throws(ProblemDetails) {
                    response = try await ingest(mail, raw: raw, recipients: recipients).answer
                } catch {
                    response = CompleteResponse(problem: error)
                }
                respond { response }
            }
            return
        }
        var receipt = MailReceipt()
        let pending = results(for: checks, mail: mail, raw: raw, receipt: &receipt)
        guard !pending.isEmpty else { return respond { [receipt] in receipt.answer } }
        services.writer.submit(pending) { [receipt] outcome in
            respond {
                var receipt = receipt
                do throws(ProblemDetails) {
                    record(try services.stored(outcome, checkGone: Self.checkGone), in: &receipt)
                    return receipt.answer
                } catch {
                    return CompleteResponse(problem: error)
                }
            }
        }
    }

    /// The checks the recipients address, looked up in the database where the cache has no answer.
    private func checks(for recipients: [String]) async throws -> [IngestCheck] {
        var looked: [String: IngestCheck?] = [:]
        while true {
            let routing = MailRouting.addressedChecks(recipients) { token in
                guard let found = looked[token] else { return services.checks.cached(token: token) }
                return found.map(CheckDirectory.CachedAnswer.check) ?? .noCheck
            }
            switch routing {
            case .checks(let checks): return checks
            case .lookUp(let token): looked[token] = try await services.checks.check(token: token)
            }
        }
    }

    /// Looks up the checks, then stores (an unmatched mail is kept for assigning). What goes wrong
    /// on our side (the database could not be read or written) is a problem to send the mail again for.
    private func ingest(_ mail: ParsedMail, raw: [UInt8], recipients: [String]) async throws(ProblemDetails)
        -> MailReceipt
    {
        do {
            let checks = try await checks(for: recipients)
            var receipt = MailReceipt()
            if checks.isEmpty {
                receipt.unmatched = try await services.database.pool.write { db in
                    try UnmatchedMailRecord.insert(
                        receivedAt: services.configuration.clock(), sender: mail.from.first?.address ?? "",
                        recipients: recipients, subject: mail.subject, messageID: mail.messageID, raw: kept(raw),
                        rawSize: raw.count, in: db)
                }
                return receipt
            }
            let pending = results(for: checks, mail: mail, raw: raw, receipt: &receipt)
            guard !pending.isEmpty else { return receipt }
            record(try await services.store(pending, checkGone: Self.checkGone), in: &receipt)
            return receipt
        } catch let problem as ProblemDetails {
            throw problem
        } catch {
            throw ProblemDetails.notStored(error, checkGone: Self.checkGone)
        }
    }

    /// The results for the checks that take results; paused ones are noted in the receipt.
    private func results(for checks: [IngestCheck], mail: ParsedMail, raw: [UInt8], receipt: inout MailReceipt)
        -> [NewResult]
    {
        let receivedAt = services.configuration.clock()
        let rawKept = kept(raw)
        return checks.compactMap { check in
            guard check.enabled else {
                receipt.paused.append(check.id)
                return nil
            }
            return Self.result(for: check, mail: mail, raw: rawKept, rawSize: raw.count, receivedAt: receivedAt)
        }
    }

    private func kept(_ raw: [UInt8]) -> [UInt8] {
        raw.count <= services.configuration.maxStoredMail ? raw : Array(raw.prefix(services.configuration.maxStoredMail))
    }

    private func record(_ outcomes: [ResultWriteOutcome], in receipt: inout MailReceipt) {
        for outcome in outcomes {
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
