/// What a new result asks of one channel's ticket for its check (SPEC §6).
public enum TicketStep: String, Sendable, Hashable, Codable {
    /// Open a ticket.
    case open
    /// Add a note to the open ticket.
    case note
    /// Add a note to the open ticket and close it.
    case close
}

/// The ticket lifecycle of SPEC §6 as a pure decision, so it can be tested exhaustively and reused
/// by ingest and the scheduler alike.
public enum TicketLifecycle {
    /// The step a result asks for.
    ///
    /// - Parameters:
    ///   - status: the new result's status.
    ///   - hasOpenTicket: whether the (check, channel) pair has a ticket opened or being opened.
    ///   - consecutiveNonSuccesses: non-success results in a row, this one included.
    ///   - failureThreshold: the check's `failure_threshold` (at least 1).
    ///   - openOnWarning: the channel's `open_on_warning`.
    public static func step(
        for status: CheckStatus, hasOpenTicket: Bool, consecutiveNonSuccesses: Int, failureThreshold: Int,
        openOnWarning: Bool
    ) -> TicketStep? {
        switch status {
        case .success:
            return hasOpenTicket ? .close : nil
        case .failure, .missed:
            if hasOpenTicket { return .note }
            return consecutiveNonSuccesses >= max(1, failureThreshold) ? .open : nil
        case .warning:
            if hasOpenTicket { return .note }
            return openOnWarning && consecutiveNonSuccesses >= max(1, failureThreshold) ? .open : nil
        }
    }

    /// The summary line of a ticket: `"{group} / {check}: {status}"`.
    public static func summary(group: String, check: String, status: CheckStatus) -> String {
        "\(group) / \(check): \(status.rawValue)"
    }
}
