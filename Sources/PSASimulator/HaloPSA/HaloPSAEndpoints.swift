import CheckBridgeCore
import Foundation

/// The HaloPSA API as the simulator plays it: `/auth/token` (OAuth2 client credentials) and
/// `/api/...` behind bearer tokens. Paths are case-insensitive, as Halo's are.
enum HaloPSAEndpoints {
    static let closedStatusID: Int64 = 9
    static let closedStatuses: Set<Int64> = [9, 10]

    // MARK: Demo data

    static func seed(_ state: inout SimulatorState) {
        state.lists["ticket_types"] = [
            ["id": 1, "name": "Incident", "initial_status": 1],
            ["id": 2, "name": "Change Request", "initial_status": 1],
            ["id": 3, "name": "Problem", "initial_status": 1],
            ["id": 4, "name": "Service Request", "initial_status": 1],
        ]
        state.lists["statuses"] = [
            ["id": 1, "name": "New", "type": "", "sequence": 1],
            ["id": 2, "name": "In Progress", "type": "", "sequence": 2],
            ["id": 3, "name": "Action Required", "type": "", "sequence": 3],
            ["id": 4, "name": "Waiting on User", "type": "", "sequence": 4],
            ["id": 5, "name": "Waiting on Supplier", "type": "", "sequence": 5],
            ["id": 9, "name": "Closed", "type": "", "sequence": 9],
            ["id": 10, "name": "Cancelled", "type": "", "sequence": 10],
        ]
        state.lists["agents"] = [
            ["id": 1, "name": "Unassigned", "email": "", "isdisabled": false],
            ["id": 2, "name": "Alice Agent", "email": "alice@msp.example", "isdisabled": false],
            ["id": 3, "name": "Bob Technician", "email": "bob@msp.example", "isdisabled": false],
            ["id": 4, "name": "Carol Dispatcher", "email": "carol@msp.example", "isdisabled": false],
            ["id": 5, "name": "Dave Former", "email": "dave@msp.example", "isdisabled": true],
        ]
        // Each SLA lists the same priority ids again, as Halo does.
        var priorities: [JSONValue] = []
        for sla in [1, 2] as [Int64] {
            for (id, name) in [(1, "Critical"), (2, "High"), (3, "Medium"), (4, "Low")] as [(Int64, String)] {
                priorities.append([
                    "id": .string("0000000\(sla)-0000-0000-0000-00000000000\(id)"), "priorityid": .int(id),
                    "name": .string(name), "slaid": .int(sla), "ishidden": false,
                ])
            }
        }
        state.lists["priorities"] = priorities
        for index in 0..<250 {
            let id = Int64(100 + index)
            let name = index == 10 || index == 200 ? DemoNames.duplicated : DemoNames.company(index)
            state.customers.append([
                "id": .int(id), "name": .string(name), "inactive": .bool(index % 13 == 12), "toplevel_id": 1,
            ])
        }
        var assetID: Int64 = 5000
        func addAsset(_ inventory: String, _ name: String, client: Int64) {
            assetID += 1
            state.assets.append([
                "id": .int(assetID), "inventory_number": .string(inventory), "key_field": .string(name),
                "client_id": .int(client), "site_id": .int(client + 1000), "inactive": false,
            ])
        }
        for index in 0..<40 {
            let client = Int64(100 + index)
            addAsset("WS-\(client)", "Workstation \(client)", client: client)
        }
        addAsset("NAS-01", "Storage at Acme", client: 100)
        addAsset("NAS-01", "Storage at Cedar", client: 102)
        addAsset("SRV-DUP", "Server A", client: 101)
        addAsset("SRV-DUP", "Server B", client: 101)
    }

    // MARK: Routing

