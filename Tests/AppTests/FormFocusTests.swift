@testable import App
import Fluent
import Foundation
import Testing
import Vapor

/// After a refused form the page opens at that form, with the focus on its first field in
/// error and the error tied to it.
@Suite struct FormFocusTests {
    private func input(named name: String, in html: String) -> HTMLTokenizer.Tag? {
        HTMLTokenizer.tags(html).first { ($0.name == "input" || $0.name == "select" || $0.name == "textarea") && $0.value("name") == name }
    }

    @Test func theFirstFieldInErrorTakesTheFocusAndNoOtherDoes() {
        let page = Forms.focusingFirstError(.group(
            .form(Forms.field(.init(name: "name", label: "Name", autofocus: true)),
                  Forms.field(.init(name: "email", label: "Email", error: "Enter an email address.")),
                  Forms.select(name: "plan", label: "Plan", options: [(value: "a", label: "A")], selected: nil, error: "Choose a plan."))))
        let html = MarkupWriter.render(page)
        let tags = HTMLTokenizer.tags(html)
        #expect(tags.filter { $0.attributeNames.contains("autofocus") }.map { $0.value("name") } == ["email"])
        let email = input(named: "email", in: html)
        #expect(email?.value("aria-invalid") == "true" && email?.value("aria-describedby") == "field-email-error")
        #expect(input(named: "plan", in: html)?.value("aria-invalid") == "true")
        #expect(html.contains("id=\"field-email-error\""))
        // Without an error, the page keeps its own focus.
        let calm = MarkupWriter.render(Forms.focusingFirstError(.form(Forms.field(.init(name: "name", label: "Name", autofocus: true)))))
        #expect(calm.contains("autofocus"))
    }

    @Test func aFormCarriesItsIdAsTheFragmentOfItsAction() {
        let html = MarkupWriter.render(Forms.post("nickname-form", to: .accountAction(uid: "AB12", action: .form(.nickname)), .text("x")))
        #expect(html == "<form id=\"nickname-form\" method=\"post\" action=\"/accounts/AB12/nickname#nickname-form\">x</form>")
    }

    @Test func aRefusedNicknameReopensTheAccountTabAtItsFormWithTheFocusOnTheField() async throws {
        try await TestPortal.run { portal in
            try await portal.makeOperator()
            let account = Account(partnerID: try portal.partner.requireID(), name: "Blue Bakery", email: "blue@example.com", groupID: nil, secure: false)
            try await account.create(on: portal.db)
            let browser = try await portal.signIn()
            let path = "/accounts/\(account.businessUID)"
            let tab = try await portal.visit("\(path)/account", browser: browser)
            // Every form of the long tab that takes input opens at itself.
            for form in ["nickname", "assignments", "group", "reset-password"] {
                #expect(tab.text.contains("<form id=\"\(form)-form\" method=\"post\" action=\"\(path)/\(form)#\(form)-form\""), "\(form)")
            }
            #expect(!tab.text.contains("autofocus"))
            let refused = try await portal.submit("\(path)/nickname", ["nickname": "Not OK!", "csrf_token": tab.csrfToken ?? ""], browser: browser)
            #expect(refused.status == .unprocessableEntity)
            let field = try #require(input(named: "nickname", in: refused.text))
            #expect(field.attributeNames.contains("autofocus") && field.value("aria-invalid") == "true")
            #expect(field.value("aria-describedby")?.split(separator: " ").contains("field-nickname-error") == true)
            #expect(HTMLTokenizer.tags(refused.text).filter { $0.attributeNames.contains("autofocus") }.count == 1)
            #expect(refused.text.contains("id=\"field-nickname-error\""))
            #expect(field.value("value") == "Not OK!")
            // A success lands at the top, where the notice says what happened.
            let saved = try await portal.submit("\(path)/nickname", ["nickname": "blue-bakery", "csrf_token": tab.csrfToken ?? ""], browser: browser)
            #expect(saved.headers.first(name: .location) == "\(path)/account#main")
            let after = try await portal.visit("\(path)/account", browser: browser)
            #expect(after.text.contains("Nickname set to “blue-bakery”: the business page is /b/blue-bakery."))
        }
    }

    @Test func eachSwitchOfTheAccountTabHasItsHelpTiedToIt() {
        let html = MarkupWriter.render(AccountPageView.account(PageFixtures.row("Blue"), .init(
            controls: [.init(label: "Lock account", value: "Not locked", button: .lock, state: .enabled),
                       .init(label: "Send links", value: "Screened", button: .enableSendLinks, state: .enabled),
                       .init(label: "Secure", value: "Not secure", button: .markSecure, state: .disabled("Needs a Secure role.")),
                       .init(label: "Template", value: "Not a template", button: .setTemplate, state: .enabled)],
            nickname: nil, nicknameState: .enabled, operators: [], assignmentState: .enabled, groupID: nil, groups: [],
            moveState: .enabled, resetState: .enabled, ownerEmail: nil, resetResult: nil), form: .init(), csrfToken: "t"))
        let tags = HTMLTokenizer.tags(html)
        for topic in ["lock", "send-links", "secure", "template", "nickname", "assignments", "reset-password"] {
            #expect(tags.contains { $0.value("id") == "help-\(topic)" }, "no help for \(topic)")
            #expect(tags.contains { ($0.value("aria-describedby") ?? "").split(separator: " ").contains(Substring("help-\(topic)")) },
                    "nothing is described by the help for \(topic)")
        }
        #expect(html.contains("30 days") && html.contains("Secure role") && html.contains("signs the owner and staff out"))
        // A disabled switch names both its help and the reason.
        #expect(tags.contains { $0.name == "button" && $0.value("aria-describedby") == "help-secure why-mark-secure" })
        #expect(tags.contains { $0.name == "select" && $0.value("aria-describedby") == "field-group-hint" })
    }
}
