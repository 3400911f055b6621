import AsyncHTTPClient
import CheckBridgeCore
import Foundation
import Logging

/// SyncroMSP over its REST API v1 (PSA-FACTS "SyncroMSP").
///
/// Syncro has no idempotency key or reference field on tickets, so our reference goes into the
/// ticket's `properties` and `tag_list`, and `findTicket` searches with `query` and then checks both.
public final class SyncroConnector: TicketingSystem {
    /// Always `.syncro`.
    public let kind = PSAKind.syncro
    /// Where and as whom to call.
    public let connection: SyncroConnection
    /// The fields every ticket carries.
    public let settings: SyncroTicketSettings
    private let transport: PSATransport
    private let api: Result<PSABaseURL, PSAError>

    /// The ticket property our reference is stored under.
    public static let referenceProperty = "CheckBridge Reference"
    /// The subject of the first comment, which carries the details (Syncro's own UI calls it so).
    static let initialCommentSubject = "Initial Issue"
    /// Statuses that mean a ticket is done, besides the channel's close status.
    static let closedStatuses: Set<String> = ["Resolved", "Invoiced"]

    /// - Parameter timeout: deadline of each HTTP call.
    public init(
        connection: SyncroConnection, ticket: SyncroTicketSettings, httpClient: HTTPClient, logger: Logger,
        timeout: Duration = .seconds(30)
    ) {
        self.connection = connection
        self.settings = ticket
        var logger = logger
        logger[metadataKey: "psa.kind"] = "syncro"
        self.transport = PSATransport(httpClient: httpClient, logger: logger, timeout: timeout)
        self.api = Result { () throws(PSAError) in try Self.apiBase(connection) }
    }

    /// Checks the URL of a connection without calling Syncro.
    public static func validate(_ connection: SyncroConnection) throws(PSAError) {
        _ = try apiBase(connection)
    }

    private static func apiBase(_ connection: SyncroConnection) throws(PSAError) -> PSABaseURL {
        let base = try PSABaseURL(connection.url, field: "url")
        if base.path.hasSuffix("/api/v1") { return base }
        return try PSABaseURL(base.origin + "/api/v1", field: "url")
    }

    // MARK: TicketingSystem

    public func testConnection() async throws(PSAError) {
        _ = try await call(.GET, "/me")
    }

    public func lookup(_ list: String, boardID: Int64?, query: String?) async throws(PSAError) -> [PSALookupEntry] {
        let entries: [PSALookupEntry]
        switch list {
        case "problem_types":
            let settings = try await call(.GET, "/settings")
            entries = Self.names(settings[path: "ticket", "problem_types"]).map { name in
                PSALookupEntry(id: .string(name), name: name, flags: [:])
            }
        case "priorities":
            let settings = try await call(.GET, "/settings")
            entries = Self.names(settings[path: "ticket", "priorities"]).map { name in
                PSALookupEntry(id: .string(name), name: name, flags: [:])
            }
        case "statuses":
            let settings = try await call(.GET, "/tickets/settings")
            entries = Self.names(settings["ticket_status_list"]).map { name in
                PSALookupEntry(
                    id: .string(name), name: name,
                    flags: ["closed": .bool(isClosed(status: name)), "default": .bool(name == "New")])
            }
        case "users":
            let settings = try await call(.GET, "/tickets/settings")
            entries = settings["users"].flatMap(\.arrayValue).orEmpty.compactMap { user in
                guard let id = user["id"]?.int64Value else { return nil }
                return PSALookupEntry(id: .int(id), name: user["name"]?.stringValue ?? "", flags: [:])
            }
        case "customers":
            entries = try await customerLookupEntries()
        default:
            throw .unknownList(list, kind: kind)
        }
        return filterEntries(entries, query: query)
    }

    /// All customers, disabled ones included (flagged), across `meta.total_pages`.
    public func customers() async throws(PSAError) -> [PSACustomer] {
        let items = try await pages(
            "/customers", query: [("include_disabled", "true")], key: "customers", maximumPages: 100_000)
        return items.compactMap { item in
            guard let id = item["id"]?.int64Value else { return nil }
            return PSACustomer(id: id, name: Self.customerName(item), inactive: item["disabled"]?.boolValue ?? false)
        }
    }

    /// The items of every page of a Syncro list (`page=1…`, until `meta.total_pages`, an empty
    /// page or `maximumPages`).
    private func pages(
        _ path: String, query: [(String, String)], key: String, maximumPages: Int
    ) async throws(PSAError) -> [JSONValue] {
        var items: [JSONValue] = []
        var page = 1
        while true {
            let answer = try await call(.GET, path, query: query + [("page", "\(page)")])
            guard let pageItems = answer[key]?.arrayValue else {
                throw .invalidResponse("GET \(path) did not return {\(key): [...]}")
            }
            items += pageItems
            let totalPages = answer[path: "meta", "total_pages"]?.int64Value ?? 1
            if pageItems.isEmpty || Int64(page) >= totalPages || page >= maximumPages { break }
            page += 1
        }
        return items
    }

    /// Customer assets whose name or serial equals `number` (SPEC §8).
    public func findAssets(number: String, customerID: Int64?) async throws(PSAError) -> [PSAAsset] {
        let wanted = number.trimmingCharacters(in: .whitespaces)
        var query = [("query", wanted)]
        if let customerID { query.append(("customer_id", String(customerID))) }
        let items = try await pages("/customer_assets", query: query, key: "assets", maximumPages: 1_000)
        return items.compactMap { item -> PSAAsset? in
            guard let id = item["id"]?.int64Value else { return nil }
            let name = item["name"]?.stringValue ?? ""
            let serial = item["asset_serial"]?.stringValue
            let owner = item["customer_id"]?.int64Value
            guard Self.same(name, wanted) || serial.map({ Self.same($0, wanted) }) == true else { return nil }
            if let customerID, owner != customerID { return nil }
            return PSAAsset(id: id, name: name, number: name, serial: serial, customerID: owner)
        }
    }

