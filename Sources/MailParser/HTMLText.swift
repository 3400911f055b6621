/// HTML to plain text for rule matching and display.
///
/// `<head>`, `<style>`, `<script>`, `<title>` and comments (conditional ones included) are dropped;
/// named, decimal and hex character references are decoded; block elements and `<br>` become line
/// breaks and table cells are separated by tabs; runs of white space collapse as a browser would
/// collapse them, except inside `<pre>`. Image `alt` text is not text. Broken markup never fails:
/// an unclosed tag or comment ends the text, a `<` that starts no tag is text.
public enum HTMLText {
    /// The text a reader would see in `html`.
    public static func plainText(fromHTML html: String) -> String {
        var html = html
        return html.withUTF8 { convert($0) }
    }

    /// The text of UTF-8 encoded HTML.
    static func convert(_ input: UnsafeBufferPointer<UInt8>) -> String {
        var converter = Converter(input: input)
        converter.run()
        return converter.result()
    }
}

private struct Converter {
    let input: UnsafeBufferPointer<UInt8>
    var output: [UInt8] = []
    var pendingSpace = false
    var pendingBreaks = 0
    var pendingCell = false
    var inHead = false
    var preDepth = 0

    init(input: UnsafeBufferPointer<UInt8>) {
        self.input = input
        output.reserveCapacity(input.count / 2)
    }

    mutating func run() {
        // Borrowed once: each access to a static table costs a lazy-initialisation check.
        Self.endsTextRun.withUnsafeBufferPointer { endsTextRun in run(endsTextRun: endsTextRun) }
    }

    private mutating func run(endsTextRun: UnsafeBufferPointer<Bool>) {
        let end = input.count
        var index = 0
        while index < end {
            let byte = input[index]
            switch byte {
            case ASCII.lessThan:
                index = markup(at: index)
            case ASCII.ampersand:
                index = reference(at: index)
            case ASCII.space, ASCII.tab, ASCII.cr, ASCII.lf, 0x0C:
                if preDepth > 0 {
                    if byte != ASCII.cr { emitRaw(byte) }
                } else {
                    pendingSpace = true
                }
                index += 1
            default:
                // Plain text runs to the next markup, reference or white space: copied in one go
                // rather than byte by byte, since most of a report's text is such runs.
                var runEnd = index + 1
                while runEnd < end, !endsTextRun[Int(input[runEnd])] { runEnd += 1 }
                emit(run: index..<runEnd)
                index = runEnd
            }
        }
    }

    /// The bytes that end a run of plain text: `<`, `&` and HTML white space.
    private static let endsTextRun: [Bool] = (0...255).map { byte in
        [ASCII.lessThan, ASCII.ampersand, ASCII.space, ASCII.tab, ASCII.cr, ASCII.lf, 0x0C].contains(UInt8(byte))
    }

    func result() -> String {
        let range = ASCII.trimmed(output, 0..<output.count)
        return String(decoding: output[range], as: UTF8.self)
    }

    // MARK: Output

    @inline(__always)
    private mutating func flushPending() {
        if pendingBreaks > 0 {
            if !output.isEmpty {
                // Line ends never carry the collapsed space before them.
                while let last = output.last, last == ASCII.space || last == ASCII.tab { output.removeLast() }
                for _ in 0..<pendingBreaks { output.append(ASCII.lf) }
            }
        } else if pendingCell {
            if !output.isEmpty, output.last != ASCII.lf { output.append(ASCII.tab) }
        } else if pendingSpace {
            if let last = output.last, last != ASCII.lf, last != ASCII.tab { output.append(ASCII.space) }
        }
        pendingBreaks = 0
        pendingCell = false
        pendingSpace = false
    }

    @inline(__always)
    private mutating func emit(_ byte: UInt8) {
        if inHead {
            // Text in <head> is what browsers do not show, unless it is the first body text of a
            // document that never closes its head; real mail does the former.
            return
        }
        if pendingBreaks > 0 || pendingCell || pendingSpace { flushPending() }
        output.append(byte)
    }

