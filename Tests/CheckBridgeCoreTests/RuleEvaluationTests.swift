import CheckBridgeCore
import Testing

@Suite("Rule operators")
struct RuleOperatorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let op: RuleOperator
        let value: String
        let caseSensitive: Bool
        let body: String
        let expected: Bool
        var testDescription: String { "\(op.rawValue) \"\(value)\" cs=\(caseSensitive) in \"\(body)\" → \(expected)" }
    }

    @Test(arguments: [
        // contains
        Case(op: .contains, value: "backup failed", caseSensitive: false, body: "Job BACKUP FAILED", expected: true),
        Case(op: .contains, value: "backup failed", caseSensitive: true, body: "Job BACKUP FAILED", expected: false),
        Case(op: .contains, value: "BACKUP", caseSensitive: true, body: "Job BACKUP FAILED", expected: true),
        Case(op: .contains, value: "succeeded", caseSensitive: false, body: "Job BACKUP FAILED", expected: false),
        // not_contains
        Case(op: .notContains, value: "error", caseSensitive: false, body: "0 ERRORS", expected: false),
        Case(op: .notContains, value: "error", caseSensitive: true, body: "0 ERRORS", expected: true),
        Case(op: .notContains, value: "warning", caseSensitive: false, body: "all good", expected: true),
        Case(op: .notContains, value: "GOOD", caseSensitive: true, body: "all good", expected: true),
        // equals: the whole field, not a part of it
        Case(op: .equals, value: "ok", caseSensitive: false, body: "OK", expected: true),
        Case(op: .equals, value: "ok", caseSensitive: true, body: "OK", expected: false),
        Case(op: .equals, value: "OK", caseSensitive: true, body: "OK", expected: true),
        Case(op: .equals, value: "ok", caseSensitive: false, body: "OK then", expected: false),
        // regex
        Case(op: .regex, value: "fail(ed|ure)", caseSensitive: false, body: "Job FAILED", expected: true),
        Case(op: .regex, value: "fail(ed|ure)", caseSensitive: true, body: "Job FAILED", expected: false),
        Case(op: .regex, value: "^Job [A-Z]+$", caseSensitive: true, body: "Job FAILED", expected: true),
        Case(op: .regex, value: "^job", caseSensitive: true, body: "Job FAILED", expected: false),
        Case(op: .regex, value: "\\d{3} errors", caseSensitive: false, body: "found 123 Errors", expected: true),
    ])
    func operatorAndCaseSensitivity(_ test: Case) throws {
        #expect(try bodyHolds(test.op, test.value, caseSensitive: test.caseSensitive, body: test.body) == test.expected)
    }

    @Test func emptyValues() throws {
        // An empty value is contained in every field, so not_contains "" never holds.
        #expect(try bodyHolds(.contains, "", body: "anything"))
        #expect(try bodyHolds(.contains, "", body: ""))
        #expect(try !bodyHolds(.notContains, "", body: "anything"))
        // equals "" matches an empty field, a field of only white space, and a missing pointer.
        #expect(try bodyHolds(.equals, "", body: ""))
        #expect(try bodyHolds(.equals, "", body: " \t\r\n\u{A0}"))
        #expect(try !bodyHolds(.equals, "", body: "x"))
        #expect(try holds(.pointer(#require(JSONPointer("/missing"))), .equals, "", in: RuleInput(json: ["a": 1])))
        #expect(try holds(.pointer(#require(JSONPointer("/a"))), .equals, "", in: RuleInput()))
        // A value of only white space is the empty value.
        #expect(try bodyHolds(.contains, "  \t ", body: "anything"))
        // An empty regex matches everything, like an empty contains.
        #expect(try bodyHolds(.regex, "", body: "anything"))
        #expect(try bodyHolds(.regex, "", body: ""))
    }

    @Test func regexUsesUnicodeWordBoundaries() throws {
        // \b must treat non-ASCII letters as word characters.
        #expect(try !bodyHolds(.regex, "\\bfehler\\b", body: "Sicherungsfehlerüberwachung"))
        #expect(try bodyHolds(.regex, "\\bfehler\\b", body: "Ein Fehler trat auf"))
        #expect(try !bodyHolds(.regex, "\\bstra\\b", body: "Straße 5"))
        #expect(try bodyHolds(.regex, "\\bстатус\\b", body: "СТАТУС: ошибка"))
    }

    @Test func regexCaseInsensitivityIsUnicode() throws {
        #expect(try bodyHolds(.regex, "straße", body: "STRASSE 5"))
        #expect(try bodyHolds(.regex, "ΣΦΑΛΜΑ", body: "σφαλμα"))
        #expect(try !bodyHolds(.regex, "straße", caseSensitive: true, body: "STRASSE 5"))
    }

    @Test func regexSeesNormalisedText() throws {
        // Line breaks are collapsed to one space before matching, so anchors see a single line.
        #expect(try bodyHolds(.regex, "^Backup: OK$", caseSensitive: true, body: "\n  Backup:\r\n\tOK  \n"))
        #expect(try !bodyHolds(.regex, "\\n", body: "line one\nline two"))
        #expect(try bodyHolds(.regex, "one line", body: "line one\nline two"))
    }

    @Test func containsFindsMatchesAtEveryPosition() throws {
        #expect(try bodyHolds(.contains, "abc", body: "abc"))
        #expect(try bodyHolds(.contains, "abc", body: "xxabc"))
        #expect(try bodyHolds(.contains, "abc", body: "abcxx"))
        #expect(try !bodyHolds(.contains, "abcd", body: "abc"))
        #expect(try !bodyHolds(.contains, "abd", body: "abcabcab"))
    }

    @Test func containsStaysCorrectOnRepetitiveInput() throws {
        // Many near-matches push the search into its linear-time fallback; it must still find the match.
        let haystack = String(repeating: "a", count: 20_000) + "b"
        let needle = String(repeating: "a", count: 300) + "b"
        #expect(try bodyHolds(.contains, needle, body: haystack))
        #expect(try !bodyHolds(.contains, needle + "c", body: haystack))
        #expect(try bodyHolds(.contains, "aab", body: "aaaab"))
    }
}

