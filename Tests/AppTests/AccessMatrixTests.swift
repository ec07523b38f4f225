@testable import App
import Foundation
import Testing

/// The role matrix of PRODUCT.md §3, written out by hand as data, and the override rules,
/// checked against `AccessPolicy.decide` for every built-in role, every permission, every
/// scope relation and every account state.
@Suite struct AccessMatrixTests {
    static let signIn = ["portal.login", "notifications.receive"]
    static let allAccountLevel = [
        "account.view", "account.activity.view", "account.history.view", "account.edit", "account.tags.edit",
        "account.notes.edit", "account.subscription.edit", "account.staff.manage", "account.impersonate",
        "account.password.reset", "account.lock", "account.sendLinks.enable", "account.secure.set",
        "account.nickname.edit", "account.assignments.edit", "account.template.set", "account.setup.complete",
        "account.branding.edit", "account.widgets.manage", "account.messages.read", "account.messages.reply",
    ]
    static let allPartnerLevel = [
        "portal.login", "notifications.receive", "partnerKit.view", "partnerKit.manage", "accounts.create",
        "accounts.createFromTemplate", "accounts.export", "accounts.import", "operators.view", "operators.invite",
        "operators.edit", "operators.block", "operators.remove", "operators.impersonate", "operators.manageAdmins",
        "roles.manage", "groups.manage", "audit.view", "settings.manage", "apiTokens.manage",
    ]

    /// PRODUCT.md §3 "Built-in roles", permissions held unconditionally.
    static let expected: [String: Set<String>] = [
        "admin": Set(allPartnerLevel + allAccountLevel),
        "system-manager": Set(allPartnerLevel + allAccountLevel).subtracting(["operators.manageAdmins"]),
        "support": Set(signIn + ["account.view", "account.activity.view", "account.history.view", "account.notes.edit",
                                 "account.impersonate", "account.password.reset", "account.setup.complete", "account.messages.read"]),
        "web-consultant": Set(signIn + ["account.view", "account.activity.view", "account.edit", "account.impersonate",
                                        "account.widgets.manage", "account.branding.edit", "account.setup.complete"]),
        "campaign-manager": Set(signIn + ["accounts.createFromTemplate", "accounts.export", "partnerKit.view", "account.view",
                                          "account.activity.view", "account.tags.edit", "account.notes.edit", "account.template.set"]),
        "designer": Set(signIn + ["account.view", "account.impersonate", "account.branding.edit", "account.tags.edit", "account.template.set"]),
        "sales": Set(signIn + ["accounts.create", "accounts.createFromTemplate", "account.view", "account.notes.edit"]),
        "account-manager": Set(signIn + ["account.view", "account.activity.view", "account.history.view", "account.edit",
                                         "account.tags.edit", "account.notes.edit", "account.impersonate", "account.password.reset",
                                         "account.staff.manage", "account.setup.complete", "account.messages.read", "account.messages.reply"]),
        "account-admin": Set(signIn + ["accounts.create", "operators.view", "operators.invite", "operators.edit", "operators.remove"]
                             + allAccountLevel).subtracting(["account.secure.set", "account.subscription.edit"]),
        "viewer": Set(signIn + ["account.view", "account.activity.view", "account.history.view"]),
        "messaging-agent": Set(signIn + ["account.view", "account.messages.read", "account.messages.reply"]),
        "marketing": Set(signIn + ["partnerKit.view"]),
        "notifications": ["notifications.receive"],
    ]
    /// Held only while the account is in setup.
    static let inSetupOnly: [String: Set<String>] = ["sales": ["account.edit", "account.impersonate"]]
    static let withoutSecureTwin: Set<String> = ["marketing", "notifications"]

    static let roleCodes: [String] = expected.keys.sorted().flatMap { code in
        withoutSecureTwin.contains(code) ? [code] : [code, code + "-secure"]
    }

    static func baseCode(_ code: String) -> String { code.hasSuffix("-secure") ? String(code.dropLast(7)) : code }

    @Test func catalogueMatchesTheSpecification() {
        #expect(Set(BuiltInRole.all.map(\.code)) == Set(Self.roleCodes))
        for role in BuiltInRole.all {
            let base = Self.baseCode(role.code)
            #expect(Set(role.permissions.map(\.rawValue)) == Self.expected[base], "\(role.code)")
            #expect(Set(role.whileInSetup.map(\.rawValue)) == Self.inSetupOnly[base] ?? [], "\(role.code)")
            #expect(role.secureClearance == role.code.hasSuffix("-secure"), "\(role.code)")
        }
    }

    enum Relation: CaseIterable { case inside, outside, otherPartner }

    static let partnerA = UUID()
    static let partnerB = UUID()
    static let scopeGroup = UUID()
    static let innerGroup = UUID()
    static let siblingGroup = UUID()

    static func actor(_ role: String, scope: Scope) -> Actor {
        Actor(operatorID: UUID(), partnerID: partnerA, isActive: true,
              grants: [ActorGrant(role: RoleDefinition(builtIn: BuiltInRole.named(role)!), scope: scope)], hasAssignments: false)
    }