    static func handle(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        let path = request.segments.map { $0.lowercased() }
        if path == ["auth", "token"] {
            guard request.method == "POST" else { return .text("Method not allowed", status: 405) }
            return token(request, state: &state)
        }
        guard path.first == "api" else { return .text("Not found", status: 404) }
        guard authorized(request, state: state) else {
            return .empty(status: 401, headers: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
        }
        let route = Route(Array(path.dropFirst()))
        switch (request.method, route.pattern) {
        case ("GET", "agent/me"):
            return .json(state.lists["agents"]?[1] ?? .null)
        case ("GET", "tickettype"):
            return .json(.array(state.lists["ticket_types"] ?? []))
        case ("GET", "status"):
            var statuses = state.lists["statuses"] ?? []
            if request.query["excludeclosed"]?.lowercased() == "true" {
                statuses.removeAll { closedStatuses.contains($0["id"]?.int64Value ?? 0) }
            }
            return .json(.array(statuses))
        case ("GET", "agent"):
            return .json(.array(state.lists["agents"] ?? []))
        case ("GET", "priority"):
            return .json(.array(state.lists["priorities"] ?? []))
        case ("GET", "client"):
            return clients(request, state: state)
        case ("GET", "site"):
            let client = request.query["client_id"].flatMap { Int64($0) }
            let sites: [JSONValue] = state.customers.compactMap { customer in
                guard let id = customer["id"]?.int64Value, client == nil || client == id else { return nil }
                return ["id": .int(id + 1000), "name": "Main", "client_id": .int(id)]
            }
            return .json(["record_count": .int(Int64(sites.count)), "sites": .array(sites)])
        case ("GET", "asset"):
            return assets(request, state: state)
        case ("GET", "tickets"):
            let reference = request.query["search_supplier_reference"]
            let tickets = state.tickets.values.sorted { $0.id < $1.id }.filter { ticket in
                !ticket.isDeleted
                    && (reference == nil || ticket.fields["supplier_reference"]?.stringValue == reference)
            }
            return .json([
                "record_count": .int(Int64(tickets.count)),
                "tickets": .array(tickets.map { render($0, state: state) }),
            ])
        case ("GET", "tickets/:id"):
            let id = route.id
            guard let ticket = state.liveTicket(Int64(id)) else { return .text("Ticket not found", status: 404) }
            return .json(render(ticket, state: state))
        case ("POST", "tickets"):
            return postTickets(request, state: &state)
        case ("POST", "actions"):
            return postActions(request, state: &state)
        default:
            return .text("No HTTP resource was found that matches the request URI", status: 404)
        }
    }

    // MARK: Auth

    private static func token(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        guard request.header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return .json(["error": "invalid_request"], status: 400)
        }
        if let tenant = request.query["tenant"], tenant != SimulatorCredentials.haloTenant {
            return .json(["error": "invalid_request", "error_description": "unknown tenant"], status: 400)
        }
        let form = request.form
        guard form["grant_type"] == "client_credentials" else {
            return .json(["error": "unsupported_grant_type"], status: 400)
        }
        guard form["client_id"] == SimulatorCredentials.haloClientID,
            form["client_secret"] == SimulatorCredentials.haloClientSecret
        else { return .json(["error": "invalid_client"], status: 400) }
        guard form["scope"] == "all" else { return .json(["error": "invalid_scope"], status: 400) }
        let value = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        state.tokens[value] = .now + .seconds(state.tokenLifetimeSeconds)
        state.tokensIssued += 1
        return .json([
            "access_token": .string(value), "token_type": "Bearer", "expires_in": .int(state.tokenLifetimeSeconds),
            "scope": "all",
        ])
    }

    private static func authorized(_ request: SimulatorRequest, state: SimulatorState) -> Bool {
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer ") else { return false }
        let value = String(header.dropFirst("Bearer ".count))
        guard let expiry = state.tokens[value] else { return false }
        return ContinuousClock.now < expiry
    }

    // MARK: Lists

    private static func clients(_ request: SimulatorRequest, state: SimulatorState) -> SimulatorAnswer {
        var clients = state.customers
        if request.query["includeinactive"]?.lowercased() != "true" {
            clients.removeAll { $0["inactive"]?.boolValue == true }
        }
        if let search = request.query["search"], !search.isEmpty {
            clients.removeAll { !($0["name"]?.stringValue ?? "").localizedCaseInsensitiveContains(search) }
        }
        let total = clients.count
        if request.query["pageinate"]?.lowercased() == "true" {
            let size = max(1, Int(request.query["page_size"] ?? "") ?? 50)
            let page = max(1, Int(request.query["page_no"] ?? "") ?? 1)
            let start = min(total, (page - 1) * size)
            clients = Array(clients[start..<min(total, start + size)])
            return .json([
                "page_no": .int(Int64(page)), "page_size": .int(Int64(size)), "record_count": .int(Int64(total)),
                "clients": .array(clients),
            ])
        }
        return .json(["record_count": .int(Int64(total)), "clients": .array(clients)])
    }

