import CheckBridgeCore
import Foundation

/// A JSON Schema (draft 2020-12) validator for the keywords CheckBridge's contract uses, so that tests
/// can hold real requests and answers against the shipped schemas.
///
/// Schemas are loaded from a folder and named by their path inside it (`rpc/checks.get.result.schema.json`).
/// `$ref` resolves `#/…` pointers, paths relative to the referring document (`common.schema.json#/$defs/x`,
/// `../common.schema.json#/$defs/x`) and absolute `$id`s of loaded documents. A keyword the validator does
/// not implement is reported as a failure rather than ignored, so a schema cannot silently promise a
/// check that nothing makes.
struct JSONSchemaValidator: Sendable {
    /// One way an instance does not match its schema.
    struct Failure: Sendable, Hashable, CustomStringConvertible {
        /// Where in the instance: `$`, `$.checks[0].state`.
        var path: String
        /// Where in the schemas: `rpc/common.schema.json#/$defs/check/properties/state`.
        var schemaLocation: String
        var message: String

        var description: String { "\(path): \(message) [\(schemaLocation)]" }
    }

    /// A folder that cannot be read as schemas.
    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    private struct Location {
        var document: String
        var pointer: [String]

        var text: String {
            document + "#" + pointer.map { "/" + $0.replacingOccurrences(of: "~", with: "~0")
                .replacingOccurrences(of: "/", with: "~1") }.joined()
        }

        func appending(_ tokens: String...) -> Location {
            Location(document: document, pointer: pointer + tokens)
        }
    }

