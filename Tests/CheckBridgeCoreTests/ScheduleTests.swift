import CheckBridgeCore
import Foundation
import Testing

private func at(_ rfc3339: String) throws -> Timestamp {
    try #require(Timestamp(rfc3339: rfc3339))
}

private func rendered(_ timestamp: Timestamp?) -> String? {
    timestamp?.rfc3339
}

/// The errors `decode` reports for `json`, as (field, message) pairs; empty when it decodes.
private func decodeErrors(_ json: JSONValue, field: String = "schedule") -> [FieldError] {
    do {
        _ = try CheckSchedule.decode(json, field: field)
        return []
    } catch {
        return error.errors
    }
}

@Suite("CheckSchedule.decode")
struct ScheduleDecodingTests {
    @Test func absentAndNullMeanNoSchedule() throws {
        #expect(try CheckSchedule.decode(nil) == nil)
        #expect(try CheckSchedule.decode(.null) == nil)
    }

    @Test func decodesAnInterval() throws {
        let schedule = try CheckSchedule.decode(["every_seconds": 3600, "grace_seconds": 300])
        #expect(schedule == CheckSchedule(cadence: .every(seconds: 3600), graceSeconds: 300))
        #expect(try CheckSchedule.decode(["every_seconds": 60]) == CheckSchedule(cadence: .every(seconds: 60)))
        #expect(try CheckSchedule.decode(["every_seconds": 86400.0])?.cadence == .every(seconds: 86400))
        #expect(try CheckSchedule.decode(["every_seconds": 31_622_400])?.cadence == .every(seconds: 31_622_400))
    }

    @Test func decodesACronWithItsZoneOrUTC() throws {
        let schedule = try CheckSchedule.decode(
            ["cron": "0 22 * * 1-5", "timezone": "Europe/Berlin", "grace_seconds": 1800])
        #expect(schedule == CheckSchedule(
            cadence: .cron(try CronExpression("0 22 * * 1-5"), timeZoneIdentifier: "Europe/Berlin"),
            graceSeconds: 1800))
        let utc = try CheckSchedule.decode(["cron": "@daily"])
        #expect(utc == CheckSchedule(cadence: .cron(try CronExpression("@daily"), timeZoneIdentifier: "UTC")))
    }

    @Test func canonicalJSONFillsDefaultsAndRoundTrips() throws {
        let every = try #require(try CheckSchedule.decode(["every_seconds": 900]))
        #expect(every.json == ["every_seconds": 900, "grace_seconds": 0])
        #expect(every.json.serializedString() == #"{"every_seconds":900,"grace_seconds":0}"#)
        #expect(try CheckSchedule.decode(every.json) == every)

        let cron = try #require(try CheckSchedule.decode(["cron": " 0  22 * * MON-FRI ", "grace_seconds": 60]))
        #expect(cron.json == ["cron": "0 22 * * MON-FRI", "timezone": "UTC", "grace_seconds": 60])
        #expect(try CheckSchedule.decode(cron.json) == cron)
        #expect(try CheckSchedule.decode(cron.json)?.json == cron.json)
    }

    @Test func reportsABadZone() {
        #expect(decodeErrors(["cron": "0 0 * * *", "timezone": "Mars/Base"]) == [
            FieldError(field: "schedule.timezone",
                message: #"must be an IANA time zone such as "Europe/Berlin", got "Mars/Base""#),
        ])
        #expect(decodeErrors(["cron": "0 0 * * *", "timezone": 1]) == [
            FieldError(field: "schedule.timezone",
                message: #"must be an IANA time zone such as "Europe/Berlin", got 1"#),
        ])
    }

    @Test func reportsABadCronNamingFieldAndValue() {
        #expect(decodeErrors(["cron": "61 * * * *"]) == [
            FieldError(field: "schedule.cron",
                message: "is not a valid cron expression: minute field: 61 is out of range 0-59"),
        ])
        #expect(decodeErrors(["cron": "0 0 * * FUN"]) == [
            FieldError(field: "schedule.cron",
                message: #"is not a valid cron expression: day-of-week field: "FUN" is not a number 0-7 or a name "#
                    + "SUN-SAT"),
        ])
        #expect(decodeErrors(["cron": 5]) == [
            FieldError(field: "schedule.cron",
                message: #"must be a cron expression string such as "0 22 * * 1-5", got number"#),
        ])
        #expect(decodeErrors(["cron": "0 0 30 2 *"]) == [
            FieldError(field: "schedule.cron",
                message: #""0 0 30 2 *" never fires: no listed month has the listed day of the month"#),
        ])
    }

    @Test func everyAndCronAreMutuallyExclusiveAndOneIsRequired() {
        #expect(decodeErrors(["every_seconds": 60, "cron": "* * * * *"]) == [
            FieldError(field: "schedule", message: "takes either every_seconds or cron, not both"),
        ])
        #expect(decodeErrors(["grace_seconds": 60]) == [
            FieldError(field: "schedule", message: "needs every_seconds (an interval) or cron (a cron expression)"),
        ])
        #expect(decodeErrors("hourly") == [
            FieldError(field: "schedule", message: "must be an object with every_seconds or cron, or null, got string"),
        ])
    }

    @Test func reportsUnknownKeysAndZonesOnIntervals() {
        #expect(decodeErrors(["every_seconds": 60, "every": 60]) == [
            FieldError(field: "schedule.every",
                message: "is not a known key here (known: cron, every_seconds, grace_seconds, timezone)"),
        ])
        #expect(decodeErrors(["every_seconds": 60, "timezone": "UTC"]) == [
            FieldError(field: "schedule.timezone",
                message: "only applies to a cron schedule; every_seconds counts from the last report"),
        ])
    }

    @Test func reportsOutOfRangeSeconds() {
        #expect(decodeErrors(["every_seconds": 60, "grace_seconds": -1]) == [
            FieldError(field: "schedule.grace_seconds",
                message: "must be a whole number of seconds from 0 to 31622400, got -1"),
        ])
        #expect(decodeErrors(["every_seconds": 0]) == [
            FieldError(field: "schedule.every_seconds",
                message: "must be a whole number of seconds from 1 to 31622400, got 0"),
        ])
        #expect(decodeErrors(["every_seconds": 31_622_401]).map(\.field) == ["schedule.every_seconds"])
        #expect(decodeErrors(["every_seconds": 1.5]).map(\.field) == ["schedule.every_seconds"])
        #expect(decodeErrors(["every_seconds": "60"]) == [
            FieldError(field: "schedule.every_seconds",
                message: #"must be a whole number of seconds from 1 to 31622400, got "60""#),
        ])
        #expect(decodeErrors(["cron": "@hourly", "grace_seconds": 31_622_401]).map(\.field)
            == ["schedule.grace_seconds"])
    }

    @Test func collectsEveryProblemUnderTheCallersPrefix() {
        let errors = decodeErrors(
            ["cron": "* 25 * * *", "timezone": "Mars/Base", "grace_seconds": -5, "colour": "red"],
            field: "params.schedule")
        #expect(errors.map(\.field) == [
            "params.schedule.colour", "params.schedule.cron", "params.schedule.timezone",
            "params.schedule.grace_seconds",
        ])
        #expect(errors.map(\.message).contains("is not a valid cron expression: hour field: 25 is out of range 0-23"))
    }
}

