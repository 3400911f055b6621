import CheckBridgeCore
import Foundation
import GRDB
import PSA
import Storage

extension GroupPSALinkRecord {
    /// The link as a group's `psa_links` entry shows it.
    var json: JSONValue {
        ["channel_id": .string(channelID), "customer_id": .int(customerID), "customer_name": .string(customerName)]
    }
}

/// What `customers.import` would do with a channel's PSA customers (SPEC §7), worked out from the
/// customers and the stored groups alone, so that the preview and the import inside its transaction
/// reach the same answer.
///
/// Which customers count: active ones with a non-empty name; on ConnectWise, companies whose status
/// disallows saving only when the channel sets `include_disallow_saving` (deleted companies never
/// reach here: the connector leaves them out).
///
/// Names match trimmed and case-insensitively. Duplicate names — two PSA customers both called
/// "Contoso Ltd" — are decided by one rule, so the outcome does not depend on the PSA's page order:
/// customers are taken in ascending PSA id; a name is held by any group already linked on this
/// channel, and otherwise by the first customer that claims it. A later customer whose name is
/// held gets the group name `"{name} ({PSA id})"` instead (created, or matched to an unlinked group
/// of that name). So every customer ends with its own group, no import makes two groups of one
/// name, and a second preview shows them all as already matched. A group whose name is either
/// form counts as not renamed.
struct CustomerImportPlan {
    /// A customer no group matches: a group named `groupName` will be created and linked.
    struct Creation {
        var customer: PSACustomer
        var groupName: String
    }

    /// A customer whose name an unlinked group carries: that group will be linked.
    struct Linking {
        var customer: PSACustomer
        var group: CheckGroupRecord
    }

    /// A customer a group is already linked to on this channel.
    struct Match {
        var customer: PSACustomer
        var group: CheckGroupRecord
        var link: GroupPSALinkRecord
        /// The group's name is neither the customer's PSA name nor its disambiguated form.
        var renamed: Bool
    }

    var toCreate: [Creation] = []
    var toUpdate: [Linking] = []
    var alreadyMatched: [Match] = []

    /// Check group names are at most 200 characters (`checkGroups.create`).
    static let maximumGroupName = 200

