import AsyncHTTPClient
import CheckBridgeCore
import Foundation
import Logging

/// HaloPSA over its REST API (`/api`) with OAuth2 client credentials (PSA-FACTS "HaloPSA").
public final class HaloPSAConnector: TicketingSystem {
    /// Always `.halopsa`.
    public let kind = PSAKind.halopsa
    /// Where and as whom to call.
    public let connection: HaloPSAConnection
    /// The fields every ticket carries.
    public let settings: HaloPSATicketSettings
    private let transport: PSATransport
    private let endpoints: Result<Endpoints, PSAError>
    private let pageSize: Int
    private let tokens = HaloTokenStore()
    private let closedStatuses = LazyValue<Set<Int64>>()

    /// The action outcome our notes use; "Private Note" exists in every stock Halo.
    static let noteOutcome = "Private Note"
    /// Halo's stock "Closed" status, preferred when several statuses are closed.
    static let stockClosedStatusID: Int64 = 9

    private struct Endpoints: Sendable {
        var api: PSABaseURL
        var tokenURL: String
    }

    /// - Parameters:
    ///   - timeout: deadline of each HTTP call.
    ///   - pageSize: clients per page when listing customers.
    public init(
        connection: HaloPSAConnection, ticket: HaloPSATicketSettings, httpClient: HTTPClient, logger: Logger,
        timeout: Duration = .seconds(30), pageSize: Int = 100
    ) {
        self.connection = connection
        self.settings = ticket
        var logger = logger
        logger[metadataKey: "psa.kind"] = "halopsa"
        self.transport = PSATransport(httpClient: httpClient, logger: logger, timeout: timeout)
        self.pageSize = max(1, pageSize)
        self.endpoints = Result { () throws(PSAError) in try Self.endpoints(for: connection) }
    }

    /// Checks the URLs of a connection without calling Halo.
    public static func validate(_ connection: HaloPSAConnection) throws(PSAError) {
        _ = try endpoints(for: connection)
    }

    private static func endpoints(for connection: HaloPSAConnection) throws(PSAError) -> Endpoints {
        var api = try PSABaseURL(connection.resourceServer, field: "resource_server")
        if api.path.isEmpty { api = try PSABaseURL(api.string + "/api", field: "resource_server") }
        let authBase =
            connection.authorizationServer.trimmingCharacters(in: .whitespaces).isEmpty
            ? try PSABaseURL(api.origin + "/auth", field: "authorization_server")
            : try PSABaseURL(connection.authorizationServer, field: "authorization_server")
        var tokenURL = authBase.appending("/token")
        if let tenant = connection.tenant?.trimmingCharacters(in: .whitespaces), !tenant.isEmpty {
            tokenURL += queryString([("tenant", tenant)])
        }
        return Endpoints(api: api, tokenURL: tokenURL)
    }

    // MARK: TicketingSystem

    public func testConnection() async throws(PSAError) {
        _ = try await get("/Agent/me")
    }

    public func lookup(_ list: String, boardID: Int64?, query: String?) async throws(PSAError) -> [PSALookupEntry] {
        let entries: [PSALookupEntry]
        switch list {
        case "ticket_types":
            entries = try await get("/TicketType").arrayValue.orEmpty.compactMap { item in
                Self.entry(item, idKey: "id", flags: [:])
            }
        case "statuses":
            let closed = try await closedStatusIDs()
            entries = try await get("/Status").arrayValue.orEmpty.compactMap { item in
                guard let id = item["id"]?.int64Value else { return nil }
                return Self.entry(item, idKey: "id", flags: ["closed": .bool(closed.contains(id))])
            }
        case "agents":
            entries = try await get("/Agent").arrayValue.orEmpty.compactMap { item in
                Self.entry(item, idKey: "id", flags: ["inactive": .bool(item["isdisabled"]?.boolValue ?? false)])
            }
        case "priorities":
            // Priorities are listed once per SLA with the same `priorityid`; tickets take `priorityid`.
            var seen: Set<Int64> = []
            entries = try await get("/Priority").arrayValue.orEmpty.compactMap { item in
                guard let id = item["priorityid"]?.int64Value, seen.insert(id).inserted else { return nil }
                return Self.entry(item, idKey: "priorityid", flags: [:])
            }
        case "customers":
            entries = try await customerLookupEntries()
        default:
            throw .unknownList(list, kind: kind)
        }
        return filterEntries(entries, query: query)
    }

