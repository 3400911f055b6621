import MailParser

/// libFuzzer's entry point: parses the input as a message and as HTML. Any trap, sanitizer report
/// or timeout is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let mail = MailParser.parse(bytes)
    precondition(mail.attachments.allSatisfy { $0.size >= 0 && $0.size <= size })
    _ = mail.recipientCandidates
    _ = HTMLText.plainText(fromHTML: String(decoding: bytes, as: UTF8.self))
    return 0
}
