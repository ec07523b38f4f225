import Foundation
import Vapor

/// Something that hands a message to the outside world: an SMTP server, an SMS provider.
/// `send` returns once the other side has accepted the message, and throws otherwise.
protocol MessageTransport: Sendable {
    func send(_ message: OutboundMessage, brand: EmailBrand) async throws
}

/// The transport for each channel; nil keeps that channel's messages in the development mailbox.
struct Transports: Sendable {
    var email: (any MessageTransport)?
    var sms: (any MessageTransport)?

    func transport(for channel: OutboundMessage.Channel) -> (any MessageTransport)? {
        switch channel {
        case .email: email
        case .sms: sms
        }
    }

    static let none = Transports(email: nil, sms: nil)
}

/// SMS through an HTTP endpoint: a JSON POST of recipient and text with a bearer token.
struct SMSWebhookTransport: MessageTransport {
    let url: String
    let token: String
    let client: any Client

    struct Payload: Content {
        let to: String
        let text: String
    }

    func send(_ message: OutboundMessage, brand: EmailBrand) async throws {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        let response = try await client.post(URI(string: url), headers: headers) { request in
            try request.content.encode(Payload(to: message.recipient, text: message.body), as: .json)
        }
        guard (200..<300).contains(response.status.code) else {
            throw DeliveryError.rejected("the SMS endpoint answered \(response.status.code)")
        }
    }
}

enum DeliveryError: Error, CustomStringConvertible {
    case rejected(String)
    case unreachable(String)

    var description: String {
        switch self {
        case .rejected(let reason): "rejected: \(reason)"
        case .unreachable(let reason): "unreachable: \(reason)"
        }
    }
}
