import Foundation

/// The message corpus under `Resources/`: `fixtures/NAME.eml` with `fixtures/NAME.expected.json`,
/// and `fuzz-regressions/*` (hostile inputs, found by fuzzing or built by hand, with no expectations).
enum Fixtures {
    static let resources: URL = {
        if let url = Bundle.module.url(forResource: "Resources", withExtension: nil) { return url }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")
    }()

    static let fixtureDirectory = resources.appendingPathComponent("fixtures")
    static let fuzzRegressionDirectory = resources.appendingPathComponent("fuzz-regressions")

    /// The names of all `.eml` fixtures, sorted.
    static let names: [String] = files(in: fixtureDirectory)
        .filter { $0.hasSuffix(".eml") }
        .map { String($0.dropLast(4)) }
        .sorted()

    /// Every file kept from fuzzing, sorted.
    static let fuzzRegressions: [String] = files(in: fuzzRegressionDirectory)
        .filter { !$0.hasPrefix(".") }
        .sorted()

    static func message(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtureDirectory.appendingPathComponent(name + ".eml")))
    }

    static func expectation(_ name: String) throws -> Expectation {
        let data = try Data(contentsOf: fixtureDirectory.appendingPathComponent(name + ".expected.json"))
        return try JSONDecoder().decode(Expectation.self, from: data)
    }

    private static func files(in directory: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }
}

/// What a fixture's `.expected.json` asserts; every key is optional and checked only when present.
struct Expectation: Decodable {
    struct Address: Decodable, Equatable {
        var name: String?
        var address: String
    }

    struct Attachment: Decodable {
        var filename: String?
        var contentType: String
        var size: Int?

        enum CodingKeys: String, CodingKey {
            case filename
            case contentType = "content_type"
            case size
        }
    }

    /// A key that may be present with a null value, which asserts nil.
    enum Checked<Value> {
        case unchecked
        case value(Value?)
    }

    var subject: String?
    var from: [Address]?
    var to: [Address]?
    var cc: [Address]?
    var deliveredTo: [Address]?
    var originalTo: [Address]?
    var messageID: Checked<String> = .unchecked
    var date: Checked<Date> = .unchecked
    var body: String?
    var bodyContains: [String]?
    var bodyNotContains: [String]?
    var attachments: [Attachment]?
    var attachmentsText: String?
    var attachmentsTextContains: [String]?
    var recipientCandidates: [String]?

    enum CodingKeys: String, CodingKey {
        case subject, from, to, cc, body, attachments
        case deliveredTo = "delivered_to"
        case originalTo = "original_to"
        case messageID = "message_id"
        case date
        case bodyContains = "body_contains"
        case bodyNotContains = "body_not_contains"
        case attachmentsText = "attachments_text"
        case attachmentsTextContains = "attachments_text_contains"
        case recipientCandidates = "recipient_candidates"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        from = try container.decodeIfPresent([Address].self, forKey: .from)
        to = try container.decodeIfPresent([Address].self, forKey: .to)
        cc = try container.decodeIfPresent([Address].self, forKey: .cc)
        deliveredTo = try container.decodeIfPresent([Address].self, forKey: .deliveredTo)
        originalTo = try container.decodeIfPresent([Address].self, forKey: .originalTo)
        if container.contains(.messageID) {
            messageID = .value(try container.decodeIfPresent(String.self, forKey: .messageID))
        }
        if container.contains(.date) {
            let text = try container.decodeIfPresent(String.self, forKey: .date)
            let parsed = try text.map { text in
                guard let date = ISO8601DateFormatter().date(from: text) else {
                    throw DecodingError.dataCorruptedError(forKey: .date, in: container, debugDescription: text)
                }
                return date
            }
            date = .value(parsed)
        }
        body = try container.decodeIfPresent(String.self, forKey: .body)
        bodyContains = try container.decodeIfPresent([String].self, forKey: .bodyContains)
        bodyNotContains = try container.decodeIfPresent([String].self, forKey: .bodyNotContains)
        attachments = try container.decodeIfPresent([Attachment].self, forKey: .attachments)
        attachmentsText = try container.decodeIfPresent(String.self, forKey: .attachmentsText)
        attachmentsTextContains = try container.decodeIfPresent([String].self, forKey: .attachmentsTextContains)
        recipientCandidates = try container.decodeIfPresent([String].self, forKey: .recipientCandidates)
    }
}
