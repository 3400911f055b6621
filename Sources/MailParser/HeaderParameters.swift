/// A structured MIME header value: `value; name=token; name="quoted"; name*=charset'lang'%XX;
/// name*0*=…; name*1=…` (RFC 2045, RFC 2231).
struct HeaderParameters {
    /// The value before the first `;`, lowercased and trimmed (`text/plain`, `attachment`).
    let value: String
    /// Plain parameters in order; a handful per header, so a list beats hashing.
    private var plain: [(name: String, value: [UInt8])] = []
    private var extended: [(name: String, value: String)] = []

    /// RFC 2231 sections are collected per name, then joined in index order.
    private struct Section {
        let name: String
        let index: Int
        let bytes: [UInt8]
        let isEncoded: Bool
    }

    /// Sections past this are dropped: enough for any real file name, and bounds the work.
    private static let maximumSections = 1000

    init(_ input: [UInt8]) {
        let end = input.count
        var index = 0
        while index < end, input[index] != ASCII.semicolon { index += 1 }
        value = ASCII.lowercasedString(input[ASCII.trimmed(input, 0..<index)])
        var sections: [Section] = []
        while index < end {
            index += 1
            let nameStart = index
            while index < end, input[index] != ASCII.equals, input[index] != ASCII.semicolon { index += 1 }
            let nameRange = ASCII.trimmed(input, nameStart..<index)
            guard index < end, input[index] == ASCII.equals else { continue }
            index += 1
            while index < end, ASCII.isWhitespace(input[index]) { index += 1 }
            var rawValue: [UInt8] = []
            if index < end, input[index] == ASCII.quote {
                index += 1
                let valueStart = index
                while index < end, input[index] != ASCII.quote, input[index] != ASCII.backslash { index += 1 }
                rawValue.append(contentsOf: input[valueStart..<index])
                while index < end, input[index] != ASCII.quote {
                    if input[index] == ASCII.backslash, index + 1 < end { index += 1 }
                    rawValue.append(input[index])
                    index += 1
                }
                // Anything between the closing quote and the next `;` is junk.
                while index < end, input[index] != ASCII.semicolon { index += 1 }
            } else {
                let valueStart = index
                while index < end, input[index] != ASCII.semicolon { index += 1 }
                rawValue = Array(input[ASCII.trimmed(input, valueStart..<index)])
            }
            guard !nameRange.isEmpty else { continue }
            if let star = input[nameRange].firstIndex(of: ASCII.asterisk) {
                guard sections.count < Self.maximumSections else { continue }
                let suffix = input[(star + 1)..<nameRange.upperBound]
                let isEncoded = suffix.isEmpty || suffix.last == ASCII.asterisk
                let digits = suffix.last == ASCII.asterisk ? suffix.dropLast() : suffix
                guard digits.count <= 4, digits.allSatisfy(ASCII.isDigit) else { continue }
                let number = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                sections.append(Section(name: ASCII.lowercasedString(input[nameRange.lowerBound..<star]),
                                        index: number, bytes: rawValue, isEncoded: isEncoded))
            } else {
                let name = ASCII.lowercasedString(input[nameRange])
                if !plain.contains(where: { $0.name == name }) { plain.append((name, rawValue)) }
            }
        }
        if !sections.isEmpty {
            var names: [String] = []
            for section in sections where !names.contains(section.name) { names.append(section.name) }
            for name in names {
                extended.append((name, Self.joinSections(sections.filter { $0.name == name })))
            }
        }
    }

    /// The parameter as bytes, unchanged: for boundaries, which must match byte for byte.
    func bytes(_ name: String) -> [UInt8]? {
        if let raw = plain.first(where: { $0.name == name }) { return raw.value }
        return extended.first { $0.name == name }.map { Array($0.value.utf8) }
    }

    /// The parameter as text: RFC 2231 decoded when given that way, else with RFC 2047 encoded
    /// words decoded (which mailers put in quoted file names although RFC 2047 forbids it).
    func string(_ name: String) -> String? {
        if let decoded = extended.first(where: { $0.name == name }) { return decoded.value }
        return plain.first { $0.name == name }.map { EncodedWords.decode($0.value) }
    }

    /// A token parameter (charset, boundary) lowercased and trimmed; nil when absent or empty.
    func token(_ name: String) -> String? {
        guard let raw = bytes(name) else { return nil }
        let text = ASCII.lowercasedString(raw[ASCII.trimmed(raw, 0..<raw.count)])
        return text.isEmpty ? nil : text
    }

    /// Joins RFC 2231 sections in index order: the first encoded section names the charset
    /// (`charset'language'`), encoded sections are percent-decoded, and all bytes are decoded once.
    private static func joinSections(_ unsorted: [Section]) -> String {
        let parts = unsorted.sorted { $0.index < $1.index }
        var bytes: [UInt8] = []
        var charset: String?
        var seen = Set<Int>()
        for (position, part) in parts.enumerated() where seen.insert(part.index).inserted {
            var payload = part.bytes[...]
            if part.isEncoded, position == 0 {
                if let first = payload.firstIndex(of: ASCII.apostrophe),
                   let second = payload[(first + 1)...].firstIndex(of: ASCII.apostrophe) {
                    charset = ASCII.lowercasedString(payload[payload.startIndex..<first])
                    payload = payload[(second + 1)...]
                }
            }
            if part.isEncoded {
                appendPercentDecoded(payload, to: &bytes)
            } else {
                bytes.append(contentsOf: payload)
            }
        }
        return Charset.decode(bytes, charset: charset)
    }

    private static func appendPercentDecoded(_ input: ArraySlice<UInt8>, to output: inout [UInt8]) {
        var index = input.startIndex
        while index < input.endIndex {
            if input[index] == ASCII.percent, index + 2 < input.endIndex,
               let high = ASCII.hexValue(input[index + 1]), let low = ASCII.hexValue(input[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(input[index])
                index += 1
            }
        }
    }
}
