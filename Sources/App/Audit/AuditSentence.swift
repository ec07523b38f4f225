import Foundation

/// An audit entry in words: "Maya locked the account", "Maya moved the account from North
/// to South", "Hal signed in". The same words serve the audit log (where the entry's target
/// is named: "Maya locked Blue Bakery") and an account's History tab (where it is "the
/// account" and, where the account is only the place, left out: "Maya added the tag “vip”").
struct AuditSentence: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        /// Who acted.
        case actor(String)
        case words(String)
        /// A value people typed (a tag, a nickname), between quotation marks.
        case quoted(String)
        /// What the entry is about: its name in the log, "the account" on the account's own page.
        case target
        /// " to Blue Bakery" in the log; nothing on the account's own page.
        case place(String)
    }

    let parts: [Part]
    /// What else the entry holds, a line each, in words ("Plan: Basic → Pro").
    let details: [String]

    /// How an entry is read: in the partner-wide log, or on the History tab of its account.
    enum Reading: Sendable, Equatable {
        case log
        case ownAccount
    }

    /// The sentence as plain text, the target named as `reading` says.
    func text(target: String, reading: Reading) -> String {
        parts.map { part in
            switch part {
            case .actor(let name): name
            case .words(let words): words
            case .quoted(let value): "“\(value)”"
            case .target: reading == .ownAccount ? "the account" : target
            case .place(let preposition): reading == .ownAccount ? "" : " \(preposition) \(target)"
            }
        }.joined()
    }

    /// The sentence as markup; `target` is how the log shows the entry's target (a link to
    /// the account, say). Every name goes through the writer's escaping as text.
    func markup(target: Markup, reading: Reading) -> Markup {
        .group(parts.map { part in
            switch part {
            case .actor(let name): .strong(.text(name))
            case .words(let words): .text(words)
            case .quoted(let value): .text("“\(value)”")
            case .target: reading == .ownAccount ? .text("the account") : target
            case .place(let preposition): reading == .ownAccount ? .empty : .group(.text(" \(preposition) "), target)
            }
        })
    }

    /// The sentence and its detail lines, as a table cell shows them.
    func cell(target: Markup, reading: Reading) -> Markup {
        .group(.span(.class("audit-sentence"), markup(target: target, reading: reading)),
               .if(!details.isEmpty, .ul(.class("audit-details"), .forEach(details) { .li(.text($0)) })))
    }
}

extension AuditSentence {
    /// The sentence for an entry. `names` turns ids that details may hold (a grant's group)
    /// into the names people know.
    init(action: String, actor: String, targetType: String, details: String, names: [String: String] = [:]) {
        let facts = AuditDetails(details, names: names)
        if let parts = AuditWording.parts(for: action, actor: actor, targetType: targetType, facts) {
            self.init(parts: parts, details: facts.remaining)
        } else {
            self.init(parts: AuditWording.fallback(action, actor: actor, targetType: targetType), details: facts.lines)
        }
    }

    /// Whether `action` has words of its own (the fallback is a sentence too, but a vague one).
    static func hasWords(for action: String) -> Bool {
        AuditWording.parts(for: action, actor: "", targetType: "account", AuditDetails("", names: [:])) != nil
    }
}

/// An entry's details, read: lines of "field: before → after" or "field: value", or prose.
/// The wording takes the fields it puts into the sentence; the rest stay as detail lines.
final class AuditDetails {
    private(set) var lines: [String]
    private var used: Set<Int> = []

    init(_ details: String, names: [String: String]) {
        lines = details.split(whereSeparator: \.isNewline).flatMap { line -> [String] in
            // "name: a → b; email: c → d": one change a line.
            let pieces = line.components(separatedBy: "; ")
            return pieces.count > 1 && pieces.allSatisfy(AuditDetails.isField) ? pieces : [String(line)]
        }.map { AuditDetails.words(in: $0, names: names) }.filter { !$0.isEmpty }
    }

