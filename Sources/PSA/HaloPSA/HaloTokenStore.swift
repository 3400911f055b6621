/// The Halo access token, shared by all calls of one connector.
///
/// One fetch at a time: concurrent callers wait for the token being fetched instead of each asking
/// the authorisation server for its own.
actor HaloTokenStore {
    struct Token: Sendable {
        var value: String
        var renewAt: ContinuousClock.Instant
    }

    private var current: Token?
    private var inFlight: Task<Result<Token, PSAError>, Never>?

    /// A valid token, fetched with `fetch` when there is none or it is about to expire.
    func token(fetch: @escaping @Sendable () async throws(PSAError) -> Token) async throws(PSAError) -> String {
        if let current, ContinuousClock.now < current.renewAt { return current.value }
        let task: Task<Result<Token, PSAError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            task = Task {
                do throws(PSAError) { return .success(try await fetch()) } catch { return .failure(error) }
            }
            inFlight = task
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        let token = try result.get()
        current = token
        return token.value
    }

    /// Forgets `value` after the resource server refused it, unless a newer token replaced it already.
    func invalidate(_ value: String) {
        if current?.value == value { current = nil }
    }
}