@Suite("Rule fields")
struct RuleFieldTests {
    let input = RuleInput(subject: "Backup report", body: "All jobs done", attachments: "log: disk full",
                          json: ["severity": "CRITICAL"])

    @Test func eachTextFieldReadsItsOwnText() throws {
        #expect(try holds(.subject, .contains, "report", in: input))
        #expect(try !holds(.subject, .contains, "jobs", in: input))
        #expect(try holds(.body, .contains, "jobs", in: input))
        #expect(try !holds(.body, .contains, "disk", in: input))
        #expect(try holds(.attachments, .contains, "disk full", in: input))
        #expect(try !holds(.attachments, .contains, "report", in: input))
    }

    @Test func anyJoinsSubjectBodyAndAttachments() throws {
        #expect(try holds(.any, .contains, "report", in: input))
        #expect(try holds(.any, .contains, "jobs", in: input))
        #expect(try holds(.any, .contains, "disk full", in: input))
        // Joined by newlines, which become single spaces.
        #expect(try holds(.any, .equals, "Backup report All jobs done log: disk full", in: input))
        #expect(try holds(.any, .contains, "report all", in: input))
        #expect(try holds(.any, .regex, "report All jobs done log", caseSensitive: true, in: input))
        // Empty parts add no extra space.
        #expect(try holds(.any, .equals, "a c", in: RuleInput(subject: "a", body: " ", attachments: "c")))
        #expect(try holds(.any, .equals, "", in: RuleInput()))
        // The JSON body is not part of `any`.
        #expect(try !holds(.any, .contains, "critical", in: input))
    }

    @Test func textFieldsIgnoreJSONAndPointersIgnoreText() throws {
        let pointer = RuleField.pointer(try #require(JSONPointer("/severity")))
        #expect(try holds(pointer, .equals, "critical", in: input))
        #expect(try !holds(pointer, .contains, "critical", in: RuleInput(subject: "critical", body: "critical")))
    }

    @Test func fieldTextRoundTrips() throws {
        for text in ["subject", "body", "attachments", "any", "/severity", "/a~1b/0", ""] {
            #expect(RuleField(text)?.text == text)
        }
        #expect(RuleField("/severity") == .pointer(try #require(JSONPointer("/severity"))))
        for text in ["Subject", "severity", "BODY", " any", "attachment"] {
            #expect(RuleField(text) == nil)
        }
    }
}

@Suite("JSON Pointer fields")
struct PointerFieldTests {
    let json: JSONValue = [
        "severity": "MAJOR",
        "attributes": ["resolved": true, "count": 42, "ratio": 0.5, "note": nil, "big": 3e20],
        "items": [["x": "first"], ["x": "second"]],
        "a/b": "slash", "m~n": "tilde", "nested": ["k": ["deep": "value"]],
    ]

