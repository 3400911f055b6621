import CheckBridgeCore
import Prometheus
import Synchronization

/// The Prometheus series CheckBridge exports at `/metrics`.
///
/// Held per application (not bootstrapped globally) so that several servers in one test process
/// each count their own traffic.
final class ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// By `resultSlot(status, source)`: found by arithmetic rather than hashing, once per result.
    private let resultCounters: [Counter]
    private let duplicateCounter: Counter
    private let batchCounter: Counter
    private let batchSize: ValueHistogram
    private struct RouteStatus: Hashable {
        var route: String
        var status: Int
    }

    private let requestCounters = Mutex<[RouteStatus: Counter]>([:])
    private let psaCounters = Mutex<[String: Counter]>([:])
    private let queueDepth: Gauge
    private let ticketsOpened: Counter
    private let ticketsClosed: Counter

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var counters: [(slot: Int, counter: Counter)] = []
        for status in CheckStatus.allCases {
            for source in ResultSource.allCases {
                let counter = registry.makeCounter(
                    descriptor: Self.name("results", unit: "total", help: "Results stored, by status and source"),
                    labels: [("status", status.rawValue), ("source", source.rawValue)])
                counters.append((Self.resultSlot(status, source), counter))
            }
        }
        // Every pair has a slot of its own, and the slots have no gaps.
        precondition(counters.map(\.slot).sorted() == Array(counters.indices), "result counter slots overlap")
        resultCounters = counters.sorted { $0.slot < $1.slot }.map(\.counter)
        queueDepth = registry.makeGauge(
            descriptor: Self.name("psa_queue", unit: "depth", help: "PSA steps not sent yet (pending, failing, dead)"))
        ticketsOpened = registry.makeCounter(
            descriptor: Self.name("psa_tickets_opened", unit: "total", help: "Tickets opened in PSAs"))
        ticketsClosed = registry.makeCounter(
            descriptor: Self.name("psa_tickets_closed", unit: "total", help: "Tickets closed in PSAs"))
        duplicateCounter = registry.makeCounter(
            descriptor: Self.name(
                "duplicate_deliveries", unit: "total", help: "Repeated deliveries answered with the first result"))
        batchCounter = registry.makeCounter(
            descriptor: Self.name("result_commits", unit: "total", help: "Group commits of the result writer"))
        batchSize = registry.makeValueHistogram(
            descriptor: Self.name("result_commit", unit: "size", help: "Results per group commit"),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048])
    }

    private static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "checkbridge", metricName: metric, unitName: unit, helpText: help)
    }

    func resultStored(status: CheckStatus, source: ResultSource) {
        resultCounters[Self.resultSlot(status, source)].increment()
    }

    /// Where a status and source pair's counter is in `resultCounters`.
    private static func resultSlot(_ status: CheckStatus, _ source: ResultSource) -> Int {
        let row =
            switch status {
            case .success: 0
            case .warning: 1
            case .failure: 2
            case .missed: 3
            }
        let column =
            switch source {
            case .webhook: 0
            case .mail: 1
            case .schedule: 2
            case .manual: 3
            }
        return row * 4 + column
    }

    func duplicateDelivery() {
        duplicateCounter.increment()
    }

    func committed(batchSize size: Int) {
        batchCounter.increment()
        batchSize.record(Double(size))
    }

    func psaQueueDepth(_ depth: Int) {
        queueDepth.set(Double(depth))
    }

    func psaTicketOpened() {
        ticketsOpened.increment()
    }

    func psaTicketClosed() {
        ticketsClosed.increment()
    }

    /// Counts one PSA step attempt by step and outcome (sent, retry, dead).
    func psaOperation(step: TicketStep, outcome: String) {
        let key = "\(step.rawValue) \(outcome)"
        let counter = psaCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.name("psa_operations", unit: "total", help: "PSA steps attempted, by step and outcome"),
                labels: [("step", step.rawValue), ("outcome", outcome)])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Counts one answered HTTP request by route and status. Runs for every request: the key is
    /// built from strings the request already has, and a counter is created once per pair.
    func request(route: String, statusCode: Int) {
        let key = RouteStatus(route: route, status: statusCode)
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.name("http_requests", unit: "total", help: "HTTP requests answered, by route and status"),
                labels: [("route", route), ("status", String(statusCode))])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
