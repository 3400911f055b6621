import Foundation
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization
import Testing

@testable import Server

/// The connection plumbing of ingest answered on the event loop: which requests it takes, the
/// order of answers, and what it holds back meanwhile. The routes' own answers are covered by the
/// webhook and mail suites over real sockets.
@Suite("Ingest channel handler", .timeLimit(.minutes(1)))
struct IngestChannelHandlerTests {
    /// Answers handed out by claims, kept for the test to complete them when it chooses.
    final class PendingAnswers: Sendable {
        private let answers = Mutex<[(body: String, respond: ClaimedRequest.Respond)]>([])

        func add(body: ByteBuffer, respond: @escaping ClaimedRequest.Respond) {
            answers.withLock { $0.append((String(buffer: body), respond)) }
        }

        var bodies: [String] { answers.withLock { $0.map(\.body) } }

        /// Completes the oldest answer from another thread, as the result writer does.
        func completeFirst(status: HTTPResponse.Status = .accepted) {
            let first = answers.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            guard let first else {
                Issue.record("no claimed request is waiting for its answer")
                return
            }
            let thread = Thread { first.respond { CompleteResponse(json: ["body": .string(first.body)], status: status) } }
            thread.start()
        }
    }

    /// User events that pass the handler, as the framework's connection handler would see them.
    final class EventRecorder: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPRequestPart
        typealias InboundOut = HTTPRequestPart
        let quiesceEvents = Mutex(0)
        let inputClosedEvents = Mutex(0)
        let errors = Mutex(0)
        let readCompletes = Mutex(0)

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent { quiesceEvents.withLock { $0 += 1 } }
            if case .inputClosed? = event as? ChannelEvent { inputClosedEvents.withLock { $0 += 1 } }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            errors.withLock { $0 += 1 }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            readCompletes.withLock { $0 += 1 }
            context.fireChannelReadComplete()
        }
    }

    /// Stands for the HTTP decoder's error on a malformed request.
    struct MalformedRequest: Error {}

    /// Counts the socket reads that pass the handler towards the socket.
    final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = HTTPServerResponsePart
        let reads = Mutex(0)

        func read(context: ChannelHandlerContext) {
            reads.withLock { $0 += 1 }
            context.read()
        }
    }

    /// A channel whose handler claims `POST /claimed…` and leaves everything else to the router,
    /// between the HTTP/1 parser's place and the conversion to HTTP types, as in the server.
    func makeChannel(
        _ pending: PendingAnswers, recorder: EventRecorder = EventRecorder(), reads: ReadCounter = ReadCounter()
    ) async throws -> NIOAsyncTestingChannel {
        try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
            try channel.pipeline.syncOperations.addHandler(reads)
            let handler = IngestChannelHandler(
                claim: { head in
                    guard head.uri.hasPrefix("/claimed") else { return nil }
                    return ClaimedRequest(route: "/claimed") { body, respond in pending.add(body: body, respond: respond) }
                },
                metrics: ServerMetrics(), dates: HTTPDateCache())
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try channel.pipeline.syncOperations.addHandler(recorder)
        }
    }

    func send(
        _ channel: NIOAsyncTestingChannel, _ path: String, body: String = "", headers: HTTPHeaders = [:]
    ) async throws {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        try await channel.writeInbound(HTTPServerRequestPart.head(head))
        // In two pieces, as a body may arrive.
        let half = body.index(body.startIndex, offsetBy: body.count / 2)
        for piece in [body[..<half], body[half...]] where !piece.isEmpty {
            try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: String(piece))))
        }
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    /// The next answer written: its head and its body, read back from the bytes the HTTP/1
    /// encoder wrote for the socket. The body must be exactly as long as `Content-Length` says.
    func nextAnswer(_ channel: NIOAsyncTestingChannel) async throws -> (head: HTTPResponseHead, body: String) {
        var written = ""
        while true {
            guard case .byteBuffer(let buffer) = try await channel.waitForOutboundWrite(as: IOData.self) else {
                Issue.record("the encoder writes buffers")
                return (HTTPResponseHead(version: .http1_1, status: .internalServerError), "")
            }
            written += String(buffer: buffer)
            // The encoder writes the head and the body as buffers of their own.
            guard let answer = try RawHTTP.parse(written) else { continue }
            let statusLine = answer.statusLine.split(separator: " ", maxSplits: 2).map(String.init)
            guard statusLine.count == 3, statusLine[0] == "HTTP/1.1", let code = Int(statusLine[1]) else {
                Issue.record("not an HTTP/1.1 status line: \(answer.statusLine)")
                return (HTTPResponseHead(version: .http1_1, status: .internalServerError), "")
            }
            let status = HTTPResponseStatus(statusCode: code, reasonPhrase: statusLine[2])
            let headers = HTTPHeaders(answer.fields.map { ($0.name, $0.value) })
            return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), answer.body)
        }
    }

    /// The path of the next request passed on to the router, nil when none was.
    func routedPath(_ channel: NIOAsyncTestingChannel) async throws -> String? {
        while let part = try await channel.readInbound(as: HTTPRequestPart.self) {
            if case .head(let head) = part { return head.path }
        }
        return nil
    }

    /// Sends a claimed request, lets `interrupt` happen while its answer is owed, and counts what
    /// the framework saw of it before the answer and after; returns those counts and the answer.
    func interruptWhileAnswering(
        body: String, seen: (EventRecorder) -> Int,
        _ interrupt: (NIOAsyncTestingChannel) -> Void
    ) async throws -> (before: Int, after: Int, answer: (head: HTTPResponseHead, body: String)) {
        let pending = PendingAnswers()
        let recorder = EventRecorder()
        let channel = try await makeChannel(pending, recorder: recorder)
        try await send(channel, "/claimed", body: body)
        interrupt(channel)
        await channel.testingEventLoop.run()
        let before = seen(recorder)
        pending.completeFirst()
        let answer = try await nextAnswer(channel)
        await channel.testingEventLoop.run()
        return (before, seen(recorder), answer)
    }

    @Test func claimedRequestIsAnsweredHereWithItsWholeBody() async throws {
        let pending = PendingAnswers()
        let channel = try await makeChannel(pending)
        try await send(channel, "/claimed", body: #"{"status":"ok","text":"all done"}"#)
        #expect(pending.bodies == [#"{"status":"ok","text":"all done"}"#])
        #expect(try await routedPath(channel) == nil, "a claimed request must not reach the router")
        pending.completeFirst()
        let answer = try await nextAnswer(channel)
        #expect(answer.head.status == .accepted)
        #expect(answer.head.version == .http1_1)
        #expect(answer.head.headers["content-type"] == ["application/json"])
        #expect(answer.head.headers["content-length"] == [String(answer.body.utf8.count)])
        #expect(answer.head.headers.first(name: "date")?.hasSuffix(" GMT") == true)
        #expect(answer.body == #"{"body":"{\"status\":\"ok\",\"text\":\"all done\"}"}"#)
    }

    @Test func otherRequestsPassToTheRouterUntouched() async throws {
        let pending = PendingAnswers()
        let channel = try await makeChannel(pending)
        try await send(channel, "/rpc", body: "{}")
        #expect(try await routedPath(channel) == "/rpc")
        #expect(pending.bodies.isEmpty)
    }

    @Test func whileTheRouterOwesAnAnswerLaterRequestsGoToTheRouterToo() async throws {
        let pending = PendingAnswers()
        let channel = try await makeChannel(pending)
        try await send(channel, "/rpc")
        try await send(channel, "/claimed-1")
        #expect(try await routedPath(channel) == "/rpc")
        #expect(try await routedPath(channel) == "/claimed-1", "answering it first would overtake the router's answer")
        #expect(pending.bodies.isEmpty)
        // The router answers both; the next request is claimed again.
        for _ in 0..<2 {
            try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
            try await channel.writeOutbound(HTTPResponsePart.end(nil))
        }
        try await send(channel, "/claimed-2", body: "x")
        #expect(pending.bodies == ["x"])
    }

    @Test func requestsArrivingDuringAnAnswerWaitAndFollowInOrder() async throws {
        let pending = PendingAnswers()
        let channel = try await makeChannel(pending)
        try await send(channel, "/claimed-1", body: "first")
        try await send(channel, "/rpc", body: "{}")
        try await send(channel, "/claimed-2", body: "third")
        #expect(try await routedPath(channel) == nil, "nothing may pass while an answer is owed")
        #expect(pending.bodies == ["first"])
        pending.completeFirst()
        #expect(try await nextAnswer(channel).body.contains("first"))
        // The held router request goes on; the claimable one behind it waits for the router's answer.
        #expect(try await routedPath(channel) == "/rpc")
        #expect(try await routedPath(channel) == "/claimed-2")
        #expect(pending.bodies.isEmpty)
    }

    @Test func shutdownWaitsForTheAnswerInProgress() async throws {
        let pending = PendingAnswers()
        let recorder = EventRecorder()
        let channel = try await makeChannel(pending, recorder: recorder)
        try await send(channel, "/claimed", body: "late")
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        await channel.testingEventLoop.run()
        #expect(recorder.quiesceEvents.withLock { $0 } == 0, "the connection must not close before its answer")
        pending.completeFirst()
        _ = try await nextAnswer(channel)
        await channel.testingEventLoop.run()
        #expect(recorder.quiesceEvents.withLock { $0 } == 1)
        // With nothing in progress, shutdown passes at once.
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        await channel.testingEventLoop.run()
        #expect(recorder.quiesceEvents.withLock { $0 } == 2)
    }

    @Test func aClientThatStopsSendingStillGetsItsAnswer() async throws {
        // The client half-closes after its request; the framework ends the connection on hearing it.
        let seen = try await interruptWhileAnswering(body: "last report", seen: { $0.inputClosedEvents.withLock { $0 } }) { channel in
            channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
        #expect(seen.before == 0)
        #expect(seen.answer.body.contains("last report"))
        #expect(seen.after == 1)
    }

    @Test func aMalformedRequestAfterAClaimedOneWaitsForItsAnswer() async throws {
        // The decoder's error for the next request: the framework answers it 400 and closes.
        let seen = try await interruptWhileAnswering(body: "stored", seen: { $0.errors.withLock { $0 } }) { channel in
            channel.pipeline.fireErrorCaught(MalformedRequest())
        }
        #expect(seen.before == 0, "the 400 and the close must not overtake the claimed answer")
        #expect(seen.answer.head.status == .accepted)
        #expect(seen.after == 1)
    }

    @Test func aBodyThatNeverCompletesIsDroppedUnanswered() async throws {
        let pending = PendingAnswers()
        let recorder = EventRecorder()
        let channel = try await makeChannel(pending, recorder: recorder)
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/claimed", headers: ["Content-Length": "10"])
        try await channel.writeInbound(HTTPServerRequestPart.head(head))
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        channel.pipeline.fireErrorCaught(MalformedRequest())
        await channel.testingEventLoop.run()
        #expect(pending.bodies.isEmpty)
        #expect(recorder.errors.withLock { $0 } == 1)
        #expect(recorder.quiesceEvents.withLock { $0 } == 1, "the shutdown held for the body is passed on")
    }

    @Test func afterARoutedConnectionCloseNothingMoreIsClaimed() async throws {
        let pending = PendingAnswers()
        let channel = try await makeChannel(pending)
        try await send(channel, "/rpc", headers: ["Connection": "close"])
        #expect(try await routedPath(channel) == "/rpc")
        try await channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try await channel.writeOutbound(HTTPResponsePart.end(nil))
        try await send(channel, "/claimed")
        #expect(pending.bodies.isEmpty, "the router closes the connection after its answer")
        #expect(try await routedPath(channel) == "/claimed")
    }

    @Test func theSocketIsNotReadWhileARequestIsHeld() async throws {
        let pending = PendingAnswers()
        let recorder = EventRecorder()
        let reads = ReadCounter()
        let channel = try await makeChannel(pending, recorder: recorder, reads: reads)
        try await send(channel, "/claimed-1", body: "one")
        var readsBefore = reads.reads.withLock { $0 }
        channel.read()
        await channel.testingEventLoop.run()
        #expect(reads.reads.withLock { $0 } == readsBefore + 1, "an owed answer alone does not stop reading")
        try await send(channel, "/claimed-2", body: "two")
        readsBefore = reads.reads.withLock { $0 }
        channel.read()
        await channel.testingEventLoop.run()
        #expect(reads.reads.withLock { $0 } == readsBefore, "a read while a request is held must wait")
        let completesBefore = recorder.readCompletes.withLock { $0 }
        pending.completeFirst()
        #expect(try await nextAnswer(channel).body.contains("one"))
        await channel.testingEventLoop.run()
        // The held request is now claimed and complete, and nothing else is held: the read goes out.
        #expect(pending.bodies == ["two"])
        #expect(recorder.readCompletes.withLock { $0 } == completesBefore + 1, "replayed parts end with a read complete")
        #expect(reads.reads.withLock { $0 } == readsBefore + 1, "the held read goes out once nothing is held")
        pending.completeFirst()
        #expect(try await nextAnswer(channel).body.contains("two"))
    }

    @Test func theSocketIsNotReadWhileAnswersCannotLeave() async throws {
        // A client that keeps sending and never reads: its answers must not pile up in memory.
        let pending = PendingAnswers()
        let reads = ReadCounter()
        let channel = try await makeChannel(pending, reads: reads)
        let readsBefore = reads.reads.withLock { $0 }
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        await channel.testingEventLoop.run()
        #expect(reads.reads.withLock { $0 } == readsBefore, "no read while the socket takes no more")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        await channel.testingEventLoop.run()
        #expect(reads.reads.withLock { $0 } == readsBefore + 1, "the held read goes out once answers can leave")
    }

    @Test func nothingIsClaimedAfterAShutdownNotice() async throws {
        // The framework closes the connection on the notice once it thinks it idle: a request
        // read after it would be stored with nobody to tell.
        let pending = PendingAnswers()
        let recorder = EventRecorder()
        let channel = try await makeChannel(pending, recorder: recorder)
        try await send(channel, "/claimed-1", body: "one")
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        try await send(channel, "/claimed-2", body: "two")
        pending.completeFirst()
        #expect(try await nextAnswer(channel).body.contains("one"))
        await channel.testingEventLoop.run()
        #expect(recorder.quiesceEvents.withLock { $0 } == 1)
        #expect(pending.bodies.isEmpty, "the request after the notice must not be stored here")
        #expect(try await routedPath(channel) == "/claimed-2")
    }

    @Test func theShortcutTakesIngestInItsCommonFormOnly() async throws {
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        let shortcut = server.app.ingestShortcut
        func claims(
            _ path: String, _ fields: HTTPFields, method: HTTPMethod = .POST, version: HTTPVersion = .http1_1
        ) -> Bool {
            let headers = HTTPHeaders(fields.map { ($0.name.rawName, $0.value) })
            return shortcut.claim(HTTPRequestHead(version: version, method: method, uri: path, headers: headers)) != nil
        }
        func fields(_ base: HTTPFields, _ name: HTTPField.Name, _ value: String) -> HTTPFields {
            var fields = base
            fields[name] = value
            return fields
        }
        let hook: HTTPFields = [.contentType: "application/json", .contentLength: "20"]
        #expect(claims("/hooks/abc", hook))
        #expect(claims("/hooks/abc?source=veeam", hook))
        #expect(claims("/hooks/abc", fields(hook, .connection, "Keep-Alive")))
        #expect(claims("/hooks/abc", [.contentLength: "0"]), "an untyped, empty body is a webhook too")
        #expect(claims("/hooks/abc", [.contentType: "text/plain", .contentLength: String(256 * 1024)]))
        #expect(!claims("/hooks/abc", hook, method: .GET))
        #expect(!claims("/hooks/abc", hook, version: .http1_0), "HTTP/1.0 closes after the answer unless asked not to")
        #expect(!claims("/hooks/abc/success", hook), "the status route stays with the router")
        #expect(!claims("/hooks/", hook))
        #expect(!claims("/hooks/abc/", hook))
        #expect(!claims("/hooksabc", hook))
        #expect(!claims("/hooks/abc", fields(hook, .connection, "close")))
        #expect(!claims("/hooks/abc", fields(hook, .expect, "100-continue")))
        #expect(!claims("/hooks/abc", [.contentType: "application/json", .transferEncoding: "chunked"]))
        #expect(!claims("/hooks/abc", [.contentType: "application/json"]), "no length: the router reads it")
        #expect(!claims("/hooks/abc", [.contentType: "text/plain", .contentLength: String(256 * 1024 + 1)]))
        #expect(!claims("/hooks/abc", [.contentType: "image/png", .contentLength: "20"]), "the router answers 404 or 415")

        let mail: HTTPFields = [.contentType: "message/rfc822", .contentLength: "3000", .authorization: "Bearer cbk_x"]
        #expect(claims("/mail", mail))
        #expect(claims("/mail?to=abc%40checks.example.net", mail))
        #expect(claims("/mail", fields(mail, .connection, "keep-alive")))
        #expect(!claims("/mail/", mail))
        #expect(!claims("/mailbox", mail))
        #expect(!claims("/mail", [.contentType: "message/rfc822", .contentLength: "0", .authorization: "Bearer cbk_x"]))
        #expect(!claims("/mail", [.contentType: "message/rfc822", .contentLength: String(256 * 1024 + 1)]))
        #expect(!claims("/mail", [.contentType: "application/json", .contentLength: "3000"]))
    }

    @Test func headersReadTheSameFromTheParserAndFromHTTPTypes() {
        let fields: HTTPFields = [
            .contentType: "Application/JSON; charset=utf-8", .contentLength: "42", .authorization: "bearer  cbk_key ",
            HTTPField.Name("Idempotency-Key")!: "run-1", HTTPField.Name("Idempotency-Key")!: "run-2",
        ]
        let headers = HTTPHeaders([
            ("CONTENT-TYPE", "Application/JSON; charset=utf-8"), ("content-length", "42"), ("Authorization", "bearer  cbk_key "),
            ("idempotency-key", "run-1"), ("Idempotency-Key", "run-2"),
        ])
        for reading in [fields as any IngestHeaders, headers as any IngestHeaders] {
            #expect(reading.mediaType == "application/json")
            #expect(reading.contentLength == 42)
            #expect(reading.bearerToken == "cbk_key")
            #expect(reading.value(.idempotencyKey) == "run-1, run-2", "repeated fields are one list")
            #expect(reading.value(.expect) == nil)
        }
    }
}
