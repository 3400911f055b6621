import CheckBridgeCore
import Testing

@Suite("CheckStatus(reportedName:)")
struct CheckStatusTests {
    @Test(arguments: [
        ("success", CheckStatus.success), ("ok", .success), ("passed", .success), ("succeeded", .success),
        ("warning", .warning), ("warn", .warning),
        ("failure", .failure), ("error", .failure), ("failed", .failure), ("critical", .failure),
    ])
    func acceptsNamesAndAliases(name: String, expected: CheckStatus) {
        #expect(CheckStatus(reportedName: name) == expected)
    }

    @Test(arguments: ["OK", "Ok", "  ok\n", "\tWARN ", "FAILED", "Critical", "SUCCESS"])
    func isCaseInsensitiveAndTrimmed(name: String) {
        #expect(CheckStatus(reportedName: name) != nil)
    }

    @Test(arguments: [
        "missed", "MISSED", "", "   ", "okay", "fail", "succes", "resolved", "o k", "ſuccess", "\u{212A}",
    ])
    func rejectsOthers(name: String) {
        #expect(CheckStatus(reportedName: name) == nil)
    }

    @Test func rawValuesAreTheWireNames() {
        #expect(CheckStatus.allCases.map(\.rawValue) == ["success", "warning", "failure", "missed"])
    }
}