    /// `search` matches inventory numbers (and names, unless `search_inventory_number_only`) by substring,
    /// as Halo's search does; exact matching is the caller's job.
    private static func assets(_ request: SimulatorRequest, state: SimulatorState) -> SimulatorAnswer {
        let search = request.query["search"] ?? ""
        let numberOnly = request.query["search_inventory_number_only"]?.lowercased() == "true"
        let client = request.query["client_id"].flatMap { Int64($0) }
        let found = state.assets.filter { asset in
            if let client, asset["client_id"]?.int64Value != client { return false }
            guard !search.isEmpty else { return true }
            let number = asset["inventory_number"]?.stringValue ?? ""
            let name = asset["key_field"]?.stringValue ?? ""
            return number.localizedCaseInsensitiveContains(search)
                || (!numberOnly && name.localizedCaseInsensitiveContains(search))
        }
        return .json(["record_count": .int(Int64(found.count)), "assets": .array(found)])
    }

    // MARK: Tickets

    private static func render(_ ticket: SimulatedTicket, state: SimulatorState) -> JSONValue {
        let assets: [JSONValue] = ticket.assetIDs.map { id in
            ["id": .int(id), "inventory_number": state.asset(id)?["inventory_number"] ?? .null]
        }
        return [
            "id": .int(ticket.id), "summary": .string(ticket.summary), "details": .string(ticket.details),
            "tickettype_id": ticket.fields["tickettype_id"] ?? .null, "client_id": .int(ticket.customerID),
            "client_name": state.customer(ticket.customerID)?["name"] ?? .null,
            "site_id": ticket.fields["site_id"] ?? .int(ticket.customerID + 1000),
            "agent_id": ticket.fields["agent_id"] ?? .null, "status_id": ticket.status,
            "priority_id": ticket.fields["priority_id"] ?? .null,
            "third_party_id_string": ticket.fields["third_party_id_string"] ?? .null,
            "supplier_reference": ticket.fields["supplier_reference"] ?? .null,
            "hasbeenclosed": .bool(ticket.isClosed), "deleted": .bool(ticket.isDeleted), "assets": .array(assets),
        ]
    }

    /// `POST /api/Tickets`: an array; an object with a known `id` updates, others create.
    private static func postTickets(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        guard let items = request.json?.arrayValue, !items.isEmpty else {
            return .text("The request body must be a JSON array of tickets", status: 400)
        }
        var answers: [JSONValue] = []
        for item in items {
            guard case .object(let fields) = item else { return .text("Each ticket must be an object", status: 400) }
            if let id = fields["id"]?.int64Value, id > 0 {
                guard state.liveTicket(id) != nil else { return .text("Ticket \(id) not found", status: 404) }
                if let status = fields["status_id"] {
                    guard validStatus(status, state: state) else { return .text("Invalid status_id", status: 400) }
                    setStatus(id, status, state: &state)
                }
                if let ticket = state.tickets[id] { answers.append(render(ticket, state: state)) }
                continue
            }
            switch createTicket(fields, state: &state) {
            case .success(let ticket): answers.append(render(ticket, state: state))
            case .failure(let message): return .text(message.text, status: 400)
            }
        }
        return .json(answers.count == 1 ? answers[0] : .array(answers), status: 201)
    }

