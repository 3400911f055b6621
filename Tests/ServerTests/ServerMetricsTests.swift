import CheckBridgeCore
import Prometheus
import Testing

@testable import Server

/// The series `/metrics` exports, read back from the registry's text output.
@Suite struct ServerMetricsTests {
    @Test func eachStatusAndSourceCountsItsOwnResults() {
        let registry = PrometheusCollectorRegistry()
        let metrics = ServerMetrics(registry: registry)
        var expected: [String: Int] = [:]
        for (offset, status) in CheckStatus.allCases.enumerated() {
            for (column, source) in ResultSource.allCases.enumerated() {
                // A different count for every pair, so that two pairs sharing a counter would show.
                let count = offset * 4 + column + 1
                for _ in 0..<count { metrics.resultStored(status: status, source: source) }
                expected["checkbridge_results_total{status=\"\(status.rawValue)\",source=\"\(source.rawValue)\"}"] = count
            }
        }
        var output: [UInt8] = []
        registry.emit(into: &output)
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        for (series, count) in expected {
            #expect(lines.contains("\(series) \(count)"), "\(series)")
        }
    }
}
