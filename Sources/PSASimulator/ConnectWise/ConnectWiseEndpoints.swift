import CheckBridgeCore
import Foundation

/// ConnectWise PSA (Manage) REST API 3.0 as the simulator plays it, under
/// `/{codebase}apis/3.0`, with the codebase announced by `/login/companyinfo/{companyId}`.
enum ConnectWiseEndpoints {
    static let apiPrefix = ["v4_6_release", "apis", "3.0"]

    // MARK: Demo data

    static func seed(_ state: inout SimulatorState) {
        state.lists["company_statuses"] = [
            ["id": 1, "name": "Active", "inactiveFlag": false, "disallowSavingFlag": false, "defaultFlag": true],
            ["id": 2, "name": "Inactive", "inactiveFlag": true, "disallowSavingFlag": false, "defaultFlag": false],
            ["id": 3, "name": "Not Approved", "inactiveFlag": false, "disallowSavingFlag": true, "defaultFlag": false],
            ["id": 4, "name": "Credit Hold", "inactiveFlag": false, "disallowSavingFlag": true, "defaultFlag": false],
        ]
        let statusNames: [Int64: String] = [1: "Active", 2: "Inactive", 3: "Not Approved", 4: "Credit Hold"]
        for index in 0..<240 {
            let id = Int64(250 + index)
            let status: Int64 = index % 17 == 16 ? 2 : index % 23 == 22 ? 3 : index % 31 == 30 ? 4 : 1
            let name = index == 7 || index == 150 ? DemoNames.duplicated : DemoNames.company(index)
            state.customers.append([
                "id": .int(id), "identifier": .string("Company\(id)"), "name": .string(name),
                "status": ["id": .int(status), "name": .string(statusNames[status] ?? "")],
                "deletedFlag": .bool(index % 29 == 28),
            ])
        }
        var configurationID: Int64 = 7000
        func addConfiguration(_ name: String, tag: String, serial: String, company: Int64) {
            configurationID += 1
            state.assets.append([
                "id": .int(configurationID), "name": .string(name), "tagNumber": .string(tag),
                "serialNumber": .string(serial),
                "company": ["id": .int(company), "identifier": .string("Company\(company)")], "activeFlag": true,
            ])
        }
        for index in 0..<40 {
            let company = Int64(250 + index)
            addConfiguration("PC-\(company)", tag: "CFG-\(company)", serial: "SN\(company)", company: company)
        }
        addConfiguration("NAS at Acme", tag: "NAS-01", serial: "NAS-A", company: 250)
        addConfiguration("NAS at Cedar", tag: "NAS-01", serial: "NAS-C", company: 252)
        addConfiguration("FILESERVER", tag: "", serial: "FS-1", company: 251)
        addConfiguration("FILESERVER", tag: "", serial: "FS-2", company: 251)
        addConfiguration("ROUTER-251", tag: "", serial: "RT-1", company: 251)

        state.lists["boards"] = [
            ["id": 1, "name": "Service Desk", "inactiveFlag": false],
            ["id": 2, "name": "Monitoring", "inactiveFlag": false],
            ["id": 3, "name": "Old Board", "inactiveFlag": true],
        ]
        state.lists["statuses:1"] = [
            status(1, "New", board: 1, order: 0, isDefault: true),
            status(2, "In Progress", board: 1, order: 1),
            status(3, "Waiting Customer", board: 1, order: 2),
            status(5, "Closed", board: 1, order: 3, closed: true),
            status(6, "Cancelled", board: 1, order: 4, closed: true),
        ]
        state.lists["statuses:2"] = [
            status(11, "New", board: 2, order: 0, isDefault: true),
            status(12, "Assigned", board: 2, order: 1),
            status(16, "Closed (old)", board: 2, order: 2, closed: true, inactive: true),
            status(15, ">Closed", board: 2, order: 3, closed: true),
        ]
        state.lists["statuses:3"] = [status(21, "New", board: 3, order: 0, isDefault: true)]
        state.lists["types:1"] = [named(21, "Incident"), named(22, "Request")]
        state.lists["types:2"] = [named(31, "Alert")]
        state.lists["subtypes:1"] = [named(41, "Backup"), named(42, "Network")]
        state.lists["subtypes:2"] = [named(51, "Monitoring")]
        state.lists["items:1"] = [named(61, "Failure"), named(62, "Warning")]
        state.lists["items:2"] = [named(71, "Threshold")]
        state.lists["priorities"] = [
            ["id": 1, "name": "Priority 1 - Emergency Response", "sortOrder": 1, "defaultFlag": false],
            ["id": 2, "name": "Priority 2 - Quick Response", "sortOrder": 2, "defaultFlag": false],
            ["id": 3, "name": "Priority 3 - Normal Response", "sortOrder": 3, "defaultFlag": true],
            ["id": 4, "name": "Priority 4 - Schedule Maintenance", "sortOrder": 4, "defaultFlag": false],
        ]
        state.lists["sources"] = [
            ["id": 1, "name": "Email", "defaultFlag": false], ["id": 2, "name": "Phone", "defaultFlag": false],
            ["id": 3, "name": "Portal", "defaultFlag": true], ["id": 4, "name": "Monitoring", "defaultFlag": false],
        ]
    }

