import CheckBridgeCore
import Foundation

/// ConnectWise's `conditions` filter language, as strictly as the real API: strings must be in
/// double quotes, fields are paths (`company/id`), `and`/`or` with parentheses, operators
/// `= != < <= > >= like contains`. Comparisons of text ignore case, as the SQL collation does.
struct ConnectWiseConditions {
    indirect enum Expression {
        case comparison(field: String, op: String, value: JSONValue)
        case and(Expression, Expression)
        case or(Expression, Expression)
    }

    private enum Token: Equatable {
        case word(String)
        case string(String)
        case number(Int64)
        case op(String)
        case open, close
    }

    let expression: Expression

    init(_ text: String) throws(SimulatorMessage) {
        var parser = Parser(tokens: try Self.tokenize(text))
        expression = try parser.parseOr()
        guard parser.index == parser.tokens.count else { throw "unexpected text in conditions" }
    }

    func matches(_ record: JSONValue) -> Bool {
        Self.evaluate(expression, record)
    }

    private static func evaluate(_ expression: Expression, _ record: JSONValue) -> Bool {
        switch expression {
        case .and(let lhs, let rhs): return evaluate(lhs, record) && evaluate(rhs, record)
        case .or(let lhs, let rhs): return evaluate(lhs, record) || evaluate(rhs, record)
        case .comparison(let field, let op, let value):
            let actual = record.value(atPath: field) ?? .null
            return compare(actual, op, value)
        }
    }

    private static func compare(_ actual: JSONValue, _ op: String, _ expected: JSONValue) -> Bool {
        switch (actual, expected) {
        case (.string(let lhs), .string(let rhs)):
            let left = lhs.lowercased()
            let right = rhs.lowercased()
            switch op {
            case "=": return left == right
            case "!=": return left != right
            case "contains": return left.contains(right)
            case "like": return like(left, right)
            case "<": return left < right
            case ">": return left > right
            case "<=": return left <= right
            case ">=": return left >= right
            default: return false
            }
        case (.int(let lhs), .int(let rhs)):
            switch op {
            case "=": return lhs == rhs
            case "!=": return lhs != rhs
            case "<": return lhs < rhs
            case ">": return lhs > rhs
            case "<=": return lhs <= rhs
            case ">=": return lhs >= rhs
            default: return false
            }
        default:
            switch op {
            case "=": return actual == expected
            case "!=": return actual != expected
            default: return false
            }
        }
    }

    /// SQL `like` with `%` as the only wildcard.
    private static func like(_ text: String, _ pattern: String) -> Bool {
        let parts = pattern.split(separator: "%", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return text == pattern }
        var rest = Substring(text)
        for (position, part) in parts.enumerated() where !part.isEmpty {
            if position == 0 {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if position == parts.count - 1 {
                return rest.hasSuffix(part)
            } else {
                guard let range = rest.range(of: part) else { return false }
                rest = rest[range.upperBound...]
            }
        }
        return true
    }

    private static func tokenize(_ text: String) throws(SimulatorMessage) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isWhitespace {
                index += 1
            } else if character == "(" {
                tokens.append(.open)
                index += 1
            } else if character == ")" {
                tokens.append(.close)
                index += 1
            } else if character == "\"" {
                var value = ""
                index += 1
                var closed = false
                while index < characters.count {
                    let next = characters[index]
                    if next == "\\", index + 1 < characters.count {
                        value.append(characters[index + 1])
                        index += 2
                    } else if next == "\"" {
                        closed = true
                        index += 1
                        break
                    } else {
                        value.append(next)
                        index += 1
                    }
                }
                guard closed else { throw "unterminated string in conditions" }
                tokens.append(.string(value))
            } else if "=!<>".contains(character) {
                var op = String(character)
                index += 1
                if index < characters.count, characters[index] == "=" {
                    op.append("=")
                    index += 1
                }
                guard op != "!" else { throw "invalid operator in conditions" }
                tokens.append(.op(op))
            } else {
                var word = ""
                while index < characters.count, !characters[index].isWhitespace, !"()=!<>\"".contains(characters[index])
                {
                    word.append(characters[index])
                    index += 1
                }
                if let number = Int64(word) {
                    tokens.append(.number(number))
                } else if ["like", "contains", "not"].contains(word.lowercased()) {
                    tokens.append(.op(word.lowercased()))
                } else {
                    tokens.append(.word(word))
                }
            }
        }
        return tokens
    }

    private struct Parser {
        let tokens: [Token]
        var index = 0

        mutating func parseOr() throws(SimulatorMessage) -> Expression {
            var expression = try parseAnd()
            while case .word(let word)? = peek, word.lowercased() == "or" {
                index += 1
                expression = .or(expression, try parseAnd())
            }
            return expression
        }

        mutating func parseAnd() throws(SimulatorMessage) -> Expression {
            var expression = try parsePrimary()
            while case .word(let word)? = peek, word.lowercased() == "and" {
                index += 1
                expression = .and(expression, try parsePrimary())
            }
            return expression
        }

        mutating func parsePrimary() throws(SimulatorMessage) -> Expression {
            if peek == .open {
                index += 1
                let inner = try parseOr()
                guard peek == .close else { throw "missing ) in conditions" }
                index += 1
                return inner
            }
            guard case .word(let field)? = next() else { throw "expected a field name in conditions" }
            guard case .op(let op)? = next() else { throw "expected an operator after \(field)" }
            switch next() {
            case .string(let text)?: return .comparison(field: field, op: op, value: .string(text))
            case .number(let number)?: return .comparison(field: field, op: op, value: .int(number))
            case .word(let word)?:
                switch word.lowercased() {
                case "true": return .comparison(field: field, op: op, value: .bool(true))
                case "false": return .comparison(field: field, op: op, value: .bool(false))
                case "null": return .comparison(field: field, op: op, value: .null)
                default: throw "Unquoted string value \(word) for \(field): strings must be in double quotes"
                }
            default: throw "expected a value after \(field) \(op)"
            }
        }

        var peek: Token? { index < tokens.count ? tokens[index] : nil }

        mutating func next() -> Token? {
            defer { index += 1 }
            return peek
        }
    }
}
