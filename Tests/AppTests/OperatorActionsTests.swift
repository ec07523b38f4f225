@testable import App
import Foundation
import Testing

/// The operator page's actions as a table: who may do what to whom, and the reason shown when
/// not, decided by `AccessPolicy.decide(_:_:on:session:)` alone.
@Suite struct OperatorActionsTests {
    static let partner = UUID()
    static let me = UUID()

    static func role(_ code: String) -> RoleDefinition { RoleDefinition(builtIn: BuiltInRole.named(code)!) }

    static func actor(_ code: String, id: UUID = me) -> Actor {
        Actor(operatorID: id, partnerID: partner, isActive: true, grants: [ActorGrant(role: role(code), scope: .all)], hasAssignments: false)
    }

    static func subject(id: UUID = UUID(), role code: String = "viewer", status: OperatorSubject.Status = .active,
                        secondFactor: Bool = true, lastAdmin: Bool = false) -> OperatorSubject {
        OperatorSubject(facts: OperatorFacts(id: id, partnerID: partner, isBlocked: status == .blocked,
                                             grants: [.init(role: role(code), scope: .all)]),
                        status: status, hasSecondFactor: secondFactor, isLastActiveAdmin: lastAdmin)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let actor: String
        let action: OperatorAction
        let subject: OperatorSubject
        var impersonating = false
        let expected: Decision
        var testDescription: String { "\(actor) \(action.rawValue) → \(expected)" }
    }

    static let rows: [Row] = [
        // Yourself.
        .init(actor: "admin", action: .block, subject: subject(id: me, role: "admin"), expected: .deny(.selfTarget)),
        .init(actor: "admin", action: .remove, subject: subject(id: me, role: "admin"), expected: .deny(.selfTarget)),
        .init(actor: "viewer", action: .grants, subject: subject(id: me), expected: .deny(.missingPermission(.operatorsEdit))),
        .init(actor: "admin", action: .resetSecondFactor, subject: subject(id: me, role: "admin"), expected: .deny(.ownSecondFactor)),
        .init(actor: "viewer", action: .edit, subject: subject(id: me), expected: .allow),
        .init(actor: "viewer", action: .notifications, subject: subject(id: me), expected: .allow),
        .init(actor: "admin", action: .loginAs, subject: subject(id: me, role: "admin"), expected: .deny(.selfTarget)),
        // Someone else, by the permission.
        .init(actor: "viewer", action: .edit, subject: subject(), expected: .deny(.missingPermission(.operatorsEdit))),
        .init(actor: "account-admin", action: .block, subject: subject(), expected: .deny(.missingPermission(.operatorsBlock))),
        .init(actor: "admin", action: .block, subject: subject(), expected: .allow),
        .init(actor: "system-manager", action: .block, subject: subject(role: "admin"), expected: .deny(.adminProtected)),
        // The other operator's state.
        .init(actor: "admin", action: .resendInvite, subject: subject(status: .active), expected: .deny(.notInvited)),
        .init(actor: "admin", action: .resendInvite, subject: subject(status: .invited), expected: .allow),
        .init(actor: "admin", action: .resetPassword, subject: subject(status: .invited), expected: .deny(.notActive)),
        .init(actor: "admin", action: .resetSecondFactor, subject: subject(secondFactor: false), expected: .deny(.noSecondFactor)),
        .init(actor: "admin", action: .unblock, subject: subject(status: .active), expected: .deny(.notBlocked)),
        .init(actor: "admin", action: .unblock, subject: subject(status: .blocked), expected: .allow),
        .init(actor: "admin", action: .block, subject: subject(status: .blocked), expected: .deny(.targetBlocked)),
        .init(actor: "admin", action: .loginAs, subject: subject(status: .invited), expected: .deny(.notActive)),
        .init(actor: "admin", action: .loginAs, subject: subject(status: .blocked), expected: .deny(.targetBlocked)),
        .init(actor: "admin", action: .block, subject: subject(role: "admin", lastAdmin: true), expected: .deny(.lastAdmin)),
        .init(actor: "admin", action: .remove, subject: subject(role: "admin", lastAdmin: true), expected: .deny(.lastAdmin)),
        // No login-as from inside a login-as.
        .init(actor: "admin", action: .loginAs, subject: subject(), impersonating: true, expected: .deny(.alreadyImpersonating)),
        .init(actor: "admin", action: .loginAs, subject: subject(), expected: .allow),
    ]

    @Test(arguments: rows)
    func operatorActionIsDecidedByThePolicy(_ row: Row) {
        let decision = AccessPolicy.decide(Self.actor(row.actor), row.action, on: row.subject,
                                           session: SessionFacts(isImpersonating: row.impersonating))
        #expect(decision == row.expected)
    }

    @Test func aBlockedActorMayNotEvenEditThemselves() {
        let blocked = Actor(operatorID: Self.me, partnerID: Self.partner, isActive: false, grants: [], hasAssignments: false)
        #expect(AccessPolicy.decide(blocked, .edit, on: Self.subject(id: Self.me)) == .deny(.blocked))
    }

    struct ContactRow: Sendable, CustomTestStringConvertible {
        let isSelf: Bool
        let channel: ContactChangeChannel
        let confirmed: Bool
        let actor: String
        let expected: Decision
        var testDescription: String { "self=\(isSelf) \(channel) confirmed=\(confirmed) \(actor) → \(expected)" }
    }

    @Test(arguments: [
        ContactRow(isSelf: true, channel: .page, confirmed: false, actor: "viewer", expected: .deny(.currentPasswordNeeded)),
        ContactRow(isSelf: true, channel: .page, confirmed: true, actor: "viewer", expected: .allow),
        ContactRow(isSelf: true, channel: .operatorsAPI, confirmed: true, actor: "admin", expected: .deny(.ownContactThroughProfile)),
        ContactRow(isSelf: false, channel: .operatorsAPI, confirmed: false, actor: "admin", expected: .allow),
        ContactRow(isSelf: false, channel: .page, confirmed: false, actor: "viewer", expected: .deny(.missingPermission(.operatorsEdit))),
    ])
    func contactChangesNeedYourPasswordForYourOwn(_ row: ContactRow) {
        let subject = row.isSelf ? Self.subject(id: Self.me) : Self.subject()
        #expect(AccessPolicy.decideContactChange(Self.actor(row.actor), on: subject, through: row.channel,
                                                 passwordConfirmed: row.confirmed) == row.expected)
    }

    @Test func everyButtonActionHasARouteAndEveryActionAPermission() {
        // The page's buttons are registered as routes from this same list (routes.swift).
        #expect(Set(OperatorsController.buttonActions).isSubset(of: Set(OperatorAction.allCases)))
        for action in OperatorAction.allCases {
            #expect(SiteURL.operatorAction(id: "x", action: action).path == "/operators/x/\(action.rawValue)")
        }
    }
}
