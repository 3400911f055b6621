/// One input field that failed validation, named the way the caller wrote it
/// (`rules[0].conditions[1].value`, `schedule.every_seconds`).
public struct FieldError: Error, Sendable, Hashable {
    /// Path of the offending field in the caller's input.
    public var field: String
    /// What is wrong with it, in words a user can act on.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// Every field error found in one input, so a caller can fix them all at once.
public struct ValidationError: Error, Sendable, Hashable {
    /// The offending fields, in the order they were found.
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) {
        self.errors = errors
    }

    public init(field: String, message: String) {
        self.errors = [FieldError(field: field, message: message)]
    }
}
