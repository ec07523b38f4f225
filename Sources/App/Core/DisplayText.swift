import Foundation

/// Names and titles as the API's schema defines them: no C0 control characters anywhere,
/// and at least one character that is neither white space (as JSON Schema's regular
/// expressions and Foundation both count it) nor a C1 control. Stored trimmed.
enum DisplayText {
    /// `\s` of ECMA-262 regular expressions, which OpenAPI patterns use.
    private static func isSchemaSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: true
        default: false
        }
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        isSchemaSpace(scalar) || CharacterSet.whitespacesAndNewlines.contains(scalar)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7F }

    static func hasControl(_ raw: String) -> Bool { raw.unicodeScalars.contains(where: isControl) }

    /// `raw` without white space around it, or nil when nothing visible is left.
    static func trimmed(_ raw: String) -> String? {
        let scalars = Array(raw.unicodeScalars)
        guard scalars.contains(where: { !isSpace($0) && !isControl($0) && !(0x80...0x9F).contains($0.value) }) else { return nil }
        let start = scalars.firstIndex { !isSpace($0) } ?? scalars.startIndex
        let end = (scalars.lastIndex { !isSpace($0) } ?? scalars.endIndex - 1) + 1
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<end])
        return String(view)
    }

    /// Checked text for a field: no control characters, something visible, at most
    /// `maxLength` code points (as JSON Schema's maxLength counts them).
    static func read(_ raw: String, maxLength: Int, empty: String = "Enter some text.") -> OperatorInput.Checked {
        if hasControl(raw) { return .failure("Remove the control characters.") }
        guard let text = trimmed(raw) else { return .failure(empty) }
        if raw.unicodeScalars.count > maxLength { return .failure("Use at most \(maxLength) characters.") }
        return .success(text)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }

    /// A form field left empty or holding only white space means "not given"; the API has no such rule.
    var nilIfBlank: String? { trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : self }

    /// The lines of a text area joined with ", " (an address typed over several lines).
    var joinedLines: String {
        split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: ", ")
    }
}
