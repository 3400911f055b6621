import Foundation

/// Proleptic Gregorian date arithmetic on plain integers.
///
/// The cron search walks wall-clock fields thousands of times per catch-up; integer arithmetic keeps that in
/// microseconds, and the only zone-dependent question (the UTC offset at an instant) goes to `TimeZone`.
enum CivilCalendar {
    /// Days since 1970-01-01 (Howard Hinnant's days-from-civil, exact for the proleptic Gregorian calendar).
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    static func date(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The most days a month ever has (February 29 counts).
    static func longestMonthLength(_ month: Int) -> Int {
        daysInMonth(year: 2000, month: month)
    }

    /// 0 = Sunday … 6 = Saturday; 1970-01-01 was a Thursday.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let days = daysSinceEpoch(year: year, month: month, day: day)
        return ((days % 7) + 7 + 4) % 7
    }
}

/// A wall-clock minute: what a clock on the wall in some zone shows, with no zone attached.
struct WallMinute: Hashable, Comparable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    /// The wall time as seconds since 1970-01-01T00:00 on the same wall clock ("local epoch seconds").
    var localSeconds: Int64 {
        let days = CivilCalendar.daysSinceEpoch(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60)
    }

    /// The wall minute containing `localSeconds` (floored).
    init(localSeconds: Int64) {
        let (days, secondsOfDay) = localSeconds.flooredDivision(by: 86_400)
        let date = CivilCalendar.date(daysSinceEpoch: Int(days))
        self.init(
            year: date.year, month: date.month, day: date.day,
            hour: Int(secondsOfDay / 3600), minute: Int(secondsOfDay / 60 % 60))
    }

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    static func < (lhs: WallMinute, rhs: WallMinute) -> Bool { lhs.localSeconds < rhs.localSeconds }
}

/// Maps between instants (UTC seconds) and wall-clock times in one zone, with CheckBridge's DST rule.
///
/// The rule: a wall time fires at the *earliest instant at which the zone's clock has shown it or passed it*,
/// i.e. `instant(wall) = min { t : t + offset(t) ≥ wall }`. That gives:
/// - an ordinary wall time: its one instant;
/// - a wall time repeated by a fall-back (02:30 on the last Sunday of October in Europe/Berlin): its first
///   occurrence only — the clock has already shown it once, so the second pass does not fire again;
/// - a wall time skipped by a spring-forward (02:30 on the last Sunday of March in Europe/Berlin): the first
///   valid instant after the gap (03:00 local), once — several skipped times collapse onto that one instant.
/// This map never decreases as the wall time grows, which is what lets the search run on wall fields and then
/// convert, and lets "the first fire after t" be found from the first wall minute whose instant is after t.
struct ZonedWallClock {
    let timeZone: TimeZone

    /// Offsets never exceed ±18 h, so every instant showing a wall time lies within this window of it.
    private static let offsetWindow: Int64 = 18 * 3600

    func offset(at second: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(second))))
    }

    /// The wall-clock seconds the zone shows at `second`.
    func localSeconds(at second: Int64) -> Int64 {
        second + offset(at: second)
    }

    /// The instant (UTC seconds) at which `wall` fires under the rule above.
    ///
    /// Assumes at most one offset change within 18 hours of the wall time, which holds for every zone
    /// in use today; with more, the answer is still an instant near the wall time, never a crash or a hang.
    func instant(of wall: WallMinute) -> Int64 {
        let local = wall.localSeconds
        let offsets = Set([
            offset(at: local - Self.offsetWindow), offset(at: local), offset(at: local + Self.offsetWindow),
        ])
        var earliest: Int64?
        for candidateOffset in offsets {
            let candidate = local - candidateOffset
            if offset(at: candidate) == candidateOffset, candidate < (earliest ?? .max) {
                earliest = candidate
            }
        }
        if let earliest { return earliest }
        // In a gap: the transition instant, the first moment the clock reads at or past the wall time.
        var low = local - (offsets.max() ?? 0)
        var high = local - (offsets.min() ?? 0)
        guard localSeconds(at: high) >= local, localSeconds(at: low) < local else { return high }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if localSeconds(at: middle) >= local { high = middle } else { low = middle }
        }
        return high
    }

    /// The first wall minute whose instant is strictly after `second`.
    ///
    /// Usually the minute after the wall time shown at `second`; during the second pass of a fall-back hour the
    /// clock shows times that already fired, so the boundary lies later and is found by bisection.
    func firstWallMinute(after second: Int64) -> WallMinute {
        let shown = localSeconds(at: second)
        let (minutes, _) = shown.flooredDivision(by: 60)
        let candidate = (minutes + 1) * 60
        if instant(of: WallMinute(localSeconds: candidate)) > second {
            return WallMinute(localSeconds: candidate)
        }
        // Walls in [low, high) in minutes: instant(low) <= second < instant(high); a day covers any repeat.
        var low = minutes + 1
        var high = minutes + 1 + 24 * 60
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if instant(of: WallMinute(localSeconds: middle * 60)) > second { high = middle } else { low = middle }
        }
        return WallMinute(localSeconds: high * 60)
    }
}

extension Int64 {
    /// Division rounding toward negative infinity, with a non-negative remainder.
    func flooredDivision(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
