import Fluent
import Foundation
import SQLKit

/// The recovery codes just made, offered as a text file by the page that shows them.
///
/// Codes are stored only as keyed digests, so the file can never be made from the database
/// later. Instead the page carries the codes sealed by the installation's `SecretBox`
/// (AES-GCM: nobody can read or change the value), bound to the partner, the person and the
/// session that made them, for ten minutes. A download opens the seal and serves only codes
/// that are still that person's unused codes: after new codes are made, an older sheet gives
/// nothing. The download is a plain form, so it works without JavaScript.
struct RecoveryCodeSheet: Sendable, Equatable, Codable {
    /// Whose codes: an operator's (`recovery_codes`) or an owner's or staff member's
    /// (`account_user_recovery_codes`).
    enum Holder: String, Sendable, Codable {
        case `operator`
        case accountUser = "account-user"
    }

    var purpose: String = Self.purpose
    let holder: Holder
    let partnerID: UUID
    let holderID: UUID
    let sessionID: UUID
    let madeAt: Date
    let codes: [String]

    static let purpose = "recovery-code-sheet.v1"
    /// How long after the codes were made the page still offers them as a file.
    static let lifetime: TimeInterval = 10 * 60
    /// The form field that carries the sealed sheet.
    static let field = "sheet"

    var expiresAt: Date { madeAt.addingTimeInterval(Self.lifetime) }

    func sealed(with secrets: SecretBox) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return try secrets.seal(String(decoding: try encoder.encode(self), as: UTF8.self))
    }

    /// Why a sheet gives no file.
    enum Refusal: Error, Equatable {
        /// Nothing was sent, or it is not a sheet sealed by this installation.
        case missing
        /// Another partner's, another person's, or another session's sheet.
        case notYours
        /// Made more than ten minutes ago.
        case expired
        /// The codes were replaced (or all used) since.
        case replaced

        var message: String {
            switch self {
            case .missing: "There are no recovery codes to download here. Make new recovery codes to get them as a file."
            case .notYours: "These recovery codes were made in another session: only that session can download them. Make new recovery codes to get a file."
            case .expired: "Recovery codes can be downloaded only in the ten minutes after they are made. Make new ones to get a file."
            case .replaced: "These recovery codes no longer work: newer ones were made since. Make new ones to get a file."
            }
        }
    }

    /// The sheet `sealed` carries, when it is this person's, from this session, and recent.
    static func open(_ sealed: String?, holder: Holder, partnerID: UUID, holderID: UUID, sessionID: UUID, now: Date,
                     secrets: SecretBox) -> Result<RecoveryCodeSheet, Refusal> {
        guard let sealed, !sealed.isEmpty, sealed.utf8.count <= 4096, let plain = try? secrets.open(sealed) else { return .failure(.missing) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        // Any other sealed value (an authenticator key) is not a sheet and gives nothing.
        guard let sheet = try? decoder.decode(RecoveryCodeSheet.self, from: Data(plain.utf8)), sheet.purpose == Self.purpose,
              sheet.codes.allSatisfy({ RecoveryCode.normalize($0) == $0 })
        else { return .failure(.missing) }
        guard sheet.holder == holder, sheet.partnerID == partnerID, sheet.holderID == holderID, sheet.sessionID == sessionID else {
            return .failure(.notYours)
        }
        guard sheet.expiresAt > now, sheet.madeAt <= now.addingTimeInterval(60) else { return .failure(.expired) }
        return .success(sheet)
    }

    /// The sheet's codes that are still its holder's and unused, in the sheet's order.
    func unusedCodes(secrets: SecretBox, on db: any Database) async throws -> [String] {
        // Under every key still held: a restart with a rotated key keeps a fresh sheet working.
        let digests = Dictionary(codes.flatMap { code in secrets.keys.map { (RecoveryCode.digest(code, key: $0), code) } },
                                 uniquingKeysWith: { first, _ in first })
        guard !digests.isEmpty else { return [] }
        let rows: [SQLRow]
        switch holder {
        case .operator:
            // Operators belong to one partner: the operator's row names it.
            rows = try await db.sql.select().column(SQLColumn("code_digest", table: RecoveryCode.schema))
                .from(RecoveryCode.schema)
                .join(Operator.schema, on: SQLColumn("id", table: Operator.schema), .equal, SQLColumn("operator_id", table: RecoveryCode.schema))
                .where(SQLColumn("operator_id", table: RecoveryCode.schema), .equal, SQLBind(holderID))
                .where(SQLColumn("partner_id", table: Operator.schema), .equal, SQLBind(partnerID))
                .where(SQLColumn("code_digest", table: RecoveryCode.schema), .in, SQLBind.group(Array(digests.keys)))
                .where(SQLColumn("used_at", table: RecoveryCode.schema), .is, SQLLiteral.null)
                .all()
        case .accountUser:
            rows = try await db.sql.select().column("code_digest")
                .from(AccountUserRecoveryCode.schema)
                .where("account_user_id", .equal, SQLBind(holderID))
                .where("partner_id", .equal, SQLBind(partnerID))
                .where("code_digest", .in, SQLBind.group(Array(digests.keys)))
                .where("used_at", .is, SQLLiteral.null)
                .all()
        }
        let found = Set(try rows.compactMap { digests[try $0.decode(column: "code_digest", as: String.self)] })
        return codes.filter(found.contains)
    }

    /// The file's text: what the codes are for, the codes one a line, and how to keep them.
    static func text(codes: [String], partnerName: String, account: String, madeAt: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMMM yyyy 'at' HH:mm 'UTC'"
        return """
            Recovery codes for \(oneLine(partnerName)) (\(oneLine(account)))
            Made on \(formatter.string(from: madeAt)).

            Each code signs you in once, when you cannot use your usual second step
            (a lost phone or authenticator app). Making new codes stops these from working.

            \(codes.joined(separator: "\n"))

            Keep this file somewhere safe, such as a password manager, and delete any other copy.

            """
    }

    /// `recovery-codes-acme.txt`: the partner's slug, reduced to what a file name may hold.
    static func fileName(partnerSlug: String) -> String {
        let slug = String(partnerSlug.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
            .map(Character.init).prefix(40))
        return slug.isEmpty ? "recovery-codes.txt" : "recovery-codes-\(slug).txt"
    }

    private static func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : Character($0) })
    }
}
