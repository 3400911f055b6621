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
    static func exchange(port: Int, _ request: String) async throws -> Answer {
        try await onOwnThread {
            let connection = try Connection(port: port)
            try connection.send(request)
            return try connection.readAnswer()
        }
    }

    /// Runs blocking socket calls on a thread of their own. On the tasks' shared threads they
    /// could hold every one of them, and the server in the same process, which needs those
    /// threads to answer routed requests, would never answer.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result(catching: body)) }.start()
        }
    }

    /// One client connection, for requests that share it.
    final class Connection {
        private let socket: Int32

        init(port: Int) throws {
            socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard socket >= 0 else { throw Failure(description: "no socket") }
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
            guard connected == 0 else {
                close(socket)
                throw Failure(description: "cannot connect to port \(port)")
            }
        }

        deinit { close(socket) }

        func send(_ request: String) throws {
            let bytes = Array(request.utf8)
            guard Glibc.send(socket, bytes, bytes.count, 0) == bytes.count else { throw Failure(description: "short send") }
        }

        /// Reads exactly one answer framed by `Content-Length`.
        func readAnswer() throws -> Answer {
            var received: [UInt8] = []
            while true {
                if let answer = try parse(String(decoding: received, as: UTF8.self)) { return answer }
                guard let chunk = try receive() else { throw Failure(description: "connection ended before the whole answer") }
                received.append(contentsOf: chunk)
            }
        }

        /// Everything the server writes until it closes the connection.
        func readToEnd() throws -> String {
            var received: [UInt8] = []
            while let chunk = try receive() { received.append(contentsOf: chunk) }
            return String(decoding: received, as: UTF8.self)
        }

        /// The next bytes, or nil once the server has closed the connection.
        private func receive() throws -> [UInt8]? {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count >= 0 else { throw Failure(description: "no answer within 5 s") }
            return count == 0 ? nil : Array(chunk[..<count])
        }
    }
}
