import Foundation

extension CronExpression {
    /// How far either search looks before concluding the expression does not fire: eight years, the longest
    /// gap between two February 29ths (2096 → 2104), so `0 0 29 2 *` is always found.
    static let searchHorizonYears = 8

    /// The first fire time strictly after `date`, wall-clock times read in `timeZone`; nil when nothing fires
    /// within eight years (`0 0 30 2 *` never does).
    ///
    /// DST: a wall time skipped by a spring-forward fires once, at the first instant after the gap (02:30 on
    /// Europe/Berlin's last Sunday of March fires at 03:00 CEST); a wall time repeated by a fall-back fires
    /// once, at its first occurrence (02:30 CEST, not again at 02:30 CET). See `ZonedWallClock`.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        nextFire(afterSecond: Self.flooredSeconds(date), in: timeZone).map(Self.date)
    }

    /// The last fire time at or before `date` (the same rules as `next(after:in:)`); nil when nothing fired
    /// within the eight years before it. Lets a catch-up jump straight to the latest period.
    public func previous(atOrBefore date: Date, in timeZone: TimeZone) -> Date? {
        previousFire(atOrBeforeSecond: Self.flooredSeconds(date), in: timeZone).map(Self.date)
    }

    /// Fire instants are whole seconds, so "after 10.5" is "after 10" and "at or before 10.5" is "at or before 10".
    static func flooredSeconds(_ date: Date) -> Int64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        // Far outside any schedule's use; clamping keeps the conversion from trapping.
        guard seconds > -1e15 else { return -1_000_000_000_000_000 }
        guard seconds < 1e15 else { return 1_000_000_000_000_000 }
        return Int64(seconds)
    }

    private static func date(_ second: Int64) -> Date {
        Date(timeIntervalSince1970: Double(second))
    }

    /// Years outside this range are refused: they are nowhere near a real schedule, and keeping to them means
    /// the integer calendar arithmetic can never overflow.
    private static let supportedYears = 1...9999

    /// The first fire instant (UTC seconds) strictly after `second`.
    func nextFire(afterSecond second: Int64, in timeZone: TimeZone) -> Int64? {
        let clock = ZonedWallClock(timeZone: timeZone)
        guard let wall = firstMatch(atOrAfter: clock.firstWallMinute(after: second)) else { return nil }
        return clock.instant(of: wall)
    }

    /// The last fire instant (UTC seconds) at or before `second`.
    func previousFire(atOrBeforeSecond second: Int64, in timeZone: TimeZone) -> Int64? {
        let clock = ZonedWallClock(timeZone: timeZone)
        // The wall minutes whose instant is at or before `second` are exactly those before this boundary,
        // because the wall-to-instant map never decreases.
        let boundary = clock.firstWallMinute(after: second)
        guard let wall = lastMatch(atOrBefore: WallMinute(localSeconds: boundary.localSeconds - 60)) else {
            return nil
        }
        return clock.instant(of: wall)
    }

    /// The first wall minute at or after `start` that matches every field.
    ///
    /// Field jumping: an unmatched month skips to the next allowed month, an unmatched day to the next matching
    /// day, and so on, each lower field restarting at its minimum. Every step moves forward by at least a
    /// minute and each restart moves a coarser field, so the loop runs a few hundred rounds at most.
    func firstMatch(atOrAfter start: WallMinute) -> WallMinute? {
        guard Self.supportedYears.contains(start.year) else { return nil }
        let lastYear = min(start.year + Self.searchHorizonYears, Self.supportedYears.upperBound)
        var (year, month, day, hour, minute) = (start.year, start.month, start.day, start.hour, start.minute)
        while year <= lastYear {
            guard let allowedMonth = Self.firstBit(months, from: month, through: 12) else {
                (year, month, day, hour, minute) = (year + 1, 1, 1, 0, 0)
                continue
            }
            if allowedMonth != month {
                (month, day, hour, minute) = (allowedMonth, 1, 0, 0)
            }
            let monthLength = CivilCalendar.daysInMonth(year: year, month: month)
            guard day <= monthLength,
                  let matchingDay = (day...monthLength).first(where: { matchesDay(year: year, month: month, day: $0) })
            else {
                (month, day, hour, minute) = (month + 1, 1, 0, 0)
                if month > 12 { (year, month) = (year + 1, 1) }
                continue
            }
            if matchingDay != day {
                (day, hour, minute) = (matchingDay, 0, 0)
            }
            guard let allowedHour = Self.firstBit(hours, from: hour, through: 23) else {
                (day, hour, minute) = (day + 1, 0, 0)
                if day > monthLength { (month, day) = (month + 1, 1) }
                if month > 12 { (year, month) = (year + 1, 1) }
                continue
            }
            if allowedHour != hour {
                (hour, minute) = (allowedHour, 0)
            }
            guard let allowedMinute = Self.firstBit(minutes, from: minute, through: 59) else {
                (hour, minute) = (hour + 1, 0)
                if hour > 23 { (day, hour) = (day + 1, 0) }
                if day > monthLength { (month, day) = (month + 1, 1) }
                if month > 12 { (year, month) = (year + 1, 1) }
                continue
            }
            return WallMinute(year: year, month: month, day: day, hour: hour, minute: allowedMinute)
        }
        return nil
    }

    /// The last wall minute at or before `start` that matches every field: `firstMatch` run backwards, each
    /// lower field restarting at its maximum.
    func lastMatch(atOrBefore start: WallMinute) -> WallMinute? {
        guard Self.supportedYears.contains(start.year) else { return nil }
        let firstYear = max(start.year - Self.searchHorizonYears, Self.supportedYears.lowerBound)
        var (year, month, day, hour, minute) = (start.year, start.month, start.day, start.hour, start.minute)
        while year >= firstYear {
            guard let allowedMonth = Self.lastBit(months, from: month, downTo: 1) else {
                (year, month, day, hour, minute) = (year - 1, 12, 31, 23, 59)
                continue
            }
            if allowedMonth != month {
                (month, day, hour, minute) = (allowedMonth, 31, 23, 59)
            }
            let monthLength = CivilCalendar.daysInMonth(year: year, month: month)
            if day > monthLength {
                (day, hour, minute) = (monthLength, 23, 59)
            }
            guard let matchingDay = stride(from: day, through: 1, by: -1).first(where: {
                matchesDay(year: year, month: month, day: $0)
            }) else {
                (month, day, hour, minute) = (month - 1, 31, 23, 59)
                if month < 1 { (year, month) = (year - 1, 12) }
                continue
            }
            if matchingDay != day {
                (day, hour, minute) = (matchingDay, 23, 59)
            }
            guard let allowedHour = Self.lastBit(hours, from: hour, downTo: 0) else {
                (day, hour, minute) = (day - 1, 23, 59)
                if day < 1 { (month, day) = (month - 1, 31) }
                if month < 1 { (year, month) = (year - 1, 12) }
                continue
            }
            if allowedHour != hour {
                (hour, minute) = (allowedHour, 59)
            }
            guard let allowedMinute = Self.lastBit(minutes, from: minute, downTo: 0) else {
                (hour, minute) = (hour - 1, 59)
                if hour < 0 { (day, hour) = (day - 1, 23) }
                if day < 1 { (month, day) = (month - 1, 31) }
                if month < 1 { (year, month) = (year - 1, 12) }
                continue
            }
            return WallMinute(year: year, month: month, day: day, hour: hour, minute: allowedMinute)
        }
        return nil
    }

    /// The lowest set bit in `from…through`, if any.
    private static func firstBit(_ bits: UInt64, from low: Int, through high: Int) -> Int? {
        guard low <= high else { return nil }
        let window = (bits >> UInt64(low)) & ((UInt64(1) << UInt64(high - low + 1)) - 1)
        return window == 0 ? nil : low + window.trailingZeroBitCount
    }

    /// The highest set bit in `downTo…from`, if any.
    private static func lastBit(_ bits: UInt64, from high: Int, downTo low: Int) -> Int? {
        guard low <= high else { return nil }
        let window = bits & ((UInt64(1) << UInt64(high + 1)) - 1) & ~((UInt64(1) << UInt64(low)) - 1)
        return window == 0 ? nil : 63 - window.leadingZeroBitCount
    }
}
