import CheckBridgeCore
import GRDB
import Storage

extension APIKeyRecord {
    /// A key as listed: never its secret.
    var json: JSONValue {
        [
            "id": .string(id),
            "name": .string(name),
            "role": .string(role.rawValue),
            "prefix": .string(prefix),
            "created_at": .string(createdAt.rfc3339),
            "revoked_at": .string(revokedAt?.rfc3339),
        ]
    }
}

/// Creating API keys, shared by `apiKeys.create`, `checkbridge keys create` and the first start.
public enum APIKeyIssuer {
    /// Stores a new key and returns its record and its plaintext, which is shown once and never stored.
    public static func issue(name: String, role: APIKeyRole, in db: Database) throws -> (APIKeyRecord, String) {
        let key = SecretGenerator.apiKey()
        let record = APIKeyRecord(
            id: SecretGenerator.objectID(prefix: "key"), name: name, role: role,
            keyHash: SecretGenerator.hash(apiKey: key), prefix: String(key.prefix(8)), createdAt: .now)
        try record.insert(db)
        return (record, key)
    }
}

extension RPCMethods {
    static var apiKeys: [RPCMethod] {
        [
            RPCMethod("apiKeys.list", access: .admin, summary: "Every API key, without secrets.") { params, context in
                try params.finish()
                let keys = try await context.services.database.pool.read { db in try APIKeyRecord.all(in: db) }
                return ["api_keys": .array(keys.map(\.json))]
            },
            RPCMethod("apiKeys.create", access: .admin, summary: "Creates a key; its secret is in this answer only.") {
                params, context in
                let name = params.string("name", required: true, nonEmpty: true, maxLength: 200) ?? ""
                let roleName = params.string("role", required: true)
                let role = roleName.flatMap(APIKeyRole.init(rawValue:))
                if roleName != nil, role == nil { params.fail("role", "must be one of admin, read, ingest") }
                try params.finish()
                guard let role else { throw RPCError.invalidParams(field: "role", "is required") }
                let (record, key) = try await context.services.database.pool.write { db in
                    try APIKeyIssuer.issue(name: name, role: role, in: db)
                }
                guard case .object(var members) = record.json else { return record.json }
                members["key"] = .string(key)
                return .object(members)
            },
            RPCMethod("apiKeys.revoke", access: .admin, summary: "Revokes a key at once.") { params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                let record = try await context.services.database.pool.write { db -> APIKeyRecord? in
                    guard var record = try APIKeyRecord.fetchOne(db, key: id) else { return nil }
                    guard record.revokedAt == nil else { return record }
                    if record.role == .admin {
                        let activeAdmins = try Int.fetchOne(
                            db, sql: "SELECT COUNT(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL") ?? 0
                        guard activeAdmins > 1 else {
                            throw RPCError.conflict("the last active admin key cannot be revoked", data: ["id": .string(id)])
                        }
                    }
                    record.revokedAt = .now
                    try record.update(db)
                    return record
                }
                guard let record else { throw RPCError.notFound("API key", id: id) }
                context.services.keys.invalidate()
                return record.json
            },
        ]
    }
}
