import CheckBridgeCore
import Hummingbird
import Storage

/// `POST /rpc`: bearer-key authentication, then the JSON-RPC dispatcher.
struct RPCController {
    let services: AppServices
    let dispatcher: RPCDispatcher

    func register(on router: Router<BasicRequestContext>) {
        router.post("/rpc", use: handle)
    }

    @Sendable func handle(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard let key = request.headers.bearerToken, let caller = try await services.keys.authenticate(key) else {
            throw ProblemDetails.unauthorized
        }
        let mediaType = request.headers.mediaType
        guard let mediaType, HookController.isJSON(mediaType) else {
            throw ProblemDetails.unsupportedMediaType(mediaType, accepted: "application/json")
        }
        let body = try await request.collectBody(limit: services.configuration.maxRPCBody)
        let callContext = RPCCallContext(services: services, caller: caller, logger: context.logger)
        guard let response = await dispatcher.respond(to: body.readableBytesView, context: callContext) else {
            return Response(status: .noContent)
        }
        return .json(response)
    }
}
