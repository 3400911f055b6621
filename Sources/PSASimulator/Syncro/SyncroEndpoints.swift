import CheckBridgeCore
import Foundation

/// SyncroMSP API v1 as the simulator plays it, under `/api/v1`, with the API key in `Authorization`
/// (with or without `Bearer`, as Syncro accepts both).
enum SyncroEndpoints {
    static let perPage = 25
    static let statuses = [
        "New", "In Progress", "Resolved", "Invoiced", "Waiting for Parts", "Waiting on Customer", "Scheduled",
        "Customer Reply",
    ]
    static let closedStatuses: Set<String> = ["Resolved", "Invoiced"]
    static let referenceProperty = "CheckBridge Reference"

    // MARK: Demo data

    static func seed(_ state: inout SimulatorState) {
        state.lists["problem_types"] = ["Virus", "TuneUp", "Hardware", "Software", "Other", "Monitoring"]
        state.lists["priorities"] = ["", "0 Urgent", "1 High", "2 Normal", "3 Low"]
        state.lists["users"] = [["id": 1, "name": "Bat Man"], ["id": 2, "name": "Robin Tech"]]
        for index in 0..<240 {
            let id = Int64(400 + index)
            let business = index == 5 || index == 120 ? DemoNames.duplicated : DemoNames.company(index)
            // Every 20th customer is a person without a business name.
            let isPerson = index % 20 == 19
            state.customers.append([
                "id": .int(id), "firstname": "Pat", "lastname": .string("Customer\(id)"),
                "fullname": .string("Pat Customer\(id)"), "business_name": isPerson ? .null : .string(business),
                "business_then_name": .string(isPerson ? "Pat Customer\(id)" : business),
                "disabled": .bool(index % 15 == 14),
            ])
        }
        var assetID: Int64 = 9000
        func addAsset(_ name: String, serial: String, customer: Int64) {
            assetID += 1
            state.assets.append([
                "id": .int(assetID), "name": .string(name), "customer_id": .int(customer),
                "asset_type": "Syncro Device", "asset_serial": .string(serial), "properties": [:],
            ])
        }
        for index in 0..<40 {
            let customer = Int64(400 + index)
            addAsset("DESKTOP-\(customer)", serial: "SER\(customer)", customer: customer)
        }
        addAsset("NAS-01", serial: "NASA", customer: 400)
        addAsset("NAS-01", serial: "NASC", customer: 402)
        addAsset("SRV-DUP", serial: "SD1", customer: 401)
        addAsset("SRV-DUP", serial: "SD2", customer: 401)
    }

    // MARK: Routing

    static func handle(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        let segments = request.segments
        guard segments.count > 2, segments[0] == "api", segments[1] == "v1" else {
            return .json(["error": "Not found"], status: 404)
        }
        guard authorized(request) else { return .json(["error": "Not authorized"], status: 401) }
        let route = Route(Array(segments.dropFirst(2)))
        switch (request.method, route.pattern) {
        case ("GET", "me"):
            return .json(["user_id": 1, "user_name": "Bat Man", "user_email": "batman@msp.example", "admin": true])
        case ("GET", "settings"):
            return .json([
                "ticket": [
                    "problem_types": .array(state.lists["problem_types"] ?? []),
                    "priorities": .array(state.lists["priorities"] ?? []),
                ]
            ])
        case ("GET", "tickets/settings"):
            return .json([
                "ticket_status_list": .array(statuses.map(JSONValue.string)),
                "users": .array(state.lists["users"] ?? []),
            ])
        case ("GET", "users"):
            let users: [JSONValue] = (state.lists["users"] ?? []).map { [$0["id"] ?? .null, $0["name"] ?? .null] }
            return .json(["users": .array(users)])
        case ("GET", "customers"):
            return customers(request, state: state)
        case ("GET", "customer_assets"):
            return assets(request, state: state)
        case ("GET", "tickets"):
            return tickets(request, state: state)
        case ("POST", "tickets"):
            return createTicket(request, state: &state)
        case ("GET", "tickets/:id"):
            guard let ticket = state.liveTicket(Int64(route.id)) else { return notFound }
            return .json(["ticket": render(ticket, state: state)])
        case ("PUT", "tickets/:id"):
            return updateTicket(route.id, request, state: &state)
        case ("POST", "tickets/:id/comment"):
            return addComment(route.id, request, state: &state)
        default:
            return notFound
        }
    }

    private static let notFound = SimulatorAnswer.json(["error": "Not found"], status: 404)

