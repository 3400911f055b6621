import CheckBridgeCore
import Foundation
import GRDB
import Logging
import PSA
import ServiceLifecycle
import Storage
import Synchronization

/// Sends the queued ticket steps to the PSAs: in result order per (check, channel), retrying
/// temporary failures with exponential backoff and jitter, honouring `Retry-After` and each
/// channel's rate limit, and parking permanent failures as dead for `sync.retry` (SPEC §6).
final class PSAWorker: Service, Sendable {
    private let database: CheckBridgeDatabase
    private let psa: PSAServices
    private let metrics: ServerMetrics
    private let logger: Logger
    private let pollInterval: Duration
    private let retryBase: Duration
    private let limiter = ChannelRateLimiter()
    /// PSA customer lists per channel, reused briefly so that a burst of failures asks once.
    private let customerLists = Mutex<[String: (fetched: ContinuousClock.Instant, customers: [PSACustomer])]>([:])

    init(
        database: CheckBridgeDatabase, psa: PSAServices, metrics: ServerMetrics, logger: Logger,
        retryBase: Duration = .seconds(2), pollInterval: Duration = .milliseconds(100)
    ) {
        self.retryBase = retryBase
        self.database = database
        self.psa = psa
        self.metrics = metrics
        self.logger = logger
        self.pollInterval = pollInterval
    }

