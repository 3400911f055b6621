/// How to reach a SyncroMSP account (SPEC §9); the JSON names are the channel's `connection` fields.
public struct SyncroConnection: Sendable, Codable, Equatable {
    /// The account URL, e.g. `https://acme.syncromsp.com` (`/api/v1` is added).
    public var url: String
    /// Secret: never logged, never returned.
    public var apiToken: String

    /// Makes one from its parts.
    public init(url: String, apiToken: String) {
        self.url = url
        self.apiToken = apiToken
    }

    enum CodingKeys: String, CodingKey {
        case url
        case apiToken = "api_token"
    }
}

/// The Syncro fields every ticket CheckBridge opens carries (the channel's `ticket` settings).
/// Syncro names problem types, statuses and priorities by their text.
public struct SyncroTicketSettings: Sendable, Codable, Equatable {
    /// The problem type new tickets get (Syncro's text).
    public var problemType: String
    /// The status new tickets get ("New").
    public var status: String
    /// The priority new tickets get (Syncro's text), if any.
    public var priority: String?
    /// The technician new tickets are assigned to, if any.
    public var userID: Int64?
    /// The status a close sets ("Resolved").
    public var closeStatus: String

    /// Makes one from its parts.
    public init(
        problemType: String, status: String = "New", priority: String? = nil, userID: Int64? = nil,
        closeStatus: String = "Resolved"
    ) {
        self.problemType = problemType
        self.status = status
        self.priority = priority
        self.userID = userID
        self.closeStatus = closeStatus
    }

    enum CodingKeys: String, CodingKey {
        case problemType = "problem_type"
        case status
        case priority
        case userID = "user_id"
        case closeStatus = "close_status"
    }

    /// Decodes the channel JSON, filling the documented defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        problemType = try container.decode(String.self, forKey: .problemType)
        status = try container.decodeIfPresent(String.self, forKey: .status) ?? "New"
        priority = try container.decodeIfPresent(String.self, forKey: .priority)
        userID = try container.decodeIfPresent(Int64.self, forKey: .userID)
        closeStatus = try container.decodeIfPresent(String.self, forKey: .closeStatus) ?? "Resolved"
    }
}