    public func customers() async throws(PSAError) -> [PSACustomer] {
        var customers: [PSACustomer] = []
        var page = 1
        while true {
            let answer = try await get(
                "/Client",
                query: [
                    ("pageinate", "true"), ("page_size", String(pageSize)), ("page_no", String(page)),
                    ("includeinactive", "true"),
                ])
            guard let clients = answer["clients"]?.arrayValue else {
                throw .invalidResponse("GET /Client did not return {clients: [...]}")
            }
            for client in clients {
                guard let id = client["id"]?.int64Value else { continue }
                customers.append(
                    PSACustomer(
                        id: id, name: client["name"]?.stringValue ?? "",
                        inactive: client["inactive"]?.boolValue ?? false))
            }
            let total = answer["record_count"]?.int64Value ?? 0
            if clients.isEmpty || Int64(customers.count) >= total || page >= 100_000 { break }
            page += 1
        }
        return customers
    }

    public func findAssets(number: String, customerID: Int64?) async throws(PSAError) -> [PSAAsset] {
        let wanted = number.trimmingCharacters(in: .whitespaces)
        var query = [("search", wanted), ("search_inventory_number_only", "true")]
        if let customerID { query.append(("client_id", String(customerID))) }
        let answer = try await get("/Asset", query: query)
        let assets = answer["assets"]?.arrayValue ?? answer.arrayValue.orEmpty
        return assets.compactMap { item -> PSAAsset? in
            guard let id = item["id"]?.int64Value, let inventory = item["inventory_number"]?.stringValue,
                inventory.trimmingCharacters(in: .whitespaces).caseInsensitiveCompare(wanted) == .orderedSame
            else { return nil }
            let client = item["client_id"]?.int64Value
            if let customerID, client != customerID { return nil }
            let name = item["key_field"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? inventory
            return PSAAsset(id: id, name: name, number: inventory, serial: nil, customerID: client)
        }
    }

    public func createTicket(_ draft: PSATicketDraft) async throws(PSAError) -> PSATicket {
        var ticket: [String: JSONValue] = [
            "summary": .string(draft.summary),
            "details": .string(draft.details),
            "tickettype_id": .int(settings.ticketTypeID),
            "client_id": .int(draft.customerID),
            "agent_id": .int(settings.agentID),
            "status_id": .int(settings.statusID),
            "third_party_id_string": .string(draft.reference),
            "supplier_reference": .string(draft.reference),
        ]
        if let priorityID = settings.priorityID { ticket["priority_id"] = .int(priorityID) }
        if let assetID = draft.assetID { ticket["assets"] = [["id": .int(assetID)]] }
        let answer: JSONValue
        do {
            answer = try await post("/Tickets", json: [.object(ticket)])
        } catch where error.kind == .invalidResponse {
            throw PSAError(kind: .invalidResponse, message: error.message, outcomeUnknown: true)
        }
        guard let created = Self.firstObject(answer), let id = created["id"]?.int64Value else {
            throw PSAError(
                kind: .invalidResponse, message: "POST /Tickets returned no ticket id", outcomeUnknown: true)
        }
        return PSATicket(id: id, isClosed: created["hasbeenclosed"]?.boolValue ?? false)
    }

    public func findTicket(reference: String) async throws(PSAError) -> PSATicket? {
        let answer = try await get("/Tickets", query: [("search_supplier_reference", reference)])
        let tickets = answer["tickets"]?.arrayValue ?? answer.arrayValue.orEmpty
        let closed = try await closedStatusIDs()
        return
            tickets
            .filter { ticket in
                ticket["third_party_id_string"]?.stringValue == reference
                    || ticket["supplier_reference"]?.stringValue == reference
            }
            .filter { $0["deleted"]?.boolValue != true }
            .compactMap { Self.ticket(from: $0, closedStatuses: closed) }
            .min { $0.id < $1.id }
    }

    public func ticket(id: Int64) async throws(PSAError) -> PSATicket? {
        let answer: JSONValue
        do {
            answer = try await get("/Tickets/\(id)")
        } catch where error.kind == .notFound {
            return nil
        }
        if answer["deleted"]?.boolValue == true { return nil }
        guard let ticket = Self.ticket(from: answer, closedStatuses: try await closedStatusIDs()) else {
            throw .invalidResponse("GET /Tickets/\(id) returned no ticket")
        }
        return ticket
    }

    public func addNote(ticketID: Int64, _ note: PSANote) async throws(PSAError) {
        let action: JSONValue = [
            "ticket_id": .int(ticketID), "note": .string(note.text), "outcome": .string(Self.noteOutcome),
            "hiddenfromuser": true,
        ]
        _ = try await post("/Actions", json: [action])
    }

    /// Closes with one action carrying the note and `new_status`, so the note and the close are one event.
    public func closeTicket(ticketID: Int64, _ note: PSANote?) async throws(PSAError) {
        let status = try await closeStatusID()
        let action: JSONValue = [
            "ticket_id": .int(ticketID), "note": .string(note?.text ?? "Closed by CheckBridge."),
            "outcome": .string(Self.noteOutcome), "hiddenfromuser": true, "new_status": .int(status),
        ]
        _ = try await post("/Actions", json: [action])
    }

    // MARK: Statuses

    /// The configured close status, else a detected one: all statuses minus `excludeclosed=true`,
    /// preferring the stock "Closed" (9).
    func closeStatusID() async throws(PSAError) -> Int64 {
        if let configured = settings.closeStatusID { return configured }
        let closed = try await closedStatusIDs()
        if closed.contains(Self.stockClosedStatusID) { return Self.stockClosedStatusID }
        guard let first = closed.min() else {
            throw .rejected("HaloPSA lists no closed status; set close_status_id on the channel")
        }
        return first
    }

    private func closedStatusIDs() async throws(PSAError) -> Set<Int64> {
        try await closedStatuses.value { () throws(PSAError) in
            let all = try await self.get("/Status").arrayValue.orEmpty.compactMap { $0["id"]?.int64Value }
            let open = try await self.get("/Status", query: [("excludeclosed", "true")]).arrayValue.orEmpty
                .compactMap { $0["id"]?.int64Value }
            return Set(all).subtracting(open)
        }
    }

    // MARK: HTTP

    private func get(_ path: String, query: [(String, String)] = []) async throws(PSAError) -> JSONValue {
        try await call(.GET, path, query: query, json: nil)
    }

    private func post(_ path: String, json: JSONValue) async throws(PSAError) -> JSONValue {
        try await call(.POST, path, query: [], json: json)
    }

    /// One API call with the bearer token; a 401 refreshes the token once and repeats the call,
    /// since Halo revokes tokens before `expires_in` (for instance when the application is edited).
    private func call(
        _ method: PSARequest.Method, _ path: String, query: [(String, String)], json: JSONValue?
    ) async throws(PSAError) -> JSONValue {
        let endpoints = try self.endpoints.get()
        let url = endpoints.api.appending(path) + queryString(query)
        var attempt = 0
        while true {
            attempt += 1
            let token = try await tokens.token { () throws(PSAError) in try await self.fetchToken() }
            let headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
            let request =
                json.map { PSARequest(method, url, headers: headers, json: $0) }
                ?? PSARequest(method, url, headers: headers)
            let response = try await transport.send(request)
            if response.status == 401 && attempt == 1 {
                await tokens.invalidate(token)
                continue
            }
            guard response.isSuccess else { throw errorFromResponse(response, isWrite: request.isWrite) }
            return try response.json()
        }
    }

    /// `POST {auth}/token` with client credentials. The token is renewed a little before
    /// `expires_in`, so a call never starts with a token about to lapse.
    private func fetchToken() async throws(PSAError) -> HaloTokenStore.Token {
        let endpoints = try self.endpoints.get()
        let form = [
            ("grant_type", "client_credentials"), ("client_id", connection.clientID),
            ("client_secret", connection.clientSecret), ("scope", "all"),
        ].map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        let request = PSARequest(
            .POST, endpoints.tokenURL,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(form.utf8))
        let response = try await transport.send(request)
        guard response.isSuccess else {
            var failure = errorFromResponse(response, isWrite: false)
            // OAuth answers bad client credentials with 400 `invalid_client`: that is a refused login.
            let json = try? response.json()
            if let code = json?["error"]?.stringValue, ["invalid_client", "unauthorized_client"].contains(code) {
                failure.kind = .unauthorized
            }
            throw failure
        }
        let json = try response.json()
        guard let value = json["access_token"]?.stringValue, !value.isEmpty else {
            throw .invalidResponse("the Halo token endpoint returned no access_token", status: response.status)
        }
        let lifetime = json["expires_in"]?.int64Value ?? 3600
        let margin = min(60, lifetime / 2)
        return HaloTokenStore.Token(value: value, renewAt: .now + .seconds(max(0, lifetime - margin)))
    }

    // MARK: Decoding

    private static func entry(_ item: JSONValue, idKey: String, flags: [String: JSONValue]) -> PSALookupEntry? {
        guard let id = item[idKey]?.int64Value else { return nil }
        return PSALookupEntry(id: .int(id), name: item["name"]?.stringValue ?? "", flags: flags)
    }

    private static func ticket(from item: JSONValue, closedStatuses: Set<Int64>) -> PSATicket? {
        guard let id = item["id"]?.int64Value else { return nil }
        let closedByStatus = item["status_id"]?.int64Value.map { closedStatuses.contains($0) } ?? false
        return PSATicket(id: id, isClosed: item["hasbeenclosed"]?.boolValue == true || closedByStatus)
    }

    /// Halo answers a POST of an array with the created object, or with an array of them.
    private static func firstObject(_ value: JSONValue) -> JSONValue? {
        if case .object = value { return value }
        return value.arrayValue?.first
    }
}
