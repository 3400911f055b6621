/// What an API key may do.
public enum APIKeyRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// Everything.
    case admin
    /// Every RPC method that changes nothing and calls no PSA.
    case read
    /// Only `POST /mail`; no RPC.
    case ingest
}

/// How a result reached CheckBridge.
public enum ResultSource: String, Sendable, Hashable, CaseIterable, Codable {
    case webhook, mail, schedule, manual
}
