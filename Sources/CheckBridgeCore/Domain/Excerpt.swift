/// The short text shown for a result in lists and tickets.
public enum Excerpt {
    /// Characters kept of a result's text.
    public static let length = 500

    /// `text` with runs of white space folded to one space, trimmed, cut to `limit` characters.
    ///
    /// Works on Unicode scalars, not grapheme clusters: it runs for every result stored, and
    /// splitting a long body into `Character`s costs more than everything else ingest does with it.
    public static func make(_ text: String, limit: Int = length) -> String {
        if let ascii = makeASCII(text, limit: limit) { return ascii }
        var output = String.UnicodeScalarView()
        var count = 0
        var pendingSpace = false
        var started = false
        for scalar in text.unicodeScalars {
            let isWhitespace =
                scalar.isASCII
                ? (scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D)) : scalar.properties.isWhitespace
            if isWhitespace {
                pendingSpace = started
                continue
            }
            if count >= limit { break }
            if pendingSpace {
                output.append(" ")
                count += 1
                pendingSpace = false
                if count >= limit { break }
            }
            output.append(scalar)
            started = true
            count += 1
        }
        return String(output)
    }

    /// `make` for text that is ASCII as far as the excerpt reaches, the usual report: one byte is
    /// one character, so the bytes are folded into a buffer and decoded once. Nil at the first
    /// other byte before the cut; what lies after the cut is not read at all.
    private static func makeASCII(_ text: String, limit: Int) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(min(text.utf8.count, limit))
        var pendingSpace = false
        for byte in text.utf8 {
            if byte >= 0x80 { return nil }
            if byte == UInt8(ascii: " ") || (byte >= 0x09 && byte <= 0x0D) {
                pendingSpace = !output.isEmpty
                continue
            }
            if output.count >= limit { break }
            if pendingSpace {
                output.append(UInt8(ascii: " "))
                pendingSpace = false
                if output.count >= limit { break }
            }
            output.append(byte)
        }
        return String(decoding: output, as: UTF8.self)
    }
}
