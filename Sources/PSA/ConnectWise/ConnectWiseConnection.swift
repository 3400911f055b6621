/// How to reach a ConnectWise PSA (Manage) site (SPEC §9); the JSON names are the channel's `connection` fields.
public struct ConnectWiseConnection: Sendable, Codable, Equatable {
    /// The site, e.g. `na.myconnectwise.net` or `https://cw.example.com`.
    public var site: String
    /// The company id users log in with.
    public var companyID: String
    /// The API member's public key.
    public var publicKey: String
    /// Secret: never logged, never returned.
    public var privateKey: String
    /// The integrator's `clientId` GUID (required on every call).
    public var clientID: String
    /// The API's codebase, e.g. `v4_6_release/`; nil means discovered from `/login/companyinfo/{companyId}`.
    public var codebase: String?

    /// Makes one from its parts.
    public init(
        site: String, companyID: String, publicKey: String, privateKey: String, clientID: String,
        codebase: String? = nil
    ) {
        self.site = site
        self.companyID = companyID
        self.publicKey = publicKey
        self.privateKey = privateKey
        self.clientID = clientID
        self.codebase = codebase
    }

    enum CodingKeys: String, CodingKey {
        case site
        case companyID = "company_id"
        case publicKey = "public_key"
        case privateKey = "private_key"
        case clientID = "client_id"
        case codebase
    }
}

/// The ConnectWise fields every ticket CheckBridge opens carries (the channel's `ticket` settings).
public struct ConnectWiseTicketSettings: Sendable, Codable, Equatable {
    /// The service board tickets open on.
    public var boardID: Int64
    /// The status new tickets get.
    public var statusID: Int64
    /// The priority new tickets get.
    public var priorityID: Int64
    /// The board type, if any.
    public var typeID: Int64?
    /// The board subtype, if any.
    public var subtypeID: Int64?
    /// The board item, if any.
    public var itemID: Int64?
    /// The ticket source, if any.
    public var sourceID: Int64?
    /// The status a close sets; nil means a `closedStatus` status of the ticket's board, detected.
    public var closeStatusID: Int64?
    /// Whether customer import keeps companies whose status disallows saving (SPEC §7).
    public var includeDisallowSaving: Bool

    /// Makes one from its parts.
    public init(
        boardID: Int64, statusID: Int64, priorityID: Int64, typeID: Int64? = nil, subtypeID: Int64? = nil,
        itemID: Int64? = nil, sourceID: Int64? = nil, closeStatusID: Int64? = nil, includeDisallowSaving: Bool = false
    ) {
        self.boardID = boardID
        self.statusID = statusID
        self.priorityID = priorityID
        self.typeID = typeID
        self.subtypeID = subtypeID
        self.itemID = itemID
        self.sourceID = sourceID
        self.closeStatusID = closeStatusID
        self.includeDisallowSaving = includeDisallowSaving
    }

    enum CodingKeys: String, CodingKey {
        case boardID = "board_id"
        case statusID = "status_id"
        case priorityID = "priority_id"
        case typeID = "type_id"
        case subtypeID = "subtype_id"
        case itemID = "item_id"
        case sourceID = "source_id"
        case closeStatusID = "close_status_id"
        case includeDisallowSaving = "include_disallow_saving"
    }

    /// Decodes the channel JSON, filling the documented defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        boardID = try container.decode(Int64.self, forKey: .boardID)
        statusID = try container.decode(Int64.self, forKey: .statusID)
        priorityID = try container.decode(Int64.self, forKey: .priorityID)
        typeID = try container.decodeIfPresent(Int64.self, forKey: .typeID)
        subtypeID = try container.decodeIfPresent(Int64.self, forKey: .subtypeID)
        itemID = try container.decodeIfPresent(Int64.self, forKey: .itemID)
        sourceID = try container.decodeIfPresent(Int64.self, forKey: .sourceID)
        closeStatusID = try container.decodeIfPresent(Int64.self, forKey: .closeStatusID)
        includeDisallowSaving = try container.decodeIfPresent(Bool.self, forKey: .includeDisallowSaving) ?? false
    }
}
