import Foundation

/// When a check expects to report, and how late a report may be before CheckBridge records `missed`.
///
/// JSON: `{"every_seconds": N, "grace_seconds": G}` or
/// `{"cron": "0 22 * * 1-5", "timezone": "Europe/Berlin", "grace_seconds": G}`.
///
/// The scheduler keeps an *anchor* per check — the time of its latest result (or of the schedule's start) — and
/// asks two questions: which expected report is overdue now (`latestMissedExpectation`), and when to look
/// again (`nextDeadline`). Both are pure arithmetic on the anchor, so a restart or a long outage loses nothing
/// and never produces a burst of `missed` results.
public struct CheckSchedule: Sendable, Hashable {
    /// How expected report times are spaced.
    public enum Cadence: Sendable, Hashable {
        /// Every `seconds` after the anchor.
        case every(seconds: Int64)
        /// At the expression's fire times, wall-clock times read in the named IANA zone.
        case cron(CronExpression, timeZoneIdentifier: String)
    }

    /// How expected report times are spaced.
    public var cadence: Cadence
    /// How long after an expected time a report may still arrive before the period counts as missed.
    public var graceSeconds: Int64

    /// The longest `every_seconds` and `grace_seconds` accepted: 366 days.
    public static let maximumSeconds: Int64 = 366 * 86_400

    public init(cadence: Cadence, graceSeconds: Int64 = 0) {
        self.cadence = cadence
        self.graceSeconds = graceSeconds
    }

    /// The expected report time E to record as missed now: the most recent E with `E > anchor` and
    /// `E + grace <= now`, or nil when no expected time after the anchor is overdue.
    ///
    /// Expected times are `anchor + k·every` (k ≥ 1) for an interval, and the cron fire times strictly after the
    /// anchor for a cron. Only the latest period is returned, however long the check has been silent, so a
    /// year-old anchor costs one `previous` search (microseconds), and the caller records one result and moves
    /// its anchor to the returned time. A cron in a zone Foundation does not know yields nil.
    public func latestMissedExpectation(anchor: Timestamp, now: Timestamp) -> Timestamp? {
        guard isComputable(anchor, now) else { return nil }
        let lastDue = now.milliseconds - graceSeconds * 1000
        guard lastDue > anchor.milliseconds else { return nil }
        switch cadence {
        case .every(let seconds):
            let period = seconds * 1000
            let periods = (lastDue - anchor.milliseconds) / period
            guard periods >= 1 else { return nil }
            return Timestamp(milliseconds: anchor.milliseconds + periods * period)
        case .cron(let expression, let identifier):
            guard let zone = TimeZone(identifier: identifier) else { return nil }
            let (lastDueSecond, _) = lastDue.flooredDivision(by: 1000)
            guard let fire = expression.previousFire(atOrBeforeSecond: lastDueSecond, in: zone) else { return nil }
            let expected = fire * 1000
            return expected > anchor.milliseconds ? Timestamp(milliseconds: expected) : nil
        }
    }

    /// The deadline (E + grace) of the first expected time E after the anchor whose deadline is still after
    /// `now`: when the scheduler should look at this check next. nil when there is none (a cron that never
    /// fires within the search horizon, or an unknown zone).
    public func nextDeadline(anchor: Timestamp, now: Timestamp) -> Timestamp? {
        guard isComputable(anchor, now) else { return nil }
        // E must be after the anchor and E + grace after now, i.e. E after whichever of the two is later.
        let notAfter = max(anchor.milliseconds, now.milliseconds - graceSeconds * 1000)
        switch cadence {
        case .every(let seconds):
            let period = seconds * 1000
            let (elapsed, _) = (notAfter - anchor.milliseconds).flooredDivision(by: period)
            let expected = anchor.milliseconds + (elapsed + 1) * period
            return Timestamp(milliseconds: expected + graceSeconds * 1000)
        case .cron(let expression, let identifier):
            guard let zone = TimeZone(identifier: identifier) else { return nil }
            let (notAfterSecond, _) = notAfter.flooredDivision(by: 1000)
            guard let fire = expression.nextFire(afterSecond: notAfterSecond, in: zone) else { return nil }
            return Timestamp(milliseconds: fire * 1000 + graceSeconds * 1000)
        }
    }

    /// Whether the arithmetic above stays far from `Int64`'s limits: times within ±2^53 ms (about 285,000
    /// years) and a positive interval and non-negative grace of at most 2^31 s. `decode` only produces such
    /// schedules; one built in code outside these bounds has no expectations rather than trapping.
    private func isComputable(_ anchor: Timestamp, _ now: Timestamp) -> Bool {
        let timeLimit: Int64 = 1 << 53
        let secondsLimit: Int64 = 1 << 31
        let times = -timeLimit...timeLimit
        guard times.contains(anchor.milliseconds), times.contains(now.milliseconds),
              (0...secondsLimit).contains(graceSeconds)
        else { return false }
        if case .every(let seconds) = cadence, !(1...secondsLimit).contains(seconds) { return false }
        return true
    }
}
