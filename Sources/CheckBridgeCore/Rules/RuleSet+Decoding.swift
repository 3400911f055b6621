extension RuleSet {
    private static let ruleKeys: Set<String> = ["status", "match", "conditions"]
    private static let conditionKeys: Set<String> = ["field", "op", "value", "case_sensitive"]

    /// Decodes the JSON-RPC `rules` (an array) and `default_status` (a string); `nil` means the key was absent:
    /// no rules, and `failure` as the default. JSON `null` is not absence and is reported as the wrong type.
    ///
    /// Every problem is collected, each with its path (`fieldPrefix` prepended verbatim): `rules`,
    /// `rules[0]`, `rules[0].status`, `rules[0].match`, `rules[0].conditions`, `rules[2].conditions[1].op`,
    /// `rules[0].conditions[0].value` (also for a regular expression that does not compile),
    /// `rules[1].conditions[0].field`, `rules[0].colour` (unknown keys), `default_status`.
    /// `match` defaults to `all` and `case_sensitive` to `false`; names are exact and lowercase.
    public static func decode(
        rules: JSONValue?, defaultStatus: JSONValue?, fieldPrefix: String = ""
    ) throws(ValidationError) -> RuleSet {
        var decoder = RuleDecoder(prefix: fieldPrefix)
        let decodedRules = rules.map { decoder.rules($0) } ?? []
        let decodedDefault = defaultStatus.map { decoder.status($0, at: "default_status") } ?? .failure
        guard decoder.errors.isEmpty, let decodedRules, let decodedDefault else {
            throw ValidationError(decoder.errors)
        }
        // Everything `init` checks was checked above, so this does not throw; if it ever did, its paths would
        // still get the caller's prefix.
        do {
            return try RuleSet(rules: decodedRules, defaultStatus: decodedDefault)
        } catch {
            throw ValidationError(error.errors.map { FieldError(field: fieldPrefix + $0.field, message: $0.message) })
        }
    }

    /// Walks the JSON, collecting every error instead of stopping at the first.
    private struct RuleDecoder {
        let prefix: String
        var errors: [FieldError] = []

        mutating func fail(_ path: String, _ message: String) {
            errors.append(FieldError(field: prefix + path, message: message))
        }

        mutating func rules(_ json: JSONValue) -> [StatusRule]? {
            guard case .array(let elements) = json else {
                fail("rules", "must be an array of rules, got \(json.typeName)")
                return nil
            }
            var rules: [StatusRule] = []
            var complete = true
            for (index, element) in elements.enumerated() {
                if let rule = rule(element, at: "rules[\(index)]") {
                    rules.append(rule)
                } else {
                    complete = false
                }
            }
            return complete ? rules : nil
        }

        mutating func status(_ json: JSONValue, at path: String) -> CheckStatus? {
            guard case .string(let name) = json else {
                fail(path, "must be a string (success, warning or failure), got \(json.typeName)")
                return nil
            }
            guard let status = CheckStatus(rawValue: name) else {
                fail(path, "must be success, warning or failure, got \"\(name)\"")
                return nil
            }
            guard status.isRuleOutcome else {
                fail(path, RuleMessages.missedStatus)
                return nil
            }
            return status
        }

        mutating func unknownKeys(_ members: [String: JSONValue], allowed: Set<String>, at path: String) {
            for key in members.keys.sorted() where !allowed.contains(key) {
                let known = allowed.sorted().joined(separator: ", ")
                fail("\(path).\(key)", "is not a known key here (known: \(known))")
            }
        }

        mutating func rule(_ json: JSONValue, at path: String) -> StatusRule? {
            guard case .object(let members) = json else {
                fail(path, "must be an object, got \(json.typeName)")
                return nil
            }
            var valid = true
            var status: CheckStatus?
            if let value = members["status"] {
                status = self.status(value, at: "\(path).status")
            } else {
                fail("\(path).status", "is required")
            }
            var match = RuleMatch.all
            if let value = members["match"] {
                if case .string(let name) = value, let parsed = RuleMatch(rawValue: name) {
                    match = parsed
                } else {
                    fail("\(path).match", "must be \"all\" or \"any\", got \(describe(value))")
                    valid = false
                }
            }
            var conditions: [RuleCondition] = []
            switch members["conditions"] {
            case nil:
                fail("\(path).conditions", "is required")
                valid = false
            case .array(let elements) where !elements.isEmpty:
                for (index, element) in elements.enumerated() {
                    if let condition = condition(element, at: "\(path).conditions[\(index)]") {
                        conditions.append(condition)
                    } else {
                        valid = false
                    }
                }
            case .some(let value):
                fail("\(path).conditions", "\(RuleMessages.emptyConditions), got \(describe(value))")
                valid = false
            }
            unknownKeys(members, allowed: RuleSet.ruleKeys, at: path)
            guard valid, let status else { return nil }
            return StatusRule(status: status, match: match, conditions: conditions)
        }

        mutating func condition(_ json: JSONValue, at path: String) -> RuleCondition? {
            guard case .object(let members) = json else {
                fail(path, "must be an object, got \(json.typeName)")
                return nil
            }
            var field: RuleField?
            switch members["field"] {
            case nil: fail("\(path).field", "is required")
            case .string(let text):
                field = RuleField(text)
                if field == nil {
                    var message = "must be subject, body, attachments, any, or a JSON Pointer starting with \"/\""
                        + ", got \"\(text)\""
                    if !text.isEmpty, !text.hasPrefix("/"), JSONPointer("/" + text) != nil {
                        message += " (did you mean \"/\(text)\"?)"
                    }
                    fail("\(path).field", message)
                }
            case .some(let value): fail("\(path).field", "must be a string, got \(value.typeName)")
            }
            var op: RuleOperator?
            switch members["op"] {
            case nil: fail("\(path).op", "is required")
            case .string(let name):
                op = RuleOperator(rawValue: name)
                if op == nil { fail("\(path).op", "must be contains, not_contains, equals or regex, got \"\(name)\"") }
            case .some(let value): fail("\(path).op", "must be a string, got \(value.typeName)")
            }
            var caseSensitive = false
            var caseSensitiveValid = true
            if let value = members["case_sensitive"] {
                if case .bool(let flag) = value {
                    caseSensitive = flag
                } else {
                    fail("\(path).case_sensitive", "must be true or false, got \(value.typeName)")
                    caseSensitiveValid = false
                }
            }
            var text: String?
            switch members["value"] {
            case nil: fail("\(path).value", "is required")
            case .string(let string):
                text = string
                if op == .regex, caseSensitiveValid,
                   let message = CompiledRegex.compile(string, caseSensitive: caseSensitive).failureMessage
                {
                    fail("\(path).value", message)
                    text = nil
                }
            case .some(let value): fail("\(path).value", "must be a string, got \(value.typeName)")
            }
            unknownKeys(members, allowed: RuleSet.conditionKeys, at: path)
            guard let field, let op, let text, caseSensitiveValid else { return nil }
            return RuleCondition(field: field, op: op, value: text, caseSensitive: caseSensitive)
        }

        private func describe(_ value: JSONValue) -> String {
            if case .string(let text) = value { return "\"\(text)\"" }
            if case .array(let elements) = value, elements.isEmpty { return "an empty array" }
            return value.typeName
        }
    }
}
