import CheckBridgeCore
import Testing

@Suite("RuleSet.decode")
struct RuleSetDecodingTests {
    @Test func decodesAFullRuleSet() throws {
        let rules = try JSONParser.parse(#"""
        [{"status":"failure","match":"any","conditions":[
            {"field":"subject","op":"contains","value":"failed","case_sensitive":true},
            {"field":"/severity","op":"equals","value":"CRITICAL"}]},
         {"status":"success","conditions":[{"field":"body","op":"regex","value":"\\bOK\\b"}]}]
        """#)
        let ruleSet = try RuleSet.decode(rules: rules, defaultStatus: "warning")
        #expect(ruleSet.defaultStatus == .warning)
        #expect(ruleSet.rules == [
            StatusRule(status: .failure, match: .any, conditions: [
                RuleCondition(field: .subject, op: .contains, value: "failed", caseSensitive: true),
                try pointerCondition("/severity", .equals, "CRITICAL"),
            ]),
            StatusRule(status: .success, match: .all, conditions: [
                RuleCondition(field: .body, op: .regex, value: "\\bOK\\b", caseSensitive: false),
            ]),
        ])
        #expect(ruleSet.evaluate(RuleInput(json: ["severity": "critical"]))
            == RuleDecision(status: .failure, ruleIndex: 0))
        #expect(ruleSet.evaluate(RuleInput(body: "all ok")) == RuleDecision(status: .success, ruleIndex: 1))
    }

    @Test func absentKeysGiveNoRulesAndFailure() throws {
        let ruleSet = try RuleSet.decode(rules: nil, defaultStatus: nil)
        #expect(ruleSet.rules.isEmpty)
        #expect(ruleSet.defaultStatus == .failure)
        #expect(ruleSet.evaluate(RuleInput(body: "anything")) == RuleDecision(status: .failure, ruleIndex: nil))
        #expect(try RuleSet.decode(rules: [], defaultStatus: "success").defaultStatus == .success)
    }

    @Test func canonicalJSONWritesEveryKey() throws {
        let ruleSet = try RuleSet.decode(rules: [
            ["status": "warning", "conditions": [["field": "/a~1b", "op": "not_contains", "value": "x"]]],
        ], defaultStatus: nil)
        let expected: JSONValue = [[
            "status": "warning", "match": "all",
            "conditions": [["field": "/a~1b", "op": "not_contains", "value": "x", "case_sensitive": false]],
        ]]
        #expect(ruleSet.rulesJSON == expected)
        #expect(ruleSet.rulesJSON.serializedString() ==
            #"[{"conditions":[{"case_sensitive":false,"field":"/a~1b","op":"not_contains","value":"x"}],"#
            + #""match":"all","status":"warning"}]"#)
        // The canonical form decodes back to the same rules.
        #expect(try RuleSet.decode(rules: ruleSet.rulesJSON, defaultStatus: "failure") == ruleSet)
    }

    @Test func everyPresetSurvivesTheCanonicalRoundTrip() throws {
        for preset in RMMPreset.allCases {
            let ruleSet = preset.ruleSet
            let decoded = try RuleSet.decode(
                rules: ruleSet.rulesJSON, defaultStatus: .string(ruleSet.defaultStatus.rawValue))
            #expect(decoded == ruleSet, "\(preset.rawValue)")
        }
    }

    @Test func rulesMustBeAnArray() {
        for bad: JSONValue in [["status": "ok"], "[]", .null, 1] {
            #expect(errorFields { () throws(ValidationError) in try RuleSet.decode(rules: bad, defaultStatus: nil) }
                == ["rules"], "\(bad)")
        }
    }

    @Test func badRulesAndStatuses() {
        let fields = errorFields { () throws(ValidationError) in
            try RuleSet.decode(rules: [
                "not an object",
                ["status": "missed", "conditions": [["field": "body", "op": "contains", "value": "x"]]],
                ["status": "ok", "conditions": [["field": "body", "op": "contains", "value": "x"]]],
                ["conditions": [["field": "body", "op": "contains", "value": "x"]]],
                ["status": 1, "match": "some", "conditions": [["field": "body", "op": "contains", "value": "x"]]],
            ], defaultStatus: "missed")
        }
        #expect(fields == ["rules[0]", "rules[1].status", "rules[2].status", "rules[3].status",
                           "rules[4].status", "rules[4].match", "default_status"])
    }

    @Test func conditionsMustBeANonEmptyArrayOfObjects() {
        let fields = errorFields { () throws(ValidationError) in
            try RuleSet.decode(rules: [
                ["status": "success", "conditions": []],
                ["status": "success"],
                ["status": "success", "conditions": ["field": "body"]],
                ["status": "success", "conditions": [42]],
            ], defaultStatus: nil)
        }
        #expect(fields == ["rules[0].conditions", "rules[1].conditions", "rules[2].conditions",
                           "rules[3].conditions[0]"])
    }

    @Test func badConditionFields() throws {
        let error = try #require(validationError { () throws(ValidationError) in
            try RuleSet.decode(rules: [
                ["status": "success", "conditions": [
                    ["field": "body", "op": "contains", "value": "fine"],
                    ["field": "severity", "op": "equals", "value": "x"],
                    ["field": "body", "op": "startsWith", "value": "x"],
                    ["field": "body", "op": "equals", "value": 42],
                    ["field": "body", "op": "regex", "value": "(unclosed"],
                    ["field": "body", "op": "equals", "value": "x", "case_sensitive": "yes"],
                    ["op": "equals"],
                    ["field": 7, "op": 8, "value": "x"],
                    ["field": "/a~2", "op": "equals", "value": "x"],
                ]],
            ], defaultStatus: nil)
        })
        let prefix = "rules[0].conditions"
        #expect(error.errors.map(\.field) == [
            "\(prefix)[1].field", "\(prefix)[2].op", "\(prefix)[3].value", "\(prefix)[4].value",
            "\(prefix)[5].case_sensitive", "\(prefix)[6].field", "\(prefix)[6].value",
            "\(prefix)[7].field", "\(prefix)[7].op", "\(prefix)[8].field",
        ])
        let messages = Dictionary(error.errors.map { ($0.field, $0.message) }, uniquingKeysWith: { first, _ in first })
        #expect(messages["\(prefix)[1].field"]?.contains(#"did you mean "/severity"?"#) == true)
        #expect(messages["\(prefix)[3].value"]?.contains("number") == true)
        #expect(messages["\(prefix)[4].value"]?.contains("regular expression") == true)
        #expect(messages["\(prefix)[6].field"] == "is required")
    }

    @Test func invalidRegexIsReportedOnItsValue() throws {
        for pattern in ["(abc", "a{2,1}", "[z-a]", "*a", "\\p{NoSuchProperty}"] {
            let error = try #require(validationError { () throws(ValidationError) in
                try RuleSet.decode(rules: [
                    ["status": "success", "conditions": [["field": "body", "op": "regex", "value": .string(pattern)]]],
                ], defaultStatus: nil)
            }, "\(pattern)")
            #expect(error.errors.map(\.field) == ["rules[0].conditions[0].value"], "\(pattern)")
            #expect(error.errors.first?.message.hasPrefix("is not a valid ICU regular expression") == true)
        }
        // A valid pattern in another op is just text.
        #expect(throws: Never.self) {
            try RuleSet.decode(rules: [["status": "success", "conditions": [
                ["field": "body", "op": "contains", "value": "(abc"]]]], defaultStatus: nil)
        }
    }

    @Test func unknownKeysAreErrors() {
        let fields = errorFields { () throws(ValidationError) in
            try RuleSet.decode(rules: [
                ["status": "success", "colour": "red", "conditions": [
                    ["field": "body", "op": "contains", "value": "x", "negate": true, "Case_Sensitive": false],
                ]],
            ], defaultStatus: nil)
        }
        #expect(fields == ["rules[0].conditions[0].Case_Sensitive", "rules[0].conditions[0].negate",
                           "rules[0].colour"])
    }

    @Test func defaultStatusMustBeARuleOutcomeString() {
        for bad: JSONValue in ["missed", "ok", "Failure", 1, .null, ["failure"]] {
            #expect(errorFields { () throws(ValidationError) in try RuleSet.decode(rules: nil, defaultStatus: bad) }
                == ["default_status"], "\(bad)")
        }
    }

    @Test func fieldPrefixIsPrepended() {
        let fields = errorFields { () throws(ValidationError) in
            try RuleSet.decode(
                rules: [["status": "missed", "conditions": [["field": "x", "op": "equals", "value": "y"]]]],
                defaultStatus: 3, fieldPrefix: "check.")
        }
        #expect(fields == ["check.rules[0].status", "check.rules[0].conditions[0].field", "check.default_status"])
    }

    @Test func collectsErrorsAcrossRules() {
        let fields = errorFields { () throws(ValidationError) in
            try RuleSet.decode(rules: [
                ["status": "success", "conditions": [["field": "body", "op": "contains", "value": "ok"]]],
                ["status": "failure", "conditions": [["field": "body", "op": "nope", "value": "x"]]],
                ["status": "warning", "conditions": [
                    ["field": "body", "op": "contains", "value": "x"],
                    ["field": "/a", "op": "regex", "value": "["],
                ]],
            ], defaultStatus: "success")
        }
        #expect(fields == ["rules[1].conditions[0].op", "rules[2].conditions[1].value"])
    }
}

@Suite("RuleSet.init validation")
struct RuleSetInitTests {
    @Test func rejectsMissedEmptyConditionsAndBadRegex() {
        let fields = errorFields { () throws(ValidationError) in
            try RuleSet(rules: [
                StatusRule(status: .missed, conditions: [RuleCondition(field: .body, op: .contains, value: "x")]),
                StatusRule(status: .success, conditions: []),
                StatusRule(status: .failure, conditions: [
                    RuleCondition(field: .body, op: .contains, value: "("),
                    RuleCondition(field: .body, op: .regex, value: "("),
                ]),
            ], defaultStatus: .missed)
        }
        #expect(fields == ["rules[0].status", "rules[1].conditions", "rules[2].conditions[1].value", "default_status"])
    }

    @Test func acceptsValidRules() throws {
        let ruleSet = try RuleSet(rules: [
            StatusRule(status: .warning, match: .any, conditions: [
                RuleCondition(field: .attachments, op: .regex, value: "(?i)warn(ing)?"),
            ]),
        ], defaultStatus: .success)
        #expect(ruleSet.rules.count == 1)
        #expect(ruleSet.evaluate(RuleInput(attachments: "WARNING")) == RuleDecision(status: .warning, ruleIndex: 0))
    }
}
