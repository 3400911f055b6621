import AsyncHTTPClient
import CheckBridgeCore
import Foundation
import Logging

/// ConnectWise PSA (Manage) over REST API 3.0 (PSA-FACTS "ConnectWise PSA").
public final class ConnectWiseConnector: TicketingSystem {
    /// Always `.connectwise`.
    public let kind = PSAKind.connectwise
    /// Where and as whom to call.
    public let connection: ConnectWiseConnection
    /// The fields every ticket carries.
    public let settings: ConnectWiseTicketSettings
    private let transport: PSATransport
    private let site: Result<PSABaseURL, PSAError>
    private let pageSize: Int
    private let codebase = LazyValue<String>()
    private let closeStatuses = BoardCloseStatuses()

    /// The API version we were written against; ConnectWise answers in that version's shapes.
    public static let acceptHeader = "application/vnd.connectwise.com+json; version=2025.8"
    /// ConnectWise's limit on `summary`.
    public static let maximumSummaryLength = 100

    /// - Parameters:
    ///   - timeout: deadline of each HTTP call.
    ///   - pageSize: records per page when listing (ConnectWise allows up to 1000).
    public init(
        connection: ConnectWiseConnection, ticket: ConnectWiseTicketSettings, httpClient: HTTPClient, logger: Logger,
        timeout: Duration = .seconds(30), pageSize: Int = 100
    ) {
        self.connection = connection
        self.settings = ticket
        var logger = logger
        logger[metadataKey: "psa.kind"] = "connectwise"
        self.transport = PSATransport(httpClient: httpClient, logger: logger, timeout: timeout)
        self.pageSize = min(1000, max(1, pageSize))
        self.site = Result { () throws(PSAError) in try PSABaseURL(connection.site, field: "site") }
    }

    /// Checks the site URL of a connection without calling ConnectWise.
    public static func validate(_ connection: ConnectWiseConnection) throws(PSAError) {
        _ = try PSABaseURL(connection.site, field: "site")
    }

    // MARK: TicketingSystem

    public func testConnection() async throws(PSAError) {
        _ = try await get("/system/info")
    }

    public func lookup(_ list: String, boardID: Int64?, query: String?) async throws(PSAError) -> [PSALookupEntry] {
        let boardPath: String?
        if kind.boardScopedLookupLists.contains(list) {
            guard let boardID else { throw .rejected("the lookup list '\(list)' needs a board_id") }
            boardPath = "/service/boards/\(boardID)"
        } else {
            boardPath = nil
        }
        let entries: [PSALookupEntry]
        switch (list, boardPath) {
        case ("boards", _):
            entries = try await getAll("/service/boards").compactMap { Self.entry($0, inactiveKey: "inactiveFlag") }
        case ("board_statuses", let board?):
            entries = try await getAll(board + "/statuses", orderBy: "sortOrder asc").compactMap { item in
                Self.entry(
                    item, inactiveKey: "inactive",
                    extra: [
                        "closed": .bool(item["closedStatus"]?.boolValue ?? false),
                        "default": .bool(item["defaultFlag"]?.boolValue ?? false),
                    ])
            }
        case ("board_types", let board?):
            entries = try await getAll(board + "/types").compactMap { Self.entry($0, inactiveKey: "inactiveFlag") }
        case ("board_subtypes", let board?):
            entries = try await getAll(board + "/subtypes").compactMap { Self.entry($0, inactiveKey: "inactiveFlag") }
        case ("board_items", let board?):
            entries = try await getAll(board + "/items").compactMap { Self.entry($0, inactiveKey: "inactiveFlag") }
        case ("priorities", _):
            entries = try await getAll("/service/priorities", orderBy: "sortOrder asc").compactMap { item in
                Self.entry(item, inactiveKey: nil, extra: ["default": .bool(item["defaultFlag"]?.boolValue ?? false)])
            }
        case ("sources", _):
            entries = try await getAll("/service/sources").compactMap { item in
                Self.entry(item, inactiveKey: nil, extra: ["default": .bool(item["defaultFlag"]?.boolValue ?? false)])
            }
        case ("companies", _):
            entries = try await customers().map { company in
                PSALookupEntry(
                    id: .int(company.id), name: company.name,
                    flags: ["inactive": .bool(company.inactive), "disallow_saving": .bool(company.disallowSaving)])
            }
        default:
            throw .unknownList(list, kind: kind)
        }
        return filterEntries(entries, query: query)
    }

