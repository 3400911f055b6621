import CheckBridgeCore
import Foundation

/// One entry of a PSA list a user picks settings from (`channels.lookup`): `{id, name, …flags}`.
public struct PSALookupEntry: Sendable, Equatable {
    /// The PSA's id: a number, or a string for Syncro problem types, statuses and priorities.
    public var id: JSONValue
    /// What the PSA shows the user.
    public var name: String
    /// What a user needs to choose well: `closed`, `inactive`, `disallow_saving`, `default`…
    public var flags: [String: JSONValue]

    /// Makes one from its parts.
    public init(id: JSONValue, name: String, flags: [String: JSONValue] = [:]) {
        self.id = id
        self.name = name
        self.flags = flags
    }

    /// The entry as the JSON object the RPC layer returns.
    public var jsonValue: JSONValue {
        var members = flags
        members["id"] = id
        members["name"] = .string(name)
        return .object(members)
    }
}

/// A PSA customer (Halo client, ConnectWise company, Syncro customer).
public struct PSACustomer: Sendable, Equatable {
    /// The PSA's id.
    public var id: Int64
    /// The name the PSA shows.
    public var name: String
    /// Marked inactive (Halo `inactive`, ConnectWise status `inactiveFlag`, Syncro `disabled`).
    public var inactive: Bool
    /// ConnectWise only: the company's status forbids saving records for it.
    public var disallowSaving: Bool

    /// Makes one from its parts.
    public init(id: Int64, name: String, inactive: Bool = false, disallowSaving: Bool = false) {
        self.id = id
        self.name = name
        self.inactive = inactive
        self.disallowSaving = disallowSaving
    }
}

/// A PSA asset (Halo asset, ConnectWise configuration, Syncro customer asset).
public struct PSAAsset: Sendable, Equatable {
    /// The PSA's id.
    public var id: Int64
    /// The name the PSA shows.
    public var name: String
    /// The number users search by: Halo `inventory_number`, ConnectWise `tagNumber`.
    public var number: String?
    /// The serial number, when the PSA has one.
    public var serial: String?
    /// The customer owning it.
    public var customerID: Int64?

    /// Makes one from its parts.
    public init(id: Int64, name: String, number: String? = nil, serial: String? = nil, customerID: Int64? = nil) {
        self.id = id
        self.name = name
        self.number = number
        self.serial = serial
        self.customerID = customerID
    }
}

/// What CheckBridge asks a PSA to open; the channel's ticket settings supply the rest.
public struct PSATicketDraft: Sendable {
    /// The ticket title (ConnectWise cuts it to 100 characters).
    public var summary: String
    /// The description: the result's subject and excerpt.
    public var details: String
    /// The PSA customer the ticket is for.
    public var customerID: Int64
    /// The PSA asset to attach, if the check has one on this channel.
    public var assetID: Int64?
    /// Our idempotency reference, stored in the PSA so an uncertain create can be found again.
    public var reference: String

    /// Makes one from its parts.
    public init(summary: String, details: String, customerID: Int64, assetID: Int64? = nil, reference: String) {
        self.summary = summary
        self.details = details
        self.customerID = customerID
        self.assetID = assetID
        self.reference = reference
    }
}

/// A ticket as far as the lifecycle cares: which one, and whether someone closed it.
public struct PSATicket: Sendable, Equatable {
    /// The PSA's ticket id.
    public var id: Int64
    /// Whether the PSA considers it closed.
    public var isClosed: Bool

    /// Makes one from its parts.
    public init(id: Int64, isClosed: Bool) {
        self.id = id
        self.isClosed = isClosed
    }
}

/// A note (update) on a ticket.
public struct PSANote: Sendable {
    /// The note's text.
    public var text: String
    /// A title, used where the PSA has one (Syncro comments require it); the others send `text` only.
    public var subject: String

    /// Makes one from its parts.
    public init(text: String, subject: String) {
        self.text = text
        self.subject = subject
    }
}

/// One configured PSA, as the ticket lifecycle and the channel RPCs use it.
///
/// Every method throws `PSAError`; none retries by itself except where the PSA's protocol demands
/// it (a Halo token refresh after 401), so retry policy stays in the durable queue.
public protocol TicketingSystem: Sendable {
    /// Which PSA this is.
    var kind: PSAKind { get }

    /// Checks the connection and credentials with one cheap authenticated call.
    func testConnection() async throws(PSAError)

    /// One of the lists a user picks ticket settings from; `lookupLists` names them.
    /// `boardID` is needed by ConnectWise's board lists; `query` filters names (case-insensitive).
    func lookup(_ list: String, boardID: Int64?, query: String?) async throws(PSAError) -> [PSALookupEntry]

    /// Every customer, all pages, with their flags.
    func customers() async throws(PSAError) -> [PSACustomer]

    /// Assets matching an asset number exactly (within a customer when given); several means ambiguous.
    func findAssets(number: String, customerID: Int64?) async throws(PSAError) -> [PSAAsset]

    /// Opens a ticket.
    func createTicket(_ draft: PSATicketDraft) async throws(PSAError) -> PSATicket

    /// The ticket carrying our reference, if one was created (to settle a create whose outcome is unknown).
    func findTicket(reference: String) async throws(PSAError) -> PSATicket?

    /// The ticket's current state; nil when it was deleted in the PSA.
    func ticket(id: Int64) async throws(PSAError) -> PSATicket?

    /// Adds a note to a ticket.
    func addNote(ticketID: Int64, _ note: PSANote) async throws(PSAError)

    /// Closes a ticket with the channel's close status (or one detected from the PSA), after the note if any.
    func closeTicket(ticketID: Int64, _ note: PSANote?) async throws(PSAError)
}

extension TicketingSystem {
    /// The list names `lookup` accepts for this PSA.
    public var lookupLists: [String] { kind.lookupLists }

    /// The `customers` lookup list of PSAs whose customers are plain records (HaloPSA clients,
    /// Syncro customers): every customer, disabled ones flagged `inactive`.
    func customerLookupEntries() async throws(PSAError) -> [PSALookupEntry] {
        try await customers().map { customer in
            PSALookupEntry(id: .int(customer.id), name: customer.name, flags: ["inactive": .bool(customer.inactive)])
        }
    }
}

extension PSAKind {
    /// The list names `TicketingSystem.lookup` accepts for this PSA.
    public var lookupLists: [String] {
        switch self {
        case .halopsa: ["ticket_types", "statuses", "agents", "priorities", "customers"]
        case .connectwise:
            [
                "boards", "board_statuses", "board_types", "board_subtypes", "board_items", "priorities", "sources",
                "companies",
            ]
        case .syncro: ["problem_types", "statuses", "priorities", "users", "customers"]
        }
    }

    /// Lists that need a `boardID`.
    public var boardScopedLookupLists: Set<String> {
        self == .connectwise ? ["board_statuses", "board_types", "board_subtypes", "board_items"] : []
    }
}

extension PSAError {
    /// The error for a list name this PSA does not have.
    static func unknownList(_ list: String, kind: PSAKind) -> PSAError {
        .rejected("unknown lookup list '\(list)' for \(kind.rawValue); expected one of "
            + kind.lookupLists.joined(separator: ", "))
    }
}

/// Keeps the entries whose name contains `query` (case-insensitive); all when `query` is empty.
func filterEntries(_ entries: [PSALookupEntry], query: String?) -> [PSALookupEntry] {
    guard let query = query?.trimmingCharacters(in: .whitespaces), !query.isEmpty else { return entries }
    return entries.filter { $0.name.localizedCaseInsensitiveContains(query) }
}
