import Foundation

/// The one rule for every password a person chooses (setup link, password reset, profile,
/// the CLI, account users): NIST SP 800-63B style, length over composition, no well-known
/// passwords, nothing taken from the person's own name or email.
enum PasswordPolicy {
    static let minimumLength = 12
    /// bcrypt reads only the first 72 bytes: a longer password would be cut silently, so it
    /// is refused instead of pre-hashed, and the person hears why.
    static let maximumBytes = 72

    /// Why `password` is refused, or nil when it is fine. `name` and `email` are the person's,
    /// when known; their words must not be in the password.
    static func check(_ password: String, confirmation: String? = nil, name: String? = nil, email: String? = nil) -> String? {
        if password.count < minimumLength { return "Use at least \(minimumLength) characters." }
        if password.utf8.count > maximumBytes {
            return "Use at most \(maximumBytes) bytes (about \(maximumBytes) plain letters, fewer with accents or emoji): only that much of a password counts."
        }
        if isCommon(password) { return "This password is too common. Choose another." }
        if let word = personalWords(name: name, email: email).first(where: password.lowercased().contains) {
            return "Leave your own name or email out of your password (it contains “\(word)”)."
        }
        if let confirmation, confirmation != password { return "The two passwords differ." }
        return nil
    }

    /// On the list as typed, or once digits and symbols around a word are taken off
    /// (`Password123!` is `password`).
    static func isCommon(_ password: String) -> Bool {
        let lowered = password.lowercased()
        if CommonPasswords.all.contains(lowered) { return true }
        let core = lowered.drop(while: { !$0.isLetter }).reversed().drop(while: { !$0.isLetter }).reversed()
        return !core.isEmpty && CommonPasswords.all.contains(String(core))
    }

    /// The email's local part and the name's words, of three characters or more, lowercased.
    static func personalWords(name: String?, email: String?) -> [String] {
        var words: [String] = []
        if let local = email?.split(separator: "@").first.map({ $0.lowercased() }), local.count >= 3 { words.append(local) }
        for word in (name ?? "").lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) where word.count >= 3 {
            words.append(String(word))
        }
        return words
    }
}

/// The 10,000 most common passwords, shipped in `Resources/common-passwords.txt` (source and
/// licence in `Resources/NOTICE.md`). Read once.
enum CommonPasswords {
    static let all: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "Resources/common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("common-passwords.txt is missing from the App bundle") }
        return Set(text.split(whereSeparator: \.isNewline).map { $0.lowercased() })
    }()
}