    @Test(arguments: roleCodes, Permission.accountLevel)
    func accountPermissions(role: String, permission: Permission) {
        let actor = Self.actor(role, scope: .group(Self.scopeGroup))
        let base = Self.baseCode(role)
        let secureClearance = role.hasSuffix("-secure")
        for relation in Relation.allCases {
            for secure in [false, true] {
                for locked in [false, true] {
                    for setupCompleted in [false, true] {
                        let account = AccountFacts(
                            id: UUID(), partnerID: relation == .otherPartner ? Self.partnerB : Self.partnerA,
                            groupLineage: relation == .outside ? [Self.siblingGroup] : [Self.scopeGroup, Self.innerGroup],
                            secure: secure, locked: locked, setupCompleted: setupCompleted, assignedToActor: false)
                        let holds = Self.expected[base]!.contains(permission.rawValue)
                            || (!setupCompleted && (Self.inSetupOnly[base] ?? []).contains(permission.rawValue))
                        let allowed = relation == .inside && holds && (!secure || secureClearance)
                            && !(locked && permission == .accountImpersonate)
                        let decision = AccessPolicy.decide(actor, permission, .account(account))
                        #expect(decision.isAllowed == allowed,
                                "\(role) \(permission.rawValue) \(relation) secure=\(secure) locked=\(locked) setupCompleted=\(setupCompleted): \(decision)")
                    }
                }
            }
        }
    }

    @Test(arguments: roleCodes, Permission.partnerLevel)
    func partnerPermissions(role: String, permission: Permission) {
        let holds = Self.expected[Self.baseCode(role)]!.contains(permission.rawValue)
        let everywhere = Self.actor(role, scope: .all)
        #expect(AccessPolicy.decide(everywhere, permission, .partner(Self.partnerA)).isAllowed == holds)
        #expect(AccessPolicy.decide(everywhere, permission, .partner(Self.partnerB)) == .deny(.otherPartner))

        // A group-scoped grant acts inside its group only.
        let inGroup = Self.actor(role, scope: .group(Self.scopeGroup))
        let inner = GroupFacts(id: Self.innerGroup, partnerID: Self.partnerA, lineage: [Self.scopeGroup, Self.innerGroup])
        let sibling = GroupFacts(id: Self.siblingGroup, partnerID: Self.partnerA, lineage: [Self.siblingGroup])
        #expect(AccessPolicy.decide(inGroup, permission, .group(inner)).isAllowed == holds)
        #expect(!AccessPolicy.decide(inGroup, permission, .group(sibling)).isAllowed)
        #expect(!AccessPolicy.decide(inGroup, permission, .partner(Self.partnerA)).isAllowed)
    }

    @Test func blockedOperatorIsDeniedEverything() {
        let admin = Self.actor("admin-secure", scope: .all)
        let blocked = Actor(operatorID: admin.operatorID, partnerID: admin.partnerID, isActive: false, grants: admin.grants, hasAssignments: false)
        let account = AccountFacts(id: UUID(), partnerID: Self.partnerA, groupLineage: [], secure: false, locked: false,
                                   setupCompleted: false, assignedToActor: false)
        for permission in Permission.allCases {
            #expect(AccessPolicy.decide(blocked, permission, .account(account)) == .deny(.blocked))
            #expect(AccessPolicy.decide(blocked, permission, .partner(Self.partnerA)) == .deny(.blocked))
        }
    }

    @Test func scopesAllAccountAndAssigned() {
        let account = UUID(), other = UUID()
        func facts(_ id: UUID, assigned: Bool) -> AccountFacts {
            AccountFacts(id: id, partnerID: Self.partnerA, groupLineage: [], secure: false, locked: false, setupCompleted: false, assignedToActor: assigned)
        }
        let one = Self.actor("viewer", scope: .account(account))
        #expect(AccessPolicy.decide(one, .accountView, .account(facts(account, assigned: false))) == .allow)
        #expect(AccessPolicy.decide(one, .accountView, .account(facts(other, assigned: false))) == .deny(.outOfScope(.accountView)))

        let role = RoleDefinition(builtIn: BuiltInRole.named("account-manager")!)
        let unassigned = Actor(operatorID: UUID(), partnerID: Self.partnerA, isActive: true,
                               grants: [ActorGrant(role: role, scope: .assigned)], hasAssignments: false)
        #expect(AccessPolicy.decide(unassigned, .accountView, .account(facts(other, assigned: false))) == .allow) // no assignment: all
        let assigned = Actor(operatorID: UUID(), partnerID: Self.partnerA, isActive: true,
                             grants: [ActorGrant(role: role, scope: .assigned)], hasAssignments: true)
        #expect(AccessPolicy.decide(assigned, .accountView, .account(facts(account, assigned: true))) == .allow)
        #expect(AccessPolicy.decide(assigned, .accountView, .account(facts(other, assigned: false))) == .deny(.outOfScope(.accountView)))
    }

    @Test func secureFlagItselfNeedsClearance() {
        let secureAccount = AccountFacts(id: UUID(), partnerID: Self.partnerA, groupLineage: [], secure: true, locked: false,
                                         setupCompleted: true, assignedToActor: false)
        #expect(AccessPolicy.decide(Self.actor("admin", scope: .all), .accountSecureSet, .account(secureAccount)) == .deny(.secureAccount))
        #expect(AccessPolicy.decide(Self.actor("admin-secure", scope: .all), .accountSecureSet, .account(secureAccount)) == .allow)
    }

    @Test func denialsNameTheMissingPermission() {
        let decision = AccessPolicy.decide(Self.actor("viewer", scope: .all), .accountLock, .partner(Self.partnerA))
        #expect(decision == .deny(.missingPermission(.accountLock)))
        if case .deny(let reason) = decision {
            #expect(reason.message.contains("“Lock and unlock”") && !reason.message.contains("account.lock"))
            #expect(reason.permission == .accountLock)
        }
    }
}
