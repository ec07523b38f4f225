import Foundation

/// Validation of the partner's settings, shared by the Settings page, the API and the
/// `portal partner policy` command. The limits are the ones `openapi.yaml` states, so the API
/// refuses exactly what its document calls invalid.
enum SettingsInput {
    static let idleTimeoutRange = 5...480
    /// Never shorter than the longest idle timeout, so the two can be set in either order.
    static let absoluteTimeoutRange = 480...43_200
    static let impersonationMinutesRange = 1...480
    static let retentionDaysRange = 30...730
    static let maxNameLength = 200
    /// Days after which work becomes a task (Settings → Tasks)…
    static let taskDaysRange = 1...365
    /// …and the notice before a new account's link screening ends, which must start after it began.
    static let screeningNoticeDaysRange = 1...(TaskThresholds.standard.screeningDays - 1)
    static let maxHostLength = 253
    /// WCAG AA for normal text.
    static let minimumContrast = 4.5

    /// What is wrong, by field (the form's field names), in words to show next to it.
    struct Invalid: Error, Equatable, Sendable {
        var fields: [String: String] = [:]

        var isEmpty: Bool { fields.isEmpty }
        subscript(field: String) -> String? { fields[field] }

        /// One line naming each field as `names` call it (the API's properties, the command's options).
        func summary(naming names: [String: String] = [:]) -> String {
            fields.sorted { $0.key < $1.key }.map { "\(names[$0.key] ?? $0.key): \($0.value)" }.joined(separator: " ")
        }
    }

    // MARK: - Security

    /// A change to the security policy, as text, the way a form or a command gives it; nil
    /// leaves the value as it is.
    struct SecurityChange: Sendable, Equatable {
        var secondFactor: String?
        var methods: [String]?
        var idleTimeout: String?
        var absoluteTimeout: String?
        var impersonationReason: String?
        var impersonationMinutes: String?
        var loginAsConsent: String?
        var loginAsNotice: String?
        var clientAuthenticator: String?
        var maxTokenDays: String?
    }

    /// The form's field names, as the command's options spell them.
    static let securityOptionNames: [String: String] = [
        "second_factor": "--second-factor", "methods": "--methods", "idle_timeout": "--idle-minutes",
        "absolute_timeout": "--absolute-minutes", "impersonation_reason": "--impersonation-reason",
        "impersonation_minutes": "--impersonation-minutes", "login_as_consent": "--login-as-consent",
        "login_as_notice": "--login-as-notice", "client_authenticator": "--client-authenticator", "max_token_days": "--max-token-days",
    ]

