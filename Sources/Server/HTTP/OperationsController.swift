import Hummingbird

/// `/healthz`, `/readyz`, `/metrics` and `/openapi.yaml`: what operators and tooling poll.
struct OperationsController {
    let services: AppServices

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            Response.json(["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            let ready = await services.database.isReady()
            return Response.json(
                ["status": .string(ready ? "ready" : "unavailable")], status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: services.metrics.registry.emitToBuffer())))
        }
        router.get("/openapi.yaml") { _, _ in
            guard let data = BundledResources.data("openapi.yaml") else {
                throw ProblemDetails(.notFound, "the OpenAPI document is not installed with this server")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

/// The edge every request passes: turns the framework's own errors (unknown route, wrong method)
/// into problem+json, so that every error outside `/rpc` has one shape, and counts each answer by
/// route and status for `/metrics`. One middleware rather than two: each costs an async frame per
/// request.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            metrics.request(route: context.endpointPath ?? "unmatched", statusCode: response.status.code)
            return response
        } catch let error as ProblemDetails {
            metrics.request(route: context.endpointPath ?? "unmatched", statusCode: error.status.code)
            throw error
        } catch let error as HTTPError {
            metrics.request(route: context.endpointPath ?? "unmatched", statusCode: error.status.code)
            let detail =
                error.status == .notFound
                ? "no such endpoint: \(request.method) \(request.uri.path)" : (error.body ?? error.status.reasonPhrase)
            throw ProblemDetails(error.status, detail, headers: error.headers)
        } catch let error as HTTPResponseError {
            metrics.request(route: context.endpointPath ?? "unmatched", statusCode: error.status.code)
            throw error
        }
    }
}
