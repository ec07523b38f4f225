@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// Audit and History entries read as sentences, for every action the code records, with the
/// names people typed escaped like any text.
@Suite struct AuditSentenceTests {
    // MARK: - Every recorded action has words

    /// The first argument of each `Audit.record(` call in the sources.
    static func recordedActionArguments() throws -> [(file: String, argument: String)] {
        try SourceFiles.swiftFiles().flatMap { file -> [(file: String, argument: String)] in
            let source = try String(contentsOf: file, encoding: .utf8)
            return source.matches(of: /Audit\.record\(\s*([^,]+?),\s*(?:in|by):/).map { (file.lastPathComponent, String($0.output.1)) }
        }
    }

    /// The action codes an argument can be: its string literals, or, for the few computed
    /// ones, every value they take.
    static func codes(of argument: String) -> [String]? {
        if argument == "toggle.action" { return AccountAdministration.Toggle.allCases.map(\.action) }
        if argument == #""settings.\(section.rawValue)-changed""# {
            return PartnerSettings.Section.allCases.map { "settings.\($0.rawValue)-changed" }
        }
        let literals = argument.matches(of: /"([a-z][a-z_.-]*)"/).map { String($0.output.1) }
        return literals.isEmpty || argument.contains("\\(") ? nil : literals
    }

    @Test func everyActionTheCodeRecordsHasASentenceOfItsOwn() throws {
        let calls = try Self.recordedActionArguments()
        #expect(calls.count > 60, "the scan finds the calls")
        var seen: Set<String> = []
        for call in calls {
            guard let codes = Self.codes(of: call.argument) else {
                Issue.record("\(call.file): Audit.record(\(call.argument), …) names its action in a way this test cannot read; list its values here")
                continue
            }
            for code in codes {
                seen.insert(code)
                #expect(AuditSentence.hasWords(for: code), "\(call.file) records \(code), which has no sentence in AuditWording")
                #expect(AuditWording.actions.contains(code), "\(code) is missing from the audit log's action filter")
            }
        }
        #expect(seen.isSuperset(of: ["account.lock", "account.moved", "sign-in.succeeded", "settings.branding-changed", "account.user-invite-accepted"]))
        // And the filter offers nothing that has no words.
        for code in AuditWording.actions { #expect(AuditSentence.hasWords(for: code), "\(code)") }
        #expect(Set(AuditWording.actions).count == AuditWording.actions.count)
    }

    @Test func theScanReadsEachFormOfCall() {
        #expect(Self.codes(of: #""account.lock""#) == ["account.lock"])
        #expect(Self.codes(of: #"record.purpose == .invite ? "account.user-invite-accepted" : "account.user-password-reset""#)
            == ["account.user-invite-accepted", "account.user-password-reset"])
        #expect(Self.codes(of: "toggle.action")?.contains("account.mark-secure") == true)
        #expect(Self.codes(of: "someAction") == nil)
        #expect(Self.codes(of: #""bulk.\(kind)""#) == nil)
    }

    // MARK: - The sentences

    private func text(_ action: String, _ actor: String = "Maya", type: String = "account", target: String = "Blue Bakery",
                      details: String = "", names: [String: String] = [:], reading: AuditSentence.Reading) -> String {
        AuditSentence(action: action, actor: actor, targetType: type, details: details, names: names).text(target: target, reading: reading)
    }