    init(
        customers: [PSACustomer], includeDisallowSaving: Bool, groups: [CheckGroupRecord],
        links: [GroupPSALinkRecord]
    ) {
        var seen: Set<Int64> = []
        // A PSA's pages may overlap when data changes between requests: keep each id once.
        let eligible = customers
            .filter { customer in
                !customer.inactive && (includeDisallowSaving || !customer.disallowSaving)
                    && !Self.trimmed(customer.name).isEmpty
            }
            .sorted { $0.id < $1.id }
            .filter { seen.insert($0.id).inserted }
        let groupsByID = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        // Several groups may share a customer (nothing forbids it); the preview shows the first by name.
        var linkedGroups: [Int64: (GroupPSALinkRecord, CheckGroupRecord)] = [:]
        var heldNames: Set<String> = []
        for link in links {
            guard let group = groupsByID[link.groupID] else { continue }
            heldNames.insert(PSAWorker.normalizedName(group.name))
            if let current = linkedGroups[link.customerID]?.1,
                (current.name.lowercased(), current.id) <= (group.name.lowercased(), group.id)
            {
                continue
            }
            linkedGroups[link.customerID] = (link, group)
        }
        let linkedGroupIDs = Set(links.map(\.groupID))
        // Unlinked groups by name, oldest first, so that the oldest of same-named groups is linked.
        var unlinkedByName: [String: [CheckGroupRecord]] = [:]
        for group in groups.sorted(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) })
        where !linkedGroupIDs.contains(group.id) {
            unlinkedByName[PSAWorker.normalizedName(group.name), default: []].append(group)
        }
        for customer in eligible {
            guard let (link, group) = linkedGroups[customer.id] else { continue }
            let name = PSAWorker.normalizedName(group.name)
            let renamed = name != PSAWorker.normalizedName(customer.name)
                && name != PSAWorker.normalizedName(Self.disambiguated(customer))
            alreadyMatched.append(Match(customer: customer, group: group, link: link, renamed: renamed))
        }
        for customer in eligible where linkedGroups[customer.id] == nil {
            var groupName = Self.groupName(customer)
            if heldNames.contains(PSAWorker.normalizedName(groupName)) {
                groupName = Self.disambiguated(customer)
            }
            let key = PSAWorker.normalizedName(groupName)
            heldNames.insert(key)
            if var candidates = unlinkedByName[key], !candidates.isEmpty {
                toUpdate.append(Linking(customer: customer, group: candidates.removeFirst()))
                unlinkedByName[key] = candidates
            } else {
                toCreate.append(Creation(customer: customer, groupName: groupName))
            }
        }
    }

    /// Keeps only the customers in `ids`; nil keeps all.
    func selecting(_ ids: Set<Int64>?) -> CustomerImportPlan {
        guard let ids else { return self }
        var plan = self
        plan.toCreate.removeAll { !ids.contains($0.customer.id) }
        plan.toUpdate.removeAll { !ids.contains($0.customer.id) }
        plan.alreadyMatched.removeAll { !ids.contains($0.customer.id) }
        return plan
    }

    /// Every customer id the plan mentions.
    var customerIDs: Set<Int64> {
        Set(toCreate.map(\.customer.id) + toUpdate.map(\.customer.id) + alreadyMatched.map(\.customer.id))
    }

    var json: JSONValue {
        [
            "to_create": .array(
                toCreate.map {
                    ["id": .int($0.customer.id), "name": .string($0.customer.name), "group_name": .string($0.groupName)]
                }),
            "to_update": .array(
                toUpdate.map {
                    [
                        "id": .int($0.customer.id), "name": .string($0.customer.name),
                        "group_id": .string($0.group.id), "group_name": .string($0.group.name),
                    ]
                }),
            "already_matched": .array(
                alreadyMatched.map {
                    [
                        "id": .int($0.customer.id), "name": .string($0.customer.name),
                        "group_id": .string($0.group.id), "group_name": .string($0.group.name),
                        "renamed": .bool($0.renamed),
                    ]
                }),
        ]
    }

    private static func trimmed(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The customer's name as a group name: trimmed and cut to what a group name may be.
    static func groupName(_ customer: PSACustomer) -> String {
        String(trimmed(customer.name).prefix(maximumGroupName))
    }

    /// The group name of a customer whose name another customer or group holds.
    static func disambiguated(_ customer: PSACustomer) -> String {
        let suffix = " (\(customer.id))"
        return String(trimmed(customer.name).prefix(maximumGroupName - suffix.count)) + suffix
    }
}

extension RPCMethods {
    static var customers: [RPCMethod] {
        [
            RPCMethod(
                "customers.preview", access: .admin,
                summary: "What customers.import would do with the channel's PSA customers."
            ) { params, context in
                let channelID = params.string("channel_id", required: true) ?? ""
                try params.finish()
                let channel = try await openChannel(channelID, context)
                let customers = try await psaCustomers(channel, context)
                let plan = try await context.services.database.pool.read { db in
                    try importPlan(customers, channel: channel, in: db)
                }
                return plan.json
            },
            RPCMethod(
                "customers.import", access: .admin,
                summary: "Creates and links check groups for the channel's PSA customers, in one transaction."
            ) { params, context in
                let channelID = params.string("channel_id", required: true) ?? ""
                let selection = customerIDs(&params)
                try params.finish()
                let channel = try await openChannel(channelID, context)
                // The PSA is asked before the transaction: a write lock is never held across a network call.
                let customers = try await psaCustomers(channel, context)
                return try await context.services.database.pool.write { db in
                    try applyImport(customers, channel: channel, selection: selection, in: db)
                }
            },
        ]
    }

