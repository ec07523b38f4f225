import NIOConcurrencyHelpers

/// A new token for the browser's session, issued while a request is being answered (login-as
/// starting or ending replaces the token so that a value known before no longer works).
///
/// The code that changes the session does not hold the response, so `SessionAuthenticator`
/// opens one of these for the duration of each request and sets the session cookie from it
/// once the response is ready.
final class SessionRenewal: Sendable {
    @TaskLocal static var current: SessionRenewal?

    private let issued = NIOLockedValueBox<SecretToken?>(nil)
    private let replacedElsewhere = NIOLockedValueBox(false)

    var token: SecretToken? { issued.withLockedValue { $0 } }

    /// Whether a concurrent request of the same browser renewed the token this request came
    /// with: its response carries the new cookie, which this one must not clear.
    var supersededByAnotherRequest: Bool { replacedElsewhere.withLockedValue { $0 } }

    static func supersede() {
        current?.replacedElsewhere.withLockedValue { $0 = true }
    }

    /// Records the token the browser must use from now on (the last one wins).
    static func issue(_ token: SecretToken) {
        current?.issued.withLockedValue { $0 = token }
    }
}
