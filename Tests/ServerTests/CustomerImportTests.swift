import CheckBridgeCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PSA
import PSASimulator
import Server
import Testing

/// Customer import (SPEC §7) and assets (SPEC §8) against the PSA simulators over live HTTP.
///
/// Expectations are worked out here from the simulator's own seeded records, not from the connector,
/// so a connector that drops or mislabels customers fails these tests.
@Suite("Customer import and assets")
struct CustomerImportTests {
    typealias Lifecycle = TicketLifecycleTests

    /// A PSA customer as the seeded records say, with what decides whether import takes it.
    struct SeededCustomer {
        var id: Int64
        var name: String
        var inactive: Bool
        var disallowSaving: Bool
        var deleted: Bool
    }

    /// A PSA asset as the seeded records say.
    struct SeededAsset {
        var id: Int64
        /// What `checks.setAsset` looks it up by: Halo inventory number, ConnectWise tag, Syncro name.
        var number: String
        var customerID: Int64
    }

    /// The seeded customers, read in each PSA's own shape.
    static func seededCustomers(_ simulator: RunningPSASimulator) async -> [SeededCustomer] {
        await simulator.control.customerRecords().compactMap { record in
            guard let id = record["id"].flatMap(integer) else { return nil }
            switch simulator.kind {
            case .halopsa:
                return SeededCustomer(
                    id: id, name: record.string("name") ?? "", inactive: record["inactive"] == true,
                    disallowSaving: false, deleted: false)
            case .connectwise:
                // The simulator's company statuses: 2 is inactive, 3 and 4 disallow saving.
                let status = record["status"]?["id"].flatMap(integer) ?? 1
                return SeededCustomer(
                    id: id, name: record.string("name") ?? "", inactive: status == 2,
                    disallowSaving: status == 3 || status == 4, deleted: record["deletedFlag"] == true)
            case .syncro:
                return SeededCustomer(
                    id: id, name: record.string("business_then_name") ?? "", inactive: record["disabled"] == true,
                    disallowSaving: false, deleted: false)
            }
        }
    }

    static func seededAssets(_ simulator: RunningPSASimulator) async -> [SeededAsset] {
        await simulator.control.assetRecords().compactMap { record in
            guard let id = record["id"].flatMap(integer) else { return nil }
            let (number, owner): (String?, JSONValue?) =
                switch simulator.kind {
                case .halopsa: (record.string("inventory_number"), record["client_id"])
                case .connectwise: (record.string("tagNumber"), record["company"]?["id"])
                case .syncro: (record.string("name"), record["customer_id"])
                }
            guard let number, !number.isEmpty, let customerID = owner.flatMap(integer) else { return nil }
            return SeededAsset(id: id, number: number, customerID: customerID)
        }
    }

    /// The customers a preview must list: not inactive, not deleted, not disallowing saving unless included.
    static func importable(_ customers: [SeededCustomer], includeDisallowSaving: Bool = false) -> [SeededCustomer] {
        customers
            .filter { !$0.inactive && !$0.deleted && (includeDisallowSaving || !$0.disallowSaving) }
            .sorted { $0.id < $1.id }
    }

    /// The group names a first import gives, by customer id: the name, or "{name} ({id})" for a later duplicate.
    static func expectedGroupNames(_ customers: [SeededCustomer]) -> [Int64: String] {
        var held: Set<String> = []
        var names: [Int64: String] = [:]
        for customer in customers.sorted(by: { $0.id < $1.id }) {
            let name = customer.name.trimmingCharacters(in: .whitespaces)
            let key = name.lowercased()
            names[customer.id] = held.contains(key) ? "\(name) (\(customer.id))" : name
            held.insert(key)
        }
        return names
    }

    static func integer(_ value: JSONValue) -> Int64? {
        if case .int(let number) = value { return number }
        return nil
    }

    static func ids(_ list: JSONValue?) -> [Int64] {
        (list?.arrayValue ?? []).compactMap { $0["id"].flatMap(integer) }
    }

