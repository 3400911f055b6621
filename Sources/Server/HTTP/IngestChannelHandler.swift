import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// An ingest request taken over at its head, to be answered without the router.
struct ClaimedRequest: Sendable {
    /// The route as `/metrics` counts it (the router's pattern).
    var route: String
    /// Answers the request once its whole body has arrived, by calling `respond` exactly once, on
    /// any thread.
    var answer: @Sendable (_ body: ByteBuffer, _ respond: @escaping Respond) -> Void

    /// Takes what makes the answer, and makes it on the connection's event loop: the result
    /// writer's thread, which completes most requests, only hands over and goes on committing.
    typealias Respond = @Sendable (_ makeResponse: @escaping @Sendable () -> CompleteResponse) -> Void
}

/// Decides which requests the event loops answer themselves: `POST /hooks/{token}` and
/// `POST /mail` in their common form, a `Content-Length` body on a connection that stays open.
/// Everything else goes to the router, which answers the same requests the same way, only with
/// more hand-offs between threads.
struct IngestShortcut: Sendable {
    let hooks: HookController
    let mail: MailController

    /// The largest body answered on an event loop: parsing and evaluating a bigger one there
    /// would hold up the loop's other connections, so the router's tasks take it.
    static let largestClaimedBody = 256 * 1024

    func claim(_ head: HTTPRequestHead) -> ClaimedRequest? {
        let headers = head.headers
        guard head.method == .POST, head.version == .http1_1,
            headers.value(.transferEncoding) == nil, headers.value(.expect) == nil,
            headers.value(.connection).map({ $0.lowercased() == "keep-alive" }) ?? true
        else { return nil }
        let path = head.uri.utf8.prefix { $0 != UInt8(ascii: "?") }
        if path.elementsEqual("/mail".utf8) { return mail.claim(head: head) }
        let prefix = "/hooks/".utf8
        guard path.starts(with: prefix) else { return nil }
        let token = path.dropFirst(prefix.count)
        guard !token.isEmpty, !token.contains(UInt8(ascii: "/")) else { return nil }
        return hooks.claim(token: String(Substring(token)), head: head)
    }
}

