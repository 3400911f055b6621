import CheckBridgeCore
import Foundation
import GRDB
import PSA
import Storage

/// The params of `channels.create` and `channels.update`, read and checked together.
private struct ChannelParams {
    var name: String?
    var kind: PSAKind?
    var enabled: Bool?
    var connection: [String: JSONValue]?
    var ticket: [String: JSONValue]?
    var customer: CustomerSelection?
    var scope: ChannelScope?
    var openOnWarning: Bool?
    var validate: Bool

    init(_ params: inout RPCParams, creating: Bool) {
        name = params.string("name", required: creating, nonEmpty: true, maxLength: 200)
        if let kindName = params.string("kind", required: creating) {
            kind = PSAKind(rawValue: kindName)
            if kind == nil { params.fail("kind", "must be halopsa, connectwise or syncro") }
        }
        enabled = params.bool("enabled")
        connection = Self.object(&params, "connection", required: creating)
        ticket = Self.object(&params, "ticket", required: creating)
        do {
            // null, like absence, leaves the stored setting as it is on update.
            if let value = params.value("customer") { customer = try CustomerSelection.decode(value) }
        } catch {
            for problem in error.errors { params.fail(problem.field, problem.message) }
        }
        do {
            if let value = params.value("scope") { scope = try ChannelScope.decode(value) }
        } catch {
            for problem in error.errors { params.fail(problem.field, problem.message) }
        }
        openOnWarning = params.bool("open_on_warning")
        validate = params.bool("validate") ?? true
    }

    private static func object(_ params: inout RPCParams, _ name: String, required: Bool) -> [String: JSONValue]? {
        guard let value = required ? params.requiredValue(name) : params.value(name) else { return nil }
        guard case .object(let members) = value else {
            params.fail(name, "must be an object")
            return nil
        }
        return members
    }
}