    private static func createTicket(_ fields: [String: JSONValue], state: inout SimulatorState)
        -> Result<SimulatedTicket, SimulatorMessage>
    {
        guard let summary = fields["summary"]?.stringValue, !summary.trimmingCharacters(in: .whitespaces).isEmpty
        else { return .failure("summary is required") }
        guard let typeID = fields["tickettype_id"]?.int64Value,
            state.lists["ticket_types"]?.contains(where: { $0["id"]?.int64Value == typeID }) == true
        else { return .failure("Please select a valid Ticket Type (tickettype_id)") }
        guard let clientID = fields["client_id"]?.int64Value, let client = state.customer(clientID) else {
            return .failure("Please select a valid Customer (client_id)")
        }
        if client["inactive"]?.boolValue == true { return .failure("Customer \(clientID) is inactive") }
        let status = fields["status_id"] ?? .int(1)
        guard validStatus(status, state: state) else { return .failure("Invalid status_id") }
        if let agent = fields["agent_id"], agent != .null {
            guard state.lists["agents"]?.contains(where: { $0["id"] == agent && $0["isdisabled"] != true }) == true
            else { return .failure("Invalid agent_id") }
        }
        if let priority = fields["priority_id"], priority != .null {
            guard state.lists["priorities"]?.contains(where: { $0["priorityid"] == priority }) == true else {
                return .failure("Invalid priority_id")
            }
        }
        var assetIDs: [Int64] = []
        for asset in fields["assets"]?.arrayValue ?? [] {
            guard let id = asset["id"]?.int64Value, let record = state.asset(id) else {
                return .failure("Invalid asset in assets")
            }
            guard record["client_id"]?.int64Value == clientID else {
                return .failure("Asset \(id) does not belong to client \(clientID)")
            }
            assetIDs.append(id)
        }
        let id = state.newTicketID()
        let ticket = SimulatedTicket(
            id: id, customerID: clientID, summary: summary, details: fields["details"]?.stringValue ?? "",
            reference: fields["third_party_id_string"]?.stringValue ?? fields["supplier_reference"]?.stringValue,
            assetIDs: assetIDs, status: status, boardID: nil,
            isClosed: closedStatuses.contains(status.int64Value ?? 0), isDeleted: false, closedByHand: false,
            notes: [], closeCount: 0, fields: fields)
        state.tickets[id] = ticket
        return .success(ticket)
    }

    private static func validStatus(_ status: JSONValue, state: SimulatorState) -> Bool {
        state.lists["statuses"]?.contains { $0["id"] == status } == true
    }

    private static func setStatus(_ id: Int64, _ status: JSONValue, state: inout SimulatorState) {
        let closing = closedStatuses.contains(status.int64Value ?? 0)
        if closing && state.tickets[id]?.isClosed == false { state.tickets[id]?.closeCount += 1 }
        state.tickets[id]?.status = status
        state.tickets[id]?.isClosed = closing
    }

    /// `POST /api/Actions`: an array of actions; `new_status` changes the ticket's status.
    private static func postActions(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        guard let items = request.json?.arrayValue, !items.isEmpty else {
            return .text("The request body must be a JSON array of actions", status: 400)
        }
        var answers: [JSONValue] = []
        for item in items {
            guard case .object(let fields) = item else { return .text("Each action must be an object", status: 400) }
            guard let ticketID = fields["ticket_id"]?.int64Value else {
                return .text("ticket_id is required", status: 400)
            }
            guard state.liveTicket(ticketID) != nil else { return .text("Ticket \(ticketID) not found", status: 404) }
            let note = fields["note"]?.stringValue ?? ""
            let newStatus = fields["new_status"].flatMap { $0 == .null ? nil : $0 }
            guard !note.isEmpty || newStatus != nil else { return .text("note is required", status: 400) }
            if let newStatus {
                guard validStatus(newStatus, state: state) else { return .text("Invalid new_status", status: 400) }
            }
            var extra = fields
            extra["note"] = nil
            let stored = state.addNote(to: ticketID, text: note, subject: nil, fields: extra)
            if let newStatus { setStatus(ticketID, newStatus, state: &state) }
            answers.append([
                "id": .int(stored.id), "ticket_id": .int(ticketID), "note": .string(note),
                "outcome": fields["outcome"] ?? "",
            ])
        }
        return .json(answers.count == 1 ? answers[0] : .array(answers), status: 201)
    }
}

/// An error text a simulated endpoint returns.
struct SimulatorMessage: Error, ExpressibleByStringInterpolation {
    var text: String

    init(stringLiteral value: String) { text = value }
    init(_ text: String) { self.text = text }
}
