import CheckBridgeCore
import GRDB
import Storage

extension CheckListing {
    /// The check as SPEC §4 shows it.
    func json(_ configuration: AppConfiguration) -> JSONValue {
        let state: String =
            if !check.enabled { "paused" } else { lastStatus?.rawValue ?? "pending" }
        let rules = (try? JSONParser.parse(check.rules)) ?? .array([])
        let scheduleJSON = check.schedule.flatMap { try? JSONParser.parse($0) }
        let schedule = scheduleJSON.flatMap { try? CheckSchedule.decode($0) }
        let nextDue = check.enabled ? schedule?.nextDeadline(anchor: scheduleAnchor, now: configuration.clock()) : nil
        return [
            "id": .string(check.id),
            "group_id": .string(check.groupID),
            "name": .string(check.name),
            "token": .string(check.token),
            "webhook_url": .string(configuration.effectivePublicURL + "/hooks/" + check.token),
            "mail_address": .string(configuration.mailDomain.map { check.token + "@" + $0 }),
            "rules": rules,
            "default_status": .string(check.defaultStatus.rawValue),
            "preset": .string(check.preset),
            "schedule": scheduleJSON ?? .null,
            "failure_threshold": .int(check.failureThreshold),
            "enabled": .bool(check.enabled),
            "state": .string(state),
            "last_result_at": .string(lastResultAt?.rfc3339),
            "next_due_at": .string(nextDue?.rfc3339),
            "assets": .array(assets.map(\.json)),
            "created_at": .string(check.createdAt.rfc3339),
            "updated_at": .string(check.updatedAt.rfc3339),
        ]
    }
}

/// The rule-related params of `checks.create` and `checks.update`, read and validated together.
private struct RuleParams {
    var ruleSet: RuleSet?
    var preset: RMMPreset?

    /// Reads `rules`, `default_status` and `preset`; nil members mean "not given".
    init(_ params: inout RPCParams) {
        let rulesValue = params.value("rules")
        let defaultValue = params.value("default_status")
        let presetName = params.string("preset")
        if let presetName {
            guard let preset = RMMPreset(rawValue: presetName) else {
                let names = RMMPreset.allCases.map(\.rawValue).joined(separator: ", ")
                params.fail("preset", "unknown preset; use one of \(names)")
                return
            }
            if rulesValue != nil { params.fail("rules", "give rules or a preset, not both") }
            self.preset = preset
            self.ruleSet = preset.ruleSet
            if defaultValue != nil { params.fail("default_status", "a preset sets its own default_status") }
            return
        }
        guard rulesValue != nil || defaultValue != nil else { return }
        do {
            ruleSet = try RuleSet.decode(rules: rulesValue, defaultStatus: defaultValue)
        } catch {
            for problem in error.errors { params.fail(problem.field, problem.message) }
        }
    }
}

/// Reads and validates `schedule` (SPEC §5.2 and cron with a time zone); returns its canonical JSON:
/// `.none` when absent, `.some(nil)` when null (no schedule).
private func readSchedule(_ params: inout RPCParams) -> String?? {
    guard params.has("schedule") else { return .none }
    do {
        return .some(try CheckSchedule.decode(params.value("schedule")).map { $0.json.serializedString() })
    } catch {
        for problem in error.errors { params.fail(problem.field, problem.message) }
        return .none
    }
}

