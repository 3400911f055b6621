/// The short text shown for a result in lists and tickets.
public enum Excerpt {
    /// Characters kept of a result's text.
    public static let length = 500

    /// `text` with runs of white space folded to one space, trimmed, cut to `limit` characters.
    public static func make(_ text: String, limit: Int = length) -> String {
        var output = ""
        output.reserveCapacity(min(text.utf8.count, limit * 2))
        var count = 0
        var pendingSpace = false
        for character in text {
            if character.isWhitespace {
                pendingSpace = !output.isEmpty
                continue
            }
            if pendingSpace {
                output.append(" ")
                count += 1
                pendingSpace = false
            }
            if count >= limit { break }
            output.append(character)
            count += 1
        }
        return output
    }
}