    func run() async throws {
        while !Task.isStoppingService {
            let worked = await sendDueOperations()
            if !worked {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.pollInterval) }
            }
        }
    }

    /// Sends every step whose turn it is; true when there was any.
    @discardableResult
    func sendDueOperations() async -> Bool {
        let due: [PSAOperationRecord]
        do {
            // One read a poll: the steps due and the queue depth for /metrics.
            let (operations, depth) = try await database.pool.read { db in
                (
                    try PSAOperationRecord.due(now: Timestamp.now, limit: 64, in: db),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM psa_operations WHERE state != 'done'") ?? 0
                )
            }
            due = operations
            metrics.psaQueueDepth(depth)
        } catch is CancellationError {
            return false
        } catch {
            logger.error("reading the PSA queue failed", metadata: ["error": "\(error)"])
            return false
        }
        for operation in due {
            if Task.isStoppingService { break }
            await send(operation)
        }
        return !due.isEmpty
    }

    private func send(_ queued: PSAOperationRecord) async {
        var operation = queued
        do {
            guard let context = try await load(operation) else { return }
            try await limiter.acquire(channelID: context.channel.record.id, perMinute: context.channel.kind.requestsPerMinute)
            // Counted before the call: a crash after the PSA acted must not look like a first try.
            operation.attempts += 1
            operation.updatedAt = .now
            let counted = operation
            try await database.pool.write { db in try counted.update(db) }
            try await perform(&operation, context: context)
            operation.state = .done
            operation.lastError = nil
            operation.updatedAt = .now
            let finished = operation
            try await database.pool.write { db in try finished.update(db) }
            metrics.psaOperation(step: operation.step, outcome: "sent")
        } catch is CancellationError where operation.attempts == queued.attempts {
            // Stopped while waiting for its turn: not an attempt; the step stays due.
            return
        } catch let error as PSAError {
            await fail(operation, message: "\(error.kind.name): \(error.message)", permanent: error.isPermanent,
                       retryAfter: error.retryAfter)
        } catch let failure as TicketFailure {
            await fail(operation, message: failure.message, permanent: true, retryAfter: nil)
        } catch {
            await fail(operation, message: "\(error)", permanent: false, retryAfter: nil)
        }
    }

    private struct Context {
        var channel: OpenedChannel
        var link: TicketLinkRecord
        var payload: JSONValue
        var system: any TicketingSystem
    }

    private func load(_ operation: PSAOperationRecord) async throws -> Context? {
        let rows = try await database.pool.read { db -> (ChannelRecord, TicketLinkRecord)? in
            guard let channel = try ChannelRecord.fetchOne(db, key: operation.channelID),
                let link = try TicketLinkRecord.fetchOne(db, key: operation.linkID)
            else { return nil }
            return (channel, link)
        }
        guard let (record, link) = rows else { return nil }
        let channel = try psa.open(record)
        return Context(
            channel: channel, link: link, payload: (try? JSONParser.parse(operation.payload)) ?? [:],
            system: psa.connector(for: channel, logger: logger))
    }

    private func perform(_ operation: inout PSAOperationRecord, context: Context) async throws {
        switch operation.step {
        case .open:
            try await open(operation, context: context)
        case .note:
            try await note(&operation, context: context)
        case .close:
            try await close(operation, context: context)
        }
    }

    /// Opens the ticket, unless an earlier attempt already did (its answer lost): then adopts it.
    private func open(_ operation: PSAOperationRecord, context: Context) async throws {
        var link = context.link
        if link.psaTicketID != nil, link.state == .open { return }
        var ticket: PSATicket?
        if operation.attempts > 1 {
            ticket = try await context.system.findTicket(reference: link.reference)
        }
        if ticket == nil {
            let customerID = try await customer(for: context)
            let payload = context.payload
            let summary = payload["summary"]?.stringValue ?? "CheckBridge"
            // Read now rather than frozen in the payload: an asset set after the failure still counts.
            let (checkID, channelID) = (link.checkID, link.channelID)
            let asset = try await database.pool.read { db in
                try CheckAssetRecord.find(checkID: checkID, channelID: channelID, in: db)
            }
            ticket = try await context.system.createTicket(
                PSATicketDraft(
                    summary: summary, details: Self.details(payload, reference: link.reference),
                    customerID: customerID, assetID: asset?.psaAssetID, reference: link.reference))
            metrics.psaTicketOpened()
        }
        guard let ticket else { return }
        link.psaTicketID = ticket.id
        link.state = .open
        link.openedAt = .now
        link.lastError = nil
        let opened = link
        try await database.pool.write { db in
            // A close queued meanwhile already marked the link closing; keep that.
            if let current = try TicketLinkRecord.fetchOne(db, key: opened.id), current.state == .closing {
                var closing = opened
                closing.state = .closing
                try closing.update(db)
            } else {
                try opened.update(db)
            }
        }
    }

    /// Adds a note; when the ticket was closed or deleted by hand, a failure opens a new ticket instead.
    private func note(_ operation: inout PSAOperationRecord, context: Context) async throws {
        guard let ticketID = context.link.psaTicketID else {
            throw TicketFailure(message: "the ticket was never opened; retry its open step first")
        }
        let current = try await context.system.ticket(id: ticketID)
        if let current, !current.isClosed {
            try await context.system.addNote(ticketID: ticketID, Self.note(context.payload))
            return
        }
        let status = context.payload["status"]?.stringValue.flatMap(CheckStatus.init(rawValue:))
        let operationID = operation.id
        let replacement = try await database.pool.write { db -> TicketLinkRecord? in
            var dead = context.link
            dead.state = .closed
            dead.closedAt = .now
            dead.lastError = current == nil ? "deleted in the PSA" : "closed in the PSA"
            try dead.update(db)
            guard status == .failure || status == .missed else { return nil }
            var fresh = TicketLinkRecord(
                checkID: dead.checkID, channelID: dead.channelID,
                reference: "\(dead.reference)-r\(Timestamp.now.milliseconds)", state: .opening, createdAt: .now)
            try fresh.insert(db)
            // This step and every later one of the pair now belong to the new ticket.
            try db.execute(
                sql: """
                    UPDATE psa_operations SET link_id = ? WHERE link_id = ? AND state != 'done' AND id >= ?
                    """,
                arguments: [fresh.id, dead.id, operationID])
            try db.execute(sql: "UPDATE psa_operations SET step = 'open' WHERE id = ?", arguments: [operationID])
            return fresh
        }
        guard let replacement else { return }
        operation.step = .open
        operation.linkID = replacement.id ?? operation.linkID
        var reopened = context
        reopened.link = replacement
        try await open(operation, context: reopened)
    }

    /// Closes the ticket with a last note; one closed or deleted by hand is left as it is.
    private func close(_ operation: PSAOperationRecord, context: Context) async throws {
        var link = context.link
        if let ticketID = link.psaTicketID {
            let current = try await context.system.ticket(id: ticketID)
            if let current, !current.isClosed {
                try await context.system.closeTicket(ticketID: ticketID, Self.note(context.payload))
                metrics.psaTicketClosed()
            } else {
                link.lastError = current == nil ? "deleted in the PSA" : "closed in the PSA"
            }
        }
        link.state = .closed
        link.closedAt = .now
        let closed = link
        try await database.pool.write { db in try closed.update(db) }
    }

    private func fail(_ operation: PSAOperationRecord, message: String, permanent: Bool, retryAfter: Duration?) async {
        var failed = operation
        failed.lastError = message
        failed.updatedAt = .now
        if permanent {
            failed.state = .dead
        } else {
            failed.state = .failing
            failed.nextAttemptAt = Timestamp(
                milliseconds: Timestamp.now.milliseconds
                    + Self.backoff(attempts: failed.attempts, base: retryBase, retryAfter: retryAfter).milliseconds)
        }
        metrics.psaOperation(step: operation.step, outcome: permanent ? "dead" : "retry")
        logger.warning(
            "PSA step failed",
            metadata: [
                "operation": "\(operation.publicID)", "step": "\(operation.step.rawValue)",
                "permanent": "\(permanent)", "error": "\(message)",
            ])
        let record = failed
        do {
            try await database.pool.write { db in
                try record.update(db)
                if var link = try TicketLinkRecord.fetchOne(db, key: record.linkID) {
                    link.lastError = message
                    if permanent, record.step == .open { link.state = .failed }
                    try link.update(db)
                }
            }
        } catch {
            logger.error("recording a PSA failure failed", metadata: ["error": "\(error)"])
        }
    }

    /// Exponential backoff from `base` (2 s) up to 10 min with jitter (so retries of many checks
    /// spread out), never sooner than the PSA's `Retry-After`.
    static func backoff(attempts: Int, base: Duration, retryAfter: Duration?) -> Duration {
        let exponent = min(max(attempts - 1, 0), 20)
        let delay = min(Double(base.milliseconds) * pow(2.0, Double(exponent)), 600_000)
        let jittered = Duration.milliseconds(Int64(delay * Double.random(in: 0.5...1.0)))
        guard let retryAfter else { return jittered }
        return max(jittered, retryAfter)
    }

    /// The PSA customer of a ticket (SPEC §6): the fixed one, else the group's linked customer on this
    /// channel, else the PSA customer named like the group.
    private func customer(for context: Context) async throws -> Int64 {
        switch context.channel.customer {
        case .fixed(let id):
            return id
        case .checkGroup:
            // The group as it was when the result arrived, like the group name the summary carries.
            let channelID = context.channel.record.id
            let checkID = context.link.checkID
            let frozenGroupID = context.payload["group_id"]?.stringValue
            let link = try await database.pool.read { db -> GroupPSALinkRecord? in
                guard let groupID = try frozenGroupID ?? CheckRecord.fetchOne(db, key: checkID)?.groupID else {
                    return nil
                }
                return try GroupPSALinkRecord.find(groupID: groupID, channelID: channelID, in: db)
            }
            if let link { return link.customerID }
            let groupName = context.payload["group_name"]?.stringValue ?? ""
            let wanted = Self.normalizedName(groupName)
            let matches = try await customers(context).filter { Self.normalizedName($0.name) == wanted }
            guard matches.count == 1, let match = matches.first else {
                throw TicketFailure(
                    message: matches.isEmpty
                        ? "no PSA customer is named '\(groupName)': link the group to a customer (customers.import) "
                            + "or set a fixed customer"
                        : "\(matches.count) PSA customers are named '\(groupName)': link the group to one of them "
                            + "(customers.import)")
            }
            return match.id
        }
    }

    private func customers(_ context: Context) async throws -> [PSACustomer] {
        let key = context.channel.record.id + "@" + String(context.channel.record.updatedAt.milliseconds)
        if let cached = customerLists.withLock({ $0[key] }), cached.fetched.duration(to: .now) < .seconds(300) {
            return cached.customers
        }
        let customers = try await context.system.customers()
        customerLists.withLock { $0[key] = (ContinuousClock.now, customers) }
        return customers
    }

    static func normalizedName(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    static func details(_ payload: JSONValue, reference: String) -> String {
        let subject = payload["subject"]?.stringValue ?? ""
        let excerpt = payload["excerpt"]?.stringValue ?? ""
        return """
            \(payload["summary"]?.stringValue ?? "")

            Received: \(payload["received_at"]?.stringValue ?? "")
            Subject: \(subject)

            \(excerpt)

            CheckBridge reference: \(reference)
            """
    }

    static func note(_ payload: JSONValue) -> PSANote {
        let status = payload["status"]?.stringValue ?? ""
        let text = """
            \(status) at \(payload["received_at"]?.stringValue ?? "")
            Subject: \(payload["subject"]?.stringValue ?? "")

            \(payload["excerpt"]?.stringValue ?? "")
            """
        return PSANote(text: text, subject: payload["summary"]?.stringValue ?? "CheckBridge: \(status)")
    }
}

