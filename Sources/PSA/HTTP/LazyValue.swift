/// A value fetched from the PSA once and then kept (closed statuses, the ConnectWise codebase).
///
/// A failed fetch is not kept, so the next call tries again.
actor LazyValue<Value: Sendable> {
    private var value: Value?

    func value(fetch: @Sendable () async throws(PSAError) -> Value) async throws(PSAError) -> Value {
        if let value { return value }
        let fetched = try await fetch()
        value = fetched
        return fetched
    }
}

extension Optional where Wrapped: RangeReplaceableCollection {
    /// The wrapped collection, or an empty one: PSAs omit empty lists.
    var orEmpty: Wrapped { self ?? Wrapped() }
}
