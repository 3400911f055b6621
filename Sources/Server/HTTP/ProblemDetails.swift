import Foundation
import CheckBridgeCore
import HTTPTypes
import Hummingbird
import NIOHTTP1

/// An RFC 9457 problem: every error CheckBridge answers outside `/rpc`.
struct ProblemDetails: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var title: String
    var detail: String
    /// The offending input fields, when the problem is bad input.
    var errors: [FieldError] = []
    var extraHeaders: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ detail: String, errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.title = status.reasonPhrase
        self.detail = detail
        self.errors = errors
        self.extraHeaders = headers
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "type": "about:blank",
            "title": .string(title),
            "status": .int(Int64(status.code)),
            "detail": .string(detail),
        ]
        if !errors.isEmpty {
            members["errors"] = .array(errors.map { ["field": .string($0.field), "message": .string($0.message)] })
        }
        return .object(members)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        CompleteResponse(problem: self).response
    }

    static func badRequest(_ detail: String, field: String? = nil) -> ProblemDetails {
        ProblemDetails(.badRequest, detail, errors: field.map { [FieldError(field: $0, message: detail)] } ?? [])
    }

    static func unsupportedMediaType(_ received: String?, accepted: String) -> ProblemDetails {
        ProblemDetails(
            .unsupportedMediaType,
            "Content-Type \(received.map { "'\($0)'" } ?? "(none)") is not accepted here; send \(accepted)")
    }

    /// A failure of ours that a retry may get past (the database could not be read).
    static func unavailable(_ detail: String) -> ProblemDetails {
        ProblemDetails(.serviceUnavailable, detail)
    }

    static let unauthorized = ProblemDetails(
        .unauthorized, "a valid API key is required: 'Authorization: Bearer <key>'",
        headers: [.wwwAuthenticate: "Bearer"])
}

/// A response with its whole body, built the same way whether the router or the ingest
/// shortcut (`IngestChannelHandler`) sends it.
struct CompleteResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]

    init(json value: JSONValue, status: HTTPResponse.Status = .ok) {
        self.init(serializedJSON: value.serialized(), status: status)
    }

    /// A JSON body already serialized.
    init(serializedJSON body: [UInt8], status: HTTPResponse.Status) {
        self.status = status
        self.headers = Self.jsonHeaders
        self.body = body
    }

    /// Shared by every JSON answer rather than built for each.
    private static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    init(problem: ProblemDetails) {
        status = problem.status
        headers = problem.extraHeaders
        headers[.contentType] = "application/problem+json"
        body = problem.json.serialized()
    }

    var response: Response {
        Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Response {
    /// A JSON response from bytes already serialized.
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        CompleteResponse(json: value, status: status).response
    }
}

/// The request headers ingest reads, by the same rules whether the router's `HTTPFields` or the
/// event loop's `HTTPHeaders` (`IngestChannelHandler`) carry them.
enum IngestHeader {
    case authorization, connection, contentLength, contentType, expect, idempotencyKey, transferEncoding

    var field: HTTPField.Name {
        switch self {
        case .authorization: .authorization
        case .connection: .connection
        case .contentLength: .contentLength
        case .contentType: .contentType
        case .expect: .expect
        case .idempotencyKey: Self.idempotencyKeyField
        case .transferEncoding: .transferEncoding
        }
    }

    /// The name in lower case, as `HTTPField.Name.canonicalName` spells it.
    var canonicalName: String { field.canonicalName }

    private static let idempotencyKeyField = HTTPField.Name("Idempotency-Key")!
}

protocol IngestHeaders {
    /// The header's value; several fields of that name are joined with ", " (RFC 9110 §5.3).
    func value(_ name: IngestHeader) -> String?
}

extension HTTPFields: IngestHeaders {
    func value(_ name: IngestHeader) -> String? { self[name.field] }
}

extension HTTPHeaders: IngestHeaders {
    func value(_ name: IngestHeader) -> String? {
        // A scan without the array `self[name]` builds: it runs for every ingest request.
        let canonical = name.canonicalName
        var found: String?
        for (fieldName, fieldValue) in self where fieldName.utf8.count == canonical.utf8.count {
            let matches = fieldName.utf8.elementsEqual(canonical.utf8) { byte, lower in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == lower
            }
            guard matches else { continue }
            found = found.map { "\($0), \(fieldValue)" } ?? fieldValue
        }
        return found
    }
}

extension IngestHeaders {
    /// The media type of the body, lower-cased and without parameters; nil when the header is absent.
    var mediaType: String? {
        guard let value = value(.contentType) else { return nil }
        // Runs on every ingest request: a byte scan rather than Foundation's trimming, and the
        // header's own string when it is already a bare lower-case type (the usual case).
        let isBare = !value.utf8.contains { byte in
            byte == UInt8(ascii: ";") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
        }
        if isBare { return value.isEmpty ? nil : value }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for byte in value.utf8 {
            if byte == UInt8(ascii: ";") { break }
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { continue }
            bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte)
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    /// The API key of an `Authorization: Bearer …` header: the scheme in any case, a space, the key.
    /// Read byte by byte, since every mail relay request and RPC call starts with it.
    var bearerToken: String? {
        guard let value = value(.authorization) else { return nil }
        let scheme = "bearer ".utf8
        let utf8 = value.utf8
        guard utf8.count > scheme.count,
            zip(utf8, scheme).allSatisfy({ byte, expected in
                expected == UInt8(ascii: " ") ? byte == expected : byte | 0x20 == expected
            })
        else { return nil }
        let token = Substring(value.utf8.dropFirst(scheme.count)).trimmingBlanks()
        return token.isEmpty ? nil : String(token)
    }

    /// The declared body length; nil when absent or not a number.
    var contentLength: Int? {
        value(.contentLength).flatMap { Int($0) }
    }
}

extension Request {
    /// The whole body, or a 413 problem past `limit` bytes.
    func collectBody(limit: Int) async throws -> ByteBuffer {
        if let length = headers.contentLength, length > limit {
            throw ProblemDetails(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        }
        do {
            return try await body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ProblemDetails(.contentTooLarge, "the body is larger than the limit of \(limit) bytes")
        }
    }
}
