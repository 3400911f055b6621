import CheckBridgeCore
import PSA

/// The handle tests and demos use on a running simulator: inject faults, play a user's manual
/// changes, and inspect what the connector sent.
public actor SimulatorControl {
    private var state: SimulatorState
    private var faults: [(fault: SimulatedFault, matcher: RequestMatcher, remaining: Int)] = []
    private var log: [RecordedRequest] = []
    /// Arrival times within the last minute, for Syncro's limit of 180 requests per minute.
    private var recentArrivals: [ContinuousClock.Instant] = []

    /// A long-running demo keeps only this many requests in the log.
    static let maximumLogEntries = 10_000
    /// Syncro's documented rate limit.
    static let syncroRequestsPerMinute = 180

    init(kind: PSAKind) {
        state = SimulatorState(kind: kind)
    }

    // MARK: Faults

    /// Plays `fault` on the next `count` requests that `matcher` matches, after earlier faults are used up.
    public func inject(_ fault: SimulatedFault, count: Int = 1, matching matcher: RequestMatcher = RequestMatcher()) {
        guard count > 0 else { return }
        faults.append((fault, matcher, count))
    }

    /// The next `count` requests answer with `status` (503 by default).
    public func failNext(_ count: Int = 1, status: Int = 503) {
        inject(.serverError(status: status), count: count)
    }

    /// The next `count` requests answer 429 with `Retry-After: seconds`.
    public func rateLimitNext(_ count: Int = 1, retryAfterSeconds: Int) {
        inject(.rateLimited(retryAfterSeconds: retryAfterSeconds), count: count)
    }

    /// The next `count` requests answer only after `delay`.
    public func delayNext(_ count: Int = 1, by delay: Duration) {
        inject(.delay(delay), count: count)
    }

    /// The next `count` requests get their connection closed without an answer (and are not processed).
    public func dropNextConnection(_ count: Int = 1) {
        inject(.dropConnection, count: count)
    }

    /// The next ticket create succeeds in the PSA, but its answer is lost (the connection drops).
    public func loseNextCreateResponse() {
        let suffix: String
        switch state.kind {
        case .halopsa: suffix = "/api/Tickets"
        case .connectwise: suffix = "/service/tickets"
        case .syncro: suffix = "/api/v1/tickets"
        }
        inject(.processThenDropConnection, matching: RequestMatcher(method: "POST", pathSuffix: suffix))
    }

    /// Forgets pending faults.
    public func clearFaults() {
        faults.removeAll()
    }

    // MARK: Manual changes in the PSA

    /// A user closes the ticket in the PSA. Returns false when there is no such ticket.
    @discardableResult
    public func closeTicketByHand(_ id: Int64) -> Bool {
        guard state.liveTicket(id) != nil else { return false }
        switch state.kind {
        case .halopsa: state.tickets[id]?.status = .int(HaloPSAEndpoints.closedStatusID)
        case .connectwise:
            let board = state.tickets[id]?.boardID ?? 0
            if let closed = ConnectWiseEndpoints.closedStatus(board: board, state: state) {
                state.tickets[id]?.status = .int(closed)
            }
        case .syncro: state.tickets[id]?.status = "Resolved"
        }
        state.tickets[id]?.isClosed = true
        state.tickets[id]?.closedByHand = true
        return true
    }

    /// A user deletes the ticket in the PSA. Returns false when there is no such ticket.
    @discardableResult
    public func deleteTicketByHand(_ id: Int64) -> Bool {
        guard state.liveTicket(id) != nil else { return false }
        state.tickets[id]?.isDeleted = true
        return true
    }

    /// Halo: every issued token stops working (as when an admin edits the API application).
    public func revokeTokens() {
        state.tokens.removeAll()
    }

    /// Halo: tokens issued from now on last `seconds`.
    public func setTokenLifetime(seconds: Int64) {
        state.tokenLifetimeSeconds = seconds
    }

    // MARK: Inspection

    /// Every ticket created through the API, deleted ones included, by id.
    public func tickets() -> [SimulatedTicket] {
        state.tickets.values.sorted { $0.id < $1.id }
    }

    /// One ticket, deleted ones included.
    public func ticket(_ id: Int64) -> SimulatedTicket? {
        state.tickets[id]
    }

    /// Requests received, oldest first.
    public func requests() -> [RecordedRequest] {
        log
    }

    /// Forgets the request log.
    public func clearRequests() {
        log.removeAll()
    }

    /// Halo: how many tokens the token endpoint has issued.
    public func tokensIssued() -> Int {
        state.tokensIssued
    }

    /// The seeded customers in the PSA's own shape.
    public func customerRecords() -> [JSONValue] {
        state.customers
    }

    /// The seeded assets in the PSA's own shape.
    public func assetRecords() -> [JSONValue] {
        state.assets
    }

    // MARK: Serving

    /// Logs the request and hands back the fault to play, if any.
    func receive(_ request: SimulatorRequest) -> SimulatedFault? {
        var headers = request.headers
        headers = headers.filter { $0.key.lowercased() != "authorization" }
        let secretBody = request.path.hasSuffix("/token")
        log.append(
            RecordedRequest(
                method: request.method, path: request.path, query: request.rawQuery, headers: headers,
                body: secretBody ? "(withheld)" : String(decoding: request.body, as: UTF8.self)))
        if log.count > Self.maximumLogEntries { log.removeFirst(log.count - Self.maximumLogEntries) }
        if state.kind == .syncro, let wait = syncroRateLimit() { return .rateLimited(retryAfterSeconds: wait) }
        guard let index = faults.firstIndex(where: { $0.matcher.matches(method: request.method, path: request.path) })
        else { return nil }
        let fault = faults[index].fault
        faults[index].remaining -= 1
        if faults[index].remaining <= 0 { faults.remove(at: index) }
        return fault
    }

    /// Seconds until a request is allowed again when the last minute already had 180, else nil.
    private func syncroRateLimit() -> Int? {
        let now = ContinuousClock.now
        recentArrivals.removeAll { now - $0 >= .seconds(60) }
        guard recentArrivals.count < Self.syncroRequestsPerMinute else {
            let oldest = recentArrivals.first ?? now
            let remaining = Duration.seconds(60) - (now - oldest)
            return max(1, Int(remaining.components.seconds) + 1)
        }
        recentArrivals.append(now)
        return nil
    }

    func handle(_ request: SimulatorRequest) -> SimulatorAnswer {
        state.handle(request)
    }
}
