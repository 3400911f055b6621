/// An RFC 6901 JSON Pointer such as `/severity`, `/attributes/resolved` or `/items/0/name`.
///
/// `~1` stands for `/` and `~0` for `~` inside a reference token; the empty pointer names the whole document.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The pointer as written (escaped), e.g. `/a~1b`.
    public let text: String
    /// The unescaped reference tokens, e.g. `["a/b"]`.
    public let tokens: [String]

    /// Parses pointer text; `nil` when it is not a JSON Pointer (does not start with `/`, or has a `~`
    /// not followed by `0` or `1`).
    public init?(_ text: String) {
        if text.isEmpty {
            self.text = text
            self.tokens = []
            return
        }
        guard text.utf8.first == UInt8(ascii: "/") else { return nil }
        var tokens: [String] = []
        for rawToken in text.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard let token = Self.unescape(rawToken) else { return nil }
            tokens.append(token)
        }
        self.text = text
        self.tokens = tokens
    }

    /// A pointer from unescaped tokens: `JSONPointer(tokens: ["a/b", "c"])` is `/a~1b/c`.
    public init(tokens: [String]) {
        var text = ""
        for token in tokens {
            text += "/"
            for character in token.unicodeScalars {
                switch character {
                case "~": text += "~0"
                case "/": text += "~1"
                default: text.unicodeScalars.append(character)
                }
            }
        }
        self.text = text
        self.tokens = tokens
    }

    public var description: String { text }

    /// Decodes `~0`/`~1` in one left-to-right pass, so `~01` is `~1` (RFC 6901 §4), not `/`.
    private static func unescape(_ raw: Substring.UTF8View) -> String? {
        guard raw.contains(UInt8(ascii: "~")) else { return String(decoding: raw, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var iterator = raw.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "~") else {
                bytes.append(byte)
                continue
            }
            switch iterator.next() {
            case UInt8(ascii: "0"): bytes.append(UInt8(ascii: "~"))
            case UInt8(ascii: "1"): bytes.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        // The input was a valid string and only ASCII bytes were replaced, so this cannot be lossy.
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value this pointer names in `document`, or `nil` when a step is missing: an absent member,
    /// an array index out of range, `-` (the element after the last), an index with leading zeros, or a
    /// step into a scalar.
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let members):
                guard let member = members[token] else { return nil }
                current = member
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// RFC 6901: `0` or a digit string without a leading zero.
    private static func arrayIndex(_ token: String) -> Int? {
        let utf8 = token.utf8
        guard let first = utf8.first, utf8.count <= 18,
              utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              first != UInt8(ascii: "0") || utf8.count == 1
        else { return nil }
        return Int(token)
    }
}
