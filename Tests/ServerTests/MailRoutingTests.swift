import CheckBridgeCore
import MailParser
import Testing

@testable import Server

/// How recipients become check tokens (SPEC §3: `{token}@domain`, `anything+{token}@domain`).
@Suite struct MailRoutingTests {
    @Test(arguments: [
        ("abc123@checks.example.net", ["abc123"]),
        ("  ABC123@Checks.Example.Net\t", ["abc123"]),
        ("backups+abc123@checks.example.net", ["abc123", "backups+abc123"]),
        ("backups+@checks.example.net", ["backups+"]),
        ("\"abc123\"@checks.example.net", ["abc123"]),
        ("a@b@checks.example.net", ["a@b"]),
        ("no-at-sign", []),
        ("@checks.example.net", []),
        ("\u{3000}abc123@checks.example.net\u{A0}", ["abc123"]),
    ])
    func tokensOfAnAddress(address: String, expected: [String]) {
        #expect(MailRouting.tokens(in: address) == expected)
    }

    @Test func envelopeRecipientsWinAndAreNormalized() throws {
        let mail = MailParser.parse(Array("To: header@checks.example.net\r\nSubject: x\r\n\r\nbody".utf8))
        #expect(MailRouting.recipients(envelope: [], mail: mail) == ["header@checks.example.net"])
        #expect(
            MailRouting.recipients(
                envelope: [" <One@Checks.Example.Net> ", "one@checks.example.net", "<<two@x.example>>", " ", "<>"],
                mail: mail) == ["one@checks.example.net", "two@x.example"])
    }

    @Test func eachAddressGoesToTheFirstTokenThatNamesACheckAndEachCheckOnce() throws {
        let rules = try RuleSet(rules: [], defaultStatus: .success)
        let known: [String: IngestCheck] = [
            "abc123": IngestCheck(id: "chk_a", enabled: true, ruleSet: rules),
            "def456": IngestCheck(id: "chk_d", enabled: true, ruleSet: rules),
        ]
        let absent: Set = ["backups+abc123", "nothing", "backups"]
        func lookup(_ token: String) -> CheckDirectory.CachedAnswer {
            if let check = known[token] { return .check(check) }
            return absent.contains(token) ? .noCheck : .notCached
        }
        let routed = MailRouting.addressedChecks(
            ["backups+abc123@x.example", "nothing@x.example", "def456@x.example", "abc123@x.example"], lookup: lookup)
        guard case .checks(let checks) = routed else {
            Issue.record("every token is known, so the checks are decided: \(routed)")
            return
        }
        #expect(checks.map(\.id) == ["chk_a", "chk_d"])
        // An unknown token is looked up before anything is decided.
        guard case .lookUp(let token) = MailRouting.addressedChecks(["zzz+abc123@x.example", "fresh@x.example"], lookup: lookup)
        else {
            Issue.record("a token the cache does not know must be looked up")
            return
        }
        #expect(token == "fresh")
    }
}
