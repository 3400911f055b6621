// swift-tools-version:6.1
// Benchmarks live in their own package so that building and testing CheckBridge never builds them.
import PackageDescription

let package = Package(
    name: "CheckBridgeBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "CheckBridge", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "IngestBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CheckBridgeCore", package: "CheckBridge"),
                .product(name: "MailParser", package: "CheckBridge"),
            ],
            path: "Benchmarks/IngestBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