extension RPCMethods {
    static var channels: [RPCMethod] {
        [
            RPCMethod("channels.list", access: .read, summary: "Every channel, secrets hidden.") { params, context in
                try params.finish()
                let records = try await context.services.database.pool.read { db in try ChannelRecord.all(in: db) }
                return ["channels": .array(try records.map { try context.services.psa.open($0).json })]
            },
            RPCMethod("channels.get", access: .read, summary: "One channel, secrets hidden.") { params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                return try await openChannel(id, context).json
            },
            RPCMethod("channels.create", access: .admin, summary: "Adds a PSA channel, checking the connection first.") {
                params, context in
                var input = ChannelParams(&params, creating: true)
                try params.finish()
                guard let kind = input.kind, let name = input.name else {
                    throw RPCError.invalidParams(field: "kind", "is required")
                }
                let configuration = try ChannelSettings.configuration(
                    kind: kind, connection: input.connection ?? [:], ticket: input.ticket ?? [:])
                if input.validate { try await testConnection(configuration, context) }
                let now = Timestamp.now
                input.customer = input.customer ?? .checkGroup
                let record = try makeRecord(
                    id: SecretGenerator.objectID(prefix: "chn"), name: name, configuration: configuration,
                    input: input, enabled: input.enabled ?? true, openOnWarning: input.openOnWarning ?? false,
                    createdAt: now, services: context.services)
                try await context.services.database.pool.write { db in try record.insert(db) }
                return try context.services.psa.open(record).json
            },
            RPCMethod("channels.update", access: .admin, summary: "Changes a channel; absent params stay as they are.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                var input = ChannelParams(&params, creating: false)
                try params.finish()
                let current = try await openChannel(id, context)
                if let kind = input.kind, kind != current.kind {
                    throw RPCError.invalidParams(field: "kind", "cannot change; create another channel")
                }
                // Connection fields merge into the stored ones, so a secret need not be sent again.
                var connection = current.configuration.connectionJSON
                connection.merge(input.connection ?? [:]) { _, new in new }
                let ticket = input.ticket ?? current.configuration.ticketJSON
                let configuration = try ChannelSettings.configuration(
                    kind: current.kind, connection: connection, ticket: ticket)
                if input.validate, input.connection != nil || input.ticket != nil {
                    try await testConnection(configuration, context)
                }
                input.customer = input.customer ?? current.customer
                input.scope = input.scope ?? current.scope
                let record = try makeRecord(
                    id: id, name: input.name ?? current.record.name, configuration: configuration, input: input,
                    enabled: input.enabled ?? current.record.enabled,
                    openOnWarning: input.openOnWarning ?? current.record.openOnWarning,
                    createdAt: current.record.createdAt, services: context.services)
                try await context.services.database.pool.write { db in try record.update(db) }
                return try context.services.psa.open(record).json
            },
            RPCMethod("channels.delete", access: .admin, summary: "Removes a channel with its ticket links and queue.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                let deleted = try await context.services.database.pool.write { db in
                    try ChannelRecord.deleteOne(db, key: id)
                }
                guard deleted else { throw RPCError.notFound("channel", id: id) }
                return ["id": .string(id), "deleted": true]
            },
            RPCMethod("channels.test", access: .admin, summary: "Checks a channel's connection against its PSA.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                let channel = try await openChannel(id, context)
                try await testConnection(channel.configuration, context)
                return ["id": .string(id), "ok": true]
            },
            RPCMethod("channels.lookup", access: .admin, summary: "A list from the PSA: ticket types, statuses, boards…") {
                params, context in
                try await lookup(&params, context)
            },
        ]
    }

    private static func lookup(_ params: inout RPCParams, _ context: RPCCallContext) async throws -> JSONValue {
        let channelID = params.string("channel_id")
        let list = params.string("list", required: true) ?? ""
        let boardValue = params.int("board_id", in: 1...Int(Int32.max))
        let query = params.string("query", maxLength: 200)
        let kindName = params.string("kind")
        let connection = params.value("connection")
        if channelID == nil, connection == nil { params.fail("channel_id", "is required unless connection and kind are given") }
        if channelID != nil, connection != nil { params.fail("connection", "give channel_id or connection, not both") }
        try params.finish()
        let system: any TicketingSystem
        if let channelID {
            system = context.services.psa.connector(for: try await openChannel(channelID, context), logger: context.logger)
        } else {
            guard let kind = kindName.flatMap(PSAKind.init(rawValue:)) else {
                throw RPCError.invalidParams(field: "kind", "must be halopsa, connectwise or syncro")
            }
            guard case .object(let members)? = connection else {
                throw RPCError.invalidParams(field: "connection", "must be an object")
            }
            // Lookups before a channel exists need no ticket settings: use placeholders.
            let placeholder: [String: JSONValue] = switch kind {
            case .halopsa: ["ticket_type_id": 1, "status_id": 1, "agent_id": 1]
            case .connectwise: ["board_id": 1, "status_id": 1, "priority_id": 1]
            case .syncro: ["problem_type": "Other"]
            }
            let configuration = try ChannelSettings.configuration(kind: kind, connection: members, ticket: placeholder)
            system = context.services.psa.connector(for: configuration, logger: context.logger)
        }
        do {
            let entries = try await system.lookup(list, boardID: boardValue.map(Int64.init), query: query)
            return ["list": .string(list), "entries": .array(entries.map(\.jsonValue))]
        } catch {
            if error.kind == .rejected, error.status == nil {
                throw RPCError.invalidParams(field: "list", error.message)
            }
            throw RPCError.psa(error)
        }
    }

    static func openChannel(_ id: String, _ context: RPCCallContext) async throws -> OpenedChannel {
        let record = try await context.services.database.pool.read { db in try ChannelRecord.fetchOne(db, key: id) }
        guard let record else { throw RPCError.notFound("channel", id: id) }
        return try context.services.psa.open(record)
    }

    private static func testConnection(_ configuration: PSAChannelConfiguration, _ context: RPCCallContext)
        async throws
    {
        do {
            try await context.services.psa.connector(for: configuration, logger: context.logger).testConnection()
        } catch {
            throw RPCError.psa(error)
        }
    }

    private static func makeRecord(
        id: String, name: String, configuration: PSAChannelConfiguration, input: ChannelParams, enabled: Bool,
        openOnWarning: Bool, createdAt: Timestamp, services: AppServices
    ) throws -> ChannelRecord {
        var connection = configuration.connectionJSON
        var secrets: [String: JSONValue] = [:]
        for field in ChannelSettings.secretFields(configuration.kind) {
            secrets[field] = connection.removeValue(forKey: field)
        }
        return ChannelRecord(
            id: id, name: name, kind: configuration.kind.rawValue, enabled: enabled,
            connection: JSONValue.object(connection).serializedString(),
            sealedSecrets: try services.psa.box.seal(JSONValue.object(secrets).serialized()),
            ticket: JSONValue.object(configuration.ticketJSON).serializedString(),
            customer: (input.customer ?? .checkGroup).json.serializedString(),
            scope: (input.scope ?? ChannelScope(all: true)).json.serializedString(),
            openOnWarning: openOnWarning, createdAt: createdAt, updatedAt: .now)
    }
}