    /// Companies not deleted, each with the flags of its status (`inactiveFlag`, `disallowSavingFlag`).
    public func customers() async throws(PSAError) -> [PSACustomer] {
        var statusFlags: [Int64: (inactive: Bool, disallowSaving: Bool)] = [:]
        for status in try await getAll("/company/companies/statuses") {
            guard let id = status["id"]?.int64Value else { continue }
            statusFlags[id] = (
                status["inactiveFlag"]?.boolValue ?? false, status["disallowSavingFlag"]?.boolValue ?? false
            )
        }
        let companies = try await getAll(
            "/company/companies", conditions: "deletedFlag=false", orderBy: "name asc")
        return companies.compactMap { company in
            guard let id = company["id"]?.int64Value, company["deletedFlag"]?.boolValue != true else { return nil }
            let flags = company[path: "status", "id"]?.int64Value.flatMap { statusFlags[$0] }
            return PSACustomer(
                id: id, name: company["name"]?.stringValue ?? "", inactive: flags?.inactive ?? false,
                disallowSaving: flags?.disallowSaving ?? false)
        }
    }

    /// Configurations whose `tagNumber` equals `number`, else whose `name` does (SPEC §8).
    public func findAssets(number: String, customerID: Int64?) async throws(PSAError) -> [PSAAsset] {
        let wanted = number.trimmingCharacters(in: .whitespaces)
        let scope = customerID.map { "company/id=\($0) and " } ?? ""
        for field in ["tagNumber", "name"] {
            let found = try await getAll(
                "/company/configurations", conditions: scope + "\(field)=\(Self.quoted(wanted))")
            let assets = found.compactMap { item -> PSAAsset? in
                guard let id = item["id"]?.int64Value else { return nil }
                return PSAAsset(
                    id: id, name: item["name"]?.stringValue ?? "", number: item["tagNumber"]?.stringValue,
                    serial: item["serialNumber"]?.stringValue, customerID: item[path: "company", "id"]?.int64Value)
            }
            if !assets.isEmpty { return assets }
        }
        return []
    }

    /// Creates the ticket, then attaches the configuration (ConnectWise has no field for it on create).
    ///
    /// A failed attach is logged, not thrown: the ticket exists, and throwing would make the queue
    /// open it again.
    public func createTicket(_ draft: PSATicketDraft) async throws(PSAError) -> PSATicket {
        var ticket: [String: JSONValue] = [
            "summary": .string(Self.summary(draft.summary)),
            "initialDescription": .string(draft.details),
            "company": ["id": .int(draft.customerID)],
            "board": ["id": .int(settings.boardID)],
            "status": ["id": .int(settings.statusID)],
            "priority": ["id": .int(settings.priorityID)],
            "externalXRef": .string(draft.reference),
        ]
        if let typeID = settings.typeID { ticket["type"] = ["id": .int(typeID)] }
        if let subtypeID = settings.subtypeID { ticket["subType"] = ["id": .int(subtypeID)] }
        if let itemID = settings.itemID { ticket["item"] = ["id": .int(itemID)] }
        if let sourceID = settings.sourceID { ticket["source"] = ["id": .int(sourceID)] }
        let created: JSONValue
        do {
            created = try await call(.POST, "/service/tickets", json: .object(ticket))
        } catch where error.kind == .invalidResponse {
            throw PSAError(kind: .invalidResponse, message: error.message, outcomeUnknown: true)
        }
        guard let id = created["id"]?.int64Value else {
            throw PSAError(
                kind: .invalidResponse, message: "POST /service/tickets returned no ticket id", outcomeUnknown: true)
        }
        if let assetID = draft.assetID {
            do {
                _ = try await call(.POST, "/service/tickets/\(id)/configurations", json: ["id": .int(assetID)])
            } catch {
                transport.logger.error(
                    "could not attach the configuration to the new ticket",
                    metadata: ["psa.ticket_id": "\(id)", "psa.asset_id": "\(assetID)", "psa.error": "\(error)"])
            }
        }
        return PSATicket(id: id, isClosed: created["closedFlag"]?.boolValue ?? false)
    }

