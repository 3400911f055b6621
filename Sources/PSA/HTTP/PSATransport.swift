import AsyncHTTPClient
import CheckBridgeCore
import Foundation
import Logging

/// One HTTP call to a PSA.
struct PSARequest: Sendable {
    enum Method: String, Sendable { case GET, POST, PUT, PATCH, DELETE }

    var method: Method
    var url: String
    var headers: [(String, String)] = []
    var body: [UInt8]?
    /// Whether the call changes data in the PSA, so that a lost answer leaves its outcome unknown.
    var isWrite: Bool { method != .GET }

    init(_ method: Method, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A request whose body is `json`, compactly serialised.
    init(_ method: Method, _ url: String, headers: [(String, String)] = [], json: JSONValue) {
        self.init(method, url, headers: headers + [("Content-Type", "application/json")], body: json.serialized())
    }
}

/// A PSA's answer, whatever its status.
struct PSAResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    /// The first value of a header, by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as JSON; an empty body is `null`.
    func json() throws(PSAError) -> JSONValue {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .null }
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .invalidResponse("the answer is not JSON (\(error.description))", status: status)
        }
    }

    /// The body as text, shortened for error messages.
    var bodyExcerpt: String {
        let text = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text
    }
}

/// Sends requests with AsyncHTTPClient and turns transport failures into `PSAError`s.
///
/// It never retries: whether a lost answer may be sent again is the queue's decision, made from
/// `PSAError.outcomeUnknown`.
struct PSATransport: Sendable {
    let httpClient: HTTPClient
    let logger: Logger
    /// The whole-call deadline, answer body included.
    let timeout: Duration
    /// PSA answers larger than this are refused rather than buffered.
    let maximumBodyBytes = 64 * 1024 * 1024

    func send(_ request: PSARequest) async throws(PSAError) -> PSAResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .init(rawValue: request.method.rawValue)
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(body) }
        let clock = ContinuousClock()
        let started = clock.now
        let path = Self.loggablePath(request.url)
        do {
            let response = try await httpClient.execute(
                outgoing, timeout: .nanoseconds(Self.nanoseconds(timeout)), logger: logger)
            let buffer = try await response.body.collect(upTo: maximumBodyBytes)
            let status = Int(response.status.code)
            logger.debug(
                "PSA call",
                metadata: [
                    "psa.method": "\(request.method.rawValue)", "psa.path": "\(path)", "psa.status": "\(status)",
                    "psa.duration": "\(clock.now - started)",
                ])
            return PSAResponse(
                status: status, headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView))
        } catch {
            let failure = Self.transportError(error, isWrite: request.isWrite)
            logger.debug(
                "PSA call failed",
                metadata: [
                    "psa.method": "\(request.method.rawValue)", "psa.path": "\(path)", "psa.error": "\(failure)",
                ])
            throw failure
        }
    }

    /// Classifies a failure without an HTTP answer. A write that may have reached the PSA before
    /// the failure is marked `outcomeUnknown`; only failures before a connection existed are known
    /// not to have been sent.
    static func transportError(_ error: any Error, isWrite: Bool) -> PSAError {
        if let clientError = error as? HTTPClientError {
            if clientError == .connectTimeout || clientError == .getConnectionFromPoolTimeout
                || clientError == .tlsHandshakeTimeout
            {
                return PSAError(kind: .timedOut, message: "could not connect to the PSA in time")
            }
            if clientError == .readTimeout || clientError == .deadlineExceeded || clientError == .writeTimeout {
                return PSAError(kind: .timedOut, message: "the PSA did not answer in time", outcomeUnknown: isWrite)
            }
            if clientError == .remoteConnectionClosed {
                return PSAError(
                    kind: .unreachable, message: "the PSA closed the connection without an answer",
                    outcomeUnknown: isWrite)
            }
            if clientError == .invalidURL || clientError == .emptyHost || clientError == .emptyScheme {
                return .rejected("invalid PSA URL")
            }
            if clientError == .bodyLengthMismatch || clientError == .contentLengthMissing {
                return PSAError(
                    kind: .invalidResponse, message: "the PSA's answer was cut short", outcomeUnknown: isWrite)
            }
        }
        if error is CancellationError {
            return PSAError(kind: .timedOut, message: "the call was cancelled", outcomeUnknown: isWrite)
        }
        return PSAError(kind: .unreachable, message: "cannot reach the PSA: \(error)", outcomeUnknown: isWrite)
    }

    /// The URL's path without its query, which may carry search terms but never secrets; logged anyway
    /// without it to keep log lines short.
    static func loggablePath(_ url: String) -> String {
        let withoutQuery = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        guard let schemeEnd = withoutQuery.range(of: "://") else { return withoutQuery }
        let rest = withoutQuery[schemeEnd.upperBound...]
        return rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Turns a non-2xx answer into a `PSAError`, with the message the PSA gave.
func errorFromResponse(_ response: PSAResponse, isWrite: Bool) -> PSAError {
    PSAError.fromStatus(
        response.status, message: errorMessage(of: response),
        retryAfter: parseRetryAfter(response.header("Retry-After")), isWrite: isWrite)
}

/// The PSA's own words from an error body, whichever documented shape it has: ConnectWise
/// `{code, message, errors:[{message}]}`, Syncro `{"error": …}` / `{"message": [...]}` /
/// `{"errors": …}`, OAuth `{error, error_description}`, Halo plain text or a JSON string.
func errorMessage(of response: PSAResponse) -> String {
    let fallback = "HTTP \(response.status)"
    guard let json = try? response.json() else {
        let text = response.bodyExcerpt
        return text.isEmpty ? fallback : text
    }
    var parts: [String] = []
    func collect(_ value: JSONValue?) {
        switch value {
        case .string(let text)? where !text.isEmpty: parts.append(text)
        case .array(let items)?: items.forEach { collect($0["message"] ?? $0) }
        case .object?: collect(value?["message"])
        default: break
        }
    }
    switch json {
    case .string(let text): parts.append(text)
    case .object:
        if let code = json["error"]?.stringValue {
            parts.append(code)
            if let description = json["error_description"]?.stringValue { parts.append(description) }
        } else {
            collect(json["error"])
        }
        collect(json["message"] ?? json["Message"])
        collect(json["errors"])
    default: break
    }
    var unique: [String] = []
    for part in parts where !unique.contains(part) { unique.append(part) }
    if unique.isEmpty {
        if let header = response.header("WWW-Authenticate"), !header.isEmpty { return header }
        let text = response.bodyExcerpt
        return text.isEmpty || text == "null" ? fallback : text
    }
    return unique.joined(separator: "; ")
}

extension PSATransport {
    /// Sends and returns the JSON of a 2xx answer; other statuses become `PSAError`s.
    func json(_ request: PSARequest) async throws(PSAError) -> JSONValue {
        let response = try await send(request)
        guard response.isSuccess else { throw errorFromResponse(response, isWrite: request.isWrite) }
        return try response.json()
    }
}
