import Foundation

/// RFC 5322 dates, obsolete forms included: optional day name, two- and three-digit years,
/// missing seconds, named and military zones, comments, and the asctime-like `Feb 3 10:00:00 2025`.
enum MailDate {
    static func parse(_ input: [UInt8]) -> Date? {
        var day: Int?
        var month: Int?
        var year: Int?
        var yearDigits = 0
        var time: (hour: Int, minute: Int, second: Int)?
        var offsetSeconds: Int?

        for token in tokens(input) {
            let first = token[token.startIndex]
            if token.contains(ASCII.colon) {
                if time == nil { time = parseTime(token) }
            } else if (first == ASCII.plus || first == ASCII.minus) && token.count > 1 {
                if offsetSeconds == nil, time != nil { offsetSeconds = parseNumericZone(token) }
            } else if ASCII.isDigit(first) {
                guard token.allSatisfy(ASCII.isDigit), token.count <= 9 else { continue }
                let value = token.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                if day == nil, year == nil || month != nil, token.count <= 2, value >= 1, value <= 31,
                   time == nil || month != nil {
                    day = value
                } else if year == nil {
                    year = value
                    yearDigits = token.count
                }
            } else if ASCII.isLetter(first) {
                if month == nil, let found = monthNumber(token) {
                    month = found
                } else if offsetSeconds == nil, time != nil, token.count <= 4,
                          let zone = namedZones[ASCII.lowercasedString(token)] {
                    offsetSeconds = zone * 3600
                }
            }
        }
        guard let day, let month, var year, let time else { return nil }
        if yearDigits <= 2 {
            year += year < 50 ? 2000 : 1900
        } else if yearDigits == 3 {
            year += 1900
        }
        guard (1...9999).contains(year), day <= daysIn(month: month, year: year),
              time.hour < 24, time.minute < 60, time.second <= 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + time.hour * 3600 + time.minute * 60 + time.second - (offsetSeconds ?? 0)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Words, numbers, times and zones; comments are skipped, and `-` splits `03-Feb-2025` but
    /// starts a zone after white space.
    private static func tokens(_ input: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var index = 0
        let end = input.count
        var depth = 0
        while index < end {
            let byte = input[index]
            if byte == ASCII.openParen { depth += 1; index += 1; continue }
            if byte == ASCII.closeParen { depth = max(0, depth - 1); index += 1; continue }
            if depth > 0 || ASCII.isWhitespace(byte) || byte == ASCII.comma || byte == ASCII.slash {
                index += 1
                continue
            }
            let start = index
            if byte == ASCII.plus || byte == ASCII.minus {
                index += 1
                let previous = start > 0 ? input[start - 1] : ASCII.space
                let startsZone = ASCII.isWhitespace(previous) || previous == ASCII.closeParen
                guard startsZone else { continue }
                while index < end, ASCII.isDigit(input[index]) { index += 1 }
                if index - start > 1 { result.append(input[start..<index]) }
                continue
            }
            if ASCII.isLetter(byte) {
                while index < end, ASCII.isLetter(input[index]) { index += 1 }
            } else if ASCII.isDigit(byte) {
                while index < end, ASCII.isDigit(input[index]) || input[index] == ASCII.colon || input[index] == 0x2E {
                    index += 1
                }
            } else {
                index += 1
                continue
            }
            result.append(input[start..<index])
        }
        return result
    }

    private static func parseTime(_ token: ArraySlice<UInt8>) -> (hour: Int, minute: Int, second: Int)? {
        let fields = token.split(separator: ASCII.colon, omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3 else { return nil }
        var values: [Int] = []
        for field in fields {
            // Fractions of a second are dropped.
            let whole = field.prefix { ASCII.isDigit($0) }
            guard !whole.isEmpty, whole.count <= 2 else { return nil }
            values.append(whole.reduce(0) { $0 * 10 + Int($1 - 0x30) })
        }
        return (values[0], values[1], values.count == 3 ? values[2] : 0)
    }

    private static func parseNumericZone(_ token: ArraySlice<UInt8>) -> Int? {
        let digits = token.dropFirst()
        guard digits.count == 4 || digits.count == 2 else { return nil }
        let value = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let hours = digits.count == 4 ? value / 100 : value
        let minutes = digits.count == 4 ? value % 100 : 0
        guard hours <= 23, minutes <= 59 else { return nil }
        let seconds = hours * 3600 + minutes * 60
        return token[token.startIndex] == ASCII.minus ? -seconds : seconds
    }

    /// The month of a name or abbreviation, by its first three letters.
    private static func monthNumber(_ word: ArraySlice<UInt8>) -> Int? {
        guard word.count >= 3 else { return nil }
        let key = word.prefix(3).reduce(0) { $0 << 8 | UInt32(ASCII.lowercased($1)) }
        return monthKeys.firstIndex(of: key).map { $0 + 1 }
    }

    private static let monthKeys: [UInt32] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                              "nov", "dec"].map { $0.utf8.reduce(0) { $0 << 8 | UInt32($1) } }

    /// RFC 5322 §4.3 zones; military letters other than Z are ambiguous in practice and read as UTC.
    private static let namedZones: [String: Int] = {
        var zones = ["ut": 0, "utc": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5,
                     "mst": -7, "mdt": -6, "pst": -8, "pdt": -7, "cet": 1, "cest": 2, "bst": 1]
        for letter in "abcdefghiklmnopqrstuvwxy" where zones[String(letter)] == nil {
            zones[String(letter)] = 0
        }
        return zones
    }()

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