    func pointerHolds(_ pointer: String, _ op: RuleOperator, _ value: String,
                      caseSensitive: Bool = false, json: JSONValue? = nil) throws -> Bool {
        try holds(.pointer(#require(JSONPointer(pointer))), op, value, caseSensitive: caseSensitive,
                  in: RuleInput(json: json ?? self.json))
    }

    func pointerHolds(_ pointer: String, _ value: String, caseSensitive: Bool = false,
                      json: JSONValue? = nil) throws -> Bool {
        try pointerHolds(pointer, .equals, value, caseSensitive: caseSensitive, json: json)
    }

    @Test func stringsAndNesting() throws {
        #expect(try pointerHolds("/severity", "major"))
        #expect(try !pointerHolds("/severity", "major", caseSensitive: true))
        #expect(try pointerHolds("/nested/k/deep", "value"))
        #expect(try pointerHolds("/items/0/x", "first"))
        #expect(try pointerHolds("/items/1/x", "second"))
        #expect(try !pointerHolds("/items/2/x", "second"))
    }

    @Test func escapedTokens() throws {
        #expect(try pointerHolds("/a~1b", "slash"))
        #expect(try pointerHolds("/m~0n", "tilde"))
    }

    @Test func scalarsPrintAsJSONWithoutQuotes() throws {
        #expect(try pointerHolds("/attributes/resolved", "true"))
        #expect(try pointerHolds("/attributes/resolved", "TRUE"))
        #expect(try !pointerHolds("/attributes/resolved", "false"))
        #expect(try pointerHolds("/attributes/count", "42"))
        #expect(try pointerHolds("/attributes/count", .regex, "^\\d+$"))
        #expect(try pointerHolds("/attributes/ratio", "0.5"))
        #expect(try pointerHolds("/attributes/note", "null"))
        #expect(try !pointerHolds("/attributes/note", ""))
        #expect(try pointerHolds("/attributes/big", "3e+20"))
    }

    @Test func containersPrintAsCompactJSON() throws {
        #expect(try pointerHolds("/items/0", #"{"x":"first"}"#, caseSensitive: true))
        #expect(try pointerHolds("/items", .contains, #""second""#))
        #expect(try pointerHolds("", .contains, #""severity":"MAJOR""#, caseSensitive: true))
    }

    @Test func missingPointerOrNoJSONIsEmpty() throws {
        #expect(try pointerHolds("/nope", ""))
        #expect(try pointerHolds("/nope", .notContains, "x"))
        #expect(try !pointerHolds("/nope", .contains, "x"))
        #expect(try pointerHolds("/severity/deeper", ""))
        #expect(try holds(.pointer(#require(JSONPointer("/severity"))), .equals, "", in: RuleInput(body: "MAJOR")))
    }

    @Test func pointerValuesAreNormalised() throws {
        let json: JSONValue = ["message": "  Disk\tC:\n  almost\u{A0}full  "]
        #expect(try pointerHolds("/message", "disk c: almost full", json: json))
    }
}

@Suite("White space and case folding")
struct NormalisationTests {
    @Test(arguments: [
        "Backup completed successfully",
        "Backup\tcompleted\tsuccessfully",
        "Backup\r\ncompleted\r\n\r\nsuccessfully",
        "  Backup completed successfully  ",
        "Backup\u{A0}completed\u{2003}successfully",
        "\nBackup \u{3000} completed\u{2028}\u{85}successfully\u{0B}\u{0C}",
        "Backup    completed \t \n successfully",
    ])
    func whiteSpaceRunsBecomeOneSpace(body: String) throws {
        #expect(try bodyHolds(.equals, "Backup completed successfully", caseSensitive: true, body: body))
        #expect(try bodyHolds(.contains, "backup completed", body: body))
    }

    @Test func valuesAreNormalisedToo() throws {
        #expect(try bodyHolds(.equals, " Backup\t\tOK\n", caseSensitive: true, body: "Backup OK"))
        #expect(try bodyHolds(.contains, "job\r\n42", body: "the job 42 ran"))
        #expect(try !bodyHolds(.notContains, "job\u{A0}42", body: "the job 42 ran"))
    }

