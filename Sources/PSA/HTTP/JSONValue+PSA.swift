import CheckBridgeCore

extension JSONValue {
    /// The integer when this is a whole number (PSAs send ids as numbers, some as numeric strings).
    var int64Value: Int64? {
        switch self {
        case .int(let number): return number
        case .double(let number) where number == number.rounded() && abs(number) < 9e15: return Int64(number)
        case .string(let text): return Int64(text)
        default: return nil
        }
    }

    /// The flag when this is a boolean; null and absent read as false at the call sites.
    var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The elements when this is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Object members or array elements at a path of keys (`["company", "id"]`).
    subscript(path keys: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys { current = current?[key] }
        return current
    }

    /// Drops null members, so optional settings are omitted rather than sent as null.
    var withoutNulls: JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members.filter { $0.value != .null })
    }
}
