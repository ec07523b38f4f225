import Foundation

/// Word lists for demonstration data: plausible small businesses, people, places and notes.
enum DemoData {
    private static let firstNames = ["Ada", "Ben", "Chloé", "Dara", "Elif", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kofi", "Lena", "Malik", "Nora",
                                     "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wim", "Xena", "Yusuf", "Zoë", "Aino",
                                     "Bruno", "Carmen", "Dmitri", "Esme", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kaia", "Luca", "Mei", "Nico"]
    private static let lastNames = ["Okafor", "Lindqvist", "García", "Nakamura", "Dubois", "Kowalski", "Rossi", "Haddad", "Murphy", "Schmidt",
                                    "Nguyen", "Silva", "Jensen", "Novak", "Costa", "Brennan", "Petrov", "Ahmed", "Moreau", "Fischer",
                                    "Tanaka", "Oliveira", "Walsh", "Horvat", "Berg", "Kaya", "Romano", "Evans", "Park", "Mensah"]
    private static let adjectives = ["Golden", "Little", "Urban", "Bright", "Quiet", "Happy", "Blue", "Green", "Royal", "Old Town", "Riverside",
                                     "North Star", "Copper", "Velvet", "Harbour", "Maple", "Sunny", "Silver", "Wild", "Corner"]
    private static let kinds = ["Bakery", "Barbers", "Yoga Studio", "Dental Clinic", "Physio", "Nail Bar", "Gym", "Tattoo Studio", "Spa",
                                "Driving School", "Pet Grooming", "Music School", "Photography", "Massage", "Beauty Salon", "Climbing Gym",
                                "Bike Repair", "Vet Clinic", "Hair Studio", "Pilates"]
    private static let regions = ["North", "South", "East", "West", "Central", "Coast", "Highlands", "Lakes", "Valley", "Islands", "Borders", "Metro"]
    private static let cities = ["Aberdeen", "Bristol", "Cork", "Dundee", "Exeter", "Fife", "Galway", "Hull", "Inverness", "Jersey", "Kent",
                                 "Leeds", "Malmö", "Nantes", "Oslo", "Porto", "Québec", "Rennes", "Seville", "Turku", "Utrecht", "Valencia",
                                 "Wexford", "York", "Zagreb", "Antwerp", "Bergen", "Cádiz", "Delft", "Espoo"]
    private static let streets = ["High Street", "Mill Lane", "Church Road", "Station Road", "Harbour Way", "Park Avenue", "Queen Street", "Market Square"]
    private static let tagPool = ["vip", "franchise", "reseller-lead", "migrated", "trial", "needs-training", "churn-risk", "enterprise", "seasonal",
                                  "referral", "multi-site", "payments-on"]
    private static let notes = ["Called about billing; sorted.", "Wants a second location set up next month.", "Asked for a training session for new staff.",
                                "Prefers email over phone.", "Migrating from a paper diary; check in after two weeks.",
                                "Interested in the Premium plan.", "Widget not yet on their site; sent instructions.", "Owner away until the end of the month."]

    static func partnerName(_ slug: String) -> String {
        slug.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ") + " Partners"
    }

    static func businessName(_ number: Int, using rng: inout BenchRandom) -> String {
        let adjective = adjectives[Int.random(in: 0..<adjectives.count, using: &rng)]
        let kind = kinds[Int.random(in: 0..<kinds.count, using: &rng)]
        return "\(adjective) \(kind) \(cities[number % cities.count])"
    }

    static func personName(_ number: Int, salt: UInt64) -> String {
        let mixed = number &* 7919 &+ Int(salt % 1000)
        return "\(firstNames[mixed % firstNames.count]) \(lastNames[(mixed / firstNames.count) % lastNames.count])"
    }

    static func region(_ index: Int, salt: UInt64) -> String { regions[index % regions.count] + (index >= regions.count ? " \(index / regions.count + 1)" : "") }

    static func city(_ index: Int, salt: UInt64) -> String { cities[index % cities.count] + (index >= cities.count ? " \(index / cities.count + 1)" : "") }

    /// ASCII letters of `text`, lower-cased, for email addresses and nicknames.
    private static func slug(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "en"))
        return String(folded.unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == " " }.map(Character.init))
            .split(separator: " ").joined(separator: "-")
    }

    static func domain(for business: String) -> String { slug(business).replacingOccurrences(of: "-", with: "") + ".example" }

    static func email(for person: String, index: Int, domain: String) -> String {
        "\(slug(person).replacingOccurrences(of: "-", with: "."))\(index)@\(domain)"
    }

    static func nickname(_ business: String, _ number: Int) -> String { String(slug(business).prefix(50)) + "-\(number)" }

    static func phone(_ number: Int) -> String { String(format: "+44 20 %04d %04d", (number / 10_000) % 10_000, number % 10_000) }

    static func address(_ number: Int, using rng: inout BenchRandom) -> String {
        "\(Int.random(in: 1...250, using: &rng)) \(streets[number % streets.count]), \(cities[number % cities.count])"
    }

    static func tags(using rng: inout BenchRandom) -> [String] {
        var chosen = Set<String>()
        for _ in 0..<Int.random(in: 0...3, using: &rng) { chosen.insert(tagPool[Int.random(in: 0..<tagPool.count, using: &rng)]) }
        return chosen.sorted()
    }

    static func note(using rng: inout BenchRandom) -> String { notes[Int.random(in: 0..<notes.count, using: &rng)] }
}
