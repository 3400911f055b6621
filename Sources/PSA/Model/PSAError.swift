/// Why a call to a PSA failed, carrying the PSA's own answer so a user can act on it.
///
/// The queue worker decides from this alone whether to retry (`isPermanent`), how long to wait
/// (`retryAfter`) and whether a create must be looked up by reference before it is sent again
/// (`outcomeUnknown`).
public struct PSAError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, independent of the PSA.
    public enum Kind: Sendable, Equatable {
        /// Credentials were refused (HTTP 401, or an OAuth token endpoint's `invalid_client`).
        case unauthorized
        /// The credentials are valid but lack a permission (HTTP 403).
        case forbidden
        /// The object does not exist (HTTP 404).
        case notFound
        /// The PSA (or the connector, before sending) refused the request as invalid.
        case rejected
        /// Too many requests (HTTP 429); see `retryAfter`.
        case rateLimited
        /// The PSA answered with a server error (HTTP 5xx).
        case unavailable
        /// No answer: connection refused, reset or closed.
        case unreachable
        /// No answer in time (HTTP 408 or the client's own deadline).
        case timedOut
        /// The PSA answered, but not in the shape its API documents.
        case invalidResponse
    }

    /// The class of failure.
    public var kind: Kind
    /// The PSA's HTTP status, when it answered.
    public var status: Int?
    /// The PSA's error message (or the connector's, when the PSA said nothing); never a secret.
    public var message: String
    /// How long the PSA asked us to wait, from its `Retry-After` header.
    public var retryAfter: Duration?
    /// A write whose result cannot be known: it may have been applied although the answer was lost.
    public var outcomeUnknown: Bool

    /// Makes an error; `outcomeUnknown` defaults to false because most failures say what happened.
    public init(
        kind: Kind, status: Int? = nil, message: String, retryAfter: Duration? = nil, outcomeUnknown: Bool = false
    ) {
        self.kind = kind
        self.status = status
        self.message = message
        self.retryAfter = retryAfter
        self.outcomeUnknown = outcomeUnknown
    }

    /// True when sending the same request again cannot succeed: 4xx other than 408 and 429, or a
    /// request the connector refused before sending.
    public var isPermanent: Bool {
        if let status {
            return (400..<500).contains(status) && status != 408 && status != 429
        }
        switch kind {
        case .unauthorized, .forbidden, .notFound, .rejected: return true
        case .rateLimited, .unavailable, .unreachable, .timedOut, .invalidResponse: return false
        }
    }

    public var description: String {
        var text = "PSA \(kind)"
        if let status { text += " (HTTP \(status))" }
        text += ": \(message)"
        if outcomeUnknown { text += " [outcome unknown]" }
        return text
    }
}

extension PSAError {
    /// A request the connector refuses to send (bad configuration, unknown lookup list…).
    static func rejected(_ message: String) -> PSAError {
        PSAError(kind: .rejected, message: message)
    }

    /// An answer that does not have the documented shape.
    static func invalidResponse(_ message: String, status: Int? = nil) -> PSAError {
        PSAError(kind: .invalidResponse, status: status, message: message)
    }

    /// The error for a non-2xx answer, classified by status.
    ///
    /// A write answered 500, 502 or 504 may have been applied before the server or a gateway
    /// failed, so its outcome is unknown; 503 and 429 are refusals before any work.
    static func fromStatus(
        _ status: Int, message: String, retryAfter: Duration?, isWrite: Bool
    ) -> PSAError {
        let kind: Kind
        switch status {
        case 401: kind = .unauthorized
        case 403: kind = .forbidden
        case 404: kind = .notFound
        case 408: kind = .timedOut
        case 429: kind = .rateLimited
        case 500..<600: kind = .unavailable
        default: kind = .rejected
        }
        let unknown = isWrite && [500, 502, 504].contains(status)
        return PSAError(kind: kind, status: status, message: message, retryAfter: retryAfter, outcomeUnknown: unknown)
    }
}
