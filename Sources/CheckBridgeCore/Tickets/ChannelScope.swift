/// Which checks a channel tickets for (SPEC §9 `scope`).
public struct ChannelScope: Sendable, Hashable {
    /// Every check.
    public var all: Bool
    public var checkGroupIDs: Set<String>
    public var checkIDs: Set<String>

    public init(all: Bool, checkGroupIDs: Set<String> = [], checkIDs: Set<String> = []) {
        self.all = all
        self.checkGroupIDs = checkGroupIDs
        self.checkIDs = checkIDs
    }

    /// A check is in scope when the channel covers everything, its group, or the check itself.
    public func covers(checkID: String, groupID: String) -> Bool {
        all || checkIDs.contains(checkID) || checkGroupIDs.contains(groupID)
    }

    /// Reads `{"all": true}` or `{"check_group_ids": […], "check_ids": […]}`, naming bad fields under `field`.
    public static func decode(_ value: JSONValue?, field: String = "scope") throws(ValidationError) -> ChannelScope {
        guard let value, value != .null else { return ChannelScope(all: true) }
        guard case .object(let members) = value else {
            throw ValidationError(field: field, message: "must be {\"all\": true} or lists of check_group_ids/check_ids")
        }
        var errors: [FieldError] = []
        var scope = ChannelScope(all: false)
        for (key, member) in members {
            switch key {
            case "all":
                guard case .bool(let flag) = member else {
                    errors.append(FieldError(field: "\(field).all", message: "must be a boolean"))
                    continue
                }
                scope.all = flag
            case "check_group_ids", "check_ids":
                guard case .array(let elements) = member else {
                    errors.append(FieldError(field: "\(field).\(key)", message: "must be an array of ids"))
                    continue
                }
                var ids: Set<String> = []
                for (index, element) in elements.enumerated() {
                    guard case .string(let id) = element else {
                        errors.append(FieldError(field: "\(field).\(key)[\(index)]", message: "must be a string"))
                        continue
                    }
                    ids.insert(id)
                }
                if key == "check_ids" { scope.checkIDs = ids } else { scope.checkGroupIDs = ids }
            default:
                errors.append(FieldError(field: "\(field).\(key)", message: "is not a scope field"))
            }
        }
        if !errors.isEmpty { throw ValidationError(errors) }
        return scope
    }

    /// The canonical JSON form.
    public var json: JSONValue {
        if all { return ["all": true] }
        return [
            "check_group_ids": .array(checkGroupIDs.sorted().map(JSONValue.string)),
            "check_ids": .array(checkIDs.sorted().map(JSONValue.string)),
        ]
    }
}
