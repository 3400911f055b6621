import Foundation

/// A check's ordered status rules and its `default_status`, compiled for fast repeated evaluation.
///
/// The first rule whose conditions hold decides; when none holds, `defaultStatus` does. Compiling happens
/// once, at init: regular expressions are built, condition values are prepared (white space collapsed,
/// case-folded when case-insensitive), and fields are numbered so that `evaluate` prepares each field's text
/// at most once per case mode, however many conditions look at it.
public struct RuleSet: Sendable {
    /// The rules, in the order they are tried.
    public private(set) var rules: [StatusRule]
    /// The status when no rule holds.
    public private(set) var defaultStatus: CheckStatus

    private var compiled: [CompiledRule]
    /// Fields whose text the rules read; indices 0–3 are always subject, body, attachments and any.
    private var fields: [RuleField]

    /// Validates and compiles `rules`. Throws every problem at once, with paths like `rules[0].status`:
    /// a rule or default status of `missed`, a rule without conditions, a regular expression ICU rejects.
    public init(rules: [StatusRule], defaultStatus: CheckStatus) throws(ValidationError) {
        var errors: [FieldError] = []
        for (ruleIndex, rule) in rules.enumerated() {
            let path = "rules[\(ruleIndex)]"
            if !rule.status.isRuleOutcome {
                errors.append(FieldError(field: "\(path).status", message: RuleMessages.missedStatus))
            }
            if rule.conditions.isEmpty {
                errors.append(FieldError(field: "\(path).conditions", message: RuleMessages.emptyConditions))
            }
            for (conditionIndex, condition) in rule.conditions.enumerated() where condition.op == .regex {
                if let message = CompiledRegex.compile(condition.value, caseSensitive: condition.caseSensitive)
                    .failureMessage
                {
                    errors.append(
                        FieldError(field: "\(path).conditions[\(conditionIndex)].value", message: message))
                }
            }
        }
        if !defaultStatus.isRuleOutcome {
            errors.append(FieldError(field: "default_status", message: RuleMessages.missedStatus))
        }
        guard errors.isEmpty else { throw ValidationError(errors) }
        self.init(trustedRules: rules, defaultStatus: defaultStatus)
    }

    /// Compiles rules known to be valid (the presets). A regular expression that fails to compile would
    /// make its condition never hold; `init(rules:defaultStatus:)` rules that out before calling this.
    init(trustedRules rules: [StatusRule], defaultStatus: CheckStatus) {
        var fields: [RuleField] = [.subject, .body, .attachments, .any]
        var slotOfField: [RuleField: Int] = [:]
        for (slot, field) in fields.enumerated() { slotOfField[field] = slot }
        var compiled: [CompiledRule] = []
        compiled.reserveCapacity(rules.count)
        for rule in rules {
            let conditions = rule.conditions.map { condition in
                let slot: Int
                if let known = slotOfField[condition.field] {
                    slot = known
                } else {
                    slot = fields.count
                    fields.append(condition.field)
                    slotOfField[condition.field] = slot
                }
                return CompiledCondition(condition, slot: slot)
            }
            // Conditions have no side effects, so their order within a rule cannot change its outcome; trying
            // the byte comparisons first lets a rule short-circuit before any (far costlier) regex runs.
            let ordered = conditions.filter { !$0.isRegex } + conditions.filter(\.isRegex)
            compiled.append(CompiledRule(status: rule.status, matchesAll: rule.match == .all, conditions: ordered))
        }
        self.rules = rules
        self.defaultStatus = defaultStatus
        self.compiled = compiled
        self.fields = fields
    }

    /// Decides the status of one report.
    public func evaluate(_ input: RuleInput) -> RuleDecision {
        var texts = FieldTexts(input: input, fields: fields)
        for (ruleIndex, rule) in compiled.enumerated() where rule.holds(with: &texts) {
            return RuleDecision(status: rule.status, ruleIndex: ruleIndex)
        }
        return RuleDecision(status: defaultStatus, ruleIndex: nil)
    }

    /// The rules as canonical JSON, for storage and responses: every key written, defaults included —
    /// `[{"status","match","conditions":[{"field","op","value","case_sensitive"}]}]`.
    public var rulesJSON: JSONValue {
        .array(rules.map { rule in
            .object([
                "status": .string(rule.status.rawValue),
                "match": .string(rule.match.rawValue),
                "conditions": .array(rule.conditions.map { condition in
                    .object([
                        "field": .string(condition.field.text),
                        "op": .string(condition.op.rawValue),
                        "value": .string(condition.value),
                        "case_sensitive": .bool(condition.caseSensitive),
                    ])
                }),
            ])
        })
    }
}

extension RuleSet: Equatable {
    /// Two rule sets are equal when they have the same rules and default; compiled state follows from those.
    public static func == (lhs: RuleSet, rhs: RuleSet) -> Bool {
        lhs.rules == rhs.rules && lhs.defaultStatus == rhs.defaultStatus
    }
}

/// Messages shared by `RuleSet.init` and `RuleSet.decode`, so both report a problem the same way.
enum RuleMessages {
    static let missedStatus = "must be success, warning or failure; missed is only recorded by the scheduler"
    static let emptyConditions = "must be a non-empty array of conditions"
}

// MARK: - Compiled form

/// A regular expression compiled once and shared by every evaluation.
///
/// `NSRegularExpression` is immutable and documented as safe to use from several threads at once, and
/// swift-corelibs-foundation declares it `Sendable`, so it is stored as is.
struct CompiledRegex: Sendable {
    let expression: NSRegularExpression