    /// Runs `body` with a server that has one channel on a fresh simulator of `kind`.
    static func withChannel(
        _ kind: PSAKind,
        _ body: @Sendable (RunningPSASimulator, TestServer, any TestClientProtocol, JSONValue) async throws -> Void
    ) async throws {
        try await PSASimulator.withRunning(kind: kind, logger: Lifecycle.quiet) { simulator in
            let server = try await TestServer.make(configure: Lifecycle.fastRetries)
            defer { server.removeFiles() }
            try await server.test { client in
                let channel = try await client.rpc(
                    "channels.create", Lifecycle.channelParams(simulator), key: server.adminKey)
                try await body(simulator, server, client, channel["id"] ?? .null)
            }
        }
    }

    /// The shipped JSON Schemas, found from this file's place in the checkout.
    static let schemaFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/Server/Resources/schemas", isDirectory: true).standardizedFileURL

    /// Calls a method and holds both its params and its result against the method's shipped schemas.
    static func call(
        _ client: any TestClientProtocol, _ method: String, _ params: JSONValue, key: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let validator = try JSONSchemaValidator(folder: schemaFolder)
        let paramsFailures = validator.validate(params, against: "rpc/\(method).params.schema.json")
        #expect(paramsFailures.isEmpty, "\(method) params: \(paramsFailures)", sourceLocation: sourceLocation)
        let result = try await client.rpc(method, params, key: key)
        let resultFailures = validator.validate(result, against: "rpc/\(method).result.schema.json")
        #expect(resultFailures.isEmpty, "\(method) result: \(resultFailures)", sourceLocation: sourceLocation)
        return result
    }

    /// Calls a method that must fail, and returns its error.
    static func rpcError(
        _ client: any TestClientProtocol, _ method: String, _ params: JSONValue, key: String
    ) async throws -> RPCCallError? {
        do {
            let result = try await client.rpc(method, params, key: key)
            Issue.record("\(method) succeeded: \(result.serializedString())")
            return nil
        } catch let error as RPCCallError {
            return error
        }
    }

    // MARK: - Preview and import

    @Test("preview lists every importable customer by name; import applies it; a repeat changes nothing",
          arguments: PSAKind.allCases)
    func previewImportRepeat(_ kind: PSAKind) async throws {
        try await Self.withChannel(kind) { simulator, server, client, channelID in
            let key = server.adminKey
            let importable = Self.importable(await Self.seededCustomers(simulator))
            let groupNames = Self.expectedGroupNames(importable)
            // A group already named like one customer (other case, stray spaces) is linked, not duplicated.
            let target = try #require(importable.first { $0.name != DemoNamesProbe.duplicated })
            let existing = try await client.rpc(
                "checkGroups.create", ["name": .string("  " + target.name.uppercased() + " ")], key: key)
            let existingID = try #require(existing["id"])

            let preview = try await Self.call(client, "customers.preview", ["channel_id": channelID], key: key)
            let toCreate = preview["to_create"]?.arrayValue ?? []
            #expect(Self.ids(preview["to_create"]) == importable.map(\.id).filter { $0 != target.id })
            for entry in toCreate {
                let id = try #require(entry["id"].flatMap(Self.integer))
                let seeded = try #require(importable.first { $0.id == id })
                #expect(entry.string("name") == seeded.name, "customer \(id)")
                #expect(entry.string("group_name") == groupNames[id], "customer \(id)")
            }
            let toUpdate = preview["to_update"]?.arrayValue ?? []
            #expect(toUpdate.count == 1)
            #expect(toUpdate.first?["id"] == .int(target.id))
            #expect(toUpdate.first?["group_id"] == existingID)
            #expect(preview["already_matched"] == [])
            // The seeded duplicate name shows up twice: once as itself, once disambiguated by id.
            let duplicates = importable.filter { $0.name == DemoNamesProbe.duplicated }.map(\.id)
            if duplicates.count == 2 {
                #expect(groupNames[duplicates[0]] == DemoNamesProbe.duplicated)
                #expect(groupNames[duplicates[1]] == "\(DemoNamesProbe.duplicated) (\(duplicates[1]))")
            }

            let imported = try await Self.call(client, "customers.import", ["channel_id": channelID], key: key)
            #expect(imported["created"]?.arrayValue?.count == toCreate.count)
            #expect(imported["linked"]?.arrayValue?.count == 1)
            #expect(imported["skipped"] == 0)
            let linked = try #require(imported["linked"]?.arrayValue?.first)
            #expect(linked["id"] == existingID)
            let expectedLink: JSONValue = [
                "channel_id": channelID, "customer_id": .int(target.id), "customer_name": .string(target.name),
            ]
            #expect(linked["psa_links"] == [expectedLink])

            let again = try await Self.call(client, "customers.preview", ["channel_id": channelID], key: key)
            #expect(again["to_create"] == [])
            #expect(again["to_update"] == [])
            let matched = again["already_matched"]?.arrayValue ?? []
            #expect(Self.ids(again["already_matched"]) == importable.map(\.id))
            #expect(matched.allSatisfy { $0["renamed"] == false }, "nothing was renamed")

            let repeated = try await Self.call(client, "customers.import", ["channel_id": channelID], key: key)
            #expect(repeated["created"] == [])
            #expect(repeated["linked"] == [])
            #expect(repeated["skipped"] == .int(Int64(importable.count)))
            let groups = try await client.rpc("checkGroups.list", key: key)["check_groups"]?.arrayValue ?? []
            #expect(groups.count == importable.count, "a repeat must not create groups")
            #expect(groups.allSatisfy { $0["psa_links"]?.arrayValue?.count == 1 })
            let shown = try await Self.call(client, "checkGroups.get", ["id": existingID], key: key)
            #expect(shown["psa_links"] == linked["psa_links"])
        }
    }