    /// Checks every given value and, only when all are valid, sets them on `partner`.
    static func apply(_ change: SecurityChange, to partner: Partner) throws(Invalid) {
        var invalid = Invalid()
        func choice(_ raw: String?, field: String) -> Bool? {
            guard let raw else { return nil }
            switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
            case "required": return true
            case "optional": return false
            default: invalid.fields[field] = "Choose required or optional."; return nil
            }
        }
        func minutes(_ raw: String?, field: String, in range: ClosedRange<Int>, unit: String = "minutes") -> Int? {
            guard let raw else { return nil }
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                invalid.fields[field] = "Enter a whole number of \(unit) from \(range.lowerBound) to \(range.upperBound)."
                return nil
            }
            return value
        }
        let secondFactor = choice(change.secondFactor, field: "second_factor")
        var methods: [SecondFactorMethod]?
        if let names = change.methods {
            let trimmed = names.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let parsed = trimmed.compactMap(SecondFactorMethod.init(rawValue:))
            if parsed.isEmpty || parsed.count != trimmed.count {
                invalid.fields["methods"] = "Allow at least one of: authenticator app (totp), email, SMS (sms)."
            } else if Set(parsed).count != parsed.count {
                invalid.fields["methods"] = "Name each method once."
            } else {
                methods = parsed
            }
        }
        let idle = minutes(change.idleTimeout, field: "idle_timeout", in: idleTimeoutRange)
        let absolute = minutes(change.absoluteTimeout, field: "absolute_timeout", in: absoluteTimeoutRange)
        let reason = choice(change.impersonationReason, field: "impersonation_reason")
        let impersonation = minutes(change.impersonationMinutes, field: "impersonation_minutes", in: impersonationMinutesRange)
        let consent = choice(change.loginAsConsent, field: "login_as_consent")
        var notice: LoginAsOwnerNotice?
        if let raw = change.loginAsNotice {
            notice = LoginAsOwnerNotice(rawValue: raw.trimmingCharacters(in: .whitespaces).lowercased())
            if notice == nil { invalid.fields["login_as_notice"] = "Choose always, never or secure." }
        }
        let client = choice(change.clientAuthenticator, field: "client_authenticator")
        let tokenDays = minutes(change.maxTokenDays, field: "max_token_days", in: Partner.maxTokenDaysRange, unit: "days")
        guard invalid.isEmpty else { throw invalid }

        if let secondFactor { partner.secondFactorRequired = secondFactor }
        if let methods {
            partner.secondFactorMethods = SecondFactorPolicy(required: partner.secondFactorRequired, methods: methods).stored
        }
        if let idle { partner.idleTimeoutMinutes = idle }
        if let absolute { partner.absoluteTimeoutMinutes = absolute }
        if let reason { partner.impersonationReasonRequired = reason }
        if let impersonation { partner.impersonationMaxMinutes = impersonation }
        if let consent { partner.loginAsConsentRequired = consent }
        if let notice { partner.loginAsOwnerNotice = notice }
        // Owners and staff without an authenticator are sent to set one up at their next request.
        if let client { partner.clientSecondFactorRequired = client }
        // Tokens already made keep their expiry; the maximum applies to new ones.
        if let tokenDays { partner.maxTokenDays = tokenDays }
    }

    // MARK: - Retention

    static func retentionDays(_ raw: String) throws(Invalid) -> Int {
        let range = retentionDaysRange
        guard let days = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(days) else {
            throw Invalid(fields: ["retention_days": "Enter a whole number of days from \(range.lowerBound) to \(range.upperBound)."])
        }
        return days
    }

    // MARK: - Branding

    struct Branding: Sendable, Equatable {
        var name: String
        var color: String
        /// An https address typed before logos could be uploaded: shown while no logo is
        /// uploaded, until one is or the logo is removed (it can no longer be set).
        var logoURL: String?
    }

    /// The base64 of the largest logo (`LogoImage.maxBytes`), the API's `maxLength` for it.
    static let maxLogoBase64Length = (LogoImage.maxBytes + 2) / 3 * 4

    /// Canonical padded base64, as the document's pattern for a logo's `data` states it (every
    /// group of four whole, `=` only at the end), decoded; nil otherwise.
    static func logoData(base64 text: String) -> Data? {
        let scalars = text.unicodeScalars
        guard scalars.count % 4 == 0 else { return nil }
        let alphabet = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let padding = scalars.reversed().prefix { $0 == "=" }.count
        guard padding <= 2, scalars.dropLast(padding).allSatisfy(alphabet.contains) else { return nil }
        return Data(base64Encoded: text)
    }

    /// The name and colour as given: nil keeps a value. The logo is checked by `LogoImage`.
    static func branding(name: String?, color: String?, current: Branding) throws(Invalid) -> Branding {
        var invalid = Invalid()
        var result = current
        if let name {
            switch DisplayText.read(name, maxLength: maxNameLength, empty: "Enter the name your operators and clients see.") {
            case .success(let text): result.name = text
            case .failure(let message): invalid.fields["name"] = message
            }
        }
        if let color {
            let trimmed = color.trimmingCharacters(in: .whitespaces)
            if !BrandColor.isValid(trimmed) {
                invalid.fields["color"] = "Enter a colour as # and six hexadecimal digits, such as #4F46E5."
            } else if BrandColor.contrast(on: trimmed) < minimumContrast {
                let ratio = (BrandColor.contrast(on: trimmed) * 100).rounded(.down) / 100
                invalid.fields["color"] = "Text on this colour would be hard to read (contrast \(ratio):1 with white or dark text; "
                    + "at least 4.5:1 is needed). Choose a darker or a lighter colour."
            } else {
                result.color = trimmed.uppercased()
            }
        }
        guard invalid.isEmpty else { throw invalid }
        return result
    }

    // MARK: - Tasks

    /// A change to the task thresholds, as text; nil leaves the value as it is.
    struct TasksChange: Sendable, Equatable {
        var stuckInSetupDays: String?
        var inactiveDays: String?
        var newAssignmentDays: String?
        var pendingInviteDays: String?
        var screeningNoticeDays: String?
    }

    /// Checks every given value and, only when all are valid, sets them on `partner`.
    static func apply(_ change: TasksChange, to partner: Partner) throws(Invalid) {
        var invalid = Invalid()
        func days(_ raw: String?, field: String, in range: ClosedRange<Int> = taskDaysRange) -> Int? {
            guard let raw else { return nil }
            guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                invalid.fields[field] = "Enter a whole number of days from \(range.lowerBound) to \(range.upperBound)."
                return nil
            }
            return value
        }
        let stuck = days(change.stuckInSetupDays, field: "task_stuck_in_setup_days")
        let inactive = days(change.inactiveDays, field: "task_inactive_days")
        let assigned = days(change.newAssignmentDays, field: "task_new_assignment_days")
        let invited = days(change.pendingInviteDays, field: "task_pending_invite_days")
        let notice = days(change.screeningNoticeDays, field: "task_screening_notice_days", in: screeningNoticeDaysRange)
        guard invalid.isEmpty else { throw invalid }
        if let stuck { partner.taskStuckInSetupDays = stuck }
        if let inactive { partner.taskInactiveDays = inactive }
        if let assigned { partner.taskNewAssignmentDays = assigned }
        if let invited { partner.taskPendingInviteDays = invited }
        if let notice { partner.taskScreeningNoticeDays = notice }
    }

    // MARK: - Domains

    /// A host name as typed: without spaces around it or a final dot, lower-cased; nil with
    /// the reason when it is not a host name.
    static func host(_ raw: String) -> Result<String, Invalid> {
        var host = raw.trimmingCharacters(in: .whitespaces).lowercased()
        if host.hasSuffix(".") { host.removeLast() }
        if host.isEmpty { return .failure(Invalid(fields: ["host": "Enter a host name, such as portal.example.com."])) }
        guard host.unicodeScalars.allSatisfy(\.isASCII) else {
            return .failure(Invalid(fields: ["host": "Enter the name in its ASCII form (xn--…) for names with other letters."]))
        }
        guard PartnerService.isValidHost(host) else {
            return .failure(Invalid(fields: ["host": "Enter a host name only (letters, digits, hyphens and dots; no https:// or path), such as portal.example.com."]))
        }
        return .success(host)
    }
}
