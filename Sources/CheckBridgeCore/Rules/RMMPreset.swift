/// Ready-made rules for the webhook payloads of common RMMs (`checks.create {…, "preset": NAME}`).
///
/// Every condition compares one JSON Pointer with `equals`, case-insensitively, so `Critical`, `CRITICAL`
/// and `critical` all count, while `Non-Critical` does not. docs/rmm-presets.md shows, for each RMM, the
/// payload these pointers expect and how to make the RMM send it.
public enum RMMPreset: String, Sendable, CaseIterable {
    case ninjaone
    case dattoRMM = "datto-rmm"
    case tacticalRMM = "tactical-rmm"
    case nCentral = "n-central"
    case atera
    case syncro
    case cwAutomate = "cw-automate"

    /// The preset's rules and default status.
    public var ruleSet: RuleSet {
        switch self {
        case .ninjaone: Self.ninjaoneRules
        case .dattoRMM: Self.dattoRMMRules
        case .tacticalRMM: Self.tacticalRMMRules
        case .nCentral: Self.nCentralRules
        case .atera: Self.ateraRules
        case .syncro: Self.syncroRules
        case .cwAutomate: Self.cwAutomateRules
        }
    }

    // Built once: presets are constant and `RuleSet` is immutable and Sendable.

    /// NinjaOne posts its activity object: conditions carry `statusCode`/`status` (`TRIGGERED`, `RESET`) and
    /// `severity` (`NONE`, `MINOR`, `MODERATE`, `MAJOR`, `CRITICAL`); scripts and jobs carry `activityResult`.
    private static let ninjaoneRules = RuleSet(
        trustedRules: [
            rule(.success, .any, ("/statusCode", "RESET"), ("/status", "RESET")),
            rule(.success, .all, ("/activityResult", "SUCCESS")),
            rule(.failure, .all, ("/activityResult", "FAILURE")),
            // The rule language has no nested (a or b) and (c or d), so TRIGGERED × {CRITICAL, MAJOR} is
            // spelled out for both status keys.
            rule(.failure, .all, ("/statusCode", "TRIGGERED"), ("/severity", "CRITICAL")),
            rule(.failure, .all, ("/statusCode", "TRIGGERED"), ("/severity", "MAJOR")),
            rule(.failure, .all, ("/status", "TRIGGERED"), ("/severity", "CRITICAL")),
            rule(.failure, .all, ("/status", "TRIGGERED"), ("/severity", "MAJOR")),
        ],
        defaultStatus: .warning)

    /// Datto RMM sends the body configured in the monitor's webhook response, one for the alert and one for
    /// its resolution; the documented template sets `event` and `priority`.
    private static let dattoRMMRules = RuleSet(
        trustedRules: [
            rule(.success, .any, ("/status", "resolved"), ("/event", "resolved")),
            rule(.failure, .any, ("/priority", "Critical"), ("/priority", "High")),
        ],
        defaultStatus: .warning)

    /// Tactical RMM sends the body of the alert template's web hook; `{{alert.severity}}` is `info`,
    /// `warning` or `error`, and the resolved action's template sets `"event": "resolved"`.
    private static let tacticalRMMRules = RuleSet(
        trustedRules: [
            rule(.success, .any, ("/resolved", "true"), ("/event", "resolved")),
            rule(.failure, .all, ("/severity", "error")),
        ],
        defaultStatus: .warning)

    /// N-central's notification template fills `$QualitativeNewState`: Normal, Warning, Failed, or other
    /// states such as Misconfigured, No Data, Disconnected (which fall to the default).
    private static let nCentralRules = RuleSet(
        trustedRules: [
            rule(.failure, .all, ("/QualitativeNewState", "Failed")),
            rule(.warning, .all, ("/QualitativeNewState", "Warning")),
            rule(.success, .all, ("/QualitativeNewState", "Normal")),
        ],
        defaultStatus: .warning)

    /// Atera posts its alert object: `Severity` is Information, Warning or Critical; `Archived` turns true
    /// when the alert is resolved.
    private static let ateraRules = RuleSet(
        trustedRules: [
            rule(.success, .all, ("/Archived", "true")),
            rule(.failure, .all, ("/Severity", "Critical")),
        ],
        defaultStatus: .warning)

    /// Syncro posts `{"attributes": {…, "resolved": false|true, …}}` for RMM alerts.
    private static let syncroRules = RuleSet(
        trustedRules: [
            rule(.success, .all, ("/attributes/resolved", "true")),
        ],
        defaultStatus: .failure)

    /// ConnectWise Automate's monitor alert `%STATUS%` is `FAILED` or `SUCCESS`; the documented script posts
    /// it as `Status`.
    private static let cwAutomateRules = RuleSet(
        trustedRules: [
            rule(.failure, .all, ("/Status", "FAILED")),
            rule(.success, .all, ("/Status", "SUCCESS")),
        ],
        defaultStatus: .warning)

    /// A rule of case-insensitive `equals` conditions on pointers written as literals.
    private static func rule(
        _ status: CheckStatus, _ match: RuleMatch, _ tests: (pointer: String, value: String)...
    ) -> StatusRule {
        StatusRule(status: status, match: match, conditions: tests.map { test in
            // The pointers above are literals that start with "/", so this always parses; the fallback only
            // keeps the code free of force-unwraps.
            let pointer = JSONPointer(test.pointer) ?? JSONPointer(tokens: [test.pointer])
            return RuleCondition(field: .pointer(pointer), op: .equals, value: test.value, caseSensitive: false)
        })
    }
}