@Suite("CheckSchedule expectations: every_seconds")
struct IntervalScheduleTests {
    let hourlyWithGrace = CheckSchedule(cadence: .every(seconds: 3600), graceSeconds: 300)

    @Test func expectsAReportEveryPeriodAfterTheAnchor() throws {
        let anchor = try at("2026-06-01T08:00:00.250Z")
        // One hour plus grace has not passed yet.
        #expect(hourlyWithGrace.latestMissedExpectation(anchor: anchor, now: try at("2026-06-01T09:04:59.999Z")) == nil)
        #expect(rendered(hourlyWithGrace.nextDeadline(anchor: anchor, now: try at("2026-06-01T09:04:59.999Z")))
            == "2026-06-01T09:05:00.250Z")
        // Exactly at the deadline the first period is missed and the next deadline is a period later.
        let deadline = try at("2026-06-01T09:05:00.250Z")
        #expect(rendered(hourlyWithGrace.latestMissedExpectation(anchor: anchor, now: deadline))
            == "2026-06-01T09:00:00.250Z")
        #expect(rendered(hourlyWithGrace.nextDeadline(anchor: anchor, now: try at("2026-06-01T09:05:00.250Z")))
            == "2026-06-01T10:05:00.250Z")
    }

    @Test func aLongSilenceGivesTheLatestPeriodOnly() throws {
        let anchor = try at("2026-06-01T08:00:00Z")
        let now = try at("2026-06-01T13:10:00Z")
        let missed = try #require(hourlyWithGrace.latestMissedExpectation(anchor: anchor, now: now))
        #expect(missed.rfc3339 == "2026-06-01T13:00:00.000Z")
        // Once recorded, the anchor moves there and nothing else is due until the next deadline.
        #expect(hourlyWithGrace.latestMissedExpectation(anchor: missed, now: now) == nil)
        #expect(rendered(hourlyWithGrace.nextDeadline(anchor: missed, now: now)) == "2026-06-01T14:05:00.000Z")
        // 13:04 is within 13:00's grace, so 12:00 is the latest overdue period then.
        #expect(rendered(hourlyWithGrace.latestMissedExpectation(anchor: anchor, now: try at("2026-06-01T13:04:00Z")))
            == "2026-06-01T12:00:00.000Z")
    }

    @Test func aNowBeforeTheAnchorExpectsTheFirstPeriod() throws {
        let anchor = try at("2026-06-01T08:00:00Z")
        let clockBehind = try at("2026-06-01T07:00:00Z")
        #expect(hourlyWithGrace.latestMissedExpectation(anchor: anchor, now: clockBehind) == nil)
        #expect(rendered(hourlyWithGrace.nextDeadline(anchor: anchor, now: clockBehind)) == "2026-06-01T09:05:00.000Z")
    }

    @Test func noGraceMeansTheDeadlineIsTheExpectedTime() throws {
        let minutely = CheckSchedule(cadence: .every(seconds: 60))
        let anchor = try at("2026-06-01T08:00:00Z")
        #expect(rendered(minutely.latestMissedExpectation(anchor: anchor, now: try at("2026-06-01T08:01:00Z")))
            == "2026-06-01T08:01:00.000Z")
        #expect(rendered(minutely.nextDeadline(anchor: anchor, now: try at("2026-06-01T08:01:00Z")))
            == "2026-06-01T08:02:00.000Z")
        #expect(rendered(minutely.nextDeadline(anchor: anchor, now: try at("2026-06-01T08:00:59.999Z")))
            == "2026-06-01T08:01:00.000Z")
    }

    @Test func nonsenseBuiltInCodeHasNoExpectationsInsteadOfTrapping() throws {
        let broken = CheckSchedule(cadence: .every(seconds: 0), graceSeconds: -1)
        let anchor = try at("2026-06-01T08:00:00Z")
        #expect(broken.latestMissedExpectation(anchor: anchor, now: try at("2026-07-01T00:00:00Z")) == nil)
        #expect(broken.nextDeadline(anchor: anchor, now: try at("2026-07-01T00:00:00Z")) == nil)
        let huge = CheckSchedule(cadence: .every(seconds: .max))
        #expect(huge.nextDeadline(anchor: Timestamp(milliseconds: .min), now: Timestamp(milliseconds: .max)) == nil)
    }
}

