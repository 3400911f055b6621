/// Parses raw RFC 5322 / MIME messages into the fields status rules and routing need (SPEC §5.1).
///
/// Parsing never fails and never traps: malformed input yields whatever could be read. Work is
/// linear in the input; multipart nesting deeper than ``maximumDepth`` is not descended into.
public enum MailParser {
    /// How deep multiparts and embedded messages are followed.
    static let maximumDepth = 50

    /// Parses the exact bytes of a message.
    public static func parse(_ raw: [UInt8]) -> ParsedMail {
        let header = HeaderBlock(raw, 0..<raw.count, skipMailboxSeparator: true)
        var mail = ParsedMail()
        if let field = header.first(FieldName.subject, in: raw) {
            mail.subject = EncodedWords.decode(HeaderBlock.unfolded(raw, field)).trimmingWhitespace
        }
        mail.from = addresses(FieldName.from, header, raw, allFields: false)
        mail.to = addresses(FieldName.to, header, raw, allFields: false)
        mail.cc = addresses(FieldName.cc, header, raw, allFields: false)
        mail.deliveredTo = addresses(FieldName.deliveredTo, header, raw, allFields: true)
        mail.originalTo = addresses(FieldName.originalTo, header, raw, allFields: true)
        if let field = header.first(FieldName.messageID, in: raw) {
            mail.messageID = messageID(HeaderBlock.unfolded(raw, field))
        }
        if let field = header.first(FieldName.date, in: raw) {
            mail.date = MailDate.parse(HeaderBlock.unfolded(raw, field))
        }
        var walker = EntityWalker(bytes: raw)
        walker.walk(header, depth: 0)
        mail.body = walker.bodyTexts.joined(separator: "\n")
        mail.attachments = walker.attachments
        mail.attachmentsText = walker.attachmentTexts.joined(separator: "\n")
        return mail
    }

    /// Parses a message given as text, using its UTF-8 bytes.
    public static func parse(_ raw: String) -> ParsedMail {
        parse(Array(raw.utf8))
    }

    private static func addresses(
        _ name: [UInt8], _ header: HeaderBlock, _ raw: [UInt8], allFields: Bool
    ) -> [MailAddress] {
        let fields = allFields ? header.all(name, in: raw) : header.first(name, in: raw).map { [$0] } ?? []
        return fields.flatMap { AddressList.parse(HeaderBlock.unfolded(raw, $0)) }
    }

    /// The identifier between the first `<` and the following `>`, or the whole value without them.
    private static func messageID(_ value: [UInt8]) -> String? {
        var slice = value[...]
        if let open = slice.firstIndex(of: ASCII.lessThan) {
            slice = slice[(open + 1)...]
            if let close = slice.firstIndex(of: ASCII.greaterThan) { slice = slice[..<close] }
        }
        let text = String(decoding: slice, as: UTF8.self).trimmingWhitespace
        return text.isEmpty ? nil : text
    }
}

/// Walks the MIME tree of a message, collecting body texts and attachments in order.
struct EntityWalker {
    let bytes: [UInt8]
    var bodyTexts: [String] = []
    var attachments: [MailAttachment] = []
    var attachmentTexts: [String] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func walk(_ header: HeaderBlock, depth: Int) {
        let contentType = header.first(FieldName.contentType, in: bytes)
            .map { HeaderParameters(HeaderBlock.unfolded(bytes, $0)) }
        let disposition = header.first(FieldName.contentDisposition, in: bytes)
            .map { HeaderParameters(HeaderBlock.unfolded(bytes, $0)) }
        var mediaType = contentType?.value ?? "text/plain"
        // A byte test: String.contains(String) goes through Foundation's locale-aware search here.
        if !mediaType.utf8.contains(UInt8(ascii: "/")) { mediaType = "text/plain" }

        if mediaType.hasPrefix("multipart/") {
            guard depth < MailParser.maximumDepth else { return }
            if let boundary = contentType?.bytes("boundary"),
               let parts = Multipart.parts(of: bytes, in: header.body, boundary: boundary), !parts.isEmpty {
                for part in parts {
                    walk(HeaderBlock(bytes, part), depth: depth + 1)
                }
                return
            }
            // No usable boundary: the body is read as text.
            mediaType = "text/plain"
        }

        let dispositionType = disposition?.value ?? ""
        let filename = disposition?.string("filename") ?? contentType?.string("name")
        let isAttachment: Bool
        switch dispositionType {
        case "": isAttachment = filename != nil
        case "inline": isAttachment = false
        default: isAttachment = true
        }
        let encoding = header.first(FieldName.contentTransferEncoding, in: bytes)
            .map { TransferEncoding.kind(of: ASCII.lowercasedString(HeaderBlock.unfolded(bytes, $0))) }
            ?? .identity

        if !isAttachment, mediaType == "message/rfc822" || mediaType == "message/global", encoding == .identity {
            guard depth < MailParser.maximumDepth else { return }
            walk(HeaderBlock(bytes, header.body), depth: depth + 1)
            return
        }

        let isText = mediaType.hasPrefix("text/")
        guard isAttachment || isText else { return }
        let content = TransferEncoding.decode(bytes[header.body], encoding)
        var text: String?
        if isText {
            text = Self.text(of: content, mediaType: mediaType, charset: contentType?.token("charset"))
        }
        if isAttachment {
            attachments.append(MailAttachment(
                filename: filename.flatMap { $0.isEmpty ? nil : $0 },
                contentType: mediaType,
                size: content.count,
                text: text
            ))
            if let text, !text.isEmpty { attachmentTexts.append(text) }
        } else if let text, !text.isEmpty {
            bodyTexts.append(text)
        }
    }

