/// Deterministic demo names, so every run of a simulator shows the same customers.
enum DemoNames {
    private static let first = [
        "Acme", "Blue Ridge", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor", "Iron", "Juniper",
        "Keystone", "Lakeside", "Maple", "Northwind", "Oakmont", "Pinnacle", "Quarry", "Riverside", "Summit",
        "Tidewater",
    ]
    private static let second = [
        "Dental", "Logistics", "Legal", "Builders", "Clinic", "Accounting", "Foods", "Motors", "Realty",
        "Engineering", "Studios", "Pharmacy", "Insurance",
    ]
    private static let suffixes = ["Ltd", "Inc", "LLC", "Group", "GmbH"]

    /// The `index`-th company name; distinct for the first 1300 indexes.
    static func company(_ index: Int) -> String {
        let a = first[index % first.count]
        let b = second[(index / first.count) % second.count]
        let c = suffixes[(index / (first.count * second.count)) % suffixes.count]
        return "\(a) \(b) \(c)"
    }

    /// A name that two customers share, so that name matching must cope with duplicates.
    static let duplicated = "Contoso Ltd"
}
