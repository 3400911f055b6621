import CheckBridgeCore
import Hummingbird

/// A webhook body read as SPEC §3 describes: the documented fields when present, any other JSON
/// object for the rules to look into, or plain text.
struct WebhookReport {
    /// A status the reporter named (top-level `status` that is a known name or alias).
    var status: CheckStatus?
    var subject = ""
    /// The result text: the body's `text`, else the whole body as received.
    var text = ""
    var occurredAt: Timestamp?
    var externalID: String?
    var json: JSONValue?

    var ruleInput: RuleInput {
        RuleInput(subject: subject, body: text, attachments: "", json: json)
    }

    /// Reads a body. `declaredJSON`: the sender said it is JSON, so it must be. `sniffJSON`: no
    /// content type was given, so a body that parses as a JSON object is taken as JSON.
    init(body: some Collection<UInt8>, declaredJSON: Bool, sniffJSON: Bool) throws(ProblemDetails) {
        let looksLikeObject = body.first(where: { $0 > 0x20 }) == UInt8(ascii: "{")
        guard declaredJSON || (sniffJSON && looksLikeObject) else {
            text = String(decoding: body, as: UTF8.self)
            return
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            if !declaredJSON {
                text = String(decoding: body, as: UTF8.self)
                return
            }
            throw ProblemDetails.badRequest("the body is not valid JSON: \(error)")
        }
        guard case .object(let members) = document else {
            throw ProblemDetails.badRequest("the body must be a JSON object, not \(document.typeName == "array" ? "an" : "a") \(document.typeName)")
        }
        json = document
        var errors: [FieldError] = []
        func string(_ name: String) -> String? {
            guard let value = members[name], value != .null else { return nil }
            guard case .string(let text) = value else {
                errors.append(FieldError(field: name, message: "must be a string, not a \(value.typeName)"))
                return nil
            }
            return text
        }
        // Only a string naming a status decides; any other `status` is an RMM's own field for the rules.
        if case .string(let name)? = members["status"] { status = CheckStatus(reportedName: name) }
        subject = string("subject") ?? ""
        text = string("text") ?? String(decoding: body, as: UTF8.self)
        if let occurred = string("occurred_at") {
            occurredAt = Timestamp(rfc3339: occurred)
            if occurredAt == nil {
                errors.append(FieldError(field: "occurred_at", message: "must be an RFC 3339 date-time"))
            }
        }
        if let external = string("external_id") {
            if external.isEmpty || external.utf8.count > 255 {
                errors.append(FieldError(field: "external_id", message: "must be 1 to 255 characters"))
            }
            externalID = external
        }
        if !errors.isEmpty {
            let fields = errors.map(\.field).joined(separator: ", ")
            throw ProblemDetails(.badRequest, "invalid field(s): \(fields)", errors: errors)
        }
    }
}