    private static func status(
        _ id: Int64, _ name: String, board: Int64, order: Int64, closed: Bool = false, inactive: Bool = false,
        isDefault: Bool = false
    ) -> JSONValue {
        [
            "id": .int(id), "name": .string(name), "board": ["id": .int(board)], "sortOrder": .int(order),
            "closedStatus": .bool(closed), "inactive": .bool(inactive), "defaultFlag": .bool(isDefault),
        ]
    }

    private static func named(_ id: Int64, _ name: String) -> JSONValue {
        ["id": .int(id), "name": .string(name), "inactiveFlag": false]
    }

    /// The status a user's manual close picks on `board`.
    static func closedStatus(board: Int64, state: SimulatorState) -> Int64? {
        state.lists["statuses:\(board)"]?.first { $0["closedStatus"] == true && $0["inactive"] != true }?["id"]?
            .int64Value
    }

    // MARK: Routing

    static func handle(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        let segments = request.segments
        if request.method == "GET", segments.count == 3, segments[0] == "login", segments[1] == "companyinfo" {
            guard segments[2].lowercased() == SimulatorCredentials.connectWiseCompanyID else {
                return error(404, "NotFound", "Company \(segments[2]) not found")
            }
            return .json([
                "CompanyName": "CheckBridge Demo MSP", "Codebase": .string(SimulatorCredentials.connectWiseCodebase),
                "VersionCode": "v2025.1", "VersionNumber": "v4.6.2025", "CompanyID": "checkbridge",
                "IsCloud": false, "SiteUrl": .string(request.origin),
            ])
        }
        guard segments.count > 3, Array(segments.prefix(3)) == apiPrefix else {
            return error(404, "NotFound", "The requested resource was not found")
        }
        if let refusal = authenticate(request) { return refusal }
        let path = segments.dropFirst(3).map { $0.lowercased() }
        let route = Route(path)
        switch (request.method, route.pattern) {
        case ("GET", "system/info"):
            return .json(["version": "v2025.1", "isCloud": false, "serverTimeZone": "Eastern Standard Time"])
        case ("GET", "company/companies/statuses"):
            return list(state.lists["company_statuses"] ?? [], request)
        case ("GET", "company/companies"):
            return list(state.customers, request)
        case ("GET", "company/configurations"):
            return list(state.assets, request)
        case ("GET", "service/boards"):
            return list(state.lists["boards"] ?? [], request)
        case ("GET", "service/boards/:id/statuses"), ("GET", "service/boards/:id/types"),
            ("GET", "service/boards/:id/subtypes"), ("GET", "service/boards/:id/items"):
            let board = route.id
            let kind = path.last ?? ""
            guard let items = state.lists["\(boardList(kind)):\(board)"] else {
                return error(404, "NotFound", "Board Id \(board) not found")
            }
            return list(items, request)
        case ("GET", "service/priorities"):
            return list(state.lists["priorities"] ?? [], request)
        case ("GET", "service/sources"):
            return list(state.lists["sources"] ?? [], request)
        case ("GET", "service/tickets"):
            let tickets = state.tickets.values.sorted { $0.id < $1.id }.filter { !$0.isDeleted }
            return list(tickets.map { render($0, state: state) }, request)
        case ("POST", "service/tickets"):
            return createTicket(request, state: &state)
        case ("GET", "service/tickets/:id"):
            let id = route.id
            guard let ticket = state.liveTicket(Int64(id)) else { return ticketNotFound(id) }
            return .json(render(ticket, state: state))
        case ("PATCH", "service/tickets/:id"):
            return patchTicket(route.id, request, state: &state)
        case ("POST", "service/tickets/:id/notes"):
            return addNote(route.id, request, state: &state)
        case ("POST", "service/tickets/:id/configurations"):
            return attachConfiguration(route.id, request, state: &state)
        default:
            return error(404, "NotFound", "The requested resource was not found")
        }
    }

