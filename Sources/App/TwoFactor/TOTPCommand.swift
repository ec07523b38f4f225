import Foundation
import Vapor

/// `portal totp code SECRET [--at UNIX-SECONDS]`: the code an authenticator app shows for a
/// base32 key, to check a person's app or clock against the portal's.
struct TOTPCommands: AsyncCommandGroup {
    let help = "Time-based one-time codes."
    let commands: [String: any AnyAsyncCommand] = ["code": TOTPCodeCommand()]
}

struct TOTPCodeCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "secret", help: "The base32 key, as shown when enrolling.") var secret: String
        @Option(name: "at", help: "A Unix time in seconds (default: now).") var at: String?
        init() {}
    }

    let help = "Print the 6-digit code for a key at a time."

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let key = Base32.decode(signature.secret), !key.isEmpty else { throw CommandFailure("secret: give a base32 key (A–Z, 2–7).") }
        var date = Date()
        if let at = signature.at {
            guard let seconds = Int(at), seconds >= 0 else { throw CommandFailure("--at: give a Unix time in seconds.") }
            date = Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        context.console.output("\(TOTP(secret: key).code(at: date))")
    }
}