    @Test func nonWhiteSpaceControlAndInvisibleCharactersAreKept() throws {
        // U+200B ZERO WIDTH SPACE is not White_Space; it must not become a space.
        #expect(try !bodyHolds(.equals, "a b", body: "a\u{200B}b"))
        #expect(try bodyHolds(.equals, "a\u{200B}b", caseSensitive: true, body: "a\u{200B}b"))
    }

    @Test(arguments: [
        ("straße", "STRASSE"), ("STRASSE", "straße"), ("ẞ", "ss"), ("ß", "SS"),
        ("ΣΊΣΥΦΟΣ", "σίσυφος"), ("Σ", "ς"), ("ς", "σ"),
        ("ÉCOLE", "école"), ("\u{130}stanbul", "i\u{307}stanbul"), ("ǅ", "ǆ"), ("ﬁle", "FILE"), ("ſ", "S"),
        ("Ω", "ω"), ("\u{212A}elvin", "kelvin"), ("ПРИВЕТ", "привет"), ("\u{535}\u{552}", "\u{587}"),
        ("ÀÉÎÕÜ", "àéîõü"), ("\u{390}", "\u{399}\u{308}\u{301}"), ("ᾈ", "ἀι"), ("Ꭰ", "ꭰ"),
        ("𐐀", "𐐨"),
    ])
    func unicodeCaseFolding(_ pair: (String, String)) throws {
        #expect(try bodyHolds(.equals, pair.0, body: pair.1))
        #expect(try bodyHolds(.equals, pair.1, body: pair.0))
        #expect(try bodyHolds(.contains, pair.0, body: "x \(pair.1) y"))
    }

    @Test func caseSensitiveComparisonDoesNotFold() throws {
        #expect(try !bodyHolds(.equals, "straße", caseSensitive: true, body: "STRASSE"))
        #expect(try !bodyHolds(.equals, "Σ", caseSensitive: true, body: "σ"))
        #expect(try bodyHolds(.equals, "ß", caseSensitive: true, body: "ß"))
    }

    @Test func foldingIsTurkishNeutral() throws {
        // Without a Turkish locale, dotless ı is its own letter and I folds to i.
        #expect(try !bodyHolds(.equals, "ı", body: "I"))
        #expect(try !bodyHolds(.equals, "ı", body: "i"))
        #expect(try bodyHolds(.equals, "I", body: "i"))
        #expect(try !bodyHolds(.equals, "İ", body: "i"))
    }

    @Test func canonicallyEquivalentTextMatches() throws {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(try bodyHolds(.equals, composed, caseSensitive: true, body: decomposed))
        #expect(try bodyHolds(.equals, decomposed, caseSensitive: true, body: composed))
        #expect(try bodyHolds(.contains, "CAFÉ", body: "le " + decomposed + " ouvert"))
        // An accent is part of its letter: "cafe" is not in "café".
        #expect(try !bodyHolds(.equals, "cafe", body: decomposed))
    }

    @Test func longMixedTextIsPreparedLikeShortText() throws {
        // Crosses the word-at-a-time path with spaces, tabs, upper case and non-ASCII at every alignment.
        for offset in 0..<9 {
            let prefix = String(repeating: "x", count: offset)
            let body = prefix + "ABCDEFGH  IJKLMNOP\tQRSTÜVWX yz1234567890 ÄÖÜ  Straße\u{A0}END"
            let expected = prefix + "abcdefgh ijklmnop qrstüvwx yz1234567890 äöü strasse end"
            #expect(try bodyHolds(.equals, expected, body: body), "offset \(offset)")
            #expect(try bodyHolds(.equals, expected, caseSensitive: true, body: body.lowercased()
                .replacingOccurrences(of: "ß", with: "ss")), "offset \(offset)")
        }
    }
}

@Suite("Rule sets")
struct RuleSetEvaluationTests {
    @Test func allNeedsEveryConditionAnyNeedsOne() throws {
        let conditions = [
            RuleCondition(field: .subject, op: .contains, value: "backup"),
            RuleCondition(field: .body, op: .contains, value: "failed"),
        ]
        let all = try RuleSet(rules: [StatusRule(status: .failure, match: .all, conditions: conditions)],
                              defaultStatus: .success)
        let any = try RuleSet(rules: [StatusRule(status: .failure, match: .any, conditions: conditions)],
                              defaultStatus: .success)
        let both = RuleInput(subject: "Backup", body: "it failed")
        let one = RuleInput(subject: "Backup", body: "it worked")
        let none = RuleInput(subject: "Report", body: "it worked")
        #expect(all.evaluate(both) == RuleDecision(status: .failure, ruleIndex: 0))
        #expect(all.evaluate(one) == RuleDecision(status: .success, ruleIndex: nil))
        #expect(any.evaluate(one) == RuleDecision(status: .failure, ruleIndex: 0))
        #expect(any.evaluate(none) == RuleDecision(status: .success, ruleIndex: nil))
    }