    private static func boardList(_ kind: String) -> String {
        switch kind {
        case "statuses": "statuses"
        case "types": "types"
        case "subtypes": "subtypes"
        case "items": "items"
        default: "unknown"
        }
    }

    /// ConnectWise's error body: `{code, message, errors:[{code, message, resource, field}]}`.
    static func error(_ status: Int, _ code: String, _ message: String, field: String? = nil) -> SimulatorAnswer {
        var body: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let field {
            body["errors"] = [
                ["code": .string(code), "message": .string(message), "resource": "ticket", "field": .string(field)]
            ]
        }
        return .json(.object(body), status: status)
    }

    private static func ticketNotFound(_ id: String) -> SimulatorAnswer {
        error(404, "NotFound", "Ticket Id \(id) not found")
    }

    private static func authenticate(_ request: SimulatorRequest) -> SimulatorAnswer? {
        let expected =
            "\(SimulatorCredentials.connectWiseCompanyID)+\(SimulatorCredentials.connectWisePublicKey):"
            + SimulatorCredentials.connectWisePrivateKey
        guard let header = request.header("Authorization"), header.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
            String(decoding: decoded, as: UTF8.self) == expected
        else { return error(401, "Unauthorized", "Invalid credentials") }
        guard let clientID = request.header("clientId"), !clientID.isEmpty else {
            return error(401, "Unauthorized", "A clientId header is required")
        }
        guard clientID == SimulatorCredentials.connectWiseClientID else {
            return error(401, "Unauthorized", "Unknown clientId")
        }
        guard let accept = request.header("Accept")?.lowercased(),
            accept.contains("application/vnd.connectwise.com+json"), accept.contains("version=")
        else {
            return error(406, "NotAcceptable", "Accept must be application/vnd.connectwise.com+json; version=…")
        }
        return nil
    }

    // MARK: Lists

    /// Filters by `conditions`, orders by `orderBy`, pages by `page`/`pageSize` (25 by default, at
    /// most 1000) and links the next and last pages in `Link`, as ConnectWise does.
    private static func list(_ items: [JSONValue], _ request: SimulatorRequest) -> SimulatorAnswer {
        var items = items
        if let text = request.query["conditions"], !text.isEmpty {
            do {
                let conditions = try ConnectWiseConditions(text)
                items = items.filter { conditions.matches($0) }
            } catch {
                return Self.error(400, "InvalidConditions", error.text)
            }
        }
        if let orderBy = request.query["orderBy"], !orderBy.isEmpty {
            let parts = orderBy.split(separator: " ")
            let field = String(parts[0])
            let descending = parts.count > 1 && parts[1].lowercased() == "desc"
            items.sort { lhs, rhs in
                let left = lhs.value(atPath: field)
                let right = rhs.value(atPath: field)
                let ascending: Bool
                switch (left, right) {
                case (.int(let a)?, .int(let b)?): ascending = a < b
                default: ascending = (left?.scalarText ?? "").lowercased() < (right?.scalarText ?? "").lowercased()
                }
                return descending ? !ascending : ascending
            }
        }
        guard let pageSize = Int(request.query["pageSize"] ?? "25"), pageSize > 0, pageSize <= 1000,
            let page = Int(request.query["page"] ?? "1"), page > 0
        else { return error(400, "InvalidPaging", "page must be ≥ 1 and pageSize between 1 and 1000") }
        let start = min(items.count, (page - 1) * pageSize)
        let pageItems = Array(items[start..<min(items.count, start + pageSize)])
        let lastPage = max(1, (items.count + pageSize - 1) / pageSize)
        var links: [String] = []
        if page < lastPage { links.append("<\(pageURL(request, page: page + 1))>; rel=\"next\"") }
        links.append("<\(pageURL(request, page: lastPage))>; rel=\"last\"")
        return .json(.array(pageItems), headers: [("Link", links.joined(separator: ", "))])
    }