    private static func authorized(_ request: SimulatorRequest) -> Bool {
        guard var value = request.header("Authorization") ?? request.query["api_key"] else { return false }
        if value.hasPrefix("Bearer ") { value = String(value.dropFirst("Bearer ".count)) }
        return value == SimulatorCredentials.syncroAPIToken
    }

    /// Syncro's validation error: `{"success": false, "message": [...]}`.
    private static func invalid(_ messages: [String]) -> SimulatorAnswer {
        .json(["success": false, "message": .array(messages.map(JSONValue.string))], status: 422)
    }

    private static func paged(_ key: String, _ items: [JSONValue], _ request: SimulatorRequest) -> SimulatorAnswer {
        let page = max(1, Int(request.query["page"] ?? "1") ?? 1)
        let totalPages = max(1, (items.count + perPage - 1) / perPage)
        let start = min(items.count, (page - 1) * perPage)
        let slice = Array(items[start..<min(items.count, start + perPage)])
        return .json([
            key: .array(slice),
            "meta": [
                "total_pages": .int(Int64(totalPages)), "total_entries": .int(Int64(items.count)),
                "per_page": .int(Int64(perPage)), "page": .int(Int64(page)),
            ],
        ])
    }

    // MARK: Lists

    private static func customers(_ request: SimulatorRequest, state: SimulatorState) -> SimulatorAnswer {
        var customers = state.customers
        if request.query["include_disabled"]?.lowercased() != "true" {
            customers.removeAll { $0["disabled"] == true }
        }
        if let query = request.query["query"], !query.isEmpty {
            customers.removeAll { customer in
                !(customer["business_then_name"]?.stringValue ?? "").localizedCaseInsensitiveContains(query)
            }
        }
        return paged("customers", customers, request)
    }

    private static func assets(_ request: SimulatorRequest, state: SimulatorState) -> SimulatorAnswer {
        let customer = request.query["customer_id"].flatMap { Int64($0) }
        let query = request.query["query"] ?? ""
        let found = state.assets.filter { asset in
            if let customer, asset["customer_id"]?.int64Value != customer { return false }
            guard !query.isEmpty else { return true }
            return (asset["name"]?.stringValue ?? "").localizedCaseInsensitiveContains(query)
                || (asset["asset_serial"]?.stringValue ?? "").localizedCaseInsensitiveContains(query)
        }
        return paged("assets", found, request)
    }