    /// The text of a `text/*` part: charset decoded, line ends made LF, HTML converted, trimmed.
    static func text(of content: [UInt8], mediaType: String, charset: String?) -> String {
        if mediaType == "text/html" {
            // The converter reads every line end as white space, so they need no normalising.
            return HTMLText.plainText(fromHTML: Charset.decode(content, charset: charset))
        }
        if Charset.isASCIICompatible(charset) {
            return Charset.decode(LineEnds.normalized(content), charset: charset).trimmingWhitespace
        }
        return Charset.decode(content, charset: charset).replacingLineEnds().trimmingWhitespace
    }
}

/// CRLF and lone CR to LF, so that every text this module returns uses one line end.
enum LineEnds {
    static func normalized(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(ASCII.cr) else { return bytes }
        return bytes.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: input.count) { output, initialized in
                var out = 0
                var index = 0
                let count = input.count
                while index < count {
                    let byte = input[index]
                    index += 1
                    if byte == ASCII.cr {
                        if index < count, input[index] == ASCII.lf { index += 1 }
                        output[out] = ASCII.lf
                    } else {
                        output[out] = byte
                    }
                    out += 1
                }
                initialized = out
            }
        }
    }
}

extension String {
    /// CRLF and lone CR replaced by LF, for text decoded from charsets whose line ends are not bytes.
    func replacingLineEnds() -> String {
        guard contains("\r") || contains("\r\n") else { return self }
        var result = ""
        result.reserveCapacity(utf8.count)
        var previousWasCR = false
        for scalar in unicodeScalars {
            if scalar == "\r" {
                result.unicodeScalars.append("\n")
                previousWasCR = true
            } else if scalar == "\n", previousWasCR {
                previousWasCR = false
            } else {
                previousWasCR = false
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

/// Splits a multipart body at its delimiter lines (RFC 2046 §5.1.1).
enum Multipart {
    /// The ranges of the parts' entities, or nil when no delimiter line occurs. A delimiter is
    /// `--boundary`, optionally `--` (the close delimiter), then only blanks up to the line end. A
    /// missing close delimiter ends the last part at the end of the body; preamble and epilogue
    /// are dropped.
    static func parts(of bytes: [UInt8], in range: Range<Int>, boundary rawBoundary: [UInt8]) -> [Range<Int>]? {
        var boundary = rawBoundary[...]
        while let last = boundary.last, ASCII.isWhitespace(last) { boundary = boundary.dropLast() }
        guard !boundary.isEmpty else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var parts: [Range<Int>] = []
            var partStart: Int?
            var sawDelimiter = false
            let end = range.upperBound
            var lineStart = range.lowerBound
            while lineStart < end {
                let line = HeaderBlock.lineBounds(buffer, lineStart, end)
                if buffer[lineStart] == ASCII.minus,
                   let isClose = delimiter(buffer, lineStart, line.contentEnd, boundary) {
                    sawDelimiter = true
                    if let start = partStart {
                        parts.append(start..<max(start, lineEndBefore(buffer, lineStart, lowerLimit: start)))
                    }
                    if isClose { return parts }
                    partStart = line.next
                }
                lineStart = line.next
            }
            if let start = partStart { parts.append(start..<max(start, end)) }
            return sawDelimiter ? parts : nil
        }
    }

    /// Whether the line is a delimiter line: nil if not, true for the close delimiter.
    @inline(__always)
    private static func delimiter(
        _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ boundary: ArraySlice<UInt8>
    ) -> Bool? {
        guard end - start >= boundary.count + 2, bytes[start] == ASCII.minus, bytes[start + 1] == ASCII.minus else {
            return nil
        }
        var index = start + 2
        for byte in boundary {
            if bytes[index] != byte { return nil }
            index += 1
        }
        var isClose = false
        if index + 1 < end, bytes[index] == ASCII.minus, bytes[index + 1] == ASCII.minus {
            isClose = true
            index += 2
        }
        while index < end {
            if !ASCII.isWhitespace(bytes[index]) { return nil }
            index += 1
        }
        return isClose
    }

    /// Where the content before a delimiter line ends: the line break preceding the delimiter
    /// belongs to the delimiter.
    private static func lineEndBefore(_ bytes: UnsafeBufferPointer<UInt8>, _ lineStart: Int, lowerLimit: Int) -> Int {
        var end = lineStart
        if end > lowerLimit, bytes[end - 1] == ASCII.lf { end -= 1 }
        if end > lowerLimit, bytes[end - 1] == ASCII.cr { end -= 1 }
        return end
    }
}
