/// How to reach a HaloPSA instance (SPEC §9); the JSON names are the channel's `connection` fields.
public struct HaloPSAConnection: Sendable, Codable, Equatable {
    /// The resource server, e.g. `https://acme.halopsa.com/api` (a bare host gets `/api`).
    public var resourceServer: String
    /// The authorisation server, e.g. `https://acme.halopsa.com/auth`; empty means `{host}/auth`.
    public var authorizationServer: String
    /// The tenant of a Halo-hosted instance, sent as `?tenant=` to the token endpoint.
    public var tenant: String?
    /// The API application's client id.
    public var clientID: String
    /// Secret: never logged, never returned.
    public var clientSecret: String

    /// Makes one from its parts.
    public init(
        resourceServer: String, authorizationServer: String = "", tenant: String? = nil, clientID: String,
        clientSecret: String
    ) {
        self.resourceServer = resourceServer
        self.authorizationServer = authorizationServer
        self.tenant = tenant
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    enum CodingKeys: String, CodingKey {
        case resourceServer = "resource_server"
        case authorizationServer = "authorization_server"
        case tenant
        case clientID = "client_id"
        case clientSecret = "client_secret"
    }

    /// Decodes the channel JSON, filling the documented defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        resourceServer = try container.decode(String.self, forKey: .resourceServer)
        authorizationServer = try container.decodeIfPresent(String.self, forKey: .authorizationServer) ?? ""
        tenant = try container.decodeIfPresent(String.self, forKey: .tenant)
        clientID = try container.decode(String.self, forKey: .clientID)
        clientSecret = try container.decode(String.self, forKey: .clientSecret)
    }
}

/// The Halo fields every ticket CheckBridge opens carries (the channel's `ticket` settings).
public struct HaloPSATicketSettings: Sendable, Codable, Equatable {
    /// The ticket type new tickets get.
    public var ticketTypeID: Int64
    /// The status new tickets get.
    public var statusID: Int64
    /// The agent new tickets are assigned to.
    public var agentID: Int64
    /// The priority new tickets get; nil leaves the PSA's default.
    public var priorityID: Int64?
    /// The status a close sets; nil means detected (a closed status, preferring the stock 9).
    public var closeStatusID: Int64?

    /// Makes one from its parts.
    public init(
        ticketTypeID: Int64, statusID: Int64, agentID: Int64, priorityID: Int64? = nil, closeStatusID: Int64? = nil
    ) {
        self.ticketTypeID = ticketTypeID
        self.statusID = statusID
        self.agentID = agentID
        self.priorityID = priorityID
        self.closeStatusID = closeStatusID
    }

    enum CodingKeys: String, CodingKey {
        case ticketTypeID = "ticket_type_id"
        case statusID = "status_id"
        case agentID = "agent_id"
        case priorityID = "priority_id"
        case closeStatusID = "close_status_id"
    }
}