    /// `query` searches subjects, property values and tags, so our reference finds its ticket.
    private static func tickets(_ request: SimulatorRequest, state: SimulatorState) -> SimulatorAnswer {
        let query = request.query["query"] ?? ""
        let customer = request.query["customer_id"].flatMap { Int64($0) }
        let found = state.tickets.values.sorted { $0.id > $1.id }.filter { ticket in
            guard !ticket.isDeleted else { return false }
            if let customer, ticket.customerID != customer { return false }
            guard !query.isEmpty else { return true }
            let properties = ticket.fields["properties"]?.objectValue?.values.compactMap(\.stringValue) ?? []
            let tags = ticket.fields["tag_list"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return ([ticket.summary] + properties + tags).contains { $0.localizedCaseInsensitiveContains(query) }
        }
        return paged("tickets", found.map { render($0, state: state) }, request)
    }

    // MARK: Tickets

    private static func render(_ ticket: SimulatedTicket, state: SimulatorState) -> JSONValue {
        let comments: [JSONValue] = ticket.notes.map { note in
            [
                "id": .int(note.id), "ticket_id": .int(ticket.id), "subject": .string(note.subject ?? ""),
                "body": .string(note.text), "hidden": note.fields["hidden"] ?? false,
            ]
        }
        return [
            "id": .int(ticket.id), "number": .int(ticket.id), "subject": .string(ticket.summary),
            "customer_id": .int(ticket.customerID),
            "customer_business_then_name": state.customer(ticket.customerID)?["business_then_name"] ?? .null,
            "problem_type": ticket.fields["problem_type"] ?? .null, "status": ticket.status,
            "priority": ticket.fields["priority"] ?? .null, "user_id": ticket.fields["user_id"] ?? .null,
            "properties": ticket.fields["properties"] ?? [:], "tag_list": ticket.fields["tag_list"] ?? [],
            "asset_ids": .array(ticket.assetIDs.map(JSONValue.int)), "comments": .array(comments),
        ]
    }

    private static func createTicket(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        guard case .object(let fields)? = request.json else { return invalid(["The body must be a JSON object"]) }
        guard let customerID = fields["customer_id"]?.int64Value, let customer = state.customer(customerID) else {
            return .json(["error": "Customer required field"], status: 422)
        }
        guard let subject = fields["subject"]?.stringValue, !subject.isEmpty else {
            return invalid(["Subject can't be blank"])
        }
        var problems: [String] = []
        if customer["disabled"] == true { problems.append("Customer is disabled") }
        if let problemType = fields["problem_type"], state.lists["problem_types"]?.contains(problemType) != true {
            problems.append("Problem type is not included in the list")
        }
        let status = fields["status"] ?? "New"
        if !statuses.contains(status.stringValue ?? "") { problems.append("Status is not included in the list") }
        if let priority = fields["priority"], state.lists["priorities"]?.contains(priority) != true {
            problems.append("Priority is not included in the list")
        }
        if let user = fields["user_id"], user != .null,
            state.lists["users"]?.contains(where: { $0["id"] == user }) != true
        {
            problems.append("User must exist")
        }
        var assetIDs: [Int64] = []
        for asset in fields["asset_ids"]?.arrayValue ?? [] {
            guard let id = asset.int64Value, state.asset(id)?["customer_id"]?.int64Value == customerID else {
                problems.append("Asset \(asset.scalarText) does not belong to the customer")
                continue
            }
            assetIDs.append(id)
        }
        let comments = fields["comments_attributes"]?.arrayValue ?? []
        for comment in comments {
            if (comment["subject"]?.stringValue ?? "").isEmpty { problems.append("Comments subject can't be blank") }
            if (comment["body"]?.stringValue ?? "").isEmpty { problems.append("Comments body can't be blank") }
        }
        guard problems.isEmpty else { return invalid(problems) }
        let id = state.newTicketID()
        state.tickets[id] = SimulatedTicket(
            id: id, customerID: customerID, summary: subject,
            details: comments.first?["body"]?.stringValue ?? "",
            reference: fields["properties"]?[referenceProperty]?.stringValue, assetIDs: assetIDs, status: status,
            boardID: nil, isClosed: closedStatuses.contains(status.stringValue ?? ""), isDeleted: false,
            closedByHand: false, notes: [], closeCount: 0, fields: fields)
        for comment in comments {
            var extra = comment.objectValue ?? [:]
            extra["subject"] = nil
            extra["body"] = nil
            _ = state.addNote(
                to: id, text: comment["body"]?.stringValue ?? "", subject: comment["subject"]?.stringValue,
                fields: extra)
        }
        guard let ticket = state.tickets[id] else { return notFound }
        return .json(["ticket": render(ticket, state: state)])
    }

    private static func updateTicket(_ rawID: String, _ request: SimulatorRequest, state: inout SimulatorState)
        -> SimulatorAnswer
    {
        guard let id = Int64(rawID), var ticket = state.liveTicket(id) else { return notFound }
        guard case .object(let fields)? = request.json else { return invalid(["The body must be a JSON object"]) }
        if let status = fields["status"] {
            guard let name = status.stringValue, statuses.contains(name) else {
                return invalid(["Status is not included in the list"])
            }
            let closing = closedStatuses.contains(name)
            if closing && !ticket.isClosed { ticket.closeCount += 1 }
            ticket.status = status
            ticket.isClosed = closing
        }
        if let subject = fields["subject"] {
            guard let text = subject.stringValue, !text.isEmpty else { return invalid(["Subject can't be blank"]) }
            ticket.summary = text
        }
        state.tickets[id] = ticket
        return .json(["ticket": render(ticket, state: state)])
    }

    private static func addComment(_ rawID: String, _ request: SimulatorRequest, state: inout SimulatorState)
        -> SimulatorAnswer
    {
        guard let id = Int64(rawID), state.liveTicket(id) != nil else { return notFound }
        guard case .object(let fields)? = request.json else { return invalid(["The body must be a JSON object"]) }
        var problems: [String] = []
        let body = fields["body"]?.stringValue ?? ""
        let subject = fields["subject"]?.stringValue ?? ""
        if body.isEmpty { problems.append("Body can't be blank") }
        if subject.isEmpty { problems.append("Subject can't be blank") }
        guard problems.isEmpty else { return invalid(problems) }
        var extra = fields
        extra["subject"] = nil
        extra["body"] = nil
        let note = state.addNote(to: id, text: body, subject: subject, fields: extra)
        return .json([
            "comment": [
                "id": .int(note.id), "ticket_id": .int(id), "subject": .string(subject), "body": .string(body),
                "hidden": fields["hidden"] ?? false,
            ]
        ])
    }
}
