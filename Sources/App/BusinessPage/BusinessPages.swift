import Fluent
import Foundation

/// The public business page (`/b/{nickname}`, or `/b/{businessUID}` without a nickname):
/// finding the account a key names, on the partner of the request's host only, and what the
/// page shows of it.
enum BusinessPages {
    /// The account `key` names on this partner: its nickname first, then its Business UID.
    static func account(key: String, partnerID: UUID, on db: any Database) async throws -> Account? {
        guard !key.isEmpty, key.count <= 100 else { return nil }
        if let byNickname = try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$nickname == key).first() {
            return byNickname
        }
        return try await Account.query(on: db).filter(\.$partnerID == partnerID).filter(\.$businessUID == key).first()
    }

    /// The page's one address: the nickname when there is one.
    static func key(of account: Account) -> String {
        account.nickname ?? account.businessUID
    }

    static func locations(of account: Account, on db: any Database) async throws -> [AccountLocation] {
        try await AccountLocation.query(on: db).filter(\.$partnerID == account.partnerID).filter(\.$accountID == account.requireID())
            .sort(\.$name).limit(50).all()
    }

    /// What the page shows; the forms' values and errors are added by the caller.
    static func model(of account: Account, on db: any Database) async throws -> BusinessPageView.Model {
        func lines(_ text: String?) -> [String] {
            (text ?? "").split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
                .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }
        return BusinessPageView.Model(
            key: key(of: account), name: account.name, description: lines(account.businessDescription),
            openingHours: lines(account.openingHours), services: BookableServices.names(account.services), address: account.address, phone: account.phone,
            locations: try await locations(of: account, on: db).map { .init(name: $0.name, address: $0.address) })
    }
}