    public func findTicket(reference: String) async throws(PSAError) -> PSATicket? {
        let tickets = try await getAll(
            "/service/tickets", conditions: "externalXRef=\(Self.quoted(reference))", orderBy: "id asc")
        return tickets.lazy
            .filter { $0["externalXRef"]?.stringValue == reference }
            .compactMap { item in
                item["id"]?.int64Value.map { PSATicket(id: $0, isClosed: item["closedFlag"]?.boolValue ?? false) }
            }
            .first
    }

    public func ticket(id: Int64) async throws(PSAError) -> PSATicket? {
        let item: JSONValue
        do {
            item = try await get("/service/tickets/\(id)")
        } catch where error.kind == .notFound {
            return nil
        }
        return PSATicket(id: id, isClosed: item["closedFlag"]?.boolValue ?? false)
    }

    public func addNote(ticketID: Int64, _ note: PSANote) async throws(PSAError) {
        try await postNote(ticketID: ticketID, text: note.text, resolution: false)
    }

    /// Adds the note as the resolution, then moves the ticket to a `closedStatus` status of its board.
    public func closeTicket(ticketID: Int64, _ note: PSANote?) async throws(PSAError) {
        if let note { try await postNote(ticketID: ticketID, text: note.text, resolution: true) }
        let statusID: Int64
        if let configured = settings.closeStatusID {
            statusID = configured
        } else {
            let ticket = try await get("/service/tickets/\(ticketID)")
            guard let boardID = ticket[path: "board", "id"]?.int64Value else {
                throw .invalidResponse("ticket \(ticketID) has no board")
            }
            statusID = try await closeStatusID(boardID: boardID)
        }
        let patch: JSONValue = [["op": "replace", "path": "status", "value": ["id": .int(statusID)]]]
        _ = try await call(.PATCH, "/service/tickets/\(ticketID)", json: patch)
    }

    // MARK: Details

    /// The close status detected on a board: an active `closedStatus` one, preferring one named
    /// "Closed", then the first in the board's order.
    func closeStatusID(boardID: Int64) async throws(PSAError) -> Int64 {
        if let known = await closeStatuses[boardID] { return known }
        let statuses = try await getAll("/service/boards/\(boardID)/statuses", orderBy: "sortOrder asc")
        let closed = statuses.filter { $0["closedStatus"]?.boolValue == true && $0["inactive"]?.boolValue != true }
        let named = closed.first { status in
            let name = status["name"]?.stringValue ?? ""
            return name.trimmingCharacters(in: CharacterSet(charactersIn: ">* ")).lowercased() == "closed"
        }
        guard let id = (named ?? closed.first)?["id"]?.int64Value else {
            throw .rejected("board \(boardID) has no closed status; set close_status_id on the channel")
        }
        await closeStatuses.set(id, for: boardID)
        return id
    }

    private func postNote(ticketID: Int64, text: String, resolution: Bool) async throws(PSAError) {
        let note: JSONValue = [
            "text": .string(text), "detailDescriptionFlag": false, "internalAnalysisFlag": .bool(!resolution),
            "resolutionFlag": .bool(resolution),
        ]
        _ = try await call(.POST, "/service/tickets/\(ticketID)/notes", json: note)
    }

    /// `summary` cut to ConnectWise's limit; the full text is in the description anyway.
    static func summary(_ text: String) -> String {
        guard text.count > maximumSummaryLength else { return text }
        return String(text.prefix(maximumSummaryLength - 1)) + "…"
    }