/// Sits in each connection's pipeline right after the HTTP/1 parser (`IngestHTTP1Channel`) and
/// answers the requests it is given a claim for right on the connection's event loop: the body is
/// gathered here, the result goes to the writer, and the writer's completion writes the answer.
/// A request served by the router instead is converted to HTTP types and crosses from the event
/// loop to a task and back several times; at thousands of requests per second those steps cost
/// more than the ingest itself.
///
/// Answers leave in request order: while the router owes an answer, later requests go to the
/// router too, and while this handler owes one, later requests wait here (and, once one waits,
/// the socket is not read) until it is written.
final class IngestChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Receiving {
        /// Between requests.
        case nothing
        /// The current request belongs to the router: its parts pass through.
        case routed
        /// The current request is claimed: its body is gathered here.
        case claimed(ClaimedRequest, body: ByteBuffer)
        /// The claimed request is complete and its answer is being made.
        case answering(ClaimedRequest)
    }

    /// What reached the handler while it owed an answer, kept in order for after the answer.
    private enum Held {
        case part(HTTPServerRequestPart)
        case event(Any)
        case error(any Error)
    }

    private let claim: @Sendable (HTTPRequestHead) -> ClaimedRequest?
    private let metrics: ServerMetrics
    private let dates: HTTPDateCache
    private var receiving = Receiving.nothing
    /// Requests passed to the router whose answer has not been written completely.
    private var routedAwaitingAnswer = 0
    /// Set once the router was asked to close the connection after its answer, or the server to
    /// shut down: nothing after that would get an answer, so nothing more is stored here.
    private var closing = false
    private var held = CircularBuffer<Held>()
    private var readRequested = false

    /// `claim` decides at each request head (`IngestShortcut.claim`); nil leaves it to the router.
    init(claim: @escaping @Sendable (HTTPRequestHead) -> ClaimedRequest?, metrics: ServerMetrics, dates: HTTPDateCache) {
        self.claim = claim
        self.metrics = metrics
        self.dates = dates
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isAnswering {
            held.append(.part(part))
        } else {
            receive(part, context: context)
        }
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (part, receiving) {
        case (.head(let head), .nothing):
            if routedAwaitingAnswer == 0, !closing, let claimed = claim(head) {
                receiving = .claimed(claimed, body: context.channel.allocator.buffer(capacity: head.headers.contentLength ?? 0))
            } else {
                route(part, context: context)
            }
        case (.body(var chunk), .claimed(let claimed, var body)):
            receiving = .nothing  // lets `body` be appended to without a copy
            body.writeBuffer(&chunk)
            receiving = .claimed(claimed, body: body)
        case (.end, .claimed(let claimed, let body)):
            receiving = .answering(claimed)
            let loop = context.eventLoop
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
            // Always through the loop's queue, also when the answer is ready at once (a problem,
            // a paused check): replaying held requests from inside `send` would otherwise nest.
            claimed.answer(body) { makeResponse in
                loop.execute { bound.value.handler.send(makeResponse(), for: claimed, context: bound.value.context) }
            }
        default:
            // Router requests pass through whole; a part out of order is the framework's to refuse.
            route(part, context: context)
        }
    }

    private func route(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head):
            routedAwaitingAnswer += 1
            receiving = .routed
            if !head.isKeepAlive { closing = true }
        case .body: break
        case .end: receiving = .nothing
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func send(_ response: CompleteResponse, for claimed: ClaimedRequest, context: ChannelHandlerContext) {
        guard isAnswering else { return }  // one answer per claimed request
        metrics.request(route: claimed.route, statusCode: response.status.code)
        writeAnswer(response, context: context)
        receiving = .nothing
        // What arrived meanwhile, in order, until a request is claimed and complete again.
        var replayedParts = false
        while !isAnswering, let next = held.popFirst() {
            switch next {
            case .part(let part):
                receive(part, context: context)
                replayedParts = true
            case .event(let event):
                passOn(event, context: context)
            case .error(let error):
                context.fireErrorCaught(error)
            }
        }
        // The framework hands what it was given on to its request stream at the end of a read.
        if replayedParts { context.fireChannelReadComplete() }
        readIfRequested(context: context)
    }

    /// Writes the answer through the framework's HTTP/1 encoder, as the router's answers are
    /// written. The request decoder tells the encoder the method of every request it parses, and
    /// only an answer written through the encoder takes that method off its list again: answers
    /// written around it would leave one entry per webhook for the connection's life, and every
    /// later answer on the connection would be framed for an earlier request (a HEAD answer sent
    /// with a body). The field list is built in the encoder's own form rather than converted
    /// from HTTP types; `HTTPFields` values cannot hold CR or LF.
    private func writeAnswer(_ response: CompleteResponse, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 2)
        for field in response.headers where field.name != .contentLength && field.name != .date {
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Date", value: dates.current())
        let status = HTTPResponseStatus(statusCode: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        var body = context.channel.allocator.buffer(capacity: response.body.count)
        body.writeBytes(response.body)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        // No more of the socket while requests are held, or while answers cannot leave (a client
        // that sends and never reads): they would only pile up in memory. Reading on while an
        // answer is merely owed costs nothing when the client waits for it (the usual case),
        // whereas pausing and resuming the socket costs two system calls per request.
        if isHolding || !context.channel.isWritable {
            readRequested = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        readIfRequested(context: context)
        context.fireChannelWritabilityChanged()
    }

    private func readIfRequested(context: ChannelHandlerContext) {
        guard readRequested, !isHolding, context.channel.isWritable else { return }
        readRequested = false
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routedAwaitingAnswer -= 1 }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The framework ends a connection on shutdown when it thinks it idle, and when the
        // client half-closes; it does not know of a claimed request, so it hears of such events
        // after that request is answered. Shutdown also waits for a body still arriving; any
        // other event means the body will not complete, and the claim is dropped unanswered.
        if isAnswering || (isOwingAnswer && event is ChannelShouldQuiesceEvent) {
            held.append(.event(event))
        } else {
            abandonIncompleteClaim(context: context)
            passOn(event, context: context)
        }
    }

    private func passOn(_ event: Any, context: ChannelHandlerContext) {
        // The framework closes an idle connection on shutdown: a request read after the notice
        // would be stored and its answer never written.
        if event is ChannelShouldQuiesceEvent { closing = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed request after a claimed one makes the framework answer 400 and close:
        // the claimed answer goes first.
        if isAnswering {
            held.append(.error(error))
        } else {
            abandonIncompleteClaim(context: context)
            context.fireErrorCaught(error)
        }
    }

    /// Forgets a claimed request whose body will not arrive (nothing of it was stored), and
    /// passes on the shutdown notice held for it.
    private func abandonIncompleteClaim(context: ChannelHandlerContext) {
        guard case .claimed = receiving else { return }
        receiving = .nothing
        while let next = held.popFirst() {
            if case .event(let event) = next { passOn(event, context: context) }
        }
    }

    private var isAnswering: Bool {
        if case .answering = receiving { return true }
        return false
    }

    /// Something arrived while answering and waits for the answer to be written.
    private var isHolding: Bool { isAnswering && !held.isEmpty }

    private var isOwingAnswer: Bool {
        switch receiving {
        case .claimed, .answering: true
        case .nothing, .routed: false
        }
    }
}