    @Test("import with customer_ids imports only those; unknown ids are rejected and change nothing")
    func importSelected() async throws {
        try await Self.withChannel(.halopsa) { simulator, server, client, channelID in
            let key = server.adminKey
            let importable = Self.importable(await Self.seededCustomers(simulator))
            let chosen = [importable[3].id, importable[7].id]
            let imported = try await Self.call(
                client, "customers.import", ["channel_id": channelID, "customer_ids": .array(chosen.map { .int($0) })],
                key: key)
            let created = imported["created"]?.arrayValue ?? []
            let linkedIDs = created.compactMap { $0["psa_links"]?.arrayValue?.first?["customer_id"] }
            #expect(Set(linkedIDs.compactMap(Self.integer)) == Set(chosen))
            #expect(imported["skipped"] == 0)
            let preview = try await Self.call(client, "customers.preview", ["channel_id": channelID], key: key)
            #expect(Self.ids(preview["already_matched"]) == chosen.sorted())
            #expect(Self.ids(preview["to_create"]).count == importable.count - 2)

            let inactive = try #require(await Self.seededCustomers(simulator).first { $0.inactive })
            let error = try await Self.rpcError(
                client, "customers.import",
                ["channel_id": channelID, "customer_ids": [.int(importable[0].id), .int(inactive.id), 999_999]],
                key: key)
            #expect(error?.code == -32602)
            #expect(error?.fields == ["customer_ids"])
            let groups = try await client.rpc("checkGroups.list", key: key)["check_groups"]?.arrayValue ?? []
            #expect(groups.count == 2, "a rejected import must write nothing")
            let repeated = try await Self.call(
                client, "customers.import", ["channel_id": channelID, "customer_ids": .array(chosen.map { .int($0) })],
                key: key)
            #expect(repeated["created"] == [])
            #expect(repeated["skipped"] == 2)
        }
    }

    @Test("a renamed group is still matched, flagged renamed")
    func renamedGroup() async throws {
        try await Self.withChannel(.syncro) { simulator, server, client, channelID in
            let key = server.adminKey
            let importable = Self.importable(await Self.seededCustomers(simulator))
            let customer = importable[2]
            let imported = try await Self.call(
                client, "customers.import", ["channel_id": channelID, "customer_ids": [.int(customer.id)]], key: key)
            let group = try #require(imported["created"]?.arrayValue?.first)
            _ = try await client.rpc(
                "checkGroups.update", ["id": group["id"] ?? .null, "name": "Our favourite customer"], key: key)
            let preview = try await Self.call(client, "customers.preview", ["channel_id": channelID], key: key)
            let matched = preview["already_matched"]?.arrayValue ?? []
            #expect(matched.count == 1)
            #expect(matched.first?["id"] == .int(customer.id))
            #expect(matched.first?["renamed"] == true)
            #expect(matched.first?.string("group_name") == "Our favourite customer")
            #expect(matched.first?.string("name") == customer.name)
            #expect(!Self.ids(preview["to_create"]).contains(customer.id), "a renamed group must not be re-created")
            // A case-only change is not a rename.
            _ = try await client.rpc(
                "checkGroups.update", ["id": group["id"] ?? .null, "name": .string(customer.name.lowercased())],
                key: key)
            let after = try await Self.call(client, "customers.preview", ["channel_id": channelID], key: key)
            #expect(after["already_matched"]?.arrayValue?.first?["renamed"] == false)
        }
    }