    /// Compiles an ICU pattern with Unicode word boundaries (`\b` between any letters, not only ASCII).
    /// An empty pattern matches everything, like an empty `contains` value (ICU itself refuses it).
    static func compile(_ pattern: String, caseSensitive: Bool) -> Result<CompiledRegex, RegexError> {
        var options: NSRegularExpression.Options = [.useUnicodeWordBoundaries]
        if !caseSensitive { options.insert(.caseInsensitive) }
        do {
            let expression = try NSRegularExpression(pattern: pattern.isEmpty ? "(?:)" : pattern, options: options)
            return .success(CompiledRegex(expression: expression))
        } catch {
            return .failure(RegexError(pattern: pattern))
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, options: [], range: NSRange(location: 0, length: text.utf16.count)) != nil
    }
}

/// Why a pattern did not compile, in words a user can act on.
struct RegexError: Error {
    let pattern: String

    /// Foundation on Linux reports only "the value is invalid", without ICU's reason; Swift's own regex
    /// parser, whose syntax is close to ICU's, usually says what is wrong, so its reason is added when it
    /// has one.
    var message: String {
        var message = "is not a valid ICU regular expression"
        do {
            _ = try Regex(pattern)
        } catch {
            message += ": \(error)"
        }
        return message
    }
}

extension Result where Success == CompiledRegex, Failure == RegexError {
    var failureMessage: String? {
        if case .failure(let error) = self { return error.message }
        return nil
    }
}

private struct CompiledCondition: Sendable {
    enum Test: Sendable {
        case contains([UInt8])
        case notContains([UInt8])
        case equals([UInt8])
        case regex(CompiledRegex?)
    }

    let slot: Int
    let folding: Bool
    let test: Test

    init(_ condition: RuleCondition, slot: Int) {
        self.slot = slot
        self.folding = !condition.caseSensitive
        switch condition.op {
        case .contains: test = .contains(MatchText.prepare(condition.value, folding: folding))
        case .notContains: test = .notContains(MatchText.prepare(condition.value, folding: folding))
        case .equals: test = .equals(MatchText.prepare(condition.value, folding: folding))
        case .regex:
            // ICU folds case itself (.caseInsensitive), so regexes always see the unfolded text.
            test = .regex(try? CompiledRegex.compile(condition.value, caseSensitive: condition.caseSensitive).get())
        }
    }

    var isRegex: Bool {
        if case .regex = test { return true }
        return false
    }

    func holds(with texts: inout FieldTexts) -> Bool {
        switch test {
        case .contains(let needle): MatchText.contains(texts.prepared(slot, folding: folding), needle)
        case .notContains(let needle): !MatchText.contains(texts.prepared(slot, folding: folding), needle)
        case .equals(let expected): texts.prepared(slot, folding: folding) == expected
        case .regex(let regex): regex?.matches(texts.regexText(slot)) ?? false
        }
    }
}

private struct CompiledRule: Sendable {
    let status: CheckStatus
    let matchesAll: Bool
    let conditions: [CompiledCondition]

    func holds(with texts: inout FieldTexts) -> Bool {
        if matchesAll {
            for condition in conditions where !condition.holds(with: &texts) { return false }
            return true
        }
        for condition in conditions where condition.holds(with: &texts) { return true }
        return false
    }
}

/// The prepared texts of one input's fields, computed on first use and kept for the rest of the evaluation.
private struct FieldTexts {
    private struct Slot {
        var exact: [UInt8]?
        var folded: [UInt8]?
        var regex: String?
    }

    private let input: RuleInput
    private let fields: [RuleField]
    private var slots: [Slot]

    init(input: RuleInput, fields: [RuleField]) {
        self.input = input
        self.fields = fields
        self.slots = Array(repeating: Slot(), count: fields.count)
    }

    mutating func prepared(_ slot: Int, folding: Bool) -> [UInt8] {
        if let cached = folding ? slots[slot].folded : slots[slot].exact { return cached }
        let text: [UInt8]
        switch fields[slot] {
        case .subject: text = MatchText.prepare(input.subject, folding: folding)
        case .body: text = MatchText.prepare(input.body, folding: folding)
        case .attachments: text = MatchText.prepare(input.attachments, folding: folding)
        case .any:
            // Preparing the three parts and joining them with one space is the same as preparing
            // "subject\nbody\nattachments" (the newlines collapse), and reuses the parts other conditions need.
            text = Self.joined([prepared(0, folding: folding), prepared(1, folding: folding),
                                prepared(2, folding: folding)])
        case .pointer(let pointer):
            let value = input.json.flatMap { pointer.resolve(in: $0) }
            text = value.map { MatchText.prepare($0.scalarText, folding: folding) } ?? []
        }
        if folding { slots[slot].folded = text } else { slots[slot].exact = text }
        return text
    }

    /// The unfolded prepared text as a `String`, decoded once for all regexes on this field.
    mutating func regexText(_ slot: Int) -> String {
        if let cached = slots[slot].regex { return cached }
        let text = String(decoding: prepared(slot, folding: false), as: UTF8.self)
        slots[slot].regex = text
        return text
    }

    private static func joined(_ parts: [[UInt8]]) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(parts.reduce(2) { $0 + $1.count })
        for part in parts where !part.isEmpty {
            if !result.isEmpty { result.append(0x20) }
            result.append(contentsOf: part)
        }
        return result
    }
}