    private static func pageURL(_ request: SimulatorRequest, page: Int) -> String {
        var parts = request.rawQuery.split(separator: "&").filter { !$0.lowercased().hasPrefix("page=") }
        parts.append("page=\(page)")
        let encodedPath = request.path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? request.path
        return request.origin + encodedPath + "?" + parts.joined(separator: "&")
    }

    // MARK: Tickets

    private static func reference(_ kind: String, _ id: Int64?, in items: [JSONValue]?) -> JSONValue {
        guard let id, let item = items?.first(where: { $0["id"]?.int64Value == id }) else { return .null }
        return ["id": .int(id), "name": item["name"] ?? .null]
    }

    private static func render(_ ticket: SimulatedTicket, state: SimulatorState) -> JSONValue {
        let board = ticket.boardID ?? 1
        let company = state.customer(ticket.customerID)
        var body: [String: JSONValue] = [
            "id": .int(ticket.id), "summary": .string(ticket.summary), "recordType": "ServiceTicket",
            "board": reference("board", board, in: state.lists["boards"]),
            "status": reference("status", ticket.status.int64Value, in: state.lists["statuses:\(board)"]),
            "company": [
                "id": .int(ticket.customerID), "identifier": company?["identifier"] ?? .null,
                "name": company?["name"] ?? .null,
            ],
            "priority": reference("priority", ticket.fields[path: "priority"], in: state.lists["priorities"]),
            "closedFlag": .bool(ticket.isClosed),
            "externalXRef": ticket.reference.map(JSONValue.string) ?? .null,
        ]
        for (key, list) in [("type", "types"), ("subType", "subtypes"), ("item", "items")] {
            if let id = ticket.fields[path: key] {
                body[key] = reference(key, id, in: state.lists["\(list):\(board)"])
            }
        }
        if let source = ticket.fields[path: "source"] {
            body["source"] = reference("source", source, in: state.lists["sources"])
        }
        return .object(body)
    }

    private static func createTicket(_ request: SimulatorRequest, state: inout SimulatorState) -> SimulatorAnswer {
        guard case .object(let fields)? = request.json else {
            return error(400, "InvalidObject", "The request body must be a ticket object")
        }
        guard let summary = fields["summary"]?.stringValue, !summary.trimmingCharacters(in: .whitespaces).isEmpty
        else { return error(400, "InvalidObject", "ticket object is invalid", field: "summary") }
        guard summary.count <= 100 else {
            return error(400, "InvalidObject", "summary may be at most 100 characters", field: "summary")
        }
        guard let companyID = fields[path: "company"], let company = state.customer(companyID),
            company["deletedFlag"] != true
        else { return error(400, "InvalidObject", "A valid company is required", field: "company") }
        let companyStatus = company.value(atPath: "status/id")?.int64Value
        let disallow = state.lists["company_statuses"]?.first { $0["id"]?.int64Value == companyStatus }?[
            "disallowSavingFlag"]
        if disallow == true {
            return error(400, "InvalidObject", "The company's status does not allow saving", field: "company")
        }
        let board = fields[path: "board"] ?? 1
        guard state.lists["boards"]?.contains(where: { $0["id"]?.int64Value == board && $0["inactiveFlag"] != true })
            == true
        else { return error(400, "InvalidObject", "Board \(board) is not valid", field: "board") }
        let statuses = state.lists["statuses:\(board)"] ?? []
        let status = fields[path: "status"] ?? statuses.first { $0["defaultFlag"] == true }?["id"]?.int64Value ?? 0
        guard let statusRecord = statuses.first(where: { $0["id"]?.int64Value == status }) else {
            return error(400, "InvalidObject", "Status \(status) is not a status of board \(board)", field: "status")
        }
        if let priority = fields[path: "priority"],
            state.lists["priorities"]?.contains(where: { $0["id"]?.int64Value == priority }) != true
        {
            return error(400, "InvalidObject", "Priority \(priority) is not valid", field: "priority")
        }
        for (key, list) in [("type", "types"), ("subType", "subtypes"), ("item", "items")] {
            if let id = fields[path: key],
                state.lists["\(list):\(board)"]?.contains(where: { $0["id"]?.int64Value == id }) != true
            {
                return error(400, "InvalidObject", "\(key) \(id) is not valid for board \(board)", field: key)
            }
        }
        if let source = fields[path: "source"],
            state.lists["sources"]?.contains(where: { $0["id"]?.int64Value == source }) != true
        {
            return error(400, "InvalidObject", "Source \(source) is not valid", field: "source")
        }
        let id = state.newTicketID()
        let ticket = SimulatedTicket(
            id: id, customerID: companyID, summary: summary,
            details: fields["initialDescription"]?.stringValue ?? "",
            reference: fields["externalXRef"]?.stringValue, assetIDs: [], status: .int(status), boardID: board,
            isClosed: statusRecord["closedStatus"] == true, isDeleted: false, closedByHand: false, notes: [],
            closeCount: 0, fields: fields)
        state.tickets[id] = ticket
        return .json(render(ticket, state: state), status: 201)
    }

