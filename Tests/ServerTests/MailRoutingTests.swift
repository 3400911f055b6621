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
}
