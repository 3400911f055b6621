/// The PSA products CheckBridge can open tickets in; the raw values are the channel `kind` names of SPEC §1.
public enum PSAKind: String, Sendable, CaseIterable, Codable {
    case halopsa
    case connectwise
    case syncro
}