@Suite("CheckSchedule expectations: cron")
struct CronScheduleTests {
    @Test func weekdayEveningsWithGraceSkipTheWeekend() throws {
        let schedule = CheckSchedule(
            cadence: .cron(try CronExpression("0 22 * * 1-5"), timeZoneIdentifier: "Europe/Berlin"),
            graceSeconds: 1800)
        let fridayEvening = try at("2026-03-06T20:00:00Z")  // 21:00 CET, before Friday's run
        let mondayMorning = try at("2026-03-09T08:00:00Z")
        let missed = try #require(schedule.latestMissedExpectation(anchor: fridayEvening, now: mondayMorning))
        #expect(missed.rfc3339 == "2026-03-06T21:00:00.000Z")  // Friday 22:00 CET
        #expect(schedule.latestMissedExpectation(anchor: missed, now: mondayMorning) == nil)
        #expect(rendered(schedule.nextDeadline(anchor: missed, now: mondayMorning)) == "2026-03-09T21:30:00.000Z")
        // Within Friday's grace nothing is missed yet and Friday's deadline is the next one.
        let withinGrace = try at("2026-03-06T21:29:59Z")
        #expect(schedule.latestMissedExpectation(anchor: fridayEvening, now: withinGrace) == nil)
        #expect(rendered(schedule.nextDeadline(anchor: fridayEvening, now: withinGrace)) == "2026-03-06T21:30:00.000Z")
    }