    /// Reads `customer_ids`: absent or null means every customer of the preview.
    private static func customerIDs(_ params: inout RPCParams) -> Set<Int64>? {
        guard let value = params.value("customer_ids") else { return nil }
        guard case .array(let elements) = value else {
            params.fail("customer_ids", "must be an array of PSA customer ids")
            return nil
        }
        var ids: Set<Int64> = []
        for (index, element) in elements.enumerated() {
            guard case .int(let id) = element, id > 0 else {
                params.fail("customer_ids[\(index)]", "must be a positive integer, not \(element.typeName)")
                continue
            }
            ids.insert(id)
        }
        return ids
    }

    private static func psaCustomers(
        _ channel: OpenedChannel, _ context: RPCCallContext
    ) async throws -> [PSACustomer] {
        do {
            return try await context.services.psa.connector(for: channel, logger: context.logger).customers()
        } catch {
            throw RPCError.psa(error)
        }
    }

    private static func importPlan(
        _ customers: [PSACustomer], channel: OpenedChannel, in db: Database
    ) throws -> CustomerImportPlan {
        var includeDisallowSaving = false
        if case .connectwise(_, let ticket) = channel.configuration {
            includeDisallowSaving = ticket.includeDisallowSaving
        }
        return CustomerImportPlan(
            customers: customers, includeDisallowSaving: includeDisallowSaving,
            groups: try CheckGroupRecord.all(in: db),
            links: try GroupPSALinkRecord.all(channelID: channel.record.id, in: db))
    }

    /// Applies the plan as it stands inside the write transaction, so that a concurrent import or a
    /// repeat finds the links already made and skips them.
    ///
    /// Answers `{created: [check_group], linked: [check_group], skipped: n}`: the groups created (each
    /// with its new link), the existing groups newly linked, and how many selected customers were
    /// already matched. Already-matched links get the PSA's current customer name; groups are never renamed.
    private static func applyImport(
        _ customers: [PSACustomer], channel: OpenedChannel, selection: Set<Int64>?, in db: Database
    ) throws -> JSONValue {
        let full = try importPlan(customers, channel: channel, in: db)
        if let selection {
            let unknown = selection.subtracting(full.customerIDs).sorted()
            if !unknown.isEmpty {
                let list = unknown.map(String.init).joined(separator: ", ")
                throw RPCError.invalidParams(
                    field: "customer_ids",
                    "not an importable customer of this channel (unknown, inactive or not allowed): \(list)")
            }
        }
        let plan = full.selecting(selection)
        let channelID = channel.record.id
        let now = Timestamp.now
        var created: [JSONValue] = []
        for creation in plan.toCreate {
            let group = CheckGroupRecord(
                id: SecretGenerator.objectID(prefix: "grp"), name: creation.groupName, description: "",
                createdAt: now, updatedAt: now)
            try group.insert(db)
            let link = GroupPSALinkRecord(
                groupID: group.id, channelID: channelID, customerID: creation.customer.id,
                customerName: creation.customer.name)
            try link.insert(db)
            created.append(group.json(links: [link]))
        }
        var linkedGroupIDs: [String] = []
        for linking in plan.toUpdate {
            try GroupPSALinkRecord(
                groupID: linking.group.id, channelID: channelID, customerID: linking.customer.id,
                customerName: linking.customer.name
            ).insert(db)
            linkedGroupIDs.append(linking.group.id)
        }
        for match in plan.alreadyMatched where match.link.customerName != match.customer.name {
            var refreshed = match.link
            refreshed.customerName = match.customer.name
            try refreshed.update(db)
        }
        let links = try GroupPSALinkRecord.byGroup(groupIDs: linkedGroupIDs, in: db)
        let linked = plan.toUpdate.map { $0.group.json(links: links[$0.group.id] ?? []) }
        return ["created": .array(created), "linked": .array(linked), "skipped": .int(Int64(plan.alreadyMatched.count))]
    }
}