    /// JSON Patch (RFC 6902) with `replace` on `status` or `summary`; the status must be one of the
    /// ticket's board.
    private static func patchTicket(_ rawID: String, _ request: SimulatorRequest, state: inout SimulatorState)
        -> SimulatorAnswer
    {
        guard let id = Int64(rawID), let ticket = state.liveTicket(id) else { return ticketNotFound(rawID) }
        guard let operations = request.json?.arrayValue, !operations.isEmpty else {
            return error(400, "InvalidObject", "The body must be a JSON Patch array")
        }
        var updated = ticket
        for operation in operations {
            guard operation["op"]?.stringValue?.lowercased() == "replace",
                let path = operation["path"]?.stringValue?.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            else { return error(400, "InvalidObject", "Only replace operations are supported") }
            switch path.lowercased() {
            case "status":
                let board = ticket.boardID ?? 1
                let value = operation["value"]
                guard let status = value?["id"]?.int64Value ?? value?.int64Value,
                    let record = state.lists["statuses:\(board)"]?.first(where: { $0["id"]?.int64Value == status })
                else {
                    return error(
                        400, "InvalidObject", "The status is not a status of the ticket's board", field: "status")
                }
                let closing = record["closedStatus"] == true
                if closing && !updated.isClosed { updated.closeCount += 1 }
                updated.status = .int(status)
                updated.isClosed = closing
            case "summary":
                guard let summary = operation["value"]?.stringValue, !summary.isEmpty, summary.count <= 100 else {
                    return error(400, "InvalidObject", "summary is invalid", field: "summary")
                }
                updated.summary = summary
            default:
                return error(400, "InvalidObject", "Unsupported patch path \(path)", field: path)
            }
        }
        state.tickets[id] = updated
        return .json(render(updated, state: state))
    }

    private static func addNote(_ rawID: String, _ request: SimulatorRequest, state: inout SimulatorState)
        -> SimulatorAnswer
    {
        guard let id = Int64(rawID), state.liveTicket(id) != nil else { return ticketNotFound(rawID) }
        guard case .object(let fields)? = request.json else {
            return error(400, "InvalidObject", "The body must be a note object")
        }
        guard let text = fields["text"]?.stringValue, !text.isEmpty else {
            return error(400, "InvalidObject", "text is required", field: "text")
        }
        let flags = ["detailDescriptionFlag", "internalAnalysisFlag", "resolutionFlag"]
        guard flags.contains(where: { fields[$0] == true }) else {
            return error(
                400, "InvalidObject",
                "One of detailDescriptionFlag, internalAnalysisFlag or resolutionFlag must be true",
                field: "detailDescriptionFlag")
        }
        var extra = fields
        extra["text"] = nil
        let note = state.addNote(to: id, text: text, subject: nil, fields: extra)
        var answer = fields
        answer["id"] = .int(note.id)
        answer["ticketId"] = .int(id)
        return .json(.object(answer), status: 201)
    }

    private static func attachConfiguration(_ rawID: String, _ request: SimulatorRequest, state: inout SimulatorState)
        -> SimulatorAnswer
    {
        guard let id = Int64(rawID), state.liveTicket(id) != nil else { return ticketNotFound(rawID) }
        guard let configuration = request.json?["id"]?.int64Value, let record = state.asset(configuration) else {
            return error(400, "InvalidObject", "A valid configuration id is required", field: "id")
        }
        if state.tickets[id]?.assetIDs.contains(configuration) == false {
            state.tickets[id]?.assetIDs.append(configuration)
        }
        return .json(["id": .int(configuration), "deviceIdentifier": record["name"] ?? .null], status: 201)
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// The `id` of a `{"id": N}` reference field.
    subscript(path key: String) -> Int64? {
        self[key]?["id"]?.int64Value
    }
}