    @Test("ConnectWise: deleted and inactive companies are skipped; disallow-saving ones only when included")
    func connectWiseSkipping() async throws {
        try await Self.withChannel(.connectwise) { simulator, server, client, channelID in
            let key = server.adminKey
            let seeded = await Self.seededCustomers(simulator)
            let disallowing = seeded.filter { $0.disallowSaving && !$0.inactive && !$0.deleted }.map(\.id)
            let deleted = seeded.filter(\.deleted).map(\.id)
            #expect(!disallowing.isEmpty && !deleted.isEmpty, "the simulator seeds both kinds")
            let preview = try await Self.call(client, "customers.preview", ["channel_id": channelID], key: key)
            let listed = Set(Self.ids(preview["to_create"]))
            #expect(listed == Set(Self.importable(seeded).map(\.id)))
            #expect(listed.isDisjoint(with: disallowing))
            #expect(listed.isDisjoint(with: deleted))

            _ = try await client.rpc(
                "channels.update",
                [
                    "id": channelID,
                    "ticket": ["board_id": 1, "status_id": 1, "priority_id": 3, "include_disallow_saving": true],
                ],
                key: key)
            let including = try await Self.call(client, "customers.preview", ["channel_id": channelID], key: key)
            let listedNow = Set(Self.ids(including["to_create"]))
            #expect(listedNow == Set(Self.importable(seeded, includeDisallowSaving: true).map(\.id)))
            #expect(Set(disallowing).isSubset(of: listedNow))
            #expect(listedNow.isDisjoint(with: deleted))
        }
    }

    // MARK: - Assets

    @Test("setAsset: found, not found and ambiguous (-32012 with candidates); clearAsset removes it",
          arguments: PSAKind.allCases)
    func setAsset(_ kind: PSAKind) async throws {
        try await Self.withChannel(kind) { simulator, server, client, channelID in
            let key = server.adminKey
            let assets = await Self.seededAssets(simulator)
            let counts = Dictionary(grouping: assets, by: { $0.number.lowercased() })
            let unique = try #require(assets.first { counts[$0.number.lowercased()]?.count == 1 })
            let ambiguous = try #require(assets.first { counts[$0.number.lowercased()]?.count == 2 })
            let group = try await client.rpc("checkGroups.create", ["name": "Unlinked group"], key: key)
            let check = try await client.rpc(
                "checks.create", ["group_id": group["id"] ?? .null, "name": "Backup"], key: key)
            let checkID = try #require(check["id"])
            #expect(check["assets"] == [])

            let set = try await Self.call(
                client, "checks.setAsset",
                ["check_id": checkID, "channel_id": channelID, "asset_number": .string(" \(unique.number) ")],
                key: key)
            let asset = try #require(set["assets"]?.arrayValue?.first)
            #expect(set["assets"]?.arrayValue?.count == 1)
            #expect(asset["channel_id"] == channelID)
            #expect(asset.string("asset_number") == unique.number)
            #expect(asset["psa_asset_id"] == .int(unique.id))
            #expect(asset.string("psa_asset_name")?.isEmpty == false)
            #expect(try await client.rpc("checks.get", ["id": checkID], key: key)["assets"] == set["assets"])

            let missing = try await Self.rpcError(
                client, "checks.setAsset",
                ["check_id": checkID, "channel_id": channelID, "asset_number": "NO-SUCH-ASSET-42"], key: key)
            #expect(missing?.code == -32012)
            #expect(missing?.error.string("message") == "asset not found")
            #expect(missing?.error["data"]?.string("asset_number") == "NO-SUCH-ASSET-42")
            #expect(missing?.error["data"]?["candidates"] == [])

            let several = try await Self.rpcError(
                client, "checks.setAsset",
                ["check_id": checkID, "channel_id": channelID, "asset_number": .string(ambiguous.number)], key: key)
            #expect(several?.code == -32012)
            #expect(several?.error.string("message") == "asset ambiguous")
            let candidates = several?.error["data"]?["candidates"]?.arrayValue ?? []
            let expected = assets.filter { $0.number.lowercased() == ambiguous.number.lowercased() }
            #expect(Set(candidates.compactMap { $0["id"].flatMap(Self.integer) }) == Set(expected.map(\.id)))
            for candidate in candidates {
                let keys = Set(candidate.objectValue?.keys.sorted() ?? [])
                #expect(keys == ["id", "name", "number", "serial", "customer_id"])
                let id = candidate["id"].flatMap(Self.integer)
                let owner = expected.first(where: { $0.id == id })?.customerID
                #expect(candidate["customer_id"] == owner.map { JSONValue.int($0) })
            }
            // A failed lookup leaves the stored asset as it was.
            #expect(try await client.rpc("checks.get", ["id": checkID], key: key)["assets"] == set["assets"])

            let cleared = try await Self.call(
                client, "checks.clearAsset", ["check_id": checkID, "channel_id": channelID], key: key)
            #expect(cleared["assets"] == [])
            let clearedAgain = try await Self.call(
                client, "checks.clearAsset", ["check_id": checkID, "channel_id": channelID], key: key)
            #expect(clearedAgain["assets"] == [])
            let unknownChannel = try await Self.rpcError(
                client, "checks.setAsset",
                ["check_id": checkID, "channel_id": "chn_nope", "asset_number": .string(unique.number)], key: key)
            #expect(unknownChannel?.code == -32001)
        }
    }

