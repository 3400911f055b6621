import CheckBridgeCore
import Foundation
import PSA
import Storage

/// How a channel picks the PSA customer of a ticket (SPEC §6, §9).
enum CustomerSelection: Sendable, Equatable {
    /// Always this customer.
    case fixed(Int64)
    /// The check group's linked customer, else the PSA customer named like the group.
    case checkGroup

    static func decode(_ value: JSONValue?) throws(ValidationError) -> CustomerSelection {
        guard let value, value != .null else { return .checkGroup }
        guard case .object(let members) = value else {
            throw ValidationError(field: "customer", message: "must be {\"mode\": \"fixed\", …} or {\"mode\": \"check_group\"}")
        }
        for key in members.keys where key != "mode" && key != "customer_id" {
            throw ValidationError(field: "customer.\(key)", message: "is not a customer field")
        }
        switch members["mode"]?.stringValue {
        case "check_group":
            return .checkGroup
        case "fixed":
            // SPEC §9 shows the id quoted; PSA ids are numbers everywhere else, so take both.
            switch members["customer_id"] {
            case .int(let id)?: return .fixed(id)
            case .string(let text)?: if let id = Int64(text) { return .fixed(id) }
            default: break
            }
            throw ValidationError(field: "customer.customer_id", message: "is required with mode fixed: the PSA customer id")
        default:
            throw ValidationError(field: "customer.mode", message: "must be fixed or check_group")
        }
    }

    var json: JSONValue {
        switch self {
        case .fixed(let id): ["mode": "fixed", "customer_id": .int(id)]
        case .checkGroup: ["mode": "check_group"]
        }
    }
}

/// A channel's PSA settings as the RPC layer reads and shows them.
enum ChannelSettings {
    /// The connection fields that are secrets, per kind: written only, sealed at rest, never shown.
    static func secretFields(_ kind: PSAKind) -> Set<String> {
        switch kind {
        case .halopsa: ["client_secret"]
        case .connectwise: ["private_key"]
        case .syncro: ["api_token"]
        }
    }

    static func connectionFields(_ kind: PSAKind) -> Set<String> {
        switch kind {
        case .halopsa: ["resource_server", "authorization_server", "tenant", "client_id", "client_secret"]
        case .connectwise: ["site", "company_id", "public_key", "private_key", "client_id", "codebase"]
        case .syncro: ["url", "api_token"]
        }
    }

    static func ticketFields(_ kind: PSAKind) -> Set<String> {
        switch kind {
        case .halopsa: ["ticket_type_id", "status_id", "agent_id", "priority_id", "close_status_id"]
        case .connectwise:
            ["board_id", "status_id", "priority_id", "type_id", "subtype_id", "item_id", "source_id", "close_status_id",
             "include_disallow_saving"]
        case .syncro: ["problem_type", "status", "priority", "user_id", "close_status"]
        }
    }

    /// Builds the PSA configuration from full connection and ticket objects, naming every bad field.
    static func configuration(
        kind: PSAKind, connection: [String: JSONValue], ticket: [String: JSONValue]
    ) throws(ValidationError) -> PSAChannelConfiguration {
        var errors: [FieldError] = []
        for key in connection.keys.sorted() where !connectionFields(kind).contains(key) {
            errors.append(FieldError(field: "connection.\(key)", message: "is not a \(kind.rawValue) connection field"))
        }
        for key in ticket.keys.sorted() where !ticketFields(kind).contains(key) {
            errors.append(FieldError(field: "ticket.\(key)", message: "is not a \(kind.rawValue) ticket field"))
        }
        if !errors.isEmpty { throw ValidationError(errors) }
        let configuration: PSAChannelConfiguration
        switch kind {
        case .halopsa:
            configuration = .halopsa(
                try decode(HaloPSAConnection.self, connection, field: "connection"),
                try decode(HaloPSATicketSettings.self, ticket, field: "ticket"))
        case .connectwise:
            configuration = .connectwise(
                try decode(ConnectWiseConnection.self, connection, field: "connection"),
                try decode(ConnectWiseTicketSettings.self, ticket, field: "ticket"))
        case .syncro:
            configuration = .syncro(
                try decode(SyncroConnection.self, connection, field: "connection"),
                try decode(SyncroTicketSettings.self, ticket, field: "ticket"))
        }
        do {
            try configuration.validate()
        } catch {
            let field = kind == .syncro ? "connection.url" : (kind == .connectwise ? "connection.site" : "connection")
            throw ValidationError(field: field, message: error.message)
        }
        return configuration
    }

