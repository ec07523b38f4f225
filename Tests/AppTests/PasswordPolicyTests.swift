@testable import App
import Fluent
import Testing
import Vapor

/// Issue 10, finding 11 (passwords): common passwords, personal words and bytes bcrypt
/// would ignore are refused wherever a password is chosen.
@Suite struct PasswordPolicyTests {
    @Test func commonPasswordsAreRefusedAlsoWithDigitsAndSymbolsAround() {
        #expect(CommonPasswords.all.count == 10_000)
        #expect(PasswordPolicy.check("Password123!") == "This password is too common. Choose another.")
        #expect(PasswordPolicy.check("!!Sunshine2024") == "This password is too common. Choose another.")
        #expect(PasswordPolicy.check("QWERTYUIOP12") == "This password is too common. Choose another.")
        // Too short as well as common: refused either way.
        #expect(PasswordPolicy.check("password") != nil)
        #expect(PasswordPolicy.check("qwerty123") != nil)
        #expect(PasswordPolicy.isCommon("password") && PasswordPolicy.isCommon("qwerty123"))
    }

    @Test func aLongUniquePassphraseIsAccepted() {
        #expect(PasswordPolicy.check("violet tram under slow rain", confirmation: "violet tram under slow rain",
                                     name: "Ada Admin", email: "ada@example.com") == nil)
    }

    @Test func theEmailsLocalPartOrANameWordIsRefused() {
        #expect(PasswordPolicy.check("my grace passphrase", email: "grace@example.com")?.contains("“grace”") == true)
        #expect(PasswordPolicy.check("HOPPER rides the tram", name: "Grace Hopper", email: "gh@example.com")?.contains("“hopper”") == true)
        // Words under three characters are too common to refuse ("Al", "Li").
        #expect(PasswordPolicy.check("al rides the night tram", name: "Al Li", email: "al@example.com") == nil)
    }

    @Test func passwordsOverSeventyTwoBytesAreRefusedWithAReason() {
        let seventyTwo = String(repeating: "violet tram ", count: 6)
        #expect(seventyTwo.utf8.count == 72)
        #expect(PasswordPolicy.check(seventyTwo) == nil)
        let seventyThree = seventyTwo + "x"
        #expect(PasswordPolicy.check(seventyThree)?.contains("at most 72 bytes") == true)
        // Bytes, not characters: 37 two-byte letters are 74 bytes.
        #expect(PasswordPolicy.check(String(repeating: "é", count: 37))?.contains("72 bytes") == true)
    }

    @Test func theSetupPageShowsTheFieldErrorAndKeepsWhatWasTyped() async throws {
        try await TestPortal.run { portal in
            let token = try await SetupLinks.issueFirstAdmin(partnerID: try portal.partner.requireID(), now: Date(), on: portal.db)
            let path = SiteURL.setup(token: token.value).path
            let browser = Browser()
            let form = try await portal.visit(path, browser: browser)
            let response = try await portal.submit(path, [
                "name": "Grace Hopper", "email": "grace@example.com", "password": "Password123!", "password_confirmation": "Password123!",
                "csrf_token": form.csrfToken ?? "",
            ], browser: browser)
            #expect(response.status == .unprocessableEntity)
            #expect(response.text.contains("id=\"field-password-error\""))
            #expect(response.text.contains("This password is too common."))
            #expect(response.text.contains("value=\"Grace Hopper\"") && response.text.contains("value=\"grace@example.com\""))
            #expect(!response.text.contains("Password123!"))
            #expect(try await Operator.query(on: portal.db).count() == 0)

            let personal = try await portal.submit(path, [
                "name": "Grace Hopper", "email": "grace@example.com", "password": "hopper likes long walks", "password_confirmation": "hopper likes long walks",
                "csrf_token": form.csrfToken ?? "",
            ], browser: browser)
            #expect(personal.status == .unprocessableEntity)
            #expect(personal.text.contains("Leave your own name or email out of your password"))
            #expect(!personal.text.contains("hopper likes long walks"))
        }
    }
}
