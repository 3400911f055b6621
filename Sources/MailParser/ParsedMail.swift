import Foundation

/// The fields of one e-mail message that status rules and routing look at (SPEC §5.1).
public struct ParsedMail: Sendable, Equatable {
    /// The subject with RFC 2047 encoded words decoded and folding removed; empty when absent.
    public var subject: String
    /// The `From` mailboxes.
    public var from: [MailAddress]
    /// The `To` mailboxes, group members included.
    public var to: [MailAddress]
    /// The `Cc` mailboxes, group members included.
    public var cc: [MailAddress]
    /// The addresses of every `Delivered-To` header, in order.
    public var deliveredTo: [MailAddress]
    /// The addresses of every `X-Original-To` header, in order.
    public var originalTo: [MailAddress]
    /// The `Message-ID` without its angle brackets, or nil when absent or empty.
    public var messageID: String?
    /// The `Date` header (obsolete RFC 5322 forms tolerated), or nil when absent or unparseable.
    public var date: Date?
    /// The text of every leaf part that is not an attachment, HTML converted to text, joined by newlines.
    public var body: String
    /// The attachments, in message order.
    public var attachments: [MailAttachment]
    /// The decoded text of every `text/*` attachment (HTML converted to text), joined by newlines.
    public var attachmentsText: String

    /// Creates a parsed mail from its fields; every field defaults to empty.
    public init(
        subject: String = "",
        from: [MailAddress] = [],
        to: [MailAddress] = [],
        cc: [MailAddress] = [],
        deliveredTo: [MailAddress] = [],
        originalTo: [MailAddress] = [],
        messageID: String? = nil,
        date: Date? = nil,
        body: String = "",
        attachments: [MailAttachment] = [],
        attachmentsText: String = ""
    ) {
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.deliveredTo = deliveredTo
        self.originalTo = originalTo
        self.messageID = messageID
        self.date = date
        self.body = body
        self.attachments = attachments
        self.attachmentsText = attachmentsText
    }

    /// Lowercased addresses from `Delivered-To`, `X-Original-To`, `To` and `Cc`, in that order and
    /// without repeats: where to look for a check's mail address when the envelope gave none.
    public var recipientCandidates: [String] {
        var seen = Set<String>()
        var result: [String] = []
        for mailbox in deliveredTo + originalTo + to + cc {
            let address = mailbox.address.lowercased()
            if !address.isEmpty, seen.insert(address).inserted {
                result.append(address)
            }
        }
        return result
    }
}

/// One mailbox of an address header.
public struct MailAddress: Sendable, Equatable, Hashable {
    /// The display name, RFC 2047 decoded and unquoted, or nil when the mailbox has none.
    public var name: String?
    /// The address itself (`local@domain`) as written, without angle brackets.
    public var address: String

    /// Creates a mailbox.
    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }
}

/// One attachment of a message: a leaf part with disposition `attachment`, or with no disposition
/// but a file name.
public struct MailAttachment: Sendable, Equatable {
    /// The file name, RFC 2231 and RFC 2047 decoded, or nil when the part names none.
    public var filename: String?
    /// The lowercased media type, such as `application/pdf`.
    public var contentType: String
    /// The size of the decoded content in bytes.
    public var size: Int
    /// The decoded text of a `text/*` attachment (HTML converted to text), else nil.
    public var text: String?

    /// Creates an attachment description.
    public init(filename: String?, contentType: String, size: Int, text: String? = nil) {
        self.filename = filename
        self.contentType = contentType
        self.size = size
        self.text = text
    }
}
