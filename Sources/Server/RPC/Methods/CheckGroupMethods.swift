import CheckBridgeCore
import GRDB
import Storage

extension CheckGroupRecord {
    /// The group as SPEC §4 shows it, with its PSA customer links (one per channel).
    func json(links: [GroupPSALinkRecord]) -> JSONValue {
        [
            "id": .string(id),
            "name": .string(name),
            "description": .string(description),
            "psa_links": .array(links.map(\.json)),
            "created_at": .string(createdAt.rfc3339),
            "updated_at": .string(updatedAt.rfc3339),
        ]
    }
}

extension RPCMethods {
    static var checkGroups: [RPCMethod] {
        [
            RPCMethod("checkGroups.list", access: .read, summary: "Every check group, by name.") { params, context in
                try params.finish()
                let (groups, links) = try await context.services.database.pool.read { db in
                    (try CheckGroupRecord.all(in: db), try GroupPSALinkRecord.byGroup(in: db))
                }
                return ["check_groups": .array(groups.map { $0.json(links: links[$0.id] ?? []) })]
            },
            RPCMethod("checkGroups.get", access: .read, summary: "One check group.") { params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                return try await groupJSON(findGroup(id, context), context)
            },
            RPCMethod("checkGroups.create", access: .admin, summary: "Creates a check group.") { params, context in
                let name = params.string("name", required: true, nonEmpty: true, maxLength: 200) ?? ""
                let description = params.string("description", maxLength: 2000) ?? ""
                try params.finish()
                let now = Timestamp.now
                let group = CheckGroupRecord(
                    id: SecretGenerator.objectID(prefix: "grp"), name: name, description: description,
                    createdAt: now, updatedAt: now)
                try await context.services.database.pool.write { db in try group.insert(db) }
                return group.json(links: [])
            },
            RPCMethod("checkGroups.update", access: .admin, summary: "Renames or re-describes a check group.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                let name = params.string("name", nonEmpty: true, maxLength: 200)
                let description = params.string("description", maxLength: 2000)
                try params.finish()
                let group = try await context.services.database.pool.write { db -> CheckGroupRecord? in
                    guard var group = try CheckGroupRecord.fetchOne(db, key: id) else { return nil }
                    if let name { group.name = name }
                    if let description { group.description = description }
                    group.updatedAt = .now
                    try group.update(db)
                    return group
                }
                guard let group else { throw RPCError.notFound("check group", id: id) }
                return try await groupJSON(group, context)
            },
            RPCMethod("checkGroups.delete", access: .admin, summary: "Deletes an empty check group.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                let outcome = try await context.services.database.pool.write { db -> Int? in
                    guard try CheckGroupRecord.exists(db, key: id) else { return nil }
                    let checks = try CheckGroupRecord.checkCount(groupID: id, in: db)
                    if checks == 0 { try CheckGroupRecord.deleteOne(db, key: id) }
                    return checks
                }
                guard let checks = outcome else { throw RPCError.notFound("check group", id: id) }
                guard checks == 0 else {
                    throw RPCError.conflict(
                        "check group still has \(checks) check(s); delete or move them first",
                        data: ["id": .string(id), "check_count": .int(checks)])
                }
                return ["id": .string(id), "deleted": true]
            },
        ]
    }

    /// The group's JSON with its current PSA links.
    static func groupJSON(_ group: CheckGroupRecord, _ context: RPCCallContext) async throws -> JSONValue {
        let links = try await context.services.database.pool.read { db in
            try GroupPSALinkRecord.byGroup(groupIDs: [group.id], in: db)
        }
        return group.json(links: links[group.id] ?? [])
    }

    static func findGroup(_ id: String, _ context: RPCCallContext) async throws -> CheckGroupRecord {
        let group = try await context.services.database.pool.read { db in try CheckGroupRecord.fetchOne(db, key: id) }
        guard let group else { throw RPCError.notFound("check group", id: id) }
        return group
    }
}