/// A step that cannot succeed as configured (no customer to file it under): parked as dead.
struct TicketFailure: Error {
    var message: String
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension PSAKind {
    /// Requests per minute a channel may make: Syncro's published limit, a polite pace for the others.
    var requestsPerMinute: Int {
        switch self {
        case .syncro: 180
        case .halopsa, .connectwise: 600
        }
    }
}

/// A token bucket per channel. Each step may make a few calls, so it takes two tokens.
actor ChannelRateLimiter {
    private var buckets: [String: (tokens: Double, updated: ContinuousClock.Instant)] = [:]

    /// Waits for the channel's turn; throws `CancellationError` when the wait is cancelled.
    func acquire(channelID: String, perMinute: Int, cost: Double = 2) async throws {
        let rate = Double(perMinute) / 60
        let capacity = max(cost, rate * 5)
        while true {
            let now = ContinuousClock.now
            var bucket = buckets[channelID] ?? (capacity, now)
            let elapsed = bucket.updated.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * rate)
            bucket.updated = now
            if bucket.tokens >= cost {
                bucket.tokens -= cost
                buckets[channelID] = bucket
                return
            }
            buckets[channelID] = bucket
            let wait = (cost - bucket.tokens) / rate
            try await Task.sleep(for: .milliseconds(Int64(wait * 1000) + 1))
        }
    }
}
