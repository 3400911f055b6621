import CheckBridgeCore
import Foundation
import HTTPTypes
import Hummingbird
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
        let mediaType = request.mediaType
        let declaredJSON = mediaType.map(Self.isJSON) ?? false
        guard mediaType == nil || declaredJSON || mediaType?.hasPrefix("text/") == true else {
            throw ProblemDetails.unsupportedMediaType(mediaType, accepted: "application/json, text/* or no body type")
        }
        let body = try await request.collectBody(limit: services.configuration.maxHookBody)
        guard check.enabled else { return Self.pausedResponse(check) }
        let bytes = body.readableBytesView
        var report = try WebhookReport(body: bytes, declaredJSON: declaredJSON, sniffJSON: mediaType == nil)
        if let key = try Self.idempotencyKey(request) { report.externalID = key }
        let decision: RuleDecision
        if let status = report.status {
            decision = RuleDecision(status: status, ruleIndex: nil)
        } else {
            decision = check.ruleSet.evaluate(report.ruleInput)
        }
        let result = NewResult(
            checkID: check.id, status: decision.status, source: .webhook, receivedAt: services.configuration.clock(),
            occurredAt: report.occurredAt, subject: report.subject, excerpt: Excerpt.make(report.text),
            ruleIndex: decision.ruleIndex, dedupeKey: report.externalID,
            raw: Array(bytes.prefix(services.configuration.maxStoredRaw)), rawContentType: mediaType,
            rawSize: bytes.count)
        return try await store(result)
    }

    /// A result whose status is in the path; an optional body is its text.
    @Sendable func statusResult(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let check = try await findCheck(context)
        let name = context.parameters.get("status") ?? ""
        guard let status = CheckStatus(reportedName: name) else {
            throw ProblemDetails.badRequest(
                "status '\(name)' is not one of success, warning, failure (or their aliases)", field: "status")
        }
        let mediaType = request.mediaType
        guard mediaType == nil || Self.isJSON(mediaType ?? "") || mediaType?.hasPrefix("text/") == true else {
            throw ProblemDetails.unsupportedMediaType(mediaType, accepted: "application/json, text/* or no body type")
        }
        let body = try await request.collectBody(limit: services.configuration.maxHookBody)
        guard check.enabled else { return Self.pausedResponse(check) }
        let bytes = body.readableBytesView
        let text = String(decoding: bytes, as: UTF8.self)
        let result = NewResult(
            checkID: check.id, status: status, source: .webhook, receivedAt: services.configuration.clock(), subject: "",
            excerpt: Excerpt.make(text), ruleIndex: nil, dedupeKey: try Self.idempotencyKey(request),
            raw: bytes.isEmpty ? nil : Array(bytes.prefix(services.configuration.maxStoredRaw)),
            rawContentType: mediaType, rawSize: bytes.count)
        return try await store(result)
    }

    private func findCheck(_ context: BasicRequestContext) async throws -> IngestCheck {
        let token = context.parameters.get("token") ?? ""
        guard let check = try await services.checks.check(token: token) else {
            throw ProblemDetails(.notFound, "no check has this token")
        }
        return check
    }

    private func store(_ result: NewResult) async throws -> Response {
        switch try await services.store(result, checkGone: ProblemDetails(.notFound, "no check has this token")) {
        case .stored(let record):
            services.metrics.resultStored(status: record.status, source: record.source)
            return .json(["results": [record.summaryJSON]], status: .accepted)
        case .duplicate(let record):
            services.metrics.duplicateDelivery()
            return .json(["results": [record.summaryJSON], "duplicate": true], status: .ok)
        }
    }

    private static func pausedResponse(_ check: IngestCheck) -> Response {
        .json(["results": [], "paused": true, "check_id": .string(check.id)], status: .accepted)
    }

    static func isJSON(_ mediaType: String) -> Bool {
        mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// The `Idempotency-Key` header, which identifies a delivery across retries.
    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let value = request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value else {
            return nil
        }
        let key = String(value.trimmingBlanks())
        guard !key.isEmpty, key.utf8.count <= 255 else {
            throw ProblemDetails.badRequest("Idempotency-Key must be 1 to 255 characters", field: "Idempotency-Key")
        }
        return key
    }
}

extension ResultRecord {
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
