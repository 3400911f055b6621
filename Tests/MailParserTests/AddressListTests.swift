import Testing

@testable import MailParser

@Suite("Address lists")
struct AddressListTests {
    private func parse(_ text: String) -> [MailAddress] {
        AddressList.parse(Array(text.utf8))
    }

    @Test func plainAndNamedMailboxes() {
        #expect(parse("ops@example.com") == [MailAddress(address: "ops@example.com")])
        #expect(parse("Backup Server <backup@example.com>") ==
            [MailAddress(name: "Backup Server", address: "backup@example.com")])
        #expect(parse("<bare@example.com>") == [MailAddress(address: "bare@example.com")])
    }

    @Test func quotedNamesMayHoldCommasAndEscapes() {
        #expect(parse(#""Smith, John" <j@example.com>, "A \"B\" C" <abc@example.com>"#) == [
            MailAddress(name: "Smith, John", address: "j@example.com"),
            MailAddress(name: #"A "B" C"#, address: "abc@example.com"),
        ])
    }

    @Test func encodedDisplayNames() {
        #expect(parse("=?utf-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.de>") ==
            [MailAddress(name: "Jürgen Müller", address: "jm@example.de")])
        #expect(parse(#""=?utf-8?B?0JjQstCw0L0=?=" <ivan@example.ru>"#) ==
            [MailAddress(name: "Иван", address: "ivan@example.ru")])
    }

    @Test func encodedNameDecodingToACommaDoesNotSplit() {
        #expect(parse("=?utf-8?Q?Doe=2C_Jane?= <jane@example.com>, b@example.com") == [
            MailAddress(name: "Doe, Jane", address: "jane@example.com"),
            MailAddress(address: "b@example.com"),
        ])
    }

    @Test func groups() {
        #expect(parse("Team: a@example.com, Bob <b@example.com>;, c@example.com") == [
            MailAddress(address: "a@example.com"),
            MailAddress(name: "Bob", address: "b@example.com"),
            MailAddress(address: "c@example.com"),
        ])
        #expect(parse("undisclosed-recipients:;") == [])
    }

    @Test func commentsAreNamesOnlyWhenNothingElseIs() {
        #expect(parse("root@example.com (Cron Daemon)") ==
            [MailAddress(name: "Cron Daemon", address: "root@example.com")])
        #expect(parse("Real Name (comment) <r@example.com>") ==
            [MailAddress(name: "Real Name", address: "r@example.com")])
    }

    @Test func brokenInput() {
        #expect(parse(", ,a@example.com,,") == [MailAddress(address: "a@example.com")])
        #expect(parse("Name <open@example.com") == [MailAddress(name: "Name", address: "open@example.com")])
        #expect(parse("<@route.example,@b.example:user@example.com>") == [MailAddress(address: "user@example.com")])
        #expect(parse("just a phrase") == [])
        #expect(parse("localuser") == [MailAddress(address: "localuser")])
        #expect(parse("\"unterminated <x@example.com>") == [MailAddress(address: "x@example.com")])
        #expect(parse("") == [])
    }
}
