import CheckBridgeCore
import Foundation
import Testing

/// Fixed instants and renderings shared by the cron and schedule tests. Local renderings go through
/// Foundation's `Calendar`, so they check the cron search against an independent implementation.
enum CronFixture {
    static func instant(_ rfc3339: String) throws -> Date {
        try #require(Timestamp(rfc3339: rfc3339)).date
    }

    static func zone(_ identifier: String) throws -> TimeZone {
        try #require(TimeZone(identifier: identifier))
    }

    static func cron(_ text: String) throws -> CronExpression {
        try CronExpression(text)
    }

    /// `2026-03-29T01:00:00Z` (seconds precision; every fire time is a whole second).
    static func utc(_ date: Date?) -> String? {
        date.map { String(Timestamp($0).rfc3339.dropLast(5)) + "Z" }
    }

    /// `2026-03-29 Sun 03:00 +02:00`, read by Foundation's Gregorian calendar in `zone`.
    static func local(_ date: Date?, _ zone: TimeZone) -> String? {
        guard let date else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][((parts.weekday ?? 1) - 1) % 7]
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        return "\(pad(parts.year, 4))-\(pad(parts.month))-\(pad(parts.day)) \(weekday) "
            + "\(pad(parts.hour)):\(pad(parts.minute)) \(sign)\(pad(abs(offset) / 3600)):\(pad(abs(offset) / 60 % 60))"
    }

    private static func pad(_ value: Int?, _ width: Int = 2) -> String {
        let digits = String(value ?? -1)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The first `count` fire times after `start`, each found from the previous one.
    static func fires(_ expression: CronExpression, after start: Date, in zone: TimeZone, count: Int) -> [Date] {
        var result: [Date] = []
        var cursor = start
        while result.count < count, let next = expression.next(after: cursor, in: zone) {
            result.append(next)
            cursor = next
        }
        return result
    }

    static func localFires(_ text: String, after start: String, in zone: String = "UTC", count: Int) throws
        -> [String]
    {
        let timeZone = try Self.zone(zone)
        return fires(try cron(text), after: try instant(start), in: timeZone, count: count)
            .compactMap { local($0, timeZone) }
    }
}

@Suite("CronExpression parsing")
struct CronParsingTests {
    @Test func keepsTheTextNormalized() throws {
        #expect(try CronExpression("  0 22\t* *   1-5 ").description == "0 22 * * 1-5")
        #expect(try CronExpression("@Daily").text == "@daily")
        #expect(try CronExpression("0 0 * * 7") == CronExpression("0 0 * * 7"))
        #expect(try CronExpression("0 0 * * 7") != CronExpression("0 0 * * 0"))
    }

