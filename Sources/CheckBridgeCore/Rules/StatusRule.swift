/// How a rule combines its conditions.
public enum RuleMatch: String, Sendable, Hashable, CaseIterable {
    /// Every condition must hold.
    case all
    /// At least one condition must hold.
    case any
}

/// How a condition compares its field with its value.
public enum RuleOperator: String, Sendable, Hashable, CaseIterable {
    /// The field contains the value; an empty value is contained in every field.
    case contains
    /// The field does not contain the value; with an empty value this never holds.
    case notContains = "not_contains"
    /// The field is the value; an empty value matches an empty or missing field.
    case equals
    /// The value is an ICU regular expression found somewhere in the field.
    case regex
}

/// The text a condition looks at.
public enum RuleField: Sendable, Hashable, CustomStringConvertible {
    /// The mail subject, or a webhook's `subject`.
    case subject
    /// The mail body text, or a webhook's text.
    case body
    /// The text of a mail's `text/*` attachments.
    case attachments
    /// Subject, body and attachments joined by newlines.
    case any
    /// A scalar in a webhook's JSON body; a missing pointer (or a body that is not JSON) is an empty field.
    case pointer(JSONPointer)

    /// Parses `subject`, `body`, `attachments`, `any` or a JSON Pointer (`/severity`, or `""` for the whole
    /// document). Names are exact: `Subject` or `severity` (no slash) are not fields.
    public init?(_ text: String) {
        switch text {
        case "subject": self = .subject
        case "body": self = .body
        case "attachments": self = .attachments
        case "any": self = .any
        default:
            guard let pointer = JSONPointer(text) else { return nil }
            self = .pointer(pointer)
        }
    }

    /// The field as the API writes it.
    public var text: String {
        switch self {
        case .subject: "subject"
        case .body: "body"
        case .attachments: "attachments"
        case .any: "any"
        case .pointer(let pointer): pointer.text
        }
    }

    public var description: String { text }
}

/// One test a rule makes: `field op value`.
public struct RuleCondition: Sendable, Hashable {
    /// What text to look at.
    public var field: RuleField
    /// How to compare.
    public var op: RuleOperator
    /// The text (or, for `regex`, the pattern) to compare with.
    public var value: String
    /// `false` (the default) compares with Unicode case folding.
    public var caseSensitive: Bool

    public init(field: RuleField, op: RuleOperator, value: String, caseSensitive: Bool = false) {
        self.field = field
        self.op = op
        self.value = value
        self.caseSensitive = caseSensitive
    }
}

/// One status rule: when its conditions hold, the result gets `status`.
public struct StatusRule: Sendable, Hashable {
    /// The status decided when the rule holds: `success`, `warning` or `failure`.
    public var status: CheckStatus
    /// Whether all or any of the conditions must hold.
    public var match: RuleMatch
    /// The conditions, at least one.
    public var conditions: [RuleCondition]

    public init(status: CheckStatus, match: RuleMatch = .all, conditions: [RuleCondition]) {
        self.status = status
        self.match = match
        self.conditions = conditions
    }
}

/// The texts one report offers to the rules.
public struct RuleInput: Sendable {
    /// The mail subject or webhook `subject`.
    public var subject: String
    /// The mail body text or webhook text.
    public var body: String
    /// The combined text of a mail's attachments.
    public var attachments: String
    /// A webhook's JSON body, for JSON Pointer fields; `nil` for mail and for non-JSON bodies.
    public var json: JSONValue?

    public init(subject: String = "", body: String = "", attachments: String = "", json: JSONValue? = nil) {
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.json = json
    }
}

/// What the rules decided for one input.
public struct RuleDecision: Sendable, Hashable {
    /// The decided status.
    public var status: CheckStatus
    /// The index (from 0) of the rule that decided, or `nil` when no rule held and `default_status` applied.
    public var ruleIndex: Int?

    public init(status: CheckStatus, ruleIndex: Int?) {
        self.status = status
        self.ruleIndex = ruleIndex
    }
}