    private static func isField(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let key = text[..<colon]
        return !key.isEmpty && key.count <= 40 && key.allSatisfy { $0.isLetter || $0 == " " || $0 == "-" }
    }

    /// The value of `field` ("tag" in "tag: vip"), taken out of the remaining lines.
    func take(_ field: String) -> String? {
        for (index, line) in lines.enumerated() where !used.contains(index) {
            if line.lowercased().hasPrefix(field.lowercased() + ": ") {
                used.insert(index)
                return String(line.dropFirst(field.count + 2))
            }
        }
        return nil
    }

    /// The before and after of `field`, taken out of the remaining lines.
    func takeChange(_ field: String) -> (before: String, after: String)? {
        for (index, line) in lines.enumerated() where !used.contains(index) {
            guard line.lowercased().hasPrefix(field.lowercased() + ": ") else { continue }
            let value = line.dropFirst(field.count + 2).components(separatedBy: " → ")
            guard value.count == 2 else { continue }
            used.insert(index)
            return (value[0], value[1])
        }
        return nil
    }

    /// The only line, when it is prose rather than a field, taken out.
    func takeProse() -> String? {
        guard lines.count == 1, !used.contains(0), !AuditDetails.isField(lines[0]) else { return nil }
        used.insert(0)
        return lines[0]
    }

    /// The lines the sentence did not use, each starting with a capital.
    var remaining: [String] {
        lines.enumerated().filter { !used.contains($0.offset) }.map { $0.element.prefix(1).uppercased() + $0.element.dropFirst() }
    }

    /// Codes inside details, in words: permissions by their titles, grants by role and scope
    /// name ("Support over North / Kent"), an empty side of a change as "none".
    static func words(in line: String, names: [String: String]) -> String {
        var text = line
        if text.lowercased().hasPrefix("permissions: ") {
            let codes = text.dropFirst("permissions: ".count).components(separatedBy: ", ")
            text = "permissions: " + codes.map { Permission(rawValue: $0)?.title ?? $0 }.joined(separator: ", ")
        }
        text = grants(in: text, names: names)
        return text
    }

    /// `Role@group:uuid` (how grants are recorded) as "Role over Group".
    private static func grants(in text: String, names: [String: String]) -> String {
        guard text.contains("@") else { return text }
        var output = ""
        var rest = Substring(text)
        let scopes = Grant.ScopeKind.allCases.map(\.rawValue)
        while let at = rest.firstIndex(of: "@") {
            let before = rest[..<at]
            let after = rest[rest.index(after: at)...]
            let scope = scopes.first { scope in
                after.hasPrefix(scope) && after.dropFirst(scope.count).first.map { ", :)→".contains($0) } != false
            }
            guard let scope else {
                output += rest[...at]
                rest = after
                continue
            }
            // The role name: back to the previous separator.
            let roleStart = before.lastIndex(where: { ", :→(".contains($0) }).map { before.index(after: $0) } ?? before.startIndex
            let role = before[roleStart...].trimmingCharacters(in: .whitespaces)
            guard !role.isEmpty, !role.contains("<") else {
                output += rest[...at]
                rest = after
                continue
            }
            output += before[..<roleStart]
            if before[..<roleStart].last.map({ !$0.isWhitespace }) == true { output += " " }
            var remainder = after.dropFirst(scope.count)
            var id: String? = nil
            if remainder.first == ":" {
                let idText = remainder.dropFirst().prefix { $0.isHexDigit || $0 == "-" }
                id = String(idText)
                remainder = remainder.dropFirst(1 + idText.count)
            }
            let place: String
            switch Grant.ScopeKind(rawValue: scope) {
            case .all: place = "every account"
            case .assigned: place = "their assigned accounts"
            case .group: place = id.flatMap { names[$0.lowercased()] }.map { "the group \($0)" } ?? "a group that no longer exists"
            case .account: place = id.flatMap { names[$0.lowercased()] }.map { "the account \($0)" } ?? "an account"
            case nil: place = scope
            }
            output += "\(role) over \(place)"
            rest = remainder
        }
        return output + rest
    }
}
