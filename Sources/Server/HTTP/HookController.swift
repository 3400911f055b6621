import CheckBridgeCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import Storage

/// `POST /hooks/{token}` and `GET|POST /hooks/{token}/{status}` (SPEC §3).
struct HookController {
    let services: AppServices

    func register(on router: Router<BasicRequestContext>) {
        router.post("/hooks/:token", use: postResult)
        router.get("/hooks/:token/:status", use: statusResult)
        router.post("/hooks/:token/:status", use: statusResult)
    }

    /// A JSON result, decided by an explicit status or by the check's rules.
    @Sendable func postResult(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let check = try await findCheck(context)
        let mediaType = request.headers.mediaType
        try Self.acceptBodyType(mediaType)
        let body = try await request.collectBody(limit: services.configuration.maxHookBody)
        guard check.enabled else { return Self.pausedAnswer(check).response }
        let result = try newResult(for: check, mediaType: mediaType, headers: request.headers, body: body.readableBytesView)
        return answer(try await services.store([result], checkGone: Self.noSuchCheck)).response
    }

    /// Takes `POST /hooks/{token}` over at its head when its body type and length are acceptable;
    /// otherwise the router answers it.
    func claim(token: String, head: HTTPRequestHead) -> ClaimedRequest? {
        guard let length = head.headers.contentLength,
            length <= min(services.configuration.maxHookBody, IngestShortcut.largestClaimedBody)
        else {
            return nil
        }
        let mediaType = head.headers.mediaType
        do { try Self.acceptBodyType(mediaType) } catch { return nil }
        return ClaimedRequest(route: "/hooks/{token}") { body, respond in
            switch services.checks.cached(token: token) {
            case .check(let check):
                receive(body, for: check, mediaType: mediaType, headers: head.headers, respond: respond)
            case .noCheck:
                respond { CompleteResponse(problem: Self.noSuchCheck) }
            case .notCached:
                // The first delivery for a token since start (or since its check changed).
                Task {
                    do throws(ProblemDetails) {
                        let check = try await findCheck(token: token)
                        receive(body, for: check, mediaType: mediaType, headers: head.headers, respond: respond)
                    } catch {
                        respond { CompleteResponse(problem: error) }
                    }
                }
            }
        }
    }

    /// Decides a claimed delivery's result and hands it to the writer, which completes the answer.
    private func receive(
        _ body: ByteBuffer, for check: IngestCheck, mediaType: String?, headers: HTTPHeaders,
        respond: @escaping ClaimedRequest.Respond
    ) {
        guard check.enabled else { return respond { Self.pausedAnswer(check) } }
        let result: NewResult
        do throws(ProblemDetails) {
            result = try newResult(for: check, mediaType: mediaType, headers: headers, body: body.readableBytesView)
        } catch {
            return respond { CompleteResponse(problem: error) }
        }
        services.writer.submit([result]) { outcome in
            respond {
                do throws(ProblemDetails) {
                    return answer(try services.stored(outcome, checkGone: Self.noSuchCheck))
                } catch {
                    return CompleteResponse(problem: error)
                }
            }
        }
    }

    /// The result a webhook body gives: its explicit status, or the check's rules' decision.
    private func newResult(
        for check: IngestCheck, mediaType: String?, headers: some IngestHeaders, body: ByteBufferView
    ) throws(ProblemDetails) -> NewResult {
        var report = try WebhookReport(
            body: body, declaredJSON: mediaType.map(Self.isJSON) ?? false, sniffJSON: mediaType == nil)
        if let key = try Self.idempotencyKey(headers) { report.externalID = key }
        let decision: RuleDecision
        if let status = report.status {
            decision = RuleDecision(status: status, ruleIndex: nil)
        } else {
            decision = check.ruleSet.evaluate(report.ruleInput)
        }
        return NewResult(
            checkID: check.id, status: decision.status, source: .webhook, receivedAt: services.configuration.clock(),
            occurredAt: report.occurredAt, subject: report.subject, excerpt: Excerpt.make(report.text),
            ruleIndex: decision.ruleIndex, dedupeKey: report.externalID,
            raw: Array(body.prefix(services.configuration.maxStoredRaw)), rawContentType: mediaType,
            rawSize: body.count)
    }