    @Test func everySyntaxMeansWhatCronMeans() throws {
        // A Monday in UTC, so weekday names and numbers can be read off the dates.
        let start = "2026-06-01T00:00:00Z"
        #expect(try CronFixture.localFires("*/20 * * * *", after: start, count: 3) == [
            "2026-06-01 Mon 00:20 +00:00", "2026-06-01 Mon 00:40 +00:00", "2026-06-01 Mon 01:00 +00:00",
        ])
        #expect(try CronFixture.localFires("5,10-12 3 * * *", after: start, count: 5) == [
            "2026-06-01 Mon 03:05 +00:00", "2026-06-01 Mon 03:10 +00:00", "2026-06-01 Mon 03:11 +00:00",
            "2026-06-01 Mon 03:12 +00:00", "2026-06-02 Tue 03:05 +00:00",
        ])
        #expect(try CronFixture.localFires("0 8-20/6 * * *", after: start, count: 4) == [
            "2026-06-01 Mon 08:00 +00:00", "2026-06-01 Mon 14:00 +00:00", "2026-06-01 Mon 20:00 +00:00",
            "2026-06-02 Tue 08:00 +00:00",
        ])
        // `a/n` runs from a to the field's maximum.
        #expect(try CronFixture.localFires("50/5 0 * * *", after: start, count: 3) == [
            "2026-06-01 Mon 00:50 +00:00", "2026-06-01 Mon 00:55 +00:00", "2026-06-02 Tue 00:50 +00:00",
        ])
        #expect(try CronFixture.localFires("0 9 1 jan,Jul *", after: start, count: 2) == [
            "2026-07-01 Wed 09:00 +00:00", "2027-01-01 Fri 09:00 +00:00",
        ])
        #expect(try CronFixture.localFires("0 9 * * mon-WED", after: start, count: 4) == [
            "2026-06-01 Mon 09:00 +00:00", "2026-06-02 Tue 09:00 +00:00", "2026-06-03 Wed 09:00 +00:00",
            "2026-06-08 Mon 09:00 +00:00",
        ])
        // 7 is Sunday as well as 0; a range may end on it.
        #expect(try CronFixture.localFires("0 0 * * 5-7", after: start, count: 4) == [
            "2026-06-05 Fri 00:00 +00:00", "2026-06-06 Sat 00:00 +00:00", "2026-06-07 Sun 00:00 +00:00",
            "2026-06-12 Fri 00:00 +00:00",
        ])
        #expect(try CronFixture.localFires("0 0 * * 7", after: start, count: 1)
            == CronFixture.localFires("0 0 * * SUN", after: start, count: 1))
        #expect(try CronFixture.localFires("0 0 * * 7", after: start, count: 1) == ["2026-06-07 Sun 00:00 +00:00"])
    }

    @Test func macrosExpandToTheirFiveFields() throws {
        let start = "2026-06-03T10:30:00Z"  // a Wednesday
        #expect(try CronFixture.localFires("@hourly", after: start, count: 1) == ["2026-06-03 Wed 11:00 +00:00"])
        #expect(try CronFixture.localFires("@daily", after: start, count: 1) == ["2026-06-04 Thu 00:00 +00:00"])
        #expect(try CronFixture.localFires("@midnight", after: start, count: 1) == ["2026-06-04 Thu 00:00 +00:00"])
        #expect(try CronFixture.localFires("@weekly", after: start, count: 1) == ["2026-06-07 Sun 00:00 +00:00"])
        #expect(try CronFixture.localFires("@monthly", after: start, count: 1) == ["2026-07-01 Wed 00:00 +00:00"])
        #expect(try CronFixture.localFires("@yearly", after: start, count: 1) == ["2027-01-01 Fri 00:00 +00:00"])
        #expect(try CronFixture.localFires("@annually", after: start, count: 1) == ["2027-01-01 Fri 00:00 +00:00"])
    }

    @Test(arguments: [
        ("", "is empty; expected five fields (minute hour day-of-month month day-of-week) or a macro"),
        ("* * * *", "expected five fields (minute hour day-of-month month day-of-week), got 4: \"* * * *\""),
        ("0 0 * * * *", "expected five fields (minute hour day-of-month month day-of-week), got 6: \"0 0 * * * *\""),
        ("61 * * * *", "minute field: 61 is out of range 0-59"),
        ("* 24 * * *", "hour field: 24 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month field: 0 is out of range 1-31"),
        ("0 0 32 * *", "day-of-month field: 32 is out of range 1-31"),
        ("0 0 * 13 *", "month field: 13 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week field: 8 is out of range 0-7"),
        ("x * * * *", "minute field: \"x\" is not a number 0-59"),
        ("-5 * * * *", "minute field: an empty value is not a number 0-59"),
        ("+5 * * * *", "minute field: \"+5\" is not a number 0-59"),
        ("0 0 * FOO *", "month field: \"FOO\" is not a number 1-12 or a name JAN-DEC"),
        ("0 0 * * MON-XYZ", "day-of-week field: \"XYZ\" is not a number 0-7 or a name SUN-SAT"),
        ("0 0 * MON *", "month field: \"MON\" is not a number 1-12 or a name JAN-DEC"),
        ("0 0 JAN * *", "day-of-month field: \"JAN\" is not a number 1-31"),
        ("0 20-10 * * *", "hour field: range \"20-10\" runs backwards (20 > 10)"),
        ("*/0 * * * *", "minute field: step \"0\" in \"*/0\" must be a number 1-60"),
        ("*/61 * * * *", "minute field: step \"61\" in \"*/61\" must be a number 1-60"),
        ("*/ * * * *", "minute field: step \"\" in \"*/\" must be a number 1-60"),
        ("1/2/3 * * * *", "minute field: \"1/2/3\" has more than one step (/)"),
        ("1-2-3 * * * *", "minute field: \"1-2-3\" is not a value, range or step"),
        ("1,,2 * * * *", "minute field: empty list element in \"1,,2\""),
        ("0 0 * * 1,", "day-of-week field: empty list element in \"1,\""),
        ("@reboot", "unknown macro @reboot (known: @annually, @daily, @hourly, @midnight, @monthly, @weekly, @yearly)"),
        ("@daily 5", "a macro such as @daily stands alone, without other fields"),
    ])
    func rejectsWithAMessageNamingTheFieldAndValue(text: String, message: String) {
        #expect(throws: CronSyntaxError(message: message)) { try CronExpression(text) }
    }

    @Test func knowsWhetherItCanEverFire() throws {
        #expect(try !CronExpression("0 0 30 2 *").canEverFire)
        #expect(try !CronExpression("0 0 31 4,6,9,11 *").canEverFire)
        #expect(try CronExpression("0 0 29 2 *").canEverFire)
        // Both day fields restricted: OR, so every Monday in February fires.
        #expect(try CronExpression("0 0 30 2 1").canEverFire)
        #expect(try CronExpression("* * * * *").canEverFire)
    }
}

