@testable import App
import Foundation
import Testing

@Suite struct MessageFormatTests {
    @Test func headersCannotBeInjectedAndNonASCIIIsEncoded() {
        let message = SMTPMessage(from: "portal@example.com", fromName: "Café \"Partners\"", to: "ada@example.com",
                                  subject: "Hello\r\nBcc: victim@example.com", body: "Line one\n.\nLine three", date: Date(timeIntervalSince1970: 0))
        let rendered = message.rendered
        let headerBlock = rendered.components(separatedBy: "\r\n\r\n")[0]
        #expect(!headerBlock.contains("\r\nBcc:"))
        #expect(headerBlock.contains("Subject: HelloBcc: victim@example.com"))
        #expect(headerBlock.contains("From: =?UTF-8?B?"))
        #expect(headerBlock.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        // The body travels in base64: no line of it can be a lone dot.
        let body = rendered.components(separatedBy: "\r\n\r\n")[1]
        #expect(!body.components(separatedBy: "\r\n").contains("."))
        let decoded = Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")).flatMap { String(data: $0, encoding: .utf8) }
        #expect(decoded == "Line one\n.\nLine three")
    }

    @Test func asciiDisplayNamesAreQuoted() {
        #expect(SMTPMessage.displayName("Acme \"Best\" Partners") == "\"Acme \\\"Best\\\" Partners\"")
        #expect(SMTPMessage.encodedWord("Plain") == "Plain")
    }

    @Test func smtpSettingsAreReadAndChecked() throws {
        let config = try AppConfig.from(environment: ["SMTP_HOST": "mail.example.com", "SMTP_FROM": "portal@example.com", "SMTP_TLS": "tls"])
        #expect(config.smtp == .init(host: "mail.example.com", port: 465, security: .tls, username: nil, password: nil, from: "portal@example.com"))
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["SMTP_HOST": "mail.example.com"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["SMTP_HOST": "m", "SMTP_FROM": "a@b.co", "SMTP_TLS": "ssl"]) }
        #expect(throws: AppConfig.Invalid.self) { try AppConfig.from(environment: ["SMS_WEBHOOK_URL": "https://sms.example.com/send"]) }
        let sms = try AppConfig.from(environment: ["SMS_WEBHOOK_URL": "https://sms.example.com/send", "SMS_WEBHOOK_TOKEN": "t"])
        #expect(sms.smsWebhook == .init(url: "https://sms.example.com/send", token: "t"))
    }

    @Test func developmentMailboxListsHeldMessagesWithLinks() async throws {
        try await TestPortal.run { portal in
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "new@example.com",
                                     subject: "You are invited", body: "Open https://portal.test/setup/abc to start.", on: portal.db)
            try await portal.makeOperator()
            let admin = try await portal.signIn()
            // Shown at once, before the worker has marked it held.
            #expect(try await portal.send(.GET, "/dev/mailbox", cookies: admin).text.contains("You are invited"))
            _ = try await DeliveryWorker.runOnce(db: portal.db, transports: .none, worker: "w", now: Date(), logger: portal.app.logger)
            let page = try await portal.send(.GET, "/dev/mailbox", cookies: admin)
            #expect(page.status == .ok)
            #expect(page.text.contains("You are invited"))
            #expect(page.text.contains("<a href=\"https://portal.test/setup/abc\">https://portal.test/setup/abc</a>"))
            // Another partner's host sees none of it.
            _ = try await portal.makePartner(slug: "globex", name: "Globex", domains: ["globex.example"])
            #expect(!(try await portal.send(.GET, "/dev/mailbox", host: "globex.example")).text.contains("You are invited"))
        }
    }

    /// Finding 2 of issue 10: the mailbox holds invite links and sign-in codes, so only an
    /// operator who manages the partner's settings reads it, and only for channels that
    /// have no transport.
    @Test func theDevelopmentMailboxIsOnlyForSettingsManagersWhileATransportIsMissing() async throws {
        try await TestPortal.run { portal in
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "new@example.com",
                                     subject: "You are invited", body: "Open https://portal.test/setup/abc to start.", on: portal.db)
            let anonymous = try await portal.send(.GET, "/dev/mailbox")
            #expect(anonymous.status == .seeOther)
            #expect(!anonymous.text.contains("setup/abc"))
            try await portal.makeOperator()
            try await portal.makeOperator(email: "vi@example.com", name: "Vi Viewer", role: "viewer")
            let viewer = try await portal.signIn(email: "vi@example.com")
            let refused = try await portal.send(.GET, "/dev/mailbox", cookies: viewer)
            #expect(refused.status == .forbidden)
            #expect(!refused.text.contains("setup/abc"))
            let admin = try await portal.signIn()
            #expect(try await portal.send(.GET, "/dev/mailbox", cookies: admin).text.contains("setup/abc"))
        }
    }

    @Test func aChannelWithATransportShowsNothingAndWithBothTheMailboxIsGone() async throws {
        let smtp = SMTPTransport.Settings(host: "127.0.0.1", port: 1, security: .none, username: nil, password: nil, from: "portal@example.com")
        try await TestPortal.run(adjust: { $0.smtp = smtp }) { portal in
            try await Outbox.enqueue(partnerID: try portal.partner.requireID(), channel: .email, to: "new@example.com",
                                     subject: "You are invited", body: "Open https://portal.test/setup/abc to start.", on: portal.db)
            try await portal.makeOperator()
            let admin = try await portal.signIn()
            let page = try await portal.send(.GET, "/dev/mailbox", cookies: admin)
            #expect(page.status == .ok)
            #expect(!page.text.contains("setup/abc"))
        }
        try await TestPortal.run(adjust: { $0.smtp = smtp; $0.smsWebhook = .init(url: "http://127.0.0.1:1/sms", token: "t") }) { portal in
            try await portal.makeOperator()
            let admin = try await portal.signIn()
            #expect(try await portal.send(.GET, "/dev/mailbox", cookies: admin).status == .notFound)
        }
    }
}
