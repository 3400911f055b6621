import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The framework's HTTP/1 connection, with `IngestChannelHandler` placed between the HTTP/1
/// parser and the conversion to HTTP types, so that claimed ingest requests skip the conversion
/// both ways. Everything else is set up as `HTTPServerBuilder.http1()` does (no idle timeout,
/// no pipelining assistance: the framework answers in order itself).
struct IngestHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let makeIngestHandler: @Sendable () -> IngestChannelHandler

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let decoderLimits = HTTP1Channel.Configuration.DecoderConfiguration()
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = decoderLimits.maxHeaderFieldSize
            limits.maxHeaderListSize = decoderLimits.maxHeaderListSize
            limits.maxHeaderFieldCount = decoderLimits.maxHeaderFieldCount
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(makeIngestHandler())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with ingest answered on the event loops (`IngestHTTP1Channel`).
    static func ingestHTTP1(_ makeIngestHandler: @escaping @Sendable () -> IngestChannelHandler) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in IngestHTTP1Channel(responder: responder, makeIngestHandler: makeIngestHandler) }
    }
}