@Suite("CronExpression.next and previous")
struct CronSearchTests {
    @Test func nextIsStrictlyAfterAndPreviousIsAtOrBefore() throws {
        let cron = try CronExpression("*/15 * * * *")
        let utc = try CronFixture.zone("UTC")
        let fire = try CronFixture.instant("2026-06-01T10:15:00Z")
        #expect(CronFixture.utc(cron.next(after: fire, in: utc)) == "2026-06-01T10:30:00Z")
        #expect(CronFixture.utc(cron.previous(atOrBefore: fire, in: utc)) == "2026-06-01T10:15:00Z")
        let justBefore = fire.addingTimeInterval(-0.001)
        #expect(CronFixture.utc(cron.next(after: justBefore, in: utc)) == "2026-06-01T10:15:00Z")
        #expect(CronFixture.utc(cron.previous(atOrBefore: justBefore, in: utc)) == "2026-06-01T10:00:00Z")
        let justAfter = fire.addingTimeInterval(0.5)
        #expect(CronFixture.utc(cron.next(after: justAfter, in: utc)) == "2026-06-01T10:30:00Z")
        #expect(CronFixture.utc(cron.previous(atOrBefore: justAfter, in: utc)) == "2026-06-01T10:15:00Z")
    }

    @Test func rollsOverHoursDaysMonthsAndYears() throws {
        let utc = try CronFixture.zone("UTC")
        let newYearsEve = try CronFixture.instant("2026-12-31T23:59:30Z")
        #expect(CronFixture.utc(try CronExpression("* * * * *").next(after: newYearsEve, in: utc))
            == "2027-01-01T00:00:00Z")
        #expect(CronFixture.utc(try CronExpression("59 23 31 12 *").previous(atOrBefore: newYearsEve, in: utc))
            == "2026-12-31T23:59:00Z")
        #expect(CronFixture.utc(try CronExpression("0 0 1 1 *").previous(atOrBefore: newYearsEve, in: utc))
            == "2026-01-01T00:00:00Z")
        #expect(CronFixture.utc(try CronExpression("30 4 * * *").previous(atOrBefore: newYearsEve, in: utc))
            == "2026-12-31T04:30:00Z")
        #expect(CronFixture.utc(try CronExpression("45 23 * * *").previous(atOrBefore: newYearsEve, in: utc))
            == "2026-12-31T23:45:00Z")
        #expect(CronFixture.utc(try CronExpression("0 12 1 * *").previous(
            atOrBefore: try CronFixture.instant("2026-03-01T11:00:00Z"), in: utc)) == "2026-02-01T12:00:00Z")
    }

    @Test func theThirtyFirstSkipsShortMonths() throws {
        #expect(try CronFixture.localFires("0 0 31 * *", after: "2026-01-15T00:00:00Z", count: 7) == [
            "2026-01-31 Sat 00:00 +00:00", "2026-03-31 Tue 00:00 +00:00", "2026-05-31 Sun 00:00 +00:00",
            "2026-07-31 Fri 00:00 +00:00", "2026-08-31 Mon 00:00 +00:00", "2026-10-31 Sat 00:00 +00:00",
            "2026-12-31 Thu 00:00 +00:00",
        ])
        let cron = try CronExpression("0 0 31 * *")
        let utc = try CronFixture.zone("UTC")
        #expect(CronFixture.utc(cron.previous(atOrBefore: try CronFixture.instant("2026-07-30T00:00:00Z"), in: utc))
            == "2026-05-31T00:00:00Z")
    }

    @Test func februaryTheTwentyNinthWaitsForALeapYear() throws {
        let cron = try CronExpression("0 12 29 2 *")
        let utc = try CronFixture.zone("UTC")
        #expect(CronFixture.utc(cron.next(after: try CronFixture.instant("2025-01-01T00:00:00Z"), in: utc))
            == "2028-02-29T12:00:00Z")
        #expect(CronFixture.utc(cron.previous(atOrBefore: try CronFixture.instant("2027-06-01T00:00:00Z"), in: utc))
            == "2024-02-29T12:00:00Z")
        // 2100 is not a leap year: the longest gap, eight years, is still within the search horizon.
        #expect(CronFixture.utc(cron.next(after: try CronFixture.instant("2096-03-01T00:00:00Z"), in: utc))
            == "2104-02-29T12:00:00Z")
        #expect(CronFixture.utc(cron.previous(atOrBefore: try CronFixture.instant("2104-02-28T00:00:00Z"), in: utc))
            == "2096-02-29T12:00:00Z")
        #expect(try CronFixture.localFires("0 0 28-31 * *", after: "2028-02-27T00:00:00Z", count: 3) == [
            "2028-02-28 Mon 00:00 +00:00", "2028-02-29 Tue 00:00 +00:00", "2028-03-28 Tue 00:00 +00:00",
        ])
    }

    @Test func aDateThatNeverComesGivesNil() throws {
        let cron = try CronExpression("0 0 30 2 *")
        let utc = try CronFixture.zone("UTC")
        let start = try CronFixture.instant("2026-01-01T00:00:00Z")
        #expect(cron.next(after: start, in: utc) == nil)
        #expect(cron.previous(atOrBefore: start, in: utc) == nil)
    }

    @Test func bothDayFieldsRestrictedMatchesEither() throws {
        // Vixie: the 13th of any month OR any Friday.
        #expect(try CronFixture.localFires("0 0 13 * 5", after: "2026-03-01T00:00:00Z", count: 5) == [
            "2026-03-06 Fri 00:00 +00:00", "2026-03-13 Fri 00:00 +00:00", "2026-03-20 Fri 00:00 +00:00",
            "2026-03-27 Fri 00:00 +00:00", "2026-04-03 Fri 00:00 +00:00",
        ])
        #expect(try CronFixture.localFires("0 0 13 * 5", after: "2026-04-04T00:00:00Z", count: 2) == [
            "2026-04-10 Fri 00:00 +00:00", "2026-04-13 Mon 00:00 +00:00",
        ])
        // A field starting with `*` counts as unrestricted, so `*/2` with a weekday means both must hold.
        #expect(try CronFixture.localFires("0 0 */2 * 1", after: "2026-06-01T00:00:00Z", count: 3) == [
            "2026-06-15 Mon 00:00 +00:00", "2026-06-29 Mon 00:00 +00:00", "2026-07-13 Mon 00:00 +00:00",
        ])
        // Only day-of-week restricted: just the weekday.
        #expect(try CronFixture.localFires("0 0 * * 1", after: "2026-06-01T00:00:00Z", count: 2) == [
            "2026-06-08 Mon 00:00 +00:00", "2026-06-15 Mon 00:00 +00:00",
        ])
    }

    @Test func weekdayEveningsInBerlinSkipTheWeekend() throws {
        let cron = try CronExpression("0 22 * * 1-5")
        let berlin = try CronFixture.zone("Europe/Berlin")
        let fridayNight = try CronFixture.instant("2026-03-06T21:30:00Z")  // 22:30 CET
        #expect(CronFixture.local(cron.next(after: fridayNight, in: berlin), berlin) == "2026-03-09 Mon 22:00 +01:00")
        #expect(CronFixture.utc(cron.next(after: fridayNight, in: berlin)) == "2026-03-09T21:00:00Z")
        let sunday = try CronFixture.instant("2026-03-08T12:00:00Z")
        #expect(CronFixture.local(cron.previous(atOrBefore: sunday, in: berlin), berlin)
            == "2026-03-06 Fri 22:00 +01:00")
        // In summer time the same wall time is an hour earlier in UTC.
        let summerFriday = try CronFixture.instant("2026-07-03T20:30:00Z")
        #expect(CronFixture.utc(cron.next(after: summerFriday, in: berlin)) == "2026-07-06T20:00:00Z")
    }

    @Test func aYearOfWeekdayEveningsAgreesWithFoundationsCalendar() throws {
        let cron = try CronExpression("0 22 * * MON-FRI")
        let berlin = try CronFixture.zone("Europe/Berlin")
        let end = try CronFixture.instant("2026-12-31T23:00:00Z")  // midnight starting 2027 in Berlin
        let fires = CronFixture.fires(cron, after: try CronFixture.instant("2025-12-31T23:00:00Z"), in: berlin,
            count: 400).filter { $0 < end }
        #expect(fires.count == 261)  // the weekdays of 2026
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = berlin
        for fire in fires {
            let parts = calendar.dateComponents([.hour, .minute, .second, .weekday], from: fire)
            #expect(parts.hour == 22 && parts.minute == 0 && parts.second == 0, "\(fire)")
            #expect((2...6).contains(parts.weekday ?? 0), "\(fire)")
            #expect(cron.previous(atOrBefore: fire, in: berlin) == fire)
        }
    }

    @Test(arguments: [
        "*/20 9-17 * * MON-FRI",
        "0 0 13 * 5",
        "15 */6 1,15 * *",
        "7 3 * * 0",
    ])
    func fieldJumpingAgreesWithAMinuteByMinuteScan(text: String) throws {
        // An oracle over two weeks of minutes in UTC, read through Foundation's calendar.
        let cron = try CronExpression(text)
        let utc = try CronFixture.zone("UTC")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        let fields = text.split(separator: " ").map(String.init)
        let start = try CronFixture.instant("2026-02-23T00:00:00Z")
        var expected: [Date] = []
        for minute in 1...(14 * 1440) {
            let date = start.addingTimeInterval(Double(minute * 60))
            let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
            if Self.oracle(fields, parts) { expected.append(date) }
        }
        let actual = CronFixture.fires(cron, after: start, in: utc, count: expected.count)
        #expect(actual == expected)
        for (earlier, later) in zip(expected, expected.dropFirst()) {
            #expect(cron.previous(atOrBefore: later.addingTimeInterval(-1), in: utc) == earlier)
        }
    }

    /// The four expressions above, spelled out by hand.
    private static func oracle(_ fields: [String], _ parts: DateComponents) -> Bool {
        let (minute, hour, day, weekday) = (parts.minute ?? -1, parts.hour ?? -1, parts.day ?? -1, parts.weekday ?? -1)
        switch fields.joined(separator: " ") {
        case "*/20 9-17 * * MON-FRI": return minute % 20 == 0 && (9...17).contains(hour) && (2...6).contains(weekday)
        case "0 0 13 * 5": return minute == 0 && hour == 0 && (day == 13 || weekday == 6)
        case "15 */6 1,15 * *": return minute == 15 && hour % 6 == 0 && (day == 1 || day == 15)
        case "7 3 * * 0": return minute == 7 && hour == 3 && weekday == 1
        default: return false
        }
    }
}

