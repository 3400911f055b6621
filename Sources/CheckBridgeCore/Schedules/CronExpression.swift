/// Why a text is not a cron expression, naming the field and the value at fault.
public struct CronSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in words a user can act on: `minute field: 61 is out of range 0-59`.
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// A standard five-field cron expression (minute hour day-of-month month day-of-week) with Vixie cron's meaning.
///
/// Accepted syntax: `*`, numbers, lists `a,b`, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n` (from `a` to the
/// field's maximum), month names `JAN`–`DEC` and weekday names `SUN`–`SAT` in any case, day-of-week 0–7 with
/// both 0 and 7 meaning Sunday, and the macros `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`,
/// `@midnight`, `@hourly`.
///
/// Day matching follows Vixie cron: when both day-of-month and day-of-week are restricted, a day matches if
/// *either* does. A field counts as unrestricted when it starts with `*` — so `*/2` in day-of-month is
/// "unrestricted" for this rule, as in Vixie cron and cronie, and `0 0 */2 * 1` means odd days that are Mondays.
///
/// Times are wall-clock times in a time zone; see `next(after:in:)` for what happens around DST changes.
/// Two expressions are equal when their normalized text is equal, so the text survives a round trip unchanged.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written, fields separated by single spaces (macros lowercased).
    public let text: String

    /// Allowed values as bit sets: bit `n` set means value `n` is allowed.
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    /// Sunday is bit 0; a 7 in the text is folded onto it.
    let daysOfWeek: UInt64
    /// Vixie's "field starts with `*`" flags, which choose between AND and OR day matching.
    let dayOfMonthIsStar: Bool
    let dayOfWeekIsStar: Bool

    /// Parses `text`; the error names the field and the value that is wrong.
    public init(_ text: String) throws(CronSyntaxError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            .map(String.init)
        guard let first = fields.first else {
            throw CronSyntaxError(message: "is empty; expected five fields (\(Self.fieldNamesText)) or a macro")
        }
        if first.hasPrefix("@") {
            guard fields.count == 1 else {
                throw CronSyntaxError(message: "a macro such as \(first) stands alone, without other fields")
            }
            let name = first.lowercased()
            guard let expansion = Self.macros[name] else {
                let known = Self.macros.keys.sorted().joined(separator: ", ")
                throw CronSyntaxError(message: "unknown macro \(first) (known: \(known))")
            }
            try self.init(fields: expansion.split(separator: " ").map(String.init), text: name)
            return
        }
        guard fields.count == 5 else {
            throw CronSyntaxError(
                message: "expected five fields (\(Self.fieldNamesText)), got \(fields.count): \"\(text)\"")
        }
        try self.init(fields: fields, text: fields.joined(separator: " "))
    }

    private init(fields: [String], text: String) throws(CronSyntaxError) {
        self.text = text
        minutes = try Self.parseField(fields[0], .minute)
        hours = try Self.parseField(fields[1], .hour)
        daysOfMonth = try Self.parseField(fields[2], .dayOfMonth)
        months = try Self.parseField(fields[3], .month)
        var weekdays = try Self.parseField(fields[4], .dayOfWeek)
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays | 1) & ~(1 << 7)
        }
        daysOfWeek = weekdays
        dayOfMonthIsStar = fields[2].hasPrefix("*")
        dayOfWeekIsStar = fields[4].hasPrefix("*")
    }

    public var description: String { text }

    /// Whether any calendar date can ever match: false for `0 0 30 2 *` and `0 0 31 4,6,9,11 *`.
    ///
    /// With OR matching some weekday always comes, so only AND matching (a `*`-field on one side) can be
    /// impossible; with AND, each (month, day) pair falls on every weekday over the 400-year cycle.
    public var canEverFire: Bool {
        if !dayOfMonthIsStar && !dayOfWeekIsStar { return true }
        guard daysOfWeek != 0 else { return false }
        for month in 1...12 where months & (1 << UInt64(month)) != 0 {
            let longest = CivilCalendar.longestMonthLength(month)
            if daysOfMonth & ((UInt64(1) << UInt64(longest + 1)) - 1) != 0 { return true }
        }
        return false
    }

    /// Whether a civil date matches the day-of-month, month and day-of-week fields.
    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        let dayOfMonthHit = daysOfMonth & (1 << UInt64(day)) != 0
        let weekday = CivilCalendar.weekday(year: year, month: month, day: day)
        let dayOfWeekHit = daysOfWeek & (1 << UInt64(weekday)) != 0
        if dayOfMonthIsStar || dayOfWeekIsStar {
            return dayOfMonthHit && dayOfWeekHit
        }
        return dayOfMonthHit || dayOfWeekHit
    }

    // MARK: - Parsing

    private static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *",
        "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    private static let fieldNamesText = "minute hour day-of-month month day-of-week"

    enum Field {
        case minute, hour, dayOfMonth, month, dayOfWeek

        var name: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// Day-of-week admits 7 (Sunday again) while parsing; it is folded onto 0 afterwards.
        var bounds: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        var names: [String] {
            switch self {
            case .month: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
            default: []
            }
        }

        /// The value the first name stands for: JAN is month 1, SUN is weekday 0.
        var firstNameValue: Int { self == .month ? 1 : 0 }

        var expectation: String {
            let range = "\(bounds.lowerBound)-\(bounds.upperBound)"
            switch self {
            case .month: return "a number \(range) or a name JAN-DEC"
            case .dayOfWeek: return "a number \(range) or a name SUN-SAT"
            default: return "a number \(range)"
            }
        }
    }

    private static func parseField(_ text: String, _ field: Field) throws(CronSyntaxError) -> UInt64 {
        var bits: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw CronSyntaxError(message: "\(field.name) field: empty list element in \"\(text)\"")
            }
            bits |= try parseItem(String(item), field)
        }
        return bits
    }

    private static func parseItem(_ item: String, _ field: Field) throws(CronSyntaxError) -> UInt64 {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw CronSyntaxError(message: "\(field.name) field: \"\(item)\" has more than one step (/)")
        }
        let rangeText = String(parts[0])
        var step = 1
        if parts.count == 2 {
            let span = field.bounds.count
            let stepText = String(parts[1])
            guard let parsed = decimal(stepText), (1...span).contains(parsed) else {
                throw CronSyntaxError(
                    message: "\(field.name) field: step \"\(stepText)\" in \"\(item)\" must be a number 1-\(span)")
            }
            step = parsed
        }
        let low: Int
        let high: Int
        if rangeText == "*" {
            low = field.bounds.lowerBound
            high = field == .dayOfWeek ? 6 : field.bounds.upperBound
        } else {
            let ends = rangeText.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 1:
                low = try value(String(ends[0]), field)
                // `a/n` runs from a to the field's maximum, as cronie reads it; a lone `a` is just a.
                high = parts.count == 2 ? (field == .dayOfWeek ? 6 : field.bounds.upperBound) : low
            case 2:
                low = try value(String(ends[0]), field)
                high = try value(String(ends[1]), field)
                guard low <= high else {
                    throw CronSyntaxError(
                        message: "\(field.name) field: range \"\(rangeText)\" runs backwards (\(low) > \(high))")
                }
            default:
                throw CronSyntaxError(message: "\(field.name) field: \"\(item)\" is not a value, range or step")
            }
        }
        var bits: UInt64 = 0
        for number in stride(from: low, through: high, by: step) {
            bits |= 1 << UInt64(number)
        }
        return bits
    }

    private static func value(_ text: String, _ field: Field) throws(CronSyntaxError) -> Int {
        if let number = decimal(text) {
            guard field.bounds.contains(number) else {
                let range = "\(field.bounds.lowerBound)-\(field.bounds.upperBound)"
                throw CronSyntaxError(message: "\(field.name) field: \(text) is out of range \(range)")
            }
            return number
        }
        if let index = field.names.firstIndex(of: text.uppercased()) {
            return index + field.firstNameValue
        }
        let shown = text.isEmpty ? "an empty value" : "\"\(text)\""
        throw CronSyntaxError(message: "\(field.name) field: \(shown) is not \(field.expectation)")
    }

    /// Plain ASCII digits only: `Int("+5")` would accept a sign, and four digits are more than any field needs.
    private static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 4, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return nil
        }
        return Int(text)
    }
}
