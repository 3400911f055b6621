import Foundation

/// HTTP/1.1 answers as the bytes on the wire, for checking what the server writes itself.
enum RawHTTP {
    struct Answer {
        var statusLine: String
        var fields: [(name: String, value: String)]
        var body: String

        /// Lowercased and sorted.
        var fieldNames: [String] { fields.map { $0.name.lowercased() }.sorted() }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The answer at the start of `text`, framed by `Content-Length`; nil until its head and that
    /// many body bytes are there. Bytes past the body are an error: one answer was expected.
    static func parse(_ text: String) throws -> Answer? {
        guard let end = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        var fields: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw Failure(description: "a field line without ':'") }
            fields.append((String(line[..<colon]), line[colon...].dropFirst().trimmingCharacters(in: .whitespaces)))
        }
        guard let length = fields.first(where: { $0.name.lowercased() == "content-length" }).flatMap({ Int($0.value) })
        else { throw Failure(description: "no Content-Length") }
        let body = text[end.upperBound...]
        guard body.utf8.count >= length else { return nil }
        guard body.utf8.count == length else { throw Failure(description: "body longer than Content-Length") }
        return Answer(statusLine: lines[0], fields: fields, body: String(body))
    }

    /// Sends `request` on a new connection and reads one answer.
    static func exchange(port: Int, _ request: String) throws -> Answer {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "no socket") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "cannot connect to port \(port)") }
        let bytes = Array(request.utf8)
        guard send(socket, bytes, bytes.count, 0) == bytes.count else { throw Failure(description: "short send") }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let answer = try parse(String(decoding: received, as: UTF8.self)) { return answer }
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { throw Failure(description: "connection ended before the whole answer") }
            received.append(contentsOf: chunk[..<count])
        }
    }
}
