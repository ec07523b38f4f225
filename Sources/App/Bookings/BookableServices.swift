import Foundation

/// The services a business offers for booking: one name a line, as the owner (or a
/// template) lists them. The business page's booking form offers exactly these; with none
/// listed it asks for the service in the client's own words.
enum BookableServices {
    static let maxCount = 30
    static let maxNameLength = 100

    /// The stored list, one service a line (nil when none is offered).
    static func names(_ stored: String?) -> [String] {
        (stored ?? "").split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The list in one line, each name quoted so that a comma in a name reads as part of it:
    /// “Haircut, 30 min”, “Colour”. Nil when none is offered.
    static func described(_ stored: String?) -> String? {
        let offered = names(stored)
        return offered.isEmpty ? nil : offered.map { "“\($0)”" }.joined(separator: ", ")
    }

    /// The list as typed: trimmed lines, blank ones dropped, a name given twice (in any case)
    /// kept once. Nil when empty; an error on `field` when a name is too long or holds control
    /// characters, or there are too many.
    static func read(_ raw: String, field: String = "services", errors: inout OperatorInput.Errors) -> String? {
        let lines = raw.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").split(separator: "\n")
        var names: [String] = [], seen: Set<String> = []
        for line in lines {
            guard let name = DisplayText.trimmed(String(line)) else { continue }
            guard !name.unicodeScalars.contains(where: DisplayText.isControl) else {
                errors.fields[field] = "Remove the control characters."
                return nil
            }
            guard name.unicodeScalars.count <= maxNameLength else {
                errors.fields[field] = "Keep each service to \(maxNameLength) characters: “\(name.prefix(40))…” is longer."
                return nil
            }
            if seen.insert(name.lowercased()).inserted { names.append(name) }
        }
        guard names.count <= maxCount else {
            errors.fields[field] = "List at most \(maxCount) services (there are \(names.count))."
            return nil
        }
        return names.isEmpty ? nil : names.joined(separator: "\n")
    }

    /// The offered service `choice` names, in the business's own spelling; nil when the
    /// business offers services and this is none of them.
    static func offered(_ choice: String, in stored: String?) -> String? {
        let offered = names(stored)
        guard !offered.isEmpty else { return choice }
        let wanted = choice.trimmingCharacters(in: .whitespaces).lowercased()
        return offered.first { $0.lowercased() == wanted }
    }
}
