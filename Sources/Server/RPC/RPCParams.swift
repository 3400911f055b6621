import CheckBridgeCore
import Foundation

/// Reads a method's named params, collecting every problem so that one -32602 names them all,
/// and rejecting names the method does not know (a typo is an error, not a silent default).
struct RPCParams {
    private let members: [String: JSONValue]
    private var read: Set<String> = []
    private(set) var errors: [FieldError] = []

    init(_ members: [String: JSONValue]) {
        self.members = members
    }

    /// Whether the caller sent `name` at all (even as null).
    func has(_ name: String) -> Bool {
        members[name] != nil
    }

    /// Records a problem found while reading.
    mutating func fail(_ field: String, _ message: String) {
        errors.append(FieldError(field: field, message: message))
    }

    /// The raw value of `name`; nil when absent or null.
    mutating func value(_ name: String) -> JSONValue? {
        read.insert(name)
        guard let value = members[name], value != .null else { return nil }
        return value
    }

    mutating func requiredValue(_ name: String) -> JSONValue? {
        let value = value(name)
        if value == nil { fail(name, "is required") }
        return value
    }

    /// A string param. `nonEmpty` rejects "" and white space only; the result is trimmed then.
    mutating func string(_ name: String, required: Bool = false, nonEmpty: Bool = false, maxLength: Int = 10_000)
        -> String?
    {
        guard let value = required ? requiredValue(name) : value(name) else { return nil }
        guard case .string(var text) = value else {
            fail(name, "must be a string, not \(value.typeName)")
            return nil
        }
        if nonEmpty {
            text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty {
                fail(name, "must not be empty")
                return nil
            }
        }
        if text.count > maxLength {
            fail(name, "must be at most \(maxLength) characters")
            return nil
        }
        return text
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let flag) = value else {
            fail(name, "must be a boolean, not \(value.typeName)")
            return nil
        }
        return flag
    }

    mutating func int(_ name: String, in range: ClosedRange<Int>, required: Bool = false) -> Int? {
        guard let value = required ? requiredValue(name) : value(name) else { return nil }
        let number: Int?
        switch value {
        case .int(let whole): number = Int(exactly: whole)
        case .double(let real): number = Int(exactly: real)
        default: number = nil
        }
        guard let number else {
            fail(name, "must be an integer, not \(value.typeName)")
            return nil
        }
        guard range.contains(number) else {
            fail(name, "must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    /// Throws -32602 naming every problem so far, and every param the method does not take.
    mutating func finish() throws(RPCError) {
        for name in members.keys.sorted() where !read.contains(name) {
            fail(name, "is not a parameter of this method")
        }
        if !errors.isEmpty { throw RPCError.invalidParams(errors) }
    }
}