extension RPCMethods {
    static var checks: [RPCMethod] {
        [
            RPCMethod("checks.list", access: .read, summary: "Checks by name, all or one group's.") {
                params, context in
                let groupID = params.string("group_id")
                try params.finish()
                let listings = try await context.services.database.pool.read { db in
                    try CheckListing.fetch(groupID: groupID, in: db)
                }
                return ["checks": .array(listings.map { $0.json(context.services.configuration) })]
            },
            RPCMethod("checks.get", access: .read, summary: "One check with its state.") { params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                return try await findCheck(id, context).json(context.services.configuration)
            },
            RPCMethod("checks.create", access: .admin, summary: "Creates a check in a group.") { params, context in
                let groupID = params.string("group_id", required: true) ?? ""
                let name = params.string("name", required: true, nonEmpty: true, maxLength: 200) ?? ""
                let rules = RuleParams(&params)
                let schedule = readSchedule(&params)
                let threshold = params.int("failure_threshold", in: 1...1000) ?? 1
                let enabled = params.bool("enabled") ?? true
                try params.finish()
                let ruleSet = try rules.ruleSet ?? RuleSet(rules: [], defaultStatus: .failure)
                // `updated_at` anchors the schedule, so it is read from the clock schedules run by.
                let now = context.services.configuration.clock()
                let check = CheckRecord(
                    id: SecretGenerator.objectID(prefix: "chk"), groupID: groupID, name: name,
                    token: SecretGenerator.checkToken(), rules: ruleSet.rulesJSON.serializedString(),
                    defaultStatus: ruleSet.defaultStatus, preset: rules.preset?.rawValue,
                    schedule: schedule ?? nil, failureThreshold: threshold, enabled: enabled,
                    createdAt: now, updatedAt: now)
                let created = try await context.services.database.pool.write { db -> Bool in
                    guard try CheckGroupRecord.exists(db, key: groupID) else { return false }
                    try check.insert(db)
                    return true
                }
                guard created else { throw RPCError.notFound("check group", id: groupID) }
                return CheckListing(check: check).json(context.services.configuration)
            },
            RPCMethod("checks.update", access: .admin, summary: "Changes a check; absent params stay as they are.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                let groupID = params.string("group_id")
                let name = params.string("name", nonEmpty: true, maxLength: 200)
                let rules = RuleParams(&params)
                let schedule = readSchedule(&params)
                let threshold = params.int("failure_threshold", in: 1...1000)
                let enabled = params.bool("enabled")
                try params.finish()
                let now = context.services.configuration.clock()
                let token = try await context.services.database.pool.write { db -> String? in
                    guard var check = try CheckRecord.fetchOne(db, key: id) else { return nil }
                    if let groupID {
                        guard try CheckGroupRecord.exists(db, key: groupID) else {
                            throw RPCError.notFound("check group", id: groupID)
                        }
                        check.groupID = groupID
                    }
                    if let name { check.name = name }
                    if let ruleSet = rules.ruleSet {
                        check.rules = ruleSet.rulesJSON.serializedString()
                        check.defaultStatus = ruleSet.defaultStatus
                        check.preset = rules.preset?.rawValue
                    }
                    if let schedule { check.schedule = schedule }
                    if let threshold { check.failureThreshold = threshold }
                    if let enabled { check.enabled = enabled }
                    check.updatedAt = now
                    try check.update(db)
                    return check.token
                }
                guard let token else { throw RPCError.notFound("check", id: id) }
                context.services.checks.invalidate(token: token)
                return try await findCheck(id, context).json(context.services.configuration)
            },
            RPCMethod("checks.delete", access: .admin, summary: "Deletes a check and its results.") {
                params, context in
                let id = params.string("id", required: true) ?? ""
                try params.finish()
                let token = try await context.services.database.pool.write { db -> String? in
                    guard let check = try CheckRecord.fetchOne(db, key: id) else { return nil }
                    try ResultChain.deleteAll(checkID: check.id, in: db)
                    try check.delete(db)
                    return check.token
                }
                guard let token else { throw RPCError.notFound("check", id: id) }
                context.services.checks.invalidate(token: token)
                return ["id": .string(id), "deleted": true]
            },
            pauseOrResume("checks.pause", enabled: false, summary: "Pauses a check: reports are answered, not stored."),
            pauseOrResume("checks.resume", enabled: true, summary: "Resumes a paused check."),
        ]
    }

    private static func pauseOrResume(_ name: String, enabled: Bool, summary: String) -> RPCMethod {
        RPCMethod(name, access: .admin, summary: summary) { params, context in
            let id = params.string("id", required: true) ?? ""
            try params.finish()
            let now = context.services.configuration.clock()
            let token = try await context.services.database.pool.write { db -> String? in
                guard var check = try CheckRecord.fetchOne(db, key: id) else { return nil }
                if check.enabled != enabled {
                    check.enabled = enabled
                    check.updatedAt = now
                    try check.update(db)
                }
                return check.token
            }
            guard let token else { throw RPCError.notFound("check", id: id) }
            context.services.checks.invalidate(token: token)
            return try await findCheck(id, context).json(context.services.configuration)
        }
    }

    static func findCheck(_ id: String, _ context: RPCCallContext) async throws -> CheckListing {
        let listing = try await context.services.database.pool.read { db in
            try CheckListing.fetch(checkID: id, in: db).first
        }
        guard let listing else { throw RPCError.notFound("check", id: id) }
        return listing
    }
}
