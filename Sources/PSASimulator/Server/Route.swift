/// A request path reduced to a pattern for routing: numeric segments become `:id`
/// (`service/tickets/:id/notes`), and the first of them is kept.
struct Route {
    let pattern: String
    /// The first numeric segment, as sent ("" when none).
    let id: String

    init(_ segments: [String]) {
        var id: String?
        pattern = segments.map { segment in
            guard Int64(segment) != nil else { return segment }
            if id == nil { id = segment }
            return ":id"
        }.joined(separator: "/")
        self.id = id ?? ""
    }
}