    @Test func aReportAtTheFireTimeCoversIt() throws {
        let schedule = CheckSchedule(cadence: .cron(try CronExpression("@hourly"), timeZoneIdentifier: "UTC"))
        let anchor = try at("2026-06-01T10:00:00Z")
        // E must be after the anchor, so 10:00 is covered by the report at 10:00.
        #expect(schedule.latestMissedExpectation(anchor: anchor, now: try at("2026-06-01T10:59:59Z")) == nil)
        #expect(rendered(schedule.latestMissedExpectation(anchor: anchor, now: try at("2026-06-01T11:00:00Z")))
            == "2026-06-01T11:00:00.000Z")
        #expect(rendered(schedule.nextDeadline(anchor: anchor, now: try at("2026-06-01T10:30:00Z")))
            == "2026-06-01T11:00:00.000Z")
    }

    @Test func aYearOldAnchorWithAMinutelyCronCatchesUpInOneStepQuickly() throws {
        let schedule = CheckSchedule(
            cadence: .cron(try CronExpression("* * * * *"), timeZoneIdentifier: "Europe/Berlin"), graceSeconds: 60)
        let anchor = try at("2025-06-01T00:00:00Z")
        let now = try at("2026-06-01T12:34:56.789Z")
        let missed = try #require(schedule.latestMissedExpectation(anchor: anchor, now: now))
        #expect(missed.rfc3339 == "2026-06-01T12:33:00.000Z")
        #expect(schedule.latestMissedExpectation(anchor: missed, now: now) == nil)
        #expect(rendered(schedule.nextDeadline(anchor: missed, now: now)) == "2026-06-01T12:35:00.000Z")

        // Each call is a couple of field-jumping searches, independent of how old the anchor is.
        let clock = ContinuousClock()
        let rounds = 200
        let elapsed = clock.measure {
            for round in 0..<rounds {
                let later = Timestamp(milliseconds: now.milliseconds + Int64(round) * 7_919)
                _ = schedule.latestMissedExpectation(anchor: anchor, now: later)
                _ = schedule.nextDeadline(anchor: anchor, now: later)
            }
        }
        #expect(elapsed / (rounds * 2) < .milliseconds(1), "\(elapsed / (rounds * 2)) per call")
    }

    @Test func aSparseCronIsFastToo() throws {
        // A leap-day cron has the longest searches: years of months to walk.
        let schedule = CheckSchedule(cadence: .cron(try CronExpression("0 12 29 2 *"), timeZoneIdentifier: "UTC"))
        let anchor = try at("2097-01-01T00:00:00Z")
        let now = try at("2103-12-31T00:00:00Z")
        #expect(schedule.latestMissedExpectation(anchor: anchor, now: now) == nil)
        #expect(rendered(schedule.nextDeadline(anchor: anchor, now: now)) == "2104-02-29T12:00:00.000Z")
        let elapsed = ContinuousClock().measure {
            for _ in 0..<100 { _ = schedule.nextDeadline(anchor: anchor, now: now) }
        }
        #expect(elapsed / 100 < .milliseconds(1), "\(elapsed / 100) per call")
    }

    @Test func missedTimesFollowDSTRules() throws {
        let schedule = CheckSchedule(
            cadence: .cron(try CronExpression("30 2 * * *"), timeZoneIdentifier: "Europe/Berlin"), graceSeconds: 600)
        // Spring forward: 02:30 does not exist on 29 March; it is expected at 03:00 CEST (01:00Z).
        let beforeSpring = try at("2026-03-28T12:00:00Z")
        #expect(rendered(schedule.nextDeadline(anchor: beforeSpring, now: beforeSpring)) == "2026-03-29T01:10:00.000Z")
        #expect(rendered(schedule.latestMissedExpectation(anchor: beforeSpring, now: try at("2026-03-29T01:10:00Z")))
            == "2026-03-29T01:00:00.000Z")
        // Fall back: 02:30 happens twice on 25 October; only the first (00:30Z) is expected.
        let firstPass = try at("2026-10-25T00:30:00Z")
        #expect(schedule.latestMissedExpectation(anchor: firstPass, now: try at("2026-10-25T01:45:00Z")) == nil)
        #expect(rendered(schedule.nextDeadline(anchor: firstPass, now: try at("2026-10-25T01:45:00Z")))
            == "2026-10-26T01:40:00.000Z")
    }

    @Test func aCronThatNeverFiresOrAnUnknownZoneHasNoDeadline() throws {
        let anchor = try at("2026-06-01T00:00:00Z")
        let never = CheckSchedule(cadence: .cron(try CronExpression("0 0 30 2 *"), timeZoneIdentifier: "UTC"))
        #expect(never.nextDeadline(anchor: anchor, now: anchor) == nil)
        #expect(never.latestMissedExpectation(anchor: anchor, now: try at("2027-06-01T00:00:00Z")) == nil)
        let nowhere = CheckSchedule(cadence: .cron(try CronExpression("@daily"), timeZoneIdentifier: "Mars/Base"))
        #expect(nowhere.nextDeadline(anchor: anchor, now: anchor) == nil)
        #expect(nowhere.latestMissedExpectation(anchor: anchor, now: try at("2027-06-01T00:00:00Z")) == nil)
    }
}
