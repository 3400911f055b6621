import Foundation

/// A PSA's base URL as a user typed it, normalised: a missing scheme means `https://`, and plain
/// `http://` is accepted only for loopback hosts (tests and simulators), because credentials
/// would otherwise cross the network in clear text.
struct PSABaseURL: Sendable, Equatable {
    /// `scheme://host[:port][/path]`, without a trailing slash.
    let string: String
    /// `scheme://host[:port]`, to check that links a PSA returns stay on the same server.
    let origin: String

    init(_ raw: String, field: String) throws(PSAError) {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .rejected("\(field) is empty") }
        if !text.contains("://") { text = "https://" + text }
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw .rejected("\(field) is not a valid URL: \(raw)") }
        guard components.query == nil, components.fragment == nil else {
            throw .rejected("\(field) must not have a query or fragment: \(raw)")
        }
        switch scheme {
        case "https": break
        case "http":
            guard Self.isLoopback(host) else {
                throw .rejected("\(field) uses http:// with a non-loopback host (\(host)); use https://")
            }
        default: throw .rejected("\(field) must use https:// (got \(scheme)://)")
        }
        let lowercasedHost = host.lowercased()
        let hostPart =
            lowercasedHost.contains(":") && !lowercasedHost.hasPrefix("[") ? "[\(lowercasedHost)]" : lowercasedHost
        let origin = "\(scheme)://\(hostPart)" + (components.port.map { ":\($0)" } ?? "")
        self.origin = origin
        self.string = origin + components.percentEncodedPath
    }

    /// Whether `host` is on this machine: `localhost`, 127.0.0.0/8 or `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" || bare == "0:0:0:0:0:0:0:1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { UInt8($0) != nil }
    }

    /// This URL with `path` appended (`path` starts with `/`).
    func appending(_ path: String) -> String { string + path }

    /// The path of this URL (empty when none).
    var path: String { String(string.dropFirst(origin.count)) }
}

/// Builds a query string from pairs, percent-encoding each name and value.
func queryString(_ items: [(String, String)]) -> String {
    guard !items.isEmpty else { return "" }
    return "?" + items.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
}

/// Percent-encodes a query component or form value (RFC 3986 unreserved characters stay as they are).
func percentEncode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