    private static func decode<Value: Decodable>(
        _ type: Value.Type, _ members: [String: JSONValue], field: String
    ) throws(ValidationError) -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(JSONValue.object(members).serialized()))
        } catch let error as DecodingError {
            throw ValidationError(fieldError(error, prefix: field))
        } catch {
            throw ValidationError(field: field, message: "is not valid")
        }
    }

    /// A decoding failure as the field a user must fix.
    private static func fieldError(_ error: DecodingError, prefix: String) -> [FieldError] {
        func path(_ codingPath: [any CodingKey], _ key: (any CodingKey)? = nil) -> String {
            ([prefix] + (codingPath + (key.map { [$0] } ?? [])).map(\.stringValue)).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return [FieldError(field: path(context.codingPath, key), message: "is required")]
        case .typeMismatch(let type, let context):
            return [FieldError(field: path(context.codingPath), message: "must be \(describe(type))")]
        case .valueNotFound(let type, let context):
            return [FieldError(field: path(context.codingPath), message: "must be \(describe(type)), not null")]
        case .dataCorrupted(let context):
            return [FieldError(field: path(context.codingPath), message: context.debugDescription)]
        @unknown default:
            return [FieldError(field: prefix, message: "is not valid")]
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int64.Type, is Int.Type: "an integer"
        case is Bool.Type: "a boolean"
        default: "a value of the right type"
        }
    }
}

extension PSAChannelConfiguration {
    /// The connection as JSON, secrets included: what is sealed and stored.
    var connectionJSON: [String: JSONValue] {
        let data: Data?
        switch self {
        case .halopsa(let connection, _): data = try? JSONEncoder().encode(connection)
        case .connectwise(let connection, _): data = try? JSONEncoder().encode(connection)
        case .syncro(let connection, _): data = try? JSONEncoder().encode(connection)
        }
        return data.flatMap { try? JSONParser.parse(Array($0)) }?.objectValue ?? [:]
    }

    /// The ticket settings as JSON, defaults filled in.
    var ticketJSON: [String: JSONValue] {
        let data: Data?
        switch self {
        case .halopsa(_, let ticket): data = try? JSONEncoder().encode(ticket)
        case .connectwise(_, let ticket): data = try? JSONEncoder().encode(ticket)
        case .syncro(_, let ticket): data = try? JSONEncoder().encode(ticket)
        }
        return data.flatMap { try? JSONParser.parse(Array($0)) }?.objectValue ?? [:]
    }
}

/// A stored channel, opened: its PSA configuration (secrets unsealed) and settings.
struct OpenedChannel: Sendable {
    var record: ChannelRecord
    var kind: PSAKind
    var configuration: PSAChannelConfiguration
    var customer: CustomerSelection
    var scope: ChannelScope

    init(_ record: ChannelRecord, box: SecretBox) throws {
        guard let kind = PSAKind(rawValue: record.kind) else { throw SecretBoxError("unknown channel kind") }
        var connection = try JSONParser.parse(record.connection).objectValue ?? [:]
        let secrets = try JSONParser.parse(try box.open(record.sealedSecrets)).objectValue ?? [:]
        connection.merge(secrets) { _, secret in secret }
        let ticket = try JSONParser.parse(record.ticket).objectValue ?? [:]
        self.record = record
        self.kind = kind
        self.configuration = try ChannelSettings.configuration(kind: kind, connection: connection, ticket: ticket)
        self.customer = try CustomerSelection.decode(try JSONParser.parse(record.customer))
        self.scope = record.parsedScope
    }

    /// The channel as `channels.get` shows it: secrets only as `{"set": true}`.
    var json: JSONValue {
        var connection = configuration.connectionJSON
        for secret in ChannelSettings.secretFields(kind) {
            connection[secret] = ["set": .bool(!(connection[secret]?.stringValue ?? "").isEmpty)]
        }
        return [
            "id": .string(record.id),
            "name": .string(record.name),
            "kind": .string(kind.rawValue),
            "enabled": .bool(record.enabled),
            "connection": .object(connection),
            "ticket": .object(configuration.ticketJSON),
            "customer": customer.json,
            "scope": scope.json,
            "open_on_warning": .bool(record.openOnWarning),
            "created_at": .string(record.createdAt.rfc3339),
            "updated_at": .string(record.updatedAt.rfc3339),
        ]
    }
}
