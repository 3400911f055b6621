import AsyncHTTPClient
import CheckBridgeCore
import Logging
import PSA
import Storage
import Synchronization

/// What talking to PSAs needs: the master key, one HTTP client, and connectors kept per channel
/// version (a connector holds tokens and discovered settings worth reusing).
final class PSAServices: Sendable {
    let box: SecretBox
    let httpClient: HTTPClient
    let timeout: Duration
    private let connectors = Mutex<[String: (version: Timestamp, system: any TicketingSystem)]>([:])

    init(box: SecretBox, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(30)) {
        self.box = box
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// A connector for a configuration not stored yet (create, update, lookups before saving).
    func connector(for configuration: PSAChannelConfiguration, logger: Logger) -> any TicketingSystem {
        makeTicketingSystem(configuration, httpClient: httpClient, logger: logger, timeout: timeout)
    }

    /// The connector of a stored channel, rebuilt whenever the channel changed.
    func connector(for channel: OpenedChannel, logger: Logger) -> any TicketingSystem {
        let version = channel.record.updatedAt
        if let cached = connectors.withLock({ $0[channel.record.id] }), cached.version == version {
            return cached.system
        }
        let system = connector(for: channel.configuration, logger: logger)
        connectors.withLock { $0[channel.record.id] = (version, system) }
        return system
    }

    /// Opens a stored channel.
    func open(_ record: ChannelRecord) throws -> OpenedChannel {
        try OpenedChannel(record, box: box)
    }
}

extension RPCError {
    /// A PSA failure as SPEC §4 names it: -32010 when the PSA answered no, -32011 when it could not be reached.
    static func psa(_ error: PSAError) -> RPCError {
        var data: [String: JSONValue] = ["message": .string(error.message), "kind": .string(error.kind.name)]
        data["status"] = error.status.map { .int(Int64($0)) } ?? .null
        switch error.kind {
        case .unreachable, .timedOut, .unavailable, .rateLimited:
            return RPCError(code: -32011, message: "PSA unreachable: \(error.message)", data: .object(data))
        case .unauthorized, .forbidden, .notFound, .rejected, .invalidResponse:
            return RPCError(code: -32010, message: "PSA rejected the call: \(error.message)", data: .object(data))
        }
    }
}

extension PSAError.Kind {
    /// The kind as the API names it, in the snake case of every other name there.
    var name: String {
        switch self {
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .rejected: "rejected"
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .unreachable: "unreachable"
        case .timedOut: "timed_out"
        case .invalidResponse: "invalid_response"
        }
    }
}
