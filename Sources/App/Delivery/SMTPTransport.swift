import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// Email over SMTP, written on SwiftNIO: EHLO, optional STARTTLS or implicit TLS, AUTH PLAIN,
/// one message per connection. `send` returns once the server answered 250 to the message.
struct SMTPTransport: MessageTransport {
    enum Security: String, Sendable, CaseIterable {
        /// Plain text (a local relay, tests).
        case none
        /// Plain connection upgraded with STARTTLS before authenticating (usually port 587).
        case starttls
        /// TLS from the first byte (usually port 465).
        case tls
    }

    struct Settings: Sendable, Equatable {
        var host: String
        var port: Int
        var security: Security
        var username: String?
        var password: String?
        var from: String
    }

    let settings: Settings
    let group: any EventLoopGroup
    /// Longest a whole conversation may take before the connection is dropped.
    var timeout: TimeAmount = .seconds(30)

    func send(_ message: OutboundMessage, brand: EmailBrand) async throws {
        let data = SMTPMessage(from: settings.from, fromName: brand.name, to: message.recipient,
                               subject: message.subject, body: message.body, date: Date(), headers: message.headers,
                               html: BrandedEmail.html(subject: message.subject, body: message.body, brand: brand)).rendered
        let channel = try await connect()
        // A conversation that stalls is cut off; the outbox will try again later.
        let deadline = channel.channel.eventLoop.scheduleTask(in: timeout) { channel.channel.close(promise: nil) }
        defer { deadline.cancel() }
        try await channel.executeThenClose { inbound, outbound in
            var conversation = SMTPConversation(lines: inbound.makeAsyncIterator(), outbound: outbound)
            try await conversation.expect(220, after: nil)
            try await conversation.expect(250, after: "EHLO \(Self.localName)")
            if settings.security == .starttls {
                try await conversation.expect(220, after: "STARTTLS")
                try await startTLS(on: channel.channel)
                try await conversation.expect(250, after: "EHLO \(Self.localName)")
            }
            if let username = settings.username, !username.isEmpty {
                let credentials = Data("\0\(username)\0\(settings.password ?? "")".utf8).base64EncodedString()
                try await conversation.expect(235, after: "AUTH PLAIN \(credentials)", redacted: "AUTH PLAIN ***")
            }
            try await conversation.expect(250, after: "MAIL FROM:<\(settings.from)>")
            try await conversation.expect([250, 251], after: "RCPT TO:<\(message.recipient)>")
            try await conversation.expect(354, after: "DATA")
            try await conversation.expect(250, after: data + ".")
            try? await conversation.send("QUIT")
        }
    }

    static var localName: String {
        let host = ProcessInfo.processInfo.hostName
        return host.isEmpty || host.contains(" ") ? "localhost" : host
    }

    private func connect() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let security = settings.security
        let host = settings.host
        let tls = try tlsContext()
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .connect(host: host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if security == .tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: host))
                        }
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw DeliveryError.unreachable("\(host):\(settings.port): \(error)")
        }
    }

    private func startTLS(on channel: any Channel) async throws {
        let handler = try NIOSSLClientHandler(context: try tlsContext(), serverHostname: settings.host)
        try await channel.pipeline.addHandler(handler, position: .first).get()
    }

    private func tlsContext() throws -> NIOSSLContext {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }
}

/// Reading replies and writing commands, one step at a time.
struct SMTPConversation {
    var lines: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    func send(_ command: String) async throws {
        try await outbound.write(ByteBuffer(string: command + "\r\n"))
    }

    /// Sends `command` (if any) and requires one of `codes` in the reply.
    mutating func expect(_ codes: [Int], after command: String?, redacted: String? = nil) async throws {
        if let command { try await send(command) }
        let (code, text) = try await reply()
        guard codes.contains(code) else {
            let sent = redacted ?? command.map { $0.count > 60 ? String($0.prefix(60)) + "…" : $0 } ?? "connecting"
            throw DeliveryError.rejected("\(sent) → \(code) \(text)")
        }
    }

    mutating func expect(_ code: Int, after command: String?, redacted: String? = nil) async throws {
        try await expect([code], after: command, redacted: redacted)
    }

    /// A reply may span lines ("250-…" continues, "250 …" ends).
    private mutating func reply() async throws -> (Int, String) {
        var text: [String] = []
        while true {
            guard var buffer = try await lines.next() else { throw DeliveryError.unreachable("the server closed the connection") }
            let line = (buffer.readString(length: buffer.readableBytes) ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            guard line.count >= 3, let code = Int(line.prefix(3)) else { throw DeliveryError.rejected("unreadable reply: \(line)") }
            text.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                return (code, text.joined(separator: " "))
            }
        }
    }
}

/// A message as it goes over the wire: headers safe from injection, non-ASCII headers
/// encoded, each body in base64 so that no line starts with a dot or exceeds 78 bytes. With an
/// HTML part it is multipart/alternative, the plain text first.
struct SMTPMessage {
    let from: String
    let fromName: String
    let to: String
    let subject: String
    let body: String
    let date: Date
    /// Extra headers (`List-Unsubscribe`), each checked again as it is written.
    var headers: [MailHeader] = []
    /// The branded HTML alternative of `body`.
    var html: String? = nil

    var rendered: String {
        let extra = headers.compactMap { MailHeader(name: $0.name, value: $0.value)?.line }
        let headers = [
            "From: \(Self.displayName(fromName)) <\(Self.oneLine(from))>",
            "To: <\(Self.oneLine(to))>",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(UUID().uuidString.lowercased())@\(Self.domain(of: from))>",
            "MIME-Version: 1.0",
        ] + extra
        guard let html else {
            return (headers + Self.part("text/plain", body)).joined(separator: "\r\n") + "\r\n"
        }
        // Base64 never holds "=_", so the boundary cannot occur inside a part.
        let boundary = "=_\(UUID().uuidString.lowercased())"
        return (headers + ["Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "", "--\(boundary)"]
                + Self.part("text/plain", body) + ["--\(boundary)"] + Self.part("text/html", html) + ["--\(boundary)--"])
            .joined(separator: "\r\n") + "\r\n"
    }

    /// A part's headers, a blank line and its body in base64.
    private static func part(_ type: String, _ content: String) -> [String] {
        ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "",
         Data(content.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])]
    }

    static func oneLine(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" })
    }

    /// RFC 2047 encoded-word when needed, the text itself when it is plain ASCII.
    static func encodedWord(_ text: String) -> String {
        let clean = oneLine(text)
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) { return clean }
        return "=?UTF-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }

    static func displayName(_ name: String) -> String {
        let clean = oneLine(name)
        if clean.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) {
            return "\"" + clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return encodedWord(clean)
    }

    static func domain(of address: String) -> String {
        address.split(separator: "@").last.map(String.init) ?? "localhost"
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