    public func createTicket(_ draft: PSATicketDraft) async throws(PSAError) -> PSATicket {
        var ticket: [String: JSONValue] = [
            "customer_id": .int(draft.customerID),
            "subject": .string(draft.summary),
            "problem_type": .string(settings.problemType),
            "status": .string(settings.status),
            "properties": [Self.referenceProperty: .string(draft.reference)],
            "tag_list": [.string(draft.reference)],
            "comments_attributes": [
                [
                    "subject": .string(Self.initialCommentSubject), "body": .string(draft.details), "hidden": true,
                    "do_not_email": true,
                ]
            ],
        ]
        if let priority = settings.priority, !priority.isEmpty { ticket["priority"] = .string(priority) }
        if let userID = settings.userID { ticket["user_id"] = .int(userID) }
        if let assetID = draft.assetID { ticket["asset_ids"] = [.int(assetID)] }
        let answer: JSONValue
        do {
            answer = try await call(.POST, "/tickets", json: .object(ticket))
        } catch where error.kind == .invalidResponse {
            throw PSAError(kind: .invalidResponse, message: error.message, outcomeUnknown: true)
        }
        guard let created = answer["ticket"], let id = created["id"]?.int64Value else {
            throw PSAError(kind: .invalidResponse, message: "POST /tickets returned no ticket id", outcomeUnknown: true)
        }
        return PSATicket(id: id, isClosed: isClosed(status: created["status"]?.stringValue ?? ""))
    }

    public func findTicket(reference: String) async throws(PSAError) -> PSATicket? {
        let answer = try await call(.GET, "/tickets", query: [("query", reference)])
        let tickets = answer["tickets"]?.arrayValue ?? []
        return
            tickets
            .filter { ticket in
                ticket[path: "properties", Self.referenceProperty]?.stringValue == reference
                    || ticket["tag_list"]?.arrayValue?.contains(.string(reference)) == true
            }
            .compactMap { ticket in
                ticket["id"]?.int64Value.map {
                    PSATicket(id: $0, isClosed: isClosed(status: ticket["status"]?.stringValue ?? ""))
                }
            }
            .min { $0.id < $1.id }
    }

    public func ticket(id: Int64) async throws(PSAError) -> PSATicket? {
        let answer: JSONValue
        do {
            answer = try await call(.GET, "/tickets/\(id)")
        } catch where error.kind == .notFound {
            return nil
        }
        guard let ticket = answer["ticket"] else { throw .invalidResponse("GET /tickets/\(id) returned no ticket") }
        return PSATicket(id: id, isClosed: isClosed(status: ticket["status"]?.stringValue ?? ""))
    }

    public func addNote(ticketID: Int64, _ note: PSANote) async throws(PSAError) {
        let subject = note.subject.trimmingCharacters(in: .whitespacesAndNewlines)
        let comment: JSONValue = [
            // Syncro requires a subject; a fixed title stands in when the note has none.
            "subject": .string(subject.isEmpty ? "CheckBridge update" : subject),
            "body": .string(note.text), "hidden": true, "do_not_email": true,
        ]
        _ = try await call(.POST, "/tickets/\(ticketID)/comment", json: comment)
    }

    public func closeTicket(ticketID: Int64, _ note: PSANote?) async throws(PSAError) {
        if let note { try await addNote(ticketID: ticketID, note) }
        _ = try await call(.PUT, "/tickets/\(ticketID)", json: ["status": .string(settings.closeStatus)])
    }

    // MARK: Details

    private func isClosed(status: String) -> Bool {
        status == settings.closeStatus || Self.closedStatuses.contains(status)
    }

    private static func same(_ lhs: String, _ rhs: String) -> Bool {
        lhs.trimmingCharacters(in: .whitespaces).caseInsensitiveCompare(rhs) == .orderedSame
    }

    private static func names(_ value: JSONValue?) -> [String] {
        value.flatMap(\.arrayValue).orEmpty.compactMap(\.stringValue).filter { !$0.isEmpty }
    }

    /// The name Syncro shows: the business name, else the person's.
    private static func customerName(_ item: JSONValue) -> String {
        for key in ["business_then_name", "business_name", "fullname"] {
            if let name = item[key]?.stringValue, !name.isEmpty { return name }
        }
        let parts = [item["firstname"]?.stringValue, item["lastname"]?.stringValue].compactMap { $0 }
        return parts.joined(separator: " ")
    }

    // MARK: HTTP

    /// Syncro's scheme is an API key in `Authorization`; it takes it with or without `Bearer`, and
    /// `Bearer` is what its own examples send.
    private func call(
        _ method: PSARequest.Method, _ path: String, query: [(String, String)] = [], json: JSONValue? = nil
    ) async throws(PSAError) -> JSONValue {
        let url = try api.get().appending(path) + queryString(query)
        let headers = [("Authorization", "Bearer \(connection.apiToken)"), ("Accept", "application/json")]
        let request =
            json.map { PSARequest(method, url, headers: headers, json: $0) }
            ?? PSARequest(method, url, headers: headers)
        return try await transport.json(request)
    }
}
