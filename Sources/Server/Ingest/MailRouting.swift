import CheckBridgeCore
import MailParser

/// Finds check tokens in mail addresses: `{token}@domain` and `anything+{token}@domain`.
enum MailRouting {
    /// The candidate tokens of one address, most specific first.
    static func tokens(in address: String) -> [String] {
        let trimmed = address.trimmingBlanks().lowercased()
        guard let at = trimmed.lastIndex(of: "@") else { return [] }
        var local = String(trimmed[..<at])
        if local.hasPrefix("\""), local.hasSuffix("\""), local.count >= 2 {
            local = String(local.dropFirst().dropLast())
        }
        guard !local.isEmpty else { return [] }
        var candidates: [String] = []
        if let plus = local.lastIndex(of: "+") {
            let tag = String(local[local.index(after: plus)...])
            if !tag.isEmpty { candidates.append(tag) }
        }
        candidates.append(local)
        return candidates
    }

    /// The recipients a mail is routed by: the relay's envelope recipients when given, else the
    /// headers in SPEC order (Delivered-To, X-Original-To, To, Cc).
    static func recipients(envelope: [String], mail: ParsedMail) -> [String] {
        var seen = Set<String>()
        let source = envelope.isEmpty ? mail.recipientCandidates : envelope
        return source.compactMap { address in
            let normalized = address.trimmingBlanks().trimming(where: { $0 == "<" || $0 == ">" }).lowercased()
            guard !normalized.isEmpty, seen.insert(normalized).inserted else { return nil }
            return normalized
        }
    }

    /// Which checks a mail goes to, or the first token whose check is still to be looked up.
    enum Routing {
        case checks([IngestCheck])
        case lookUp(String)
    }

    /// The checks `recipients` address, each once, in order: per address, the first of its
    /// candidate tokens that names a check.
    static func addressedChecks(
        _ recipients: [String], lookup: (String) -> CheckDirectory.CachedAnswer
    ) -> Routing {
        var checks: [IngestCheck] = []
        var seen = Set<String>()
        for address in recipients {
            addressLoop: for token in tokens(in: address) {
                switch lookup(token) {
                case .check(let check):
                    if seen.insert(check.id).inserted { checks.append(check) }
                    break addressLoop
                case .noCheck: continue
                case .notCached: return .lookUp(token)
                }
            }
        }
        return .checks(checks)
    }
}
