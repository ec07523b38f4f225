import Foundation

/// What an import creates: client accounts, or invitations of operators.
enum ImportKind: String, Codable, Sendable, CaseIterable {
    case accounts, operators

    var permission: Permission { self == .accounts ? .accountsImport : .operatorsInvite }
    var fields: [ImportField] { ImportField.allCases.filter { $0.kinds.contains(self) } }
    var title: String { self == .accounts ? "Import accounts" : "Import operator invitations" }
    var noun: (one: String, many: String) { self == .accounts ? ("account", "accounts") : ("invitation", "invitations") }
}

/// A column an import understands.
enum ImportField: String, Codable, Sendable, CaseIterable {
    case businessUID = "business_uid", name, email, ownerName = "owner_name", phone, nickname, group, tags, plan
    case staffSlots = "staff_slots", role, timeZone = "time_zone"

    var kinds: Set<ImportKind> {
        switch self {
        case .businessUID, .ownerName, .nickname, .tags, .plan, .staffSlots: [.accounts]
        case .name, .email, .phone, .group: [.accounts, .operators]
        case .role, .timeZone: [.operators]
        }
    }

    var label: String {
        switch self {
        case .businessUID: "Business UID"
        case .name: "Name"
        case .email: "Email"
        case .ownerName: "Owner name"
        case .phone: "Phone"
        case .nickname: "Nickname"
        case .group: "Group"
        case .tags: "Tags"
        case .plan: "Plan"
        case .staffSlots: "Staff slots"
        case .role: "Role"
        case .timeZone: "Time zone"
        }
    }

    /// What the mapping step says of it.
    func hint(for kind: ImportKind) -> String {
        switch (self, kind) {
        case (.businessUID, _): "Matches an existing account to update; never creates one."
        case (.name, .accounts): "The business's name. Needed for a new account."
        case (.name, .operators): "The person's name. Needed."
        case (.email, .accounts): "The owner's email, who is invited. Needed for a new account; matches an existing one."
        case (.email, .operators): "Where the invitation goes. Needed."
        case (.nickname, _): "Unique; matches an existing account, or is given to a new one."
        case (.group, .accounts): "The group's path, e.g. “West › Seattle”, or a name only one group has. Empty: no group."
        case (.group, .operators): "The group the role covers. Empty: all accounts."
        case (.tags, _): "Separated by semicolons or commas. Added; none is removed."
        case (.role, _): "A role's name, e.g. “Account Manager”. Needed."
        case (.timeZone, _): "An IANA zone, e.g. “Europe/Paris”."
        default: ""
        }
    }

    /// Needed on every row.
    func isRequired(for kind: ImportKind) -> Bool {
        switch kind {
        case .accounts: false  // a new account needs a name and an email; an update needs neither
        case .operators: [.name, .email, .role].contains(self)
        }
    }

    /// Headings a spreadsheet is likely to give this column, squashed (`squash`).
    private var aliases: [String] {
        switch self {
        case .businessUID: ["businessuid", "uid", "businessid", "accountuid", "externalid"]
        case .name: ["name", "businessname", "business", "company", "companyname", "accountname", "fullname", "operatorname", "operator"]
        case .email: ["email", "emailaddress", "mail", "owneremail", "contactemail"]
        case .ownerName: ["ownername", "owner", "contactname", "contact"]
        case .phone: ["phone", "phonenumber", "telephone", "tel", "mobile"]
        case .nickname: ["nickname", "slug", "handle"]
        case .group: ["group", "groupname", "location", "grouppath"]
        case .tags: ["tags", "tag", "labels"]
        case .plan: ["plan", "planname", "subscription"]
        case .staffSlots: ["staffslots", "slots", "seats", "staff"]
        case .role: ["role", "rolename"]
        case .timeZone: ["timezone", "tz", "zone"]
        }
    }

    static func squash(_ heading: String) -> String {
        String(heading.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    /// The field a heading names, if any.
    static func guess(_ heading: String, kind: ImportKind) -> ImportField? {
        let squashed = squash(heading)
        guard !squashed.isEmpty else { return nil }
        return kind.fields.first { $0.aliases.contains(squashed) }
    }
}

/// Which column (from 0) each field is read from.
struct ImportMapping: Codable, Sendable, Equatable {
    var columns: [ImportField: Int]

    init(_ columns: [ImportField: Int] = [:]) { self.columns = columns }

    subscript(field: ImportField) -> Int? { columns[field] }

    /// The mapping the headings suggest, each column used once, and whether the first row
    /// looks like headings at all (it names at least one field).
    static func guess(headings: [String], kind: ImportKind) -> (mapping: ImportMapping, isHeader: Bool) {
        var columns: [ImportField: Int] = [:]
        for (index, heading) in headings.enumerated() {
            if let field = ImportField.guess(heading, kind: kind), columns[field] == nil { columns[field] = index }
        }
        return (ImportMapping(columns), !columns.isEmpty)
    }

    /// Problems with the mapping itself, by field.
    func problems(for kind: ImportKind, columnCount: Int) -> [ImportField: String] {
        var problems: [ImportField: String] = [:]
        var seen: [Int: ImportField] = [:]
        for field in kind.fields {
            guard let column = columns[field] else {
                if field.isRequired(for: kind) { problems[field] = "Choose the column with the \(field.label.lowercased())." }
                continue
            }
            if !(0..<columnCount).contains(column) { problems[field] = "Choose one of the file's columns." }
            else if let other = seen[column] { problems[field] = "This column is already read as \(other.label)." }
            else { seen[column] = field }
        }
        if kind == .accounts, [ImportField.businessUID, .nickname, .email].allSatisfy({ columns[$0] == nil }) {
            problems[.email] = "Choose the column with the email (or the Business UID or nickname) so each row can be matched."
        }
        if kind == .accounts, columns[.name] == nil, columns[.businessUID] == nil, columns[.nickname] == nil {
            problems[.name] = "Choose the column with the business's name: new accounts need one."
        }
        return problems
    }

    /// The value of `field` in `cells`, trimmed; nil when unmapped or empty.
    func value(_ field: ImportField, in cells: [String]) -> String? {
        guard let column = columns[field], column < cells.count else { return nil }
        let value = cells[column].trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value
    }

    // Stored as {"name": 0, …}.
    init(from decoder: any Decoder) throws {
        let raw = try [String: Int](from: decoder)
        columns = Dictionary(uniqueKeysWithValues: raw.compactMap { key, value in ImportField(rawValue: key).map { ($0, value) } })
    }

    func encode(to encoder: any Encoder) throws {
        try Dictionary(uniqueKeysWithValues: columns.map { ($0.key.rawValue, $0.value) }).encode(to: encoder)
    }
}