    @Test("a failure ticket carries the linked customer and the check's asset", arguments: PSAKind.allCases)
    func ticketCarriesLinkAndAsset(_ kind: PSAKind) async throws {
        try await Self.withChannel(kind) { simulator, server, client, channelID in
            let key = server.adminKey
            let importable = Self.importable(await Self.seededCustomers(simulator))
            let assets = await Self.seededAssets(simulator)
            let counts = Dictionary(grouping: assets, by: { $0.number.lowercased() })
            // An asset number two customers share: only the link's customer scope makes it unambiguous.
            let shared = try #require(
                assets.first { asset in
                    counts[asset.number.lowercased()]?.count == 2
                        && Set(counts[asset.number.lowercased()]?.map(\.customerID) ?? []).count == 2
                        && importable.contains { $0.id == asset.customerID }
                })
            let imported = try await Self.call(
                client, "customers.import", ["channel_id": channelID, "customer_ids": [.int(shared.customerID)]], key: key)
            let group = try #require(imported["created"]?.arrayValue?.first)
            // Renamed, so only the link (not a name match) can find the customer.
            _ = try await client.rpc(
                "checkGroups.update", ["id": group["id"] ?? .null, "name": "Renamed after import"], key: key)
            let check = try await client.rpc(
                "checks.create", ["group_id": group["id"] ?? .null, "name": "Nightly backup"], key: key)
            let set = try await Self.call(
                client, "checks.setAsset",
                ["check_id": check["id"] ?? .null, "channel_id": channelID, "asset_number": .string(shared.number)],
                key: key)
            #expect(set["assets"]?.arrayValue?.first?["psa_asset_id"] == .int(shared.id))

            try await Lifecycle.report(client, token: check.string("token") ?? "", "failure")
            let status = try await Lifecycle.drained(client, key: key)
            #expect(status["dead"] == 0)
            let tickets = await simulator.control.tickets()
            #expect(tickets.count == 1)
            let ticket = try #require(tickets.first)
            #expect(ticket.customerID == shared.customerID)
            #expect(ticket.assetIDs == [shared.id])
        }
    }
}

/// The simulators' shared duplicate customer name, spelled out here so the tests do not read it from the simulator.
private enum DemoNamesProbe {
    static let duplicated = "Contoso Ltd"
}
