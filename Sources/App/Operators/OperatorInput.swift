import Foundation

/// Validation of the values that make an operator, shared by the setup page, the CLI and
/// the API. Each failure names the field it belongs to.
enum OperatorInput {
    /// A cleaned value, or the message to show next to the field.
    enum Checked: Equatable {
        case success(String)
        case failure(String)
    }

    struct Errors: Error, Equatable, Sendable {
        var fields: [String: String] = [:]
        var isEmpty: Bool { fields.isEmpty }
        subscript(field: String) -> String? { fields[field] }
        var summary: String { fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; ") }
    }

    static func name(_ raw: String) -> Checked {
        if DisplayText.hasControl(raw) { return .failure("Remove the control characters.") }
        guard let name = DisplayText.trimmed(raw) else { return .failure("Enter a name.") }
        // Counted in code points, as JSON Schema's maxLength counts them.
        if raw.unicodeScalars.count > 200 { return .failure("Use at most 200 characters.") }
        return .success(name)
    }

    static func email(_ raw: String) -> Checked {
        let email = Operator.normalize(email: raw)
        if email.isEmpty { return .failure("Enter an email address.") }
        // As sent: ASCII only (lower-casing would turn the Kelvin sign into a "k"), no control
        // characters, and the document's 254 counted before the spaces are trimmed.
        guard raw.unicodeScalars.count <= 254, raw.unicodeScalars.allSatisfy({ $0.isASCII }), !DisplayText.hasControl(raw) else {
            return .failure("Enter an email address like name@example.com.")
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, isDotAtom(parts[0], allowed: localCharacters), parts[0].count <= 64,
              isHostName(parts[1])
        else { return .failure("Enter an email address like name@example.com.") }
        return .success(email)
    }

    /// An optional phone number: digits, an optional leading +, and spaces, dots, dashes and
    /// brackets for readability (the API document's pattern); stored as given. Forms pass nil
    /// for an empty field.
    static func phone(_ raw: String?, errors: inout Errors) -> String? {
        guard let phone = raw else { return nil }
        guard isPhone(phone) else {
            errors.fields["phone"] = "Enter a phone number like +44 20 7946 0958."
            return nil
        }
        return phone
    }

    /// `^\+?[0-9][0-9 .()-]{4,28}[0-9]$`, ASCII digits only.
    static func isPhone(_ text: String) -> Bool {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "+" { scalars.removeFirst() }
        func digit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
        guard (6...30).contains(scalars.count), let first = scalars.first, let last = scalars.last, digit(first), digit(last) else { return false }
        return scalars.allSatisfy { digit($0) || " .()-".unicodeScalars.contains($0) }
    }

    private static let localCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~-")
    private static let labelCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-")

    /// Atoms separated by single dots (RFC 5322 dot-atom), from `allowed` characters.
    private static func isDotAtom(_ text: Substring, allowed: Set<Character>) -> Bool {
        let atoms = text.split(separator: ".", omittingEmptySubsequences: false)
        return !atoms.isEmpty && atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(allowed.contains) }
    }

    /// A domain of at least two labels, each of letters, digits and inner hyphens.
    private static func isHostName(_ text: Substring) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-" && label.allSatisfy(labelCharacters.contains)
        }
    }
}
