// swift-tools-version:6.1
import PackageDescription

// The libFuzzer harness for MailParser, kept out of the root package so that a normal build never
// compiles it. Built and run by scripts/fuzz-mail.sh.
let package = Package(
    name: "MailParserFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "CheckBridge", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "MailParserFuzz",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "MailParser", package: "CheckBridge"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