    /// A result whose status is in the path; an optional body is its text.
    @Sendable func statusResult(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let check = try await findCheck(context)
        let name = context.parameters.get("status") ?? ""
        guard let status = CheckStatus(reportedName: name) else {
            throw ProblemDetails.badRequest(
                "status '\(name)' is not one of success, warning, failure (or their aliases)", field: "status")
        }
        let mediaType = request.headers.mediaType
        try Self.acceptBodyType(mediaType)
        let body = try await request.collectBody(limit: services.configuration.maxHookBody)
        guard check.enabled else { return Self.pausedAnswer(check).response }
        let bytes = body.readableBytesView
        let text = String(decoding: bytes, as: UTF8.self)
        let result = NewResult(
            checkID: check.id, status: status, source: .webhook, receivedAt: services.configuration.clock(), subject: "",
            excerpt: Excerpt.make(text), ruleIndex: nil, dedupeKey: try Self.idempotencyKey(request.headers),
            raw: bytes.isEmpty ? nil : Array(bytes.prefix(services.configuration.maxStoredRaw)),
            rawContentType: mediaType, rawSize: bytes.count)
        return answer(try await services.store([result], checkGone: Self.noSuchCheck)).response
    }

    private func findCheck(_ context: BasicRequestContext) async throws(ProblemDetails) -> IngestCheck {
        try await findCheck(token: context.parameters.get("token") ?? "")
    }

    private func findCheck(token: String) async throws(ProblemDetails) -> IngestCheck {
        let check: IngestCheck?
        do {
            check = try await services.checks.check(token: token)
        } catch {
            throw Self.lookupFailed
        }
        guard let check else { throw Self.noSuchCheck }
        return check
    }

    private static let noSuchCheck = ProblemDetails(.notFound, "no check has this token")
    private static let lookupFailed = ProblemDetails.unavailable("the check could not be looked up; send the result again")

    /// What a stored (or repeated) result is answered with.
    private func answer(_ outcomes: [ResultWriteOutcome]) -> CompleteResponse {
        switch outcomes.first {
        case .stored(let record):
            services.metrics.resultStored(status: record.status, source: record.source)
            return CompleteResponse(serializedJSON: record.storedAnswerJSON, status: .accepted)
        case .duplicate(let record):
            services.metrics.duplicateDelivery()
            return CompleteResponse(json: ["results": [record.summaryJSON], "duplicate": true], status: .ok)
        case nil:
            return CompleteResponse(problem: .notStored(ResultWriteError.databaseFailure("no outcome"), checkGone: Self.noSuchCheck))
        }
    }

    private static func pausedAnswer(_ check: IngestCheck) -> CompleteResponse {
        CompleteResponse(json: ["results": [], "paused": true, "check_id": .string(check.id)], status: .accepted)
    }

    /// Webhook bodies are JSON, text or untyped.
    private static func acceptBodyType(_ mediaType: String?) throws(ProblemDetails) {
        guard let mediaType, !isJSON(mediaType), !mediaType.hasPrefix("text/") else { return }
        throw ProblemDetails.unsupportedMediaType(mediaType, accepted: "application/json, text/* or no body type")
    }

    static func isJSON(_ mediaType: String) -> Bool {
        mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// The `Idempotency-Key` header, which identifies a delivery across retries.
    static func idempotencyKey(_ headers: some IngestHeaders) throws(ProblemDetails) -> String? {
        guard let value = headers.value(.idempotencyKey) else { return nil }
        let key = String(value.trimmingBlanks())
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw ProblemDetails.badRequest("Idempotency-Key must be 1 to 255 characters", field: "Idempotency-Key")
        }
        return key
    }
}

extension ResultRecord {
    /// `{"results":[summaryJSON]}`, the answer to nearly every webhook, written straight out: byte
    /// for byte what serializing the value gives, without building and sorting the tree for each
    /// request. Members in key order, as the serializer writes them.
    var storedAnswerJSON: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(192)
        output.append(contentsOf: #"{"results":[{"check_id":"#.utf8)
        JSONValue.writeString(checkID, into: &output)
        output.append(contentsOf: #","id":"#.utf8)
        JSONValue.writeString(id, into: &output)
        output.append(contentsOf: #","received_at":""#.utf8)
        receivedAt.appendRFC3339(to: &output)  // digits and separators only: nothing to escape
        output.append(UInt8(ascii: "\""))
        output.append(contentsOf: #","rule_index":"#.utf8)
        JSONValue.write(.int(ruleIndex), into: &output)
        output.append(contentsOf: #","source":"#.utf8)
        JSONValue.writeString(source.rawValue, into: &output)
        output.append(contentsOf: #","status":"#.utf8)
        JSONValue.writeString(status.rawValue, into: &output)
        output.append(contentsOf: "}]}".utf8)
        return output
    }

    /// The result as ingest answers it.
    var summaryJSON: JSONValue {
        [
            "id": .string(id),
            "check_id": .string(checkID),
            "status": .string(status.rawValue),
            "source": .string(source.rawValue),
            "received_at": .string(receivedAt.rfc3339),
            "rule_index": .int(ruleIndex),
        ]
    }
}