    /// A run of plain text bytes, as `emit` would write them one by one.
    private mutating func emit(run range: Range<Int>) {
        guard !inHead else { return }
        if pendingBreaks > 0 || pendingCell || pendingSpace { flushPending() }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: input[range]))
    }

    /// Pre-formatted white space: kept as written.
    private mutating func emitRaw(_ byte: UInt8) {
        guard !inHead else { return }
        if pendingBreaks > 0 || pendingCell || pendingSpace { flushPending() }
        output.append(byte)
    }

    private mutating func emit(scalar: Unicode.Scalar) {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x20:
            if preDepth > 0 { emitRaw(UInt8(scalar.value)) } else { pendingSpace = true }
        case 0xA0:
            // A no-break space is a space that does not collapse.
            emit(ASCII.space)
        default:
            guard let encoded = UTF8.encode(scalar) else { return }
            for byte in encoded { emit(byte) }
        }
    }

    private mutating func lineBreak() {
        pendingBreaks = max(pendingBreaks, 1)
    }

    // MARK: Character references

    /// Decodes the reference at `start` (an `&`) and returns where the text continues.
    private mutating func reference(at start: Int) -> Int {
        let end = input.count
        var index = start + 1
        if index < end, input[index] == ASCII.hash {
            index += 1
            var isHex = false
            if index < end, input[index] | 0x20 == 0x78 {
                isHex = true
                index += 1
            }
            let digitsStart = index
            var value: UInt32 = 0
            while index < end {
                let digit: UInt8?
                if isHex { digit = ASCII.hexValue(input[index]) } else {
                    digit = ASCII.isDigit(input[index]) ? input[index] - 0x30 : nil
                }
                guard let digit else { break }
                // Saturate instead of overflowing; anything past U+10FFFF is invalid anyway.
                value = min(value * (isHex ? 16 : 10) + UInt32(digit), 0x11_0000)
                index += 1
            }
            guard index > digitsStart else {
                emit(ASCII.ampersand)
                return start + 1
            }
            if index < end, input[index] == ASCII.semicolon { index += 1 }
            emit(scalar: Self.numericScalar(value))
            return index
        }
        let nameStart = index
        while index < end, index - nameStart <= HTMLEntities.maximumNameLength,
              ASCII.isLetter(input[index]) || ASCII.isDigit(input[index]) {
            index += 1
        }
        let name = String(decoding: UnsafeBufferPointer(rebasing: input[nameStart..<index]), as: UTF8.self)
        if index < end, input[index] == ASCII.semicolon, let scalar = HTMLEntities.scalar(named: name) {
            emit(scalar: scalar)
            return index + 1
        }
        if HTMLEntities.legacyWithoutSemicolon.contains(name), let scalar = HTMLEntities.scalar(named: name) {
            emit(scalar: scalar)
            return index
        }
        emit(ASCII.ampersand)
        return start + 1
    }

    /// HTML's reading of a numeric reference: C1 controls are windows-1252, invalid values U+FFFD.
    private static func numericScalar(_ value: UInt32) -> Unicode.Scalar {
        let replacement: Unicode.Scalar = "\u{FFFD}"
        if value == 0 { return replacement }
        if (0x80...0x9F).contains(value) {
            let windows1252: [UInt32] = [
                0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                0x2039, 0x0152, 0x8D, 0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013,
                0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
            ]
            return Unicode.Scalar(windows1252[Int(value - 0x80)]) ?? replacement
        }
        return Unicode.Scalar(value) ?? replacement
    }

    // MARK: Markup

    /// Handles the markup starting at `start` (a `<`) and returns where the text continues.
    private mutating func markup(at start: Int) -> Int {
        let end = input.count
        let next = start + 1
        guard next < end else {
            emit(ASCII.lessThan)
            return end
        }
        let first = input[next]
        if first == ASCII.exclamation {
            if next + 2 < end, input[next + 1] == ASCII.minus, input[next + 2] == ASCII.minus {
                return skipComment(from: next + 3)
            }
            return skip(past: ASCII.greaterThan, from: next)
        }
        if first == ASCII.question {
            return skip(past: ASCII.greaterThan, from: next)
        }
        let isEnd = first == ASCII.slash
        let nameStart = isEnd ? next + 1 : next
        guard nameStart < end, ASCII.isLetter(input[nameStart]) else {
            emit(ASCII.lessThan)
            return next
        }
        var index = nameStart
        while index < end {
            let byte = input[index]
            if ASCII.isWhitespace(byte) || byte == ASCII.slash || byte == ASCII.greaterThan { break }
            index += 1
        }
        let nameRange = nameStart..<index
        let kind = TagKind(input, nameRange)
        let tagEnd = skipAttributes(from: index)
        if !isEnd, kind == .rawText {
            return skipRawText(named: nameRange, from: tagEnd)
        }
        apply(kind, isEnd: isEnd)
        return tagEnd
    }

    private mutating func apply(_ kind: TagKind, isEnd: Bool) {
        if inHead {
            let staysInHead = isEnd ? kind != .head : kind == .head || kind == .rawText || kind == .headOnly
            if !staysInHead { inHead = false }
        }
        switch kind {
        case .head:
            inHead = !isEnd
        case .lineBreak:
            pendingBreaks = min(pendingBreaks + 1, 2)
        case .cell:
            if !isEnd, pendingBreaks == 0 { pendingCell = true }
        case .preformatted:
            lineBreak()
            preDepth = isEnd ? max(0, preDepth - 1) : preDepth + 1
        case .block:
            lineBreak()
        case .rawText, .headOnly, .other:
            break
        }
    }

    /// Moves past the attributes of a tag; a quoted value may hold `>`. Returns the index after `>`.
    private func skipAttributes(from start: Int) -> Int {
        let end = input.count
        var index = start
        var afterEquals = false
        while index < end {
            let byte = input[index]
            if byte == ASCII.greaterThan { return index + 1 }
            if (byte == ASCII.quote || byte == ASCII.apostrophe) && afterEquals {
                index += 1
                while index < end, input[index] != byte { index += 1 }
                afterEquals = false
                index += 1
                continue
            }
            if byte == ASCII.equals {
                afterEquals = true
            } else if !ASCII.isWhitespace(byte) {
                afterEquals = false
            }
            index += 1
        }
        return end
    }

    private func skipComment(from start: Int) -> Int {
        let end = input.count
        var index = start
        while index + 2 < end {
            if input[index] == ASCII.minus, input[index + 1] == ASCII.minus, input[index + 2] == ASCII.greaterThan {
                return index + 3
            }
            index += 1
        }
        return end
    }

    private func skip(past target: UInt8, from start: Int) -> Int {
        var index = start
        while index < input.count {
            if input[index] == target { return index + 1 }
            index += 1
        }
        return input.count
    }

    /// Skips the content of a raw-text element up to and including its end tag.
    private func skipRawText(named name: Range<Int>, from start: Int) -> Int {
        let end = input.count
        var index = start
        while index + 1 < end {
            if input[index] == ASCII.lessThan, input[index + 1] == ASCII.slash {
                let nameStart = index + 2
                let nameEnd = nameStart + name.count
                if nameEnd <= end, matchesIgnoringCase(nameStart, name),
                   nameEnd == end || !ASCII.isLetter(input[nameEnd]) {
                    return skip(past: ASCII.greaterThan, from: nameEnd)
                }
            }
            index += 1
        }
        return end
    }

    private func matchesIgnoringCase(_ start: Int, _ name: Range<Int>) -> Bool {
        var index = start
        for expected in name {
            if ASCII.lowercased(input[index]) != ASCII.lowercased(input[expected]) { return false }
            index += 1
        }
        return true
    }
}

