/// RFC 5322 address lists: mailboxes with or without display names, quoted strings, comments,
/// groups (`Team: a@x, b@y;`), and the usual breakage (missing `>`, stray commas, bare names).
enum AddressList {
    /// The mailboxes of an unfolded address header value; group members are listed, groups are not.
    static func parse(_ input: [UInt8]) -> [MailAddress] {
        var parser = Parser(input: input)
        return parser.run()
    }

    private struct Parser {
        let input: [UInt8]
        var result: [MailAddress] = []
        /// The display name or bare address collected so far, quotes removed.
        var phrase: [UInt8] = []
        var angle: [UInt8]?
        var comment: [UInt8] = []

        mutating func run() -> [MailAddress] {
            let end = input.count
            var index = 0
            while index < end {
                let byte = input[index]
                switch byte {
                case ASCII.quote:
                    index += 1
                    while index < end, input[index] != ASCII.quote {
                        if input[index] == ASCII.backslash, index + 1 < end { index += 1 }
                        phrase.append(input[index])
                        index += 1
                    }
                    index += 1
                case ASCII.openParen:
                    index = skipComment(from: index)
                case ASCII.lessThan:
                    index += 1
                    var address: [UInt8] = []
                    while index < end, input[index] != ASCII.greaterThan {
                        address.append(input[index])
                        index += 1
                    }
                    index += 1
                    if angle == nil { angle = address }
                case ASCII.comma, ASCII.semicolon:
                    finishMailbox()
                    index += 1
                case ASCII.colon where angle == nil:
                    // A group's name: drop it; its members follow.
                    phrase.removeAll()
                    comment.removeAll()
                    index += 1
                default:
                    phrase.append(byte)
                    index += 1
                }
            }
            finishMailbox()
            return result
        }

        /// Skips a possibly nested comment, keeping its text as a fallback display name
        /// (`user@example.com (Backup Server)`).
        private mutating func skipComment(from start: Int) -> Int {
            let end = input.count
            var depth = 0
            var index = start
            var text: [UInt8] = []
            while index < end {
                let byte = input[index]
                if byte == ASCII.backslash, index + 1 < end {
                    text.append(input[index + 1])
                    index += 2
                    continue
                }
                if byte == ASCII.openParen {
                    depth += 1
                    if depth > 1 { text.append(byte) }
                } else if byte == ASCII.closeParen {
                    depth -= 1
                    if depth == 0 { index += 1; break }
                    text.append(byte)
                } else {
                    text.append(byte)
                }
                index += 1
            }
            if comment.isEmpty { comment = text }
            return index
        }

        private mutating func finishMailbox() {
            defer {
                phrase.removeAll(keepingCapacity: true)
                comment.removeAll(keepingCapacity: true)
                angle = nil
            }
            let trimmedPhrase = ASCII.trimmed(phrase, 0..<phrase.count)
            if let angle {
                let address = Self.stripRoute(angle)
                guard !address.isEmpty else { return }
                let name = trimmedPhrase.isEmpty ? Self.displayName(comment) : Self.displayName(phrase)
                result.append(MailAddress(name: name, address: address))
                return
            }
            guard let address = Self.bareAddress(phrase[trimmedPhrase]) else { return }
            result.append(MailAddress(name: Self.displayName(comment), address: address))
        }

        private static func displayName(_ bytes: [UInt8]) -> String? {
            let range = ASCII.trimmed(bytes, 0..<bytes.count)
            guard !range.isEmpty else { return nil }
            let name = EncodedWords.decode(Array(bytes[range])).trimmingWhitespace
            return name.isEmpty ? nil : name
        }

        /// The address inside angle brackets without an obsolete source route (`@a,@b:user@c`).
        private static func stripRoute(_ bytes: [UInt8]) -> String {
            var slice = bytes[ASCII.trimmed(bytes, 0..<bytes.count)]
            if slice.first == ASCII.at, let colon = slice.firstIndex(of: ASCII.colon) {
                slice = slice[(colon + 1)...]
            }
            return String(decoding: slice.filter { !ASCII.isWhitespace($0) }, as: UTF8.self)
        }

        /// A mailbox written without angle brackets: the word holding `@`, or a lone word.
        private static func bareAddress(_ bytes: ArraySlice<UInt8>) -> String? {
            guard !bytes.isEmpty else { return nil }
            if !bytes.contains(where: ASCII.isWhitespace) {
                if !bytes.contains(ASCII.lessThan) && !bytes.contains(ASCII.greaterThan) {
                    return String(decoding: bytes, as: UTF8.self)
                }
            } else if !bytes.contains(ASCII.at) {
                return nil
            }
            let words = bytes.split(whereSeparator: ASCII.isWhitespace)
            if let withAt = words.first(where: { $0.contains(ASCII.at) }) {
                let unbracketed = withAt.filter { $0 != ASCII.lessThan && $0 != ASCII.greaterThan }
                return String(decoding: unbracketed, as: UTF8.self)
            }
            return words.count == 1 ? String(decoding: bytes, as: UTF8.self) : nil
        }
    }
}
