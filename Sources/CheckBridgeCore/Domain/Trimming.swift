extension StringProtocol {
    /// The text without leading and trailing blanks: space, tab and the other Unicode space
    /// separators, as Foundation's `.whitespaces` set has them.
    ///
    /// For the request paths (mail routing, bearer keys, idempotency keys): Foundation's trimming
    /// goes through NSString here and cost more than parsing the mail it was trimming addresses of.
    /// Inlinable so that callers in other modules get it specialised for their string type.
    @inlinable
    public func trimmingBlanks() -> SubSequence {
        trimming(where: Unicode.Scalar.isBlank)
    }

    /// The text without the leading and trailing scalars `predicate` accepts.
    @inlinable
    public func trimming(where predicate: (Unicode.Scalar) -> Bool) -> SubSequence {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !predicate($0) }),
            let last = scalars.lastIndex(where: { !predicate($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}

extension Unicode.Scalar {
    /// Space, tab, another space separator (Unicode category Zs) or the zero-width space, which
    /// Foundation's `.whitespaces` counts too and senders paste into addresses.
    @inlinable
    public static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || scalar == "\t" }
        return scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }
}