    /// A string literal for `conditions`: double quotes, with `\` and `"` escaped.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func entry(
        _ item: JSONValue, inactiveKey: String?, extra: [String: JSONValue] = [:]
    ) -> PSALookupEntry? {
        guard let id = item["id"]?.int64Value else { return nil }
        var flags = extra
        if let inactiveKey { flags["inactive"] = .bool(item[inactiveKey]?.boolValue ?? false) }
        return PSALookupEntry(id: .int(id), name: item["name"]?.stringValue ?? "", flags: flags)
    }

    // MARK: HTTP

    private var headers: [(String, String)] {
        let credentials = "\(connection.companyID)+\(connection.publicKey):\(connection.privateKey)"
        return [
            ("Authorization", "Basic " + Data(credentials.utf8).base64EncodedString()),
            ("clientId", connection.clientID),
            ("Accept", Self.acceptHeader),
        ]
    }

    /// `https://{site}/{codebase}apis/3.0`, discovering the codebase once when it is not configured.
    private func apiBase() async throws(PSAError) -> String {
        let site = try self.site.get()
        let codebase = try await self.codebase.value { () throws(PSAError) in
            if let configured = self.connection.codebase?.trimmingCharacters(in: CharacterSet(charactersIn: "/ ")),
                !configured.isEmpty
            {
                return configured + "/"
            }
            return try await self.discoverCodebase(site: site)
        }
        return site.origin + "/" + codebase + "apis/3.0"
    }

    private func discoverCodebase(site: PSABaseURL) async throws(PSAError) -> String {
        let url = site.origin + "/login/companyinfo/" + percentEncode(connection.companyID)
        let info = try await transport.json(PSARequest(.GET, url, headers: [("Accept", "application/json")]))
        guard let found = info["Codebase"]?.stringValue?.trimmingCharacters(in: CharacterSet(charactersIn: "/ ")),
            !found.isEmpty
        else {
            throw .invalidResponse("ConnectWise did not name a codebase for company \(connection.companyID)")
        }
        return found + "/"
    }

    private func get(_ path: String) async throws(PSAError) -> JSONValue {
        try await call(.GET, path, json: nil)
    }

    private func call(_ method: PSARequest.Method, _ path: String, json: JSONValue?) async throws(PSAError)
        -> JSONValue
    {
        let url = try await apiBase() + path
        let request =
            json.map { PSARequest(method, url, headers: headers, json: $0) }
            ?? PSARequest(method, url, headers: headers)
        return try await transport.json(request)
    }

    /// Every page of a list: follows `Link: <…>; rel="next"` while it stays on the site, and stops
    /// at the first short page when ConnectWise sends no links.
    private func getAll(_ path: String, conditions: String? = nil, orderBy: String? = nil) async throws(PSAError)
        -> [JSONValue]
    {
        let origin = try site.get().origin
        var query: [(String, String)] = []
        if let conditions { query.append(("conditions", conditions)) }
        if let orderBy { query.append(("orderBy", orderBy)) }
        let base = try await apiBase() + path
        var page = 1
        var url = base + queryString(query + [("page", "1"), ("pageSize", String(pageSize))])
        var items: [JSONValue] = []
        while true {
            let response = try await transport.send(PSARequest(.GET, url, headers: headers))
            guard response.isSuccess else { throw errorFromResponse(response, isWrite: false) }
            guard let pageItems = try response.json().arrayValue else {
                throw .invalidResponse("GET \(path) did not return an array", status: response.status)
            }
            items += pageItems
            page += 1
            if let link = response.header("Link") {
                guard let next = Self.nextLink(link), next.hasPrefix(origin + "/") else { break }
                url = next
            } else {
                guard pageItems.count >= pageSize else { break }
                url = base + queryString(query + [("page", String(page)), ("pageSize", String(pageSize))])
            }
            if page > 100_000 { break }
        }
        return items
    }

    /// The `rel="next"` target of an RFC 8288 `Link` header.
    static func nextLink(_ header: String) -> String? {
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let target = rest[rest.index(after: open)..<close]
            let afterTarget = rest[rest.index(after: close)...]
            let parametersEnd = afterTarget.firstIndex(of: "<") ?? afterTarget.endIndex
            let parameters = afterTarget[..<parametersEnd].lowercased()
            if parameters.contains("rel=\"next\"") || parameters.contains("rel=next") { return String(target) }
            rest = afterTarget[parametersEnd...]
        }
        return nil
    }
}

/// Detected close statuses per board, so a close costs one call once the board is known.
private actor BoardCloseStatuses {
    private var statuses: [Int64: Int64] = [:]

    subscript(board: Int64) -> Int64? { statuses[board] }

    func set(_ status: Int64, for board: Int64) { statuses[board] = status }
}
