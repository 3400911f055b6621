import Foundation

/// One header field of an entity, as ranges into the message bytes.
struct HeaderField {
    /// The field name, without the colon.
    let name: Range<Int>
    /// The raw value after the colon, folding line breaks included.
    let value: Range<Int>
}

/// The header fields of one MIME entity (the message or a body part) and where its body lives.
struct HeaderBlock {
    let fields: [HeaderField]
    let body: Range<Int>

    /// Splits `bytes[range]` at the first empty line. A line that is neither a field nor a
    /// continuation also ends the header block, so a part that lacks the blank line, or has no
    /// headers at all, keeps its text. CRLF and bare LF are both line ends.
    init(_ bytes: [UInt8], _ range: Range<Int>, skipMailboxSeparator: Bool = false) {
        var fields: [HeaderField] = []
        let end = range.upperBound
        var index = range.lowerBound
        if skipMailboxSeparator, Self.startsWithMailboxSeparator(bytes, index, end) {
            index = Self.lineBounds(bytes, index, end).next
        }
        var bodyStart = end
        while index < end {
            let line = Self.lineBounds(bytes, index, end)
            if line.contentEnd == index {
                bodyStart = line.next
                break
            }
            let first = bytes[index]
            if ASCII.isBlank(first) {
                if let last = fields.last {
                    let value = last.value.lowerBound..<line.contentEnd
                    fields[fields.count - 1] = HeaderField(name: last.name, value: value)
                }
                index = line.next
                continue
            }
            if let colon = Self.colonOfFieldLine(bytes, index, line.contentEnd) {
                fields.append(HeaderField(name: index..<colon.nameEnd, value: (colon.colon + 1)..<line.contentEnd))
                index = line.next
                continue
            }
            bodyStart = index
            break
        }
        self.fields = fields
        self.body = min(bodyStart, end)..<end
    }

    /// The first field called `lowercaseName`.
    func first(_ lowercaseName: [UInt8], in bytes: [UInt8]) -> HeaderField? {
        fields.first { ASCII.equalsIgnoringCase(bytes, $0.name, lowercaseName) }
    }

    /// Every field called `lowercaseName`, in order.
    func all(_ lowercaseName: [UInt8], in bytes: [UInt8]) -> [HeaderField] {
        fields.filter { ASCII.equalsIgnoringCase(bytes, $0.name, lowercaseName) }
    }

    /// The value of `field` unfolded (line breaks removed, tabs made spaces) and trimmed.
    static func unfolded(_ bytes: [UInt8], _ field: HeaderField) -> [UInt8] {
        let range = ASCII.trimmed(bytes, field.value)
        var result: [UInt8] = []
        result.reserveCapacity(range.count)
        for byte in bytes[range] where byte != ASCII.cr && byte != ASCII.lf {
            result.append(byte == ASCII.tab ? ASCII.space : byte)
        }
        return result
    }

    /// The line starting at `start`: where its content ends (before CR LF or LF) and where the next begins.
    @inline(__always)
    static func lineBounds(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (contentEnd: Int, next: Int) {
        bytes.withUnsafeBufferPointer { lineBounds($0, start, end) }
    }

    /// The same on a buffer, finding the line feed with `memchr`, which long base64 bodies make hot.
    @inline(__always)
    static func lineBounds(
        _ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int
    ) -> (contentEnd: Int, next: Int) {
        guard start < end, let base = buffer.baseAddress,
              let found = memchr(base + start, Int32(ASCII.lf), end - start) else {
            return (end, end)
        }
        let index = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        let contentEnd = index > start && buffer[index - 1] == ASCII.cr ? index - 1 : index
        return (contentEnd, index + 1)
    }

    /// Where the name of a `name: value` line ends and where its colon is, or nil when the line is
    /// not a field. Blanks before the colon (an obsolete form) are accepted.
    private static func colonOfFieldLine(_ bytes: [UInt8], _ start: Int, _ end: Int) -> (nameEnd: Int, colon: Int)? {
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == ASCII.colon || byte <= ASCII.space || byte >= 0x7F { break }
            index += 1
        }
        let nameEnd = index
        guard nameEnd > start else { return nil }
        while index < end, ASCII.isBlank(bytes[index]) { index += 1 }
        guard index < end, bytes[index] == ASCII.colon else { return nil }
        return (nameEnd, index)
    }

    private static let mailboxSeparator: [UInt8] = Array("From ".utf8)

    private static func startsWithMailboxSeparator(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Bool {
        guard end - start >= mailboxSeparator.count else { return false }
        return bytes[start..<(start + mailboxSeparator.count)].elementsEqual(mailboxSeparator)
    }
}

/// Lowercase field names looked up by the parser.
enum FieldName {
    static let subject = Array("subject".utf8)
    static let from = Array("from".utf8)
    static let to = Array("to".utf8)
    static let cc = Array("cc".utf8)
    static let deliveredTo = Array("delivered-to".utf8)
    static let originalTo = Array("x-original-to".utf8)
    static let messageID = Array("message-id".utf8)
    static let date = Array("date".utf8)
    static let contentType = Array("content-type".utf8)
    static let contentTransferEncoding = Array("content-transfer-encoding".utf8)
    static let contentDisposition = Array("content-disposition".utf8)
}