    @Test func firstMatchingRuleWins() throws {
        let ruleSet = try RuleSet(rules: [
            StatusRule(status: .failure, conditions: [RuleCondition(field: .body, op: .contains, value: "error")]),
            StatusRule(status: .warning, conditions: [RuleCondition(field: .body, op: .contains, value: "warn")]),
            StatusRule(status: .success, conditions: [RuleCondition(field: .body, op: .contains, value: "done")]),
        ], defaultStatus: .warning)
        #expect(ruleSet.evaluate(RuleInput(body: "done with error and warn"))
            == RuleDecision(status: .failure, ruleIndex: 0))
        #expect(ruleSet.evaluate(RuleInput(body: "done with warn")) == RuleDecision(status: .warning, ruleIndex: 1))
        #expect(ruleSet.evaluate(RuleInput(body: "done")) == RuleDecision(status: .success, ruleIndex: 2))
        #expect(ruleSet.evaluate(RuleInput(body: "nothing")) == RuleDecision(status: .warning, ruleIndex: nil))
    }

    @Test func noRulesGiveTheDefault() throws {
        for status in [CheckStatus.success, .warning, .failure] {
            let ruleSet = try RuleSet(rules: [], defaultStatus: status)
            #expect(ruleSet.evaluate(RuleInput(body: "x")) == RuleDecision(status: status, ruleIndex: nil))
        }
    }

    @Test func regexConditionsCombineWithOthersInEitherOrder() throws {
        // Regex conditions are tried after the cheaper ones; the outcome must not depend on that.
        let regexFirst = [
            RuleCondition(field: .body, op: .regex, value: "\\bfailed\\b"),
            RuleCondition(field: .subject, op: .equals, value: "nightly"),
        ]
        for match in RuleMatch.allCases {
            for conditions in [regexFirst, Array(regexFirst.reversed())] {
                let ruleSet = try RuleSet(rules: [StatusRule(status: .failure, match: match, conditions: conditions)],
                                          defaultStatus: .success)
                let both = ruleSet.evaluate(RuleInput(subject: "Nightly", body: "job failed"))
                let regexOnly = ruleSet.evaluate(RuleInput(subject: "Weekly", body: "job failed"))
                let equalsOnly = ruleSet.evaluate(RuleInput(subject: "Nightly", body: "job ok"))
                #expect(both.status == .failure)
                #expect(regexOnly.status == (match == .any ? .failure : .success))
                #expect(equalsOnly.status == (match == .any ? .failure : .success))
            }
        }
    }

    @Test func oneFieldInBothCaseModes() throws {
        // The same field read case-sensitively and case-insensitively in one evaluation.
        let ruleSet = try RuleSet(rules: [StatusRule(status: .warning, conditions: [
            RuleCondition(field: .body, op: .contains, value: "error", caseSensitive: false),
            RuleCondition(field: .body, op: .notContains, value: "ERROR", caseSensitive: true),
            RuleCondition(field: .body, op: .regex, value: "Error", caseSensitive: true),
        ])], defaultStatus: .success)
        #expect(ruleSet.evaluate(RuleInput(body: "Error: disk")).status == .warning)
        #expect(ruleSet.evaluate(RuleInput(body: "ERROR: disk")).status == .success)
        #expect(ruleSet.evaluate(RuleInput(body: "error: disk")).status == .success)
    }

    @Test func evaluationIsRepeatableAndConcurrent() async throws {
        let ruleSet = try RuleSet(rules: [
            StatusRule(status: .failure, conditions: [RuleCondition(field: .any, op: .regex, value: "fail")]),
        ], defaultStatus: .success)
        let results = await withTaskGroup(of: CheckStatus.self) { group in
            for index in 0..<64 {
                group.addTask { ruleSet.evaluate(RuleInput(body: index.isMultiple(of: 2) ? "fail" : "ok")).status }
            }
            var statuses: [CheckStatus] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        #expect(results.filter { $0 == .failure }.count == 32)
        #expect(results.filter { $0 == .success }.count == 32)
    }
}
