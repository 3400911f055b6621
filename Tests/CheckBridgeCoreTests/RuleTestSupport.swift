import CheckBridgeCore
import Testing

/// Whether a single condition holds for `input`, through the public API (a one-rule set whose default differs).
func holds(
    _ field: RuleField, _ op: RuleOperator, _ value: String, caseSensitive: Bool = false, in input: RuleInput
) throws -> Bool {
    let condition = RuleCondition(field: field, op: op, value: value, caseSensitive: caseSensitive)
    let ruleSet = try RuleSet(rules: [StatusRule(status: .success, conditions: [condition])], defaultStatus: .failure)
    let decision = ruleSet.evaluate(input)
    return decision.ruleIndex == 0 && decision.status == .success
}

/// Whether a single condition on the body holds.
func bodyHolds(_ op: RuleOperator, _ value: String, caseSensitive: Bool = false, body: String) throws -> Bool {
    try holds(.body, op, value, caseSensitive: caseSensitive, in: RuleInput(body: body))
}

/// A condition on a JSON Pointer field; the pointer must be valid.
func pointerCondition(
    _ pointer: String, _ op: RuleOperator = .equals, _ value: String, caseSensitive: Bool = false
) throws -> RuleCondition {
    let parsed = try #require(JSONPointer(pointer))
    return RuleCondition(field: .pointer(parsed), op: op, value: value, caseSensitive: caseSensitive)
}

/// The field paths of a `ValidationError`, in order.
func errorFields(_ body: () throws(ValidationError) -> RuleSet) -> [String] {
    do {
        _ = try body()
        return []
    } catch {
        return error.errors.map(\.field)
    }
}

/// The error thrown by `body`, if any.
func validationError(_ body: () throws(ValidationError) -> RuleSet) -> ValidationError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