    /// Keywords that only describe; they never make an instance invalid.
    private static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default", "deprecated",
        "readOnly", "writeOnly", "contentMediaType", "contentEncoding", "example", "externalDocs", "discriminator",
        "xml",
    ]

    /// Keywords this validator checks.
    private static let assertions: Set<String> = [
        "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "minProperties",
        "maxProperties", "items", "prefixItems", "minItems", "maxItems", "uniqueItems", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "format", "allOf", "anyOf",
        "oneOf", "not",
    ]

    private static let maximumDepth = 64

    /// Every loaded document by name.
    private(set) var documents: [String: JSONValue] = [:]
    private var namesByID: [String: String] = [:]

    /// Loads every `*.json` file under `folder`, recursively.
    init(folder: URL) throws {
        let fileManager = FileManager.default
        guard let paths = try? fileManager.subpathsOfDirectory(atPath: folder.path) else {
            throw LoadError(description: "cannot list \(folder.path)")
        }
        for path in paths.sorted() where path.hasSuffix(".json") {
            let url = folder.appendingPathComponent(path)
            guard let data = fileManager.contents(atPath: url.path) else {
                throw LoadError(description: "cannot read \(url.path)")
            }
            do {
                add(try JSONParser.parse(Array(data)), named: path)
            } catch {
                throw LoadError(description: "\(path) is not JSON: \(error)")
            }
        }
    }

    /// Adds a document (e.g. the OpenAPI document, whose component schemas are JSON Schemas) under `name`.
    mutating func add(_ document: JSONValue, named name: String) {
        documents[name] = document
        if case .string(let id)? = document["$id"] { namesByID[id] = name }
    }

    /// Validates `instance` against the schema at `pointer` (RFC 6901, `""` for the whole document) in a
    /// loaded document.
    func validate(_ instance: JSONValue, against document: String, pointer: String = "") -> [Failure] {
        let location = Location(document: document, pointer: Self.tokens(ofPointer: pointer) ?? [pointer])
        guard let schema = documents[document].flatMap({ Self.navigate($0, location.pointer) }) else {
            return [Failure(path: "$", schemaLocation: location.text, message: "no such schema")]
        }
        return check(instance, schema, at: location, path: "$", depth: 0)
    }

    /// Validates `instance` against a schema given inline, resolving its relative `$ref`s as if it were the
    /// document `name` (for instance `rpc/inline.json` to reach `rpc/common.schema.json`).
    func validate(_ instance: JSONValue, schema: JSONValue, as name: String) -> [Failure] {
        var copy = self
        copy.add(schema, named: name)
        return copy.validate(instance, against: name)
    }

    /// Every `$ref` in the loaded documents that does not lead to a schema, as `document#/pointer -> ref`.
    func unresolvedReferences() -> [String] {
        var problems: [String] = []
        for name in documents.keys.sorted() {
            guard let document = documents[name] else { continue }
            collectReferences(document, at: Location(document: name, pointer: [])) { location, reference in
                if resolve(reference, from: location) == nil { problems.append("\(location.text) -> \(reference)") }
            }
        }
        return problems
    }

    // MARK: - Keywords

    /// Reports failures at one place of the instance against one schema object.
    private struct Reporter {
        let path: String
        let location: Location
        var failures: [Failure] = []

        mutating func fail(_ message: String, _ keyword: String? = nil) {
            let schemaLocation = keyword.map { location.appending($0).text } ?? location.text
            failures.append(Failure(path: path, schemaLocation: schemaLocation, message: message))
        }
    }

    private func check(
        _ instance: JSONValue, _ schema: JSONValue, at location: Location, path: String, depth: Int
    ) -> [Failure] {
        var report = Reporter(path: path, location: location)
        guard depth < Self.maximumDepth else {
            report.fail("schema nesting or $ref chain deeper than \(Self.maximumDepth)")
            return report.failures
        }
        let members: [String: JSONValue]
        switch schema {
        case .bool(true): return []
        case .bool(false):
            report.fail("no value is allowed here")
            return report.failures
        case .object(let object): members = object
        default:
            report.fail("the schema is a \(schema.typeName), not an object or a boolean")
            return report.failures
        }
        for keyword in members.keys.sorted()
        where !Self.annotations.contains(keyword) && !Self.assertions.contains(keyword) {
            report.fail("unsupported keyword '\(keyword)'", keyword)
        }
        if case .string(let reference)? = members["$ref"] {
            if let (target, resolved) = resolve(reference, from: location) {
                report.failures += check(instance, resolved, at: target, path: path, depth: depth + 1)
            } else {
                report.fail("$ref '\(reference)' does not resolve", "$ref")
            }
        }
        checkType(instance, members, &report)
        if let allowed = members["enum"] {
            if case .array(let values) = allowed {
                if !values.contains(where: { Self.equal($0, instance) }) {
                    report.fail("\(Self.brief(instance)) is not one of \(allowed.serializedString())", "enum")
                }
            } else {
                report.fail("enum must be an array", "enum")
            }
        }
        if let constant = members["const"], !Self.equal(constant, instance) {
            report.fail("\(Self.brief(instance)) is not \(constant.serializedString())", "const")
        }
        switch instance {
        case .object(let object): checkObject(object, members, depth: depth, &report)
        case .array(let elements): checkArray(elements, members, depth: depth, &report)
        case .string(let text): checkString(text, members, &report)
        case .int, .double: checkNumber(instance, members, &report)
        case .null, .bool: break
        }
        checkCombinations(instance, members, depth: depth, &report)
        return report.failures
    }

    private func checkType(_ instance: JSONValue, _ members: [String: JSONValue], _ report: inout Reporter) {
        guard let type = members["type"] else { return }
        let names: [String]
        switch type {
        case .string(let name): names = [name]
        case .array(let list): names = list.compactMap(\.stringValue)
        default:
            report.fail("type must be a string or an array of strings", "type")
            return
        }
        if !names.contains(where: { Self.matches(instance, type: $0) }) {
            report.fail("expected \(names.joined(separator: " or ")), got \(Self.typeName(instance))", "type")
        }
    }

    private func checkObject(
        _ object: [String: JSONValue], _ members: [String: JSONValue], depth: Int, _ report: inout Reporter
    ) {
        if case .array(let required)? = members["required"] {
            for name in required.compactMap(\.stringValue) where object[name] == nil {
                report.fail("required member '\(name)' is missing", "required")
            }
        }
        if let minimum = members["minProperties"].flatMap(Self.number), Double(object.count) < minimum {
            report.fail("has \(object.count) members, fewer than \(Self.format(minimum))", "minProperties")
        }
        if let maximum = members["maxProperties"].flatMap(Self.number), Double(object.count) > maximum {
            report.fail("has \(object.count) members, more than \(Self.format(maximum))", "maxProperties")
        }
        let properties = members["properties"]?.objectValue ?? [:]
        let location = report.location
        for name in object.keys.sorted() {
            guard let value = object[name] else { continue }
            let memberPath = Self.memberPath(report.path, name)
            if let propertySchema = properties[name] {
                report.failures += check(
                    value, propertySchema, at: location.appending("properties", name), path: memberPath,
                    depth: depth + 1)
            } else if let additional = members["additionalProperties"] {
                if additional == .bool(false) {
                    report.failures.append(Failure(
                        path: memberPath, schemaLocation: location.appending("additionalProperties").text,
                        message: "'\(name)' is not an allowed member"))
                } else {
                    report.failures += check(
                        value, additional, at: location.appending("additionalProperties"), path: memberPath,
                        depth: depth + 1)
                }
            }
        }
    }

    private func checkArray(
        _ elements: [JSONValue], _ members: [String: JSONValue], depth: Int, _ report: inout Reporter
    ) {
        if let minimum = members["minItems"].flatMap(Self.number), Double(elements.count) < minimum {
            report.fail("has \(elements.count) items, fewer than \(Self.format(minimum))", "minItems")
        }
        if let maximum = members["maxItems"].flatMap(Self.number), Double(elements.count) > maximum {
            report.fail("has \(elements.count) items, more than \(Self.format(maximum))", "maxItems")
        }
        if members["uniqueItems"] == .bool(true) {
            for (index, element) in elements.enumerated()
            where elements[..<index].contains(where: { Self.equal($0, element) }) {
                report.fail("item \(index) repeats an earlier item", "uniqueItems")
            }
        }
        let location = report.location
        var prefixCount = 0
        if case .array(let prefix)? = members["prefixItems"] {
            prefixCount = prefix.count
            for (index, element) in elements.prefix(prefix.count).enumerated() {
                report.failures += check(
                    element, prefix[index], at: location.appending("prefixItems", String(index)),
                    path: "\(report.path)[\(index)]", depth: depth + 1)
            }
        }
        if let itemSchema = members["items"] {
            for (index, element) in elements.enumerated() where index >= prefixCount {
                report.failures += check(
                    element, itemSchema, at: location.appending("items"), path: "\(report.path)[\(index)]",
                    depth: depth + 1)
            }
        }
    }

    private func checkString(_ text: String, _ members: [String: JSONValue], _ report: inout Reporter) {
        let length = Double(text.unicodeScalars.count)
        if let minimum = members["minLength"].flatMap(Self.number), length < minimum {
            report.fail("is shorter than \(Self.format(minimum)) characters", "minLength")
        }
        if let maximum = members["maxLength"].flatMap(Self.number), length > maximum {
            report.fail("is longer than \(Self.format(maximum)) characters", "maxLength")
        }
        if case .string(let pattern)? = members["pattern"] {
            do {
                let expression = try NSRegularExpression(pattern: pattern)
                let range = NSRange(text.startIndex..., in: text)
                if expression.firstMatch(in: text, range: range) == nil {
                    report.fail("\(Self.brief(.string(text))) does not match /\(pattern)/", "pattern")
                }
            } catch {
                report.fail("pattern /\(pattern)/ is not a regular expression", "pattern")
            }
        }
        if case .string(let format)? = members["format"] {
            switch format {
            case "date-time":
                if !Self.isRFC3339DateTime(text) {
                    report.fail("\(Self.brief(.string(text))) is not an RFC 3339 date-time", "format")
                }
            default:
                report.fail("unsupported format '\(format)'", "format")
            }
        }
    }

    private func checkNumber(_ instance: JSONValue, _ members: [String: JSONValue], _ report: inout Reporter) {
        guard let value = Self.number(instance) else { return }
        if let minimum = members["minimum"].flatMap(Self.number), value < minimum {
            report.fail("\(Self.format(value)) is less than \(Self.format(minimum))", "minimum")
        }
        if let maximum = members["maximum"].flatMap(Self.number), value > maximum {
            report.fail("\(Self.format(value)) is greater than \(Self.format(maximum))", "maximum")
        }
        if let minimum = members["exclusiveMinimum"].flatMap(Self.number), value <= minimum {
            report.fail("\(Self.format(value)) is not greater than \(Self.format(minimum))", "exclusiveMinimum")
        }
        if let maximum = members["exclusiveMaximum"].flatMap(Self.number), value >= maximum {
            report.fail("\(Self.format(value)) is not less than \(Self.format(maximum))", "exclusiveMaximum")
        }
    }

    private func checkCombinations(
        _ instance: JSONValue, _ members: [String: JSONValue], depth: Int, _ report: inout Reporter
    ) {
        let location = report.location
        let path = report.path
        /// The failures of each alternative, in order.
        func alternatives(_ keyword: String) -> [[Failure]]? {
            guard case .array(let schemas)? = members[keyword] else { return nil }
            return schemas.enumerated().map { index, schema in
                check(instance, schema, at: location.appending(keyword, String(index)), path: path, depth: depth + 1)
            }
        }
        if let branches = alternatives("allOf") {
            report.failures += branches.flatMap { $0 }
        }
        if let branches = alternatives("anyOf"), !branches.contains(where: \.isEmpty) {
            report.fail("matches none of the \(branches.count) anyOf alternatives", "anyOf")
            report.failures += Self.closest(branches)
        }
        if let branches = alternatives("oneOf") {
            let matching = branches.indices.filter { branches[$0].isEmpty }
            if matching.isEmpty {
                report.fail("matches none of the \(branches.count) oneOf alternatives", "oneOf")
                report.failures += Self.closest(branches)
            } else if matching.count > 1 {
                let list = matching.map(String.init).joined(separator: ", ")
                report.fail("matches oneOf alternatives \(list); exactly one may match", "oneOf")
            }
        }
        if let negated = members["not"],
           check(instance, negated, at: location.appending("not"), path: path, depth: depth + 1).isEmpty
        {
            report.fail("matches a schema it must not match", "not")
        }
    }

    /// The failures of the alternative that came closest, to say why none matched.
    private static func closest(_ branches: [[Failure]]) -> [Failure] {
        branches.min { $0.count < $1.count } ?? []
    }

    // MARK: - References

    private func resolve(_ reference: String, from location: Location) -> (Location, JSONValue)? {
        let parts = reference.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let target = parts.first.map(String.init) ?? ""
        let fragment = parts.count > 1 ? String(parts[1]) : ""
        let name: String
        if target.isEmpty {
            name = location.document
        } else if target.contains("://") {
            guard let found = namesByID[target] else { return nil }
            name = found
        } else {
            guard let found = Self.relativePath(target, from: location.document) else { return nil }
            name = found
        }
        guard let document = documents[name],
              let decoded = fragment.removingPercentEncoding,
              let tokens = Self.tokens(ofPointer: decoded),
              let schema = Self.navigate(document, tokens)
        else { return nil }
        return (Location(document: name, pointer: tokens), schema)
    }

    /// `target` (a relative path) from the folder of `document`, with `.` and `..` applied.
    private static func relativePath(_ target: String, from document: String) -> String? {
        var components = document.split(separator: "/", omittingEmptySubsequences: false).dropLast().map(String.init)
        for component in target.split(separator: "/", omittingEmptySubsequences: false) {
            switch component {
            case ".", "": continue
            case "..":
                guard !components.isEmpty else { return nil }
                components.removeLast()
            default: components.append(String(component))
            }
        }
        return components.joined(separator: "/")
    }

    /// The unescaped tokens of an RFC 6901 pointer; nil when it is not one.
    private static func tokens(ofPointer pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func navigate(_ value: JSONValue, _ tokens: [String]) -> JSONValue? {
        var current = value
        for token in tokens {
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(token), elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    private func collectReferences(
        _ value: JSONValue, at location: Location, _ visit: (Location, String) -> Void
    ) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                if key == "$ref", case .string(let reference) = member {
                    visit(location, reference)
                } else {
                    collectReferences(member, at: location.appending(key), visit)
                }
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                collectReferences(element, at: location.appending(String(index)), visit)
            }
        default:
            break
        }
    }

    // MARK: - Values

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string),
             ("number", .int), ("number", .double), ("integer", .int):
            true
        case ("integer", .double(let real)):
            real.isFinite && real.rounded() == real
        default:
            false
        }
    }

    private static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .int: "integer"
        case .double(let real) where real.isFinite && real.rounded() == real: "integer"
        default: value.typeName
        }
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let whole): Double(whole)
        case .double(let real): real
        default: nil
        }
    }

    /// JSON equality: `1` equals `1.0`, object member order does not matter.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.int, _), (.double, _):
            guard let left = number(lhs), let right = number(rhs) else { return false }
            return left == right
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count
                && left.allSatisfy { key, value in right[key].map { equal(value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }

    private static func format(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    private static func brief(_ value: JSONValue) -> String {
        let text = value.serializedString()
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }

    private static func memberPath(_ path: String, _ name: String) -> String {
        let simple = !name.isEmpty && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-"
        }
        return simple ? "\(path).\(name)" : "\(path)[\(JSONValue.string(name).serializedString())]"
    }

    /// RFC 3339 `date-time`: full date, `T`, full time with a `Z` or numeric offset, each field in range.
    static func isRFC3339DateTime(_ text: String) -> Bool {
        let pattern = #"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$"#
        guard let expression = try? NSRegularExpression(pattern: pattern),
              let match = expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return false }
        func field(_ index: Int) -> Int? {
            guard let range = Range(match.range(at: index), in: text) else { return nil }
            return Int(text[range])
        }
        guard let year = field(1), let month = field(2), let day = field(3), let hour = field(4),
              let minute = field(5), let second = field(6), (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthDays[month - 1]).contains(day), hour < 24, minute < 60, second <= 60 else { return false }
        if match.range(at: 9).location != NSNotFound {
            guard let offsetHours = field(9), let offsetMinutes = field(10), offsetHours < 24, offsetMinutes < 60
            else { return false }
        }
        return true
    }
}