/// What a tag means to the converter, found from its name without building a string: the name's
/// first eight bytes, lowercased, packed into an integer key.
private enum TagKind {
    case head, lineBreak, cell, preformatted, block, rawText, headOnly, other

    init(_ input: UnsafeBufferPointer<UInt8>, _ name: Range<Int>) {
        if name.count > 8 {
            let long = Self.pack(input, name.lowerBound..<(name.lowerBound + 8))
            let isLongBlock = name.count == 10 && (long == Self.blockquotePrefix || long == Self.figcaptionPrefix)
            self = isLongBlock ? .block : .other
            return
        }
        self = Self.lookup(Self.pack(input, name))
    }

    /// Binary search in the sorted key table: cheaper than hashing for a few dozen names.
    private static func lookup(_ key: UInt64) -> TagKind {
        var low = 0
        var high = table.count
        while low < high {
            let middle = (low + high) / 2
            let entry = table[middle]
            if entry.key == key { return entry.kind }
            if entry.key < key { low = middle + 1 } else { high = middle }
        }
        return .other
    }

    private static func pack(_ input: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt64 {
        var key: UInt64 = 0
        for index in range { key = key << 8 | UInt64(ASCII.lowercased(input[index])) }
        return key
    }

    private static func pack(_ name: String) -> UInt64 {
        name.utf8.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static let blockquotePrefix = pack("blockquo")
    private static let figcaptionPrefix = pack("figcapti")

    private static let table: [(key: UInt64, kind: TagKind)] = {
        var kinds: [UInt64: TagKind] = [
            pack("head"): .head, pack("br"): .lineBreak, pack("td"): .cell, pack("th"): .cell,
            pack("pre"): .preformatted,
        ]
        for name in ["script", "style", "title", "xml"] { kinds[pack(name)] = .rawText }
        for name in ["meta", "link", "base", "noscript", "template"] { kinds[pack(name)] = .headOnly }
        let blocks = [
            "address", "article", "aside", "body", "caption", "center", "dd", "details", "dialog", "dir", "div",
            "dl", "dt", "fieldset", "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header",
            "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "option", "p", "section", "summary",
            "table", "tbody", "tfoot", "thead", "tr", "ul",
        ]
        for name in blocks { kinds[pack(name)] = .block }
        return kinds.map { (key: $0.key, kind: $0.value) }.sorted { $0.key < $1.key }
    }()
}