    @Test func entriesReadAsSentences() {
        #expect(text("account.lock", details: "locked: no → yes", reading: .ownAccount) == "Maya locked the account")
        #expect(text("account.lock", details: "locked: no → yes", reading: .log) == "Maya locked Blue Bakery")
        #expect(text("account.moved", details: "group: North → South", reading: .ownAccount) == "Maya moved the account from North to South")
        #expect(text("account.moved", details: "group: no group → North / Kent", reading: .log) == "Maya moved Blue Bakery into North / Kent")
        #expect(text("account.tag-added", details: "tag: vip", reading: .ownAccount) == "Maya added the tag “vip”")
        #expect(text("account.tag-added", details: "tag: vip", reading: .log) == "Maya added the tag “vip” to Blue Bakery")
        #expect(text("sign-in.succeeded", "Hal", type: "operator", target: "Hal <hal@example.com>", reading: .log) == "Hal signed in")
        #expect(text("account.created", details: "blank", reading: .ownAccount) == "Maya created the account")
        #expect(text("account.created", details: "from the template Salon (AB12)", reading: .ownAccount)
            == "Maya created the account from the template “Salon (AB12)”")
        #expect(text("account.nickname-changed", details: "nickname: — → rosies", reading: .ownAccount) == "Maya gave the account the nickname “rosies”")
        #expect(text("account.assignments-changed", details: "assigned: Bo → Ann, Bo", reading: .log) == "Maya assigned Ann to Blue Bakery")
        #expect(text("account.assignments-changed", details: "assigned: Bo → Maya", reading: .ownAccount) == "Maya assigned themselves and unassigned Bo")
        #expect(text("group.renamed", type: "group", target: "South", details: "name: North → South", reading: .log)
            == "Maya renamed the group “North” to “South”")
        #expect(text("role.created", type: "role", target: "Support", reading: .log) == "Maya created the role Support")
        #expect(text("group.deleted", type: "group", target: "North", details: "moved 3 accounts and 1 subgroup to South", reading: .log)
            == "Maya deleted the group North and moved 3 accounts and 1 subgroup to South")
        #expect(text("settings.branding-changed", type: "partner", target: "Acme", reading: .log) == "Maya changed the brand for Acme")
        #expect(text("operator.password-reset-sent", type: "operator", target: "Hal", reading: .log) == "Maya sent a password reset link to Hal")
        #expect(text("password.reset_requested", "Hal", type: "operator", target: "Hal", reading: .log) == "Hal asked for a password reset link")
        #expect(text("accounts.bulk-lock", type: "partner", target: "accounts", reading: .log) == "Maya locked accounts together")
    }

    @Test func detailsAreInWordsBeforeAndAfterWithGroupNamesNotIds() {
        let north = "d354f879-0000-4000-8000-000000000001"
        let sentence = AuditSentence(action: "operator.grants-changed", actor: "Maya", targetType: "operator",
                                     details: "grants: Support@group:\(north) → Support@all, Viewer@assigned", names: [north: "North / Kent"])
        #expect(sentence.text(target: "Hal", reading: .log) == "Maya changed the roles of Hal")
        #expect(sentence.details == ["Grants: Support over the group North / Kent → Support over every account, Viewer over their assigned accounts"])
        #expect(!sentence.details.joined().contains(north))
        let unknown = AuditSentence(action: "operator.grants-changed", actor: "Maya", targetType: "operator", details: "grants: Support@group:\(north)")
        #expect(unknown.details == ["Grants: Support over a group that no longer exists"])
        let edited = AuditSentence(action: "account.details-changed", actor: "Maya", targetType: "account",
                                   details: "name: Rosie's → Rosie's Bakes; email: a@example.com → b@example.com")
        #expect(edited.details == ["Name: Rosie's → Rosie's Bakes", "Email: a@example.com → b@example.com"])
        let role = AuditSentence(action: "role.created", actor: "Maya", targetType: "role", details: "permissions: account.view, account.lock\nsecure clearance: no")
        #expect(role.details == ["Permissions: \(Permission.accountView.title), \(Permission.accountLock.title)", "Secure clearance: no"])
        // An address with "@all" in it is not a grant.
        let invited = AuditSentence(action: "account.staff-added", actor: "Maya", targetType: "account", details: "staff: — → Sam <sam@all.example>")
        #expect(invited.text(target: "x", reading: .ownAccount) == "Maya invited “Sam <sam@all.example>” as staff")
    }

    @Test func anUnknownActionStillReadsAsASentence() {
        let account = text("account.bulk-retagged-twice", details: "tags: a → b", reading: .log)
        #expect(account == "Maya made a change to Blue Bakery: bulk retagged twice")
        #expect(!account.contains("account.") && !account.contains("-"))
        let partnerWide = text("export_finished", type: "", target: "", reading: .log)
        #expect(partnerWide == "Maya made a change: export finished")
        #expect(!AuditSentence.hasWords(for: "account.bulk-retagged-twice"))
        #expect(AuditWording.label(for: "account.lock") == "Someone locked an account")
    }

    @Test func hostileNamesAreEscapedInTheSentenceAndItsDetails() {
        let hostile = #"<img src=x onerror=alert(1)>"#
        let history = MarkupWriter.render(AccountPageView.history([
            .init(action: "account.tag-added", actor: hostile, onBehalfOf: hostile, details: "tag: \(hostile)\nnote: \(hostile)", at: Date()),
        ], retentionDays: 30))
        #expect(!history.contains("<img"))
        #expect(history.contains("<strong>&lt;img src=x onerror=alert(1)&gt;</strong> added the tag “&lt;img src=x onerror=alert(1)&gt;”"))
        #expect(history.contains("<li>Note: &lt;img src=x onerror=alert(1)&gt;</li>"))
        let entry = AuditEvent(partnerID: UUID(), actorID: nil, actorName: hostile, action: "account.lock", targetType: "account", targetID: "a1",
                               targetLabel: hostile, details: "", ip: "", at: Date())
        let log = MarkupWriter.render(AuditLogView.render(.init(entries: [entry], next: nil, isFirstPage: true, typed: [:], errors: .init(),
                                                                operators: [], accountLinks: ["a1": "UID1"], mayExport: false)))
        #expect(!log.contains("<img"))
        #expect(log.contains("<strong>&lt;img src=x onerror=alert(1)&gt;</strong> locked <a href=\"/accounts/UID1\">&lt;img src=x onerror=alert(1)&gt;</a>"))
        #expect(!log.contains(">account.lock<"))
    }

    // MARK: - Through the pages

    @Test func theHistoryTabAndTheAuditLogShowSentencesNotCodes() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator(name: "Maya Lead")
            let partnerID = try portal.partner.requireID()
            let north = AccountGroup(partnerID: partnerID, parent: nil, name: "North")
            try await north.create(on: portal.db)
            let south = AccountGroup(partnerID: partnerID, parent: nil, name: "South")
            try await south.create(on: portal.db)
            let account = Account(partnerID: partnerID, name: "Blue Bakery", email: "blue@example.com", groupID: north.id, secure: false)
            try await account.create(on: portal.db)
            let browser = try await portal.signIn()
            let path = "/accounts/\(account.businessUID)"
            let csrf = try #require(try await portal.visit("\(path)/account", browser: browser).csrfToken)
            #expect(try await portal.submit("\(path)/lock", ["csrf_token": csrf, "confirmed": "yes"], browser: browser).status == .seeOther)
            #expect(try await portal.submit("\(path)/group", ["group": try south.requireID().uuidString, "csrf_token": csrf], browser: browser).status == .seeOther)
            #expect(try await portal.submit("\(path)/tags", ["tag": "VIP", "csrf_token": csrf], browser: browser).status == .seeOther)

            let history = try await portal.visit("\(path)/history", browser: browser)
            #expect(history.status == .ok)
            #expect(history.text.contains("<strong>Maya Lead</strong> locked the account"))
            #expect(history.text.contains("<strong>Maya Lead</strong> moved the account from North to South"))
            #expect(history.text.contains("<strong>Maya Lead</strong> added the tag “vip”"))
            for code in ["account.lock", "account.moved", "account.tag-added", "(account.lock)"] {
                #expect(!history.text.contains(">\(code)<") && !history.text.contains("\(code) /"), "\(code) shown")
            }

            let log = try await portal.visit("/audit", browser: browser)
            #expect(log.text.contains("<strong>Maya Lead</strong> moved <a href=\"/accounts/\(account.businessUID)\">Blue Bakery</a> from North to South"))
            #expect(log.text.contains("<strong>Maya Lead</strong> signed in"))
            #expect(!log.text.contains("<code>"))
            // The filter names actions in words and sends their codes.
            #expect(log.text.contains("<option value=\"account.lock\">Someone locked an account</option>"))
            let filtered = try await portal.visit("/audit?action=account.moved", browser: browser)
            #expect(filtered.text.contains("<option value=\"account.moved\" selected=\"selected\">"))
            #expect(filtered.text.matches(of: /data-action="account\.moved"/).count == 1)
        }
    }
}
