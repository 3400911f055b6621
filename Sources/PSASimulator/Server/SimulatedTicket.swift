import CheckBridgeCore

/// A ticket as a simulator holds it, for tests to inspect what the connector sent.
public struct SimulatedTicket: Sendable, Equatable {
    /// The PSA's id.
    public var id: Int64
    /// The customer it was opened for.
    public var customerID: Int64
    /// Halo `summary`, ConnectWise `summary`, Syncro `subject`.
    public var summary: String
    /// Halo `details`, ConnectWise `initialDescription`, Syncro first comment.
    public var details: String
    /// Our reference as the PSA stored it (Halo `third_party_id_string`, ConnectWise `externalXRef`,
    /// Syncro the `CheckBridge Reference` property).
    public var reference: String?
    /// Attached assets or configurations.
    public var assetIDs: [Int64]
    /// The status: an id for Halo and ConnectWise, the name for Syncro.
    public var status: JSONValue
    /// ConnectWise only: the ticket's board.
    public var boardID: Int64?
    /// Whether its status is a closed one.
    public var isClosed: Bool
    /// Deleted by hand: the API answers 404 for it.
    public var isDeleted: Bool
    /// Whether a user closed it in the PSA rather than through the API.
    public var closedByHand: Bool
    /// Notes, actions and comments in the order they were added.
    public var notes: [SimulatedNote]
    /// How many API calls moved the ticket into a closed status.
    public var closeCount: Int
    /// The fields of the create request as sent, in the PSA's own names.
    public var fields: [String: JSONValue]
}

/// A note (Halo action, ConnectWise note, Syncro comment) on a simulated ticket.
public struct SimulatedNote: Sendable, Equatable {
    /// The note's id.
    public var id: Int64
    /// Halo `note`, ConnectWise `text`, Syncro `body`.
    public var text: String
    /// Syncro's comment subject.
    public var subject: String?
    /// The other fields as sent (`hiddenfromuser`, `internalAnalysisFlag`, `hidden`, `new_status`…).
    public var fields: [String: JSONValue]
}

/// One request a simulator received, without its secrets.
public struct RecordedRequest: Sendable, Equatable {
    /// The HTTP method.
    public var method: String
    /// The path, percent-decoded.
    public var path: String
    /// The query string as sent (percent-encoded), without `?`.
    public var query: String
    /// Headers, except `Authorization`.
    public var headers: [String: String]
    /// The body as text; the Halo token request's body is withheld (it carries the client secret).
    public var body: String
}

/// A failure a simulator plays instead of (or after) answering.
public enum SimulatedFault: Sendable, Equatable {
    /// Answer with a server error.
    case serverError(status: Int)
    /// Answer 429 with `Retry-After: seconds`.
    case rateLimited(retryAfterSeconds: Int)
    /// Wait before answering normally.
    case delay(Duration)
    /// Close the connection without answering; the request is not processed.
    case dropConnection
    /// Process the request (a create succeeds), then close the connection without answering.
    case processThenDropConnection
}

/// Which requests a fault applies to; nil fields match anything.
public struct RequestMatcher: Sendable, Equatable {
    /// The HTTP method, e.g. `POST`.
    public var method: String?
    /// Matches when the request path ends with this (`/Tickets`, `/service/tickets`).
    public var pathSuffix: String?

    /// Makes one from its parts.
    public init(method: String? = nil, pathSuffix: String? = nil) {
        self.method = method
        self.pathSuffix = pathSuffix
    }

    func matches(method: String, path: String) -> Bool {
        if let expected = self.method, expected.caseInsensitiveCompare(method) != .orderedSame { return false }
        if let pathSuffix, !path.hasSuffix(pathSuffix) { return false }
        return true
    }
}
