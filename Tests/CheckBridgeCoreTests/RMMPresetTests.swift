import CheckBridgeCore
import Testing

/// Each preset against payloads shaped like what the RMM posts (see docs/rmm-presets.md), one per branch.
@Suite("RMM presets")
struct RMMPresetTests {
    func decide(_ preset: RMMPreset, _ payload: String) throws -> CheckStatus {
        preset.ruleSet.evaluate(RuleInput(json: try JSONParser.parse(payload))).status
    }

    @Test func namesAreTheAPINames() {
        #expect(RMMPreset.allCases.map(\.rawValue) ==
            ["ninjaone", "datto-rmm", "tactical-rmm", "n-central", "atera", "syncro", "cw-automate"])
        #expect(RMMPreset(rawValue: "datto-rmm") == .dattoRMM)
    }

    @Test func presetsUseCaseInsensitiveEqualsOnPointers() {
        for preset in RMMPreset.allCases {
            for rule in preset.ruleSet.rules {
                #expect(rule.status != .missed)
                for condition in rule.conditions {
                    #expect(condition.op == .equals, "\(preset.rawValue)")
                    #expect(!condition.caseSensitive, "\(preset.rawValue)")
                    guard case .pointer = condition.field else {
                        Issue.record("\(preset.rawValue) reads \(condition.field.text), not a pointer")
                        continue
                    }
                }
            }
        }
    }

    // MARK: NinjaOne

    static let ninjaTemplate = #"""
    {"id":12938,"activityTime":1592600612.5,"deviceId":100,"severity":"%@","priority":"HIGH",
     "seriesUid":"6b3f1f9a-0e3c-4d7a-9a53-2b1e3c9d0a11","activityType":"CONDITION","statusCode":"%@","status":"%@",
     "activityResult":"%@","sourceConfigUid":"c0ffee","sourceName":"Disk Free Space","subject":"Disk C: below 10%",
     "message":"Disk C: has 4% free","type":"Condition","data":{"message":{"code":"x"}},
     "device":{"id":100,"systemName":"FS01","organizationId":7}}
    """#

    func ninja(severity: String = "NONE", statusCode: String = "", status: String = "", result: String = "") -> String {
        var text = Self.ninjaTemplate
        for value in [severity, statusCode, status, result] {
            if let range = text.range(of: "%@") { text.replaceSubrange(range, with: value) }
        }
        return text
    }

    @Test func ninjaone() throws {
        #expect(try decide(.ninjaone, ninja(severity: "CRITICAL", statusCode: "RESET", status: "RESET")) == .success)
        #expect(try decide(.ninjaone, ninja(severity: "MAJOR", statusCode: "RESET")) == .success)
        #expect(try decide(.ninjaone, ninja(status: "reset")) == .success)
        #expect(try decide(.ninjaone, ninja(statusCode: "COMPLETED", result: "SUCCESS")) == .success)
        #expect(try decide(.ninjaone, ninja(statusCode: "COMPLETED", result: "FAILURE")) == .failure)
        let triggered = ninja(severity: "CRITICAL", statusCode: "TRIGGERED", status: "TRIGGERED")
        #expect(try decide(.ninjaone, triggered) == .failure)
        #expect(try decide(.ninjaone, ninja(severity: "MAJOR", statusCode: "TRIGGERED")) == .failure)
        #expect(try decide(.ninjaone, ninja(severity: "major", status: "triggered")) == .failure)
        #expect(try decide(.ninjaone, ninja(severity: "MODERATE", statusCode: "TRIGGERED")) == .warning)
        #expect(try decide(.ninjaone, ninja(severity: "MINOR", statusCode: "TRIGGERED")) == .warning)
        #expect(try decide(.ninjaone, ninja(severity: "CRITICAL", statusCode: "ACKNOWLEDGED")) == .warning)
        #expect(try decide(.ninjaone, ninja(result: "UNSUPPORTED")) == .warning)
        #expect(try decide(.ninjaone, #"{"hello":"world"}"#) == .warning)
    }

    // MARK: Datto RMM

    @Test func dattoRMM() throws {
        let alert = #"""
        {"event":"%@","priority":"%@","alertUid":"e3b0c442-98fc-1c14-9afb-f4c8996fb924",
         "alertMessage":"Disk usage on C: is 95%","device":"FS01","site":"Acme HQ","monitor":"Disk Usage"}
        """#
        func payload(_ event: String, _ priority: String) -> String {
            var text = alert
            for value in [event, priority] {
                if let range = text.range(of: "%@") { text.replaceSubrange(range, with: value) }
            }
            return text
        }
        #expect(try decide(.dattoRMM, payload("resolved", "Critical")) == .success)
        #expect(try decide(.dattoRMM, payload("Resolved", "High")) == .success)
        #expect(try decide(.dattoRMM, #"{"status":"resolved","priority":"Critical"}"#) == .success)
        #expect(try decide(.dattoRMM, payload("alert", "Critical")) == .failure)
        #expect(try decide(.dattoRMM, payload("alert", "high")) == .failure)
        #expect(try decide(.dattoRMM, payload("alert", "Moderate")) == .warning)
        #expect(try decide(.dattoRMM, payload("alert", "Low")) == .warning)
        #expect(try decide(.dattoRMM, payload("alert", "Information")) == .warning)
        #expect(try decide(.dattoRMM, payload("alert", "Not High")) == .warning)
    }

    // MARK: Tactical RMM

    @Test func tacticalRMM() throws {
        #expect(try decide(.tacticalRMM, #"""
            {"event":"resolved","severity":"error","agent":"FS01","client":"Acme","site":"HQ",
             "message":"Disk space check: passing","alert_time":"2024-05-01T10:00:00Z"}
            """#) == .success)
        #expect(try decide(.tacticalRMM, #"{"event":"failure","severity":"error","resolved":true}"#) == .success)
        #expect(try decide(.tacticalRMM, #"{"event":"failure","severity":"error","resolved":false}"#) == .failure)
        #expect(try decide(.tacticalRMM, #"{"event":"failure","severity":"ERROR"}"#) == .failure)
        #expect(try decide(.tacticalRMM, #"{"event":"failure","severity":"warning","resolved":false}"#) == .warning)
        #expect(try decide(.tacticalRMM, #"{"event":"failure","severity":"info"}"#) == .warning)
        // A template that quotes the boolean still works: pointers compare text.
        #expect(try decide(.tacticalRMM, #"{"event":"failure","severity":"error","resolved":"True"}"#) == .success)
    }

    // MARK: N-central

    @Test func nCentral() throws {
        func payload(_ state: String) -> String {
            #"{"CustomerName":"Acme","DeviceName":"FS01","ServiceName":"Disk","QualitativeOldState":"Normal","#
                + #""QualitativeNewState":"\#(state)","TimeOfStateChange":"2024-05-01 10:00:00"}"#
        }
        #expect(try decide(.nCentral, payload("Failed")) == .failure)
        #expect(try decide(.nCentral, payload("FAILED")) == .failure)
        #expect(try decide(.nCentral, payload("Warning")) == .warning)
        #expect(try decide(.nCentral, payload("Normal")) == .success)
        #expect(try decide(.nCentral, payload("Misconfigured")) == .warning)
        #expect(try decide(.nCentral, payload("No Data")) == .warning)
        #expect(try decide(.nCentral, #"{"DeviceName":"FS01"}"#) == .warning)
    }

    // MARK: Atera

    @Test func atera() throws {
        func payload(severity: String, archived: Bool) -> String {
            #"{"AlertID":4711,"Code":12,"Source":"Agent","Title":"Low disk space","Severity":"\#(severity)","#
                + #""Created":"2024-05-01T10:00:00Z","DeviceGuid":"9f7c","Archived":\#(archived),"#
                + #""AlertCategoryID":"Disk","TicketID":null,"CustomerID":3,"CustomerName":"Acme","#
                + #""AlertMessage":"C: 3% free","DeviceName":"FS01"}"#
        }
        #expect(try decide(.atera, payload(severity: "Critical", archived: true)) == .success)
        #expect(try decide(.atera, payload(severity: "Critical", archived: false)) == .failure)
        #expect(try decide(.atera, payload(severity: "Warning", archived: false)) == .warning)
        #expect(try decide(.atera, payload(severity: "Information", archived: false)) == .warning)
    }

    // MARK: Syncro

    @Test func syncro() throws {
        func payload(resolved: String) -> String {
            #"{"link":"https://acme.syncromsp.com/rmm_alerts/1","attributes":{"id":1,"customer_id":2,"asset_id":3,"#
                + #""description":"Low Hd Space Trigger","resolved":\#(resolved),"status":"New","#
                + #""properties":{"trigger":"Low Hd Space Trigger"},"computer_name":"FS01"}}"#
        }
        #expect(try decide(.syncro, payload(resolved: "true")) == .success)
        #expect(try decide(.syncro, payload(resolved: "false")) == .failure)
        #expect(try decide(.syncro, payload(resolved: "null")) == .failure)
        #expect(try decide(.syncro, #"{"resolved":true}"#) == .failure)
    }

    // MARK: ConnectWise Automate

    @Test func cwAutomate() throws {
        func payload(_ status: String) -> String {
            #"{"Status":"\#(status)","Monitor":"Disk - C: Free Space","Client":"Acme","Computer":"FS01","#
                + #""Location":"HQ","Field":"FreeSpace","Result":"3%"}"#
        }
        #expect(try decide(.cwAutomate, payload("FAILED")) == .failure)
        #expect(try decide(.cwAutomate, payload("Failed")) == .failure)
        #expect(try decide(.cwAutomate, payload("SUCCESS")) == .success)
        #expect(try decide(.cwAutomate, payload("UNKNOWN")) == .warning)
        #expect(try decide(.cwAutomate, #"{"Computer":"FS01"}"#) == .warning)
    }

    @Test func presetsOnlyReadJSON() {
        // A mail (no JSON) falls to each preset's default.
        let mail = RuleInput(subject: "RESET FAILED resolved Critical", body: "Status: SUCCESS")
        for preset in RMMPreset.allCases {
            #expect(preset.ruleSet.evaluate(mail) == RuleDecision(status: preset.ruleSet.defaultStatus, ruleIndex: nil))
        }
    }
}
