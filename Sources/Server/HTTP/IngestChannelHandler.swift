import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes

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

    func claim(_ head: HTTPRequest) -> ClaimedRequest? {
        let fields = head.headerFields
        guard head.method == .post, let target = head.path,
            fields[.transferEncoding] == nil, fields[.expect] == nil,
            fields[.connection].map({ $0.lowercased() == "keep-alive" }) ?? true
        else { return nil }
        let path = target.utf8.prefix { $0 != UInt8(ascii: "?") }
        if path.elementsEqual("/mail".utf8) { return mail.claim(head: head) }
        let prefix = "/hooks/".utf8
        guard path.starts(with: prefix) else { return nil }
        let token = path.dropFirst(prefix.count)
        guard !token.isEmpty, !token.contains(UInt8(ascii: "/")) else { return nil }
        return hooks.claim(token: String(Substring(token)), head: head)
    }
}

/// Sits in each connection's pipeline in front of the framework's request handling and answers
/// the requests it is given a claim for right on the connection's event loop: the body is
/// gathered here, the result goes to the writer, and the writer's completion writes the answer.
/// A request served by the router instead crosses from the event loop to a task and back several
/// times; at thousands of requests per second those hand-offs cost more than the ingest itself.
///
/// Answers leave in request order: while the router owes an answer, later requests go to the
/// router too, and while this handler owes one, later requests wait here (and the socket is not
/// read) until it is written.
final class IngestChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

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

    private let claim: @Sendable (HTTPRequest) -> ClaimedRequest?
    private let metrics: ServerMetrics
    private let dates: HTTPDateCache
    private var receiving = Receiving.nothing
    /// Requests passed to the router whose answer has not been written completely.
    private var routedAwaitingAnswer = 0
    /// Parts that arrived while a claimed request was being answered.
    private var held = CircularBuffer<HTTPRequestPart>()
    private var readRequested = false
    /// Events for the framework that arrived while a claimed request was in progress.
    private var heldEvents: [Any] = []

    /// `claim` decides at each request head (`IngestShortcut.claim`); nil leaves it to the router.
    init(claim: @escaping @Sendable (HTTPRequest) -> ClaimedRequest?, metrics: ServerMetrics, dates: HTTPDateCache) {
        self.claim = claim
        self.metrics = metrics
        self.dates = dates
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isAnswering {
            held.append(part)
        } else {
            receive(part, context: context)
        }
    }

    private func receive(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (part, receiving) {
        case (.head(let head), .nothing):
            if routedAwaitingAnswer == 0, let claimed = claim(head) {
                receiving = .claimed(claimed, body: context.channel.allocator.buffer(capacity: head.headerFields.contentLength ?? 0))
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

    private func route(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head:
            routedAwaitingAnswer += 1
            receiving = .routed
        case .body: break
        case .end: receiving = .nothing
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func send(_ response: CompleteResponse, for claimed: ClaimedRequest, context: ChannelHandlerContext) {
        metrics.request(route: claimed.route, statusCode: response.status.code)
        var headers = response.headers
        headers[.contentLength] = String(response.body.count)
        headers[.date] = dates.current()
        context.write(wrapOutboundOut(.head(HTTPResponse(status: response.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: response.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        receiving = .nothing
        // Requests that arrived meanwhile, in order, until one is claimed and complete again.
        var replayed = false
        while !isAnswering, let part = held.popFirst() {
            receive(part, context: context)
            replayed = true
        }
        // The framework hands what it was given on to its request stream at the end of a read.
        if replayed { context.fireChannelReadComplete() }
        if !heldEvents.isEmpty, !isOwingAnswer {
            let events = heldEvents
            heldEvents = []
            for event in events { context.fireUserInboundEventTriggered(event) }
        }
        if readRequested, !isAnswering {
            readRequested = false
            context.read()
        }
    }

    func read(context: ChannelHandlerContext) {
        // No more of the socket while an answer is owed: later requests would only pile up here.
        if isAnswering {
            readRequested = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routedAwaitingAnswer -= 1 }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The framework closes a connection it thinks idle on shutdown, and ends it when the
        // client half-closes; it does not know of a claimed request in progress, so it hears of
        // such events once that request is answered.
        if isOwingAnswer {
            heldEvents.append(event)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private var isAnswering: Bool {
        if case .answering = receiving { return true }
        return false
    }

    private var isOwingAnswer: Bool {
        switch receiving {
        case .claimed, .answering: true
        case .nothing, .routed: false
        }
    }
}
