import CheckBridgeCore
import Foundation
import HTTPTypes
import Hummingbird

/// What a simulated endpoint answers, built inside the simulator's actor and sent outside it.
struct SimulatorAnswer: Sendable {
    var status: Int
    var body: [UInt8]
    var contentType: String
    var headers: [(String, String)] = []

    static func json(_ value: JSONValue, status: Int = 200, headers: [(String, String)] = []) -> SimulatorAnswer {
        SimulatorAnswer(status: status, body: value.serialized(), contentType: "application/json", headers: headers)
    }

    static func text(_ text: String, status: Int) -> SimulatorAnswer {
        SimulatorAnswer(status: status, body: Array(text.utf8), contentType: "text/plain; charset=utf-8")
    }

    static func empty(status: Int, headers: [(String, String)] = []) -> SimulatorAnswer {
        SimulatorAnswer(status: status, body: [], contentType: "text/plain", headers: headers)
    }

    var response: Response {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        for (name, value) in headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// A simulated request, parsed once: what the endpoint handlers see.
struct SimulatorRequest: Sendable {
    var method: String
    /// The path, percent-decoded, without the query.
    var path: String
    /// The path split on `/`, without empty segments.
    var segments: [String]
    var query: [String: String]
    /// The raw query string (percent-encoded), for building `Link` headers.
    var rawQuery: String
    var headers: [String: String]
    var body: [UInt8]
    /// `scheme://host:port` as the client addressed us.
    var origin: String

    func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as JSON, or nil when it is not JSON.
    var json: JSONValue? { try? JSONParser.parse(body) }

    /// The body as an `application/x-www-form-urlencoded` form.
    var form: [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.formDecode(parts[0])
            fields[name] = parts.count > 1 ? Self.formDecode(parts[1]) : ""
        }
        return fields
    }

    static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
