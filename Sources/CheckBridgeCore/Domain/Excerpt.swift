/// The short text shown for a result in lists and tickets.
public enum Excerpt {
    /// Characters kept of a result's text.
    public static let length = 500

    /// `text` with runs of white space folded to one space, trimmed, cut to `limit` characters.
    ///
    /// Works on Unicode scalars, not grapheme clusters: it runs for every result stored, and
    /// splitting a long body into `Character`s costs more than everything else ingest does with it.
    public static func make(_ text: String, limit: Int = length) -> String {
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
}
