/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in header text.
///
/// White space between two encoded words is dropped, and consecutive words of one charset are
/// decoded as one byte run, so a character split across words comes out whole. Text outside
/// encoded words is taken as UTF-8 (RFC 6532), lossily.
enum EncodedWords {
    /// The decoded text of a header value (already unfolded).
    static func decode(_ input: [UInt8]) -> String {
        guard containsEncodedWordStart(input) else { return String(decoding: input, as: UTF8.self) }
        var output = ""
        var runCharset: String?
        var runBytes: [UInt8] = []
        var literalStart = 0
        var afterWord = false
        var index = 0
        let end = input.count

        func flushRun() {
            if let charset = runCharset {
                output += Charset.decode(runBytes, charset: charset)
                runCharset = nil
                runBytes.removeAll(keepingCapacity: true)
            }
        }

        while index + 1 < end {
            guard input[index] == ASCII.equals, input[index + 1] == ASCII.question else {
                index += 1
                continue
            }
            switch parseWord(input, at: index) {
            case .word(let charset, let payload, let wordEnd):
                let gap = input[literalStart..<index]
                if !(afterWord && gap.allSatisfy(ASCII.isWhitespace)) {
                    flushRun()
                    output += String(decoding: gap, as: UTF8.self)
                }
                if let current = runCharset, current != charset { flushRun() }
                runCharset = charset
                runBytes.append(contentsOf: payload)
                afterWord = true
                index = wordEnd
                literalStart = wordEnd
            case .notAWord(let resumeAt):
                index = resumeAt
            }
        }
        flushRun()
        let rest = input[literalStart..<end]
        if !(afterWord && rest.allSatisfy(ASCII.isWhitespace)) {
            output += String(decoding: rest, as: UTF8.self)
        }
        return output
    }

    private enum ParseResult {
        case word(charset: String, payload: [UInt8], end: Int)
        /// Where scanning continues: past the point any later word start could also have reached,
        /// which keeps decoding linear on inputs full of `=?`.
        case notAWord(resumeAt: Int)
    }

    private static let maximumCharsetLength = 64

    private static func parseWord(_ input: [UInt8], at start: Int) -> ParseResult {
        let end = input.count
        var index = start + 2
        let charsetStart = index
        while index < end, index - charsetStart <= maximumCharsetLength {
            let byte = input[index]
            if byte == ASCII.question || byte <= ASCII.space || byte >= 0x7F { break }
            index += 1
        }
        guard index < end, input[index] == ASCII.question, index > charsetStart else {
            return .notAWord(resumeAt: start + 1)
        }
        var charsetEnd = index
        // RFC 2231 lets a language ride along: charset*language.
        if let star = input[charsetStart..<charsetEnd].firstIndex(of: ASCII.asterisk) { charsetEnd = star }
        guard index + 2 < end, input[index + 2] == ASCII.question else { return .notAWord(resumeAt: start + 1) }
        let encoding = ASCII.lowercased(input[index + 1])
        guard encoding == 0x62 || encoding == 0x71 else { return .notAWord(resumeAt: start + 1) }
        let textStart = index + 3
        var textEnd = textStart
        while textEnd < end {
            let byte = input[textEnd]
            if byte == ASCII.question, textEnd + 1 < end, input[textEnd + 1] == ASCII.equals { break }
            if ASCII.isWhitespace(byte) { return .notAWord(resumeAt: textEnd) }
            textEnd += 1
        }
        guard textEnd < end else { return .notAWord(resumeAt: end) }
        let text = input[textStart..<textEnd]
        let payload = encoding == 0x62 ? Base64.decode(text) : decodeQ(text)
        return .word(charset: ASCII.lowercasedString(input[charsetStart..<charsetEnd]), payload: payload,
                     end: textEnd + 2)
    }

    /// The Q encoding: quoted-printable with `_` for space.
    private static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == ASCII.underscore {
                output.append(ASCII.space)
            } else if byte == ASCII.equals, index + 2 < text.endIndex,
                      let high = ASCII.hexValue(text[index + 1]), let low = ASCII.hexValue(text[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    private static func containsEncodedWordStart(_ input: [UInt8]) -> Bool {
        var index = 0
        while index + 1 < input.count {
            if input[index] == ASCII.equals, input[index + 1] == ASCII.question { return true }
            index += 1
        }
        return false
    }
}