/// Europe/Berlin 2026: clocks go 02:00 CET → 03:00 CEST on 29 March (01:00Z) and 03:00 CEST → 02:00 CET on
/// 25 October (01:00Z). America/New_York 2026: 02:00 EST → 03:00 EDT on 8 March (07:00Z) and 02:00 EDT →
/// 01:00 EST on 1 November (06:00Z).
@Suite("CronExpression across DST changes")
struct CronDaylightSavingTests {
    @Test func aSkippedWallTimeFiresOnceWhenTheGapEnds() throws {
        #expect(try CronFixture.localFires("30 2 * * *", after: "2026-03-27T12:00:00Z", in: "Europe/Berlin",
            count: 3) == [
            "2026-03-28 Sat 02:30 +01:00", "2026-03-29 Sun 03:00 +02:00", "2026-03-30 Mon 02:30 +02:00",
        ])
        let fires = CronFixture.fires(try CronExpression("30 2 * * *"),
            after: try CronFixture.instant("2026-03-28T12:00:00Z"), in: try CronFixture.zone("Europe/Berlin"), count: 1)
        #expect(fires.map { CronFixture.utc($0) } == ["2026-03-29T01:00:00Z"])
    }

    @Test func skippedWallTimesCollapseOntoOneInstant() throws {
        // 02:00 and 02:30 do not exist; with 03:00 they are one fire at 03:00 CEST.
        #expect(try CronFixture.localFires("*/30 * * * *", after: "2026-03-29T00:00:00Z", in: "Europe/Berlin",
            count: 3) == [
            "2026-03-29 Sun 01:30 +01:00", "2026-03-29 Sun 03:00 +02:00", "2026-03-29 Sun 03:30 +02:00",
        ])
        let cron = try CronExpression("30 2 * * *")
        let berlin = try CronFixture.zone("Europe/Berlin")
        #expect(CronFixture.utc(cron.previous(atOrBefore: try CronFixture.instant("2026-03-29T01:10:00Z"), in: berlin))
            == "2026-03-29T01:00:00Z")
        #expect(CronFixture.utc(cron.previous(atOrBefore: try CronFixture.instant("2026-03-29T00:59:59Z"), in: berlin))
            == "2026-03-28T01:30:00Z")
    }

    @Test func aRepeatedWallTimeFiresOnceAtItsFirstOccurrence() throws {
        #expect(try CronFixture.localFires("30 2 * * *", after: "2026-10-24T00:00:00Z", in: "Europe/Berlin",
            count: 3) == [
            "2026-10-24 Sat 02:30 +02:00", "2026-10-25 Sun 02:30 +02:00", "2026-10-26 Mon 02:30 +01:00",
        ])
        // The repeated hour (02:00–02:59 CET, 01:00Z–01:59Z) fires nothing; 03:00 CET comes next.
        #expect(try CronFixture.localFires("*/30 * * * *", after: "2026-10-24T23:45:00Z", in: "Europe/Berlin",
            count: 3) == [
            "2026-10-25 Sun 02:00 +02:00", "2026-10-25 Sun 02:30 +02:00", "2026-10-25 Sun 03:00 +01:00",
        ])
    }

    @Test func searchesFromInsideTheRepeatedHourLookPastIt() throws {
        let cron = try CronExpression("*/30 * * * *")
        let berlin = try CronFixture.zone("Europe/Berlin")
        let secondPass = try CronFixture.instant("2026-10-25T01:15:00Z")  // 02:15 CET, the second time
        #expect(CronFixture.local(cron.next(after: secondPass, in: berlin), berlin) == "2026-10-25 Sun 03:00 +01:00")
        #expect(CronFixture.local(cron.previous(atOrBefore: secondPass, in: berlin), berlin)
            == "2026-10-25 Sun 02:30 +02:00")
        let daily = try CronExpression("30 2 * * *")
        #expect(CronFixture.utc(daily.next(after: secondPass, in: berlin)) == "2026-10-26T01:30:00Z")
        #expect(CronFixture.utc(daily.previous(atOrBefore: secondPass, in: berlin)) == "2026-10-25T00:30:00Z")
    }

    @Test func newYorkSpringsForwardAndFallsBackTheSameWay() throws {
        #expect(try CronFixture.localFires("30 2 * * *", after: "2026-03-07T12:00:00Z", in: "America/New_York",
            count: 3) == [
            "2026-03-08 Sun 03:00 -04:00", "2026-03-09 Mon 02:30 -04:00", "2026-03-10 Tue 02:30 -04:00",
        ])
        #expect(try CronFixture.localFires("30 1 * * *", after: "2026-10-31T12:00:00Z", in: "America/New_York",
            count: 3) == [
            "2026-11-01 Sun 01:30 -04:00", "2026-11-02 Mon 01:30 -05:00", "2026-11-03 Tue 01:30 -05:00",
        ])
        #expect(try CronFixture.localFires("0 * * * *", after: "2026-11-01T04:30:00Z", in: "America/New_York",
            count: 3) == [
            "2026-11-01 Sun 01:00 -04:00", "2026-11-01 Sun 02:00 -05:00", "2026-11-01 Sun 03:00 -05:00",
        ])
        let hourly = try CronExpression("0 * * * *")
        let newYork = try CronFixture.zone("America/New_York")
        #expect(CronFixture.utc(hourly.next(after: try CronFixture.instant("2026-03-08T06:30:00Z"), in: newYork))
            == "2026-03-08T07:00:00Z")
        #expect(CronFixture.utc(hourly.next(after: try CronFixture.instant("2026-03-08T07:00:00Z"), in: newYork))
            == "2026-03-08T08:00:00Z")
    }

    @Test func halfHourShiftsAndSkippedDaysFollowTheSameRule() throws {
        // Lord Howe Island moves its clocks by 30 minutes: 02:00 → 02:30 in October, 02:00 → 01:30 in April.
        #expect(try CronFixture.localFires("15 2 * * *", after: "2026-10-03T12:00:00Z", in: "Australia/Lord_Howe",
            count: 2) == ["2026-10-04 Sun 02:30 +11:00", "2026-10-05 Mon 02:15 +11:00"])
        #expect(try CronFixture.localFires("45 1 * * *", after: "2026-04-04T12:00:00Z", in: "Australia/Lord_Howe",
            count: 2) == ["2026-04-05 Sun 01:45 +11:00", "2026-04-06 Mon 01:45 +10:30"])
        // Samoa skipped 30 December 2011 entirely; its noon fires when the missing day ends.
        #expect(try CronFixture.localFires("0 12 30 12 *", after: "2011-12-28T00:00:00Z", in: "Pacific/Apia",
            count: 2) == ["2011-12-31 Sat 00:00 +14:00", "2012-12-30 Sun 12:00 +14:00"])
    }

    @Test func previousInvertsNextAcrossBothChanges() throws {
        for (text, zoneName, start) in [
            ("*/10 1-3 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z"),
            ("*/10 1-3 * * *", "Europe/Berlin", "2026-10-24T00:00:00Z"),
            ("5 0-3 * * *", "America/New_York", "2026-03-07T00:00:00Z"),
            ("5 0-3 * * *", "America/New_York", "2026-10-31T00:00:00Z"),
        ] {
            let cron = try CronExpression(text)
            let zone = try CronFixture.zone(zoneName)
            let fires = CronFixture.fires(cron, after: try CronFixture.instant(start), in: zone, count: 60)
            #expect(fires.count == 60)
            #expect(zip(fires, fires.dropFirst()).allSatisfy { $0 < $1 }, "\(text) \(zoneName)")
            for (earlier, later) in zip(fires, fires.dropFirst()) {
                #expect(cron.previous(atOrBefore: later.addingTimeInterval(-1), in: zone) == earlier)
                #expect(cron.previous(atOrBefore: later, in: zone) == later)
            }
        }
    }
}
