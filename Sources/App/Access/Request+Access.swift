import Fluent
import Vapor

extension Request {
    private struct ActorKey: StorageKey { typealias Value = Actor }

    /// The signed-in operator as the access policy sees them, loaded once per request.
    func actor() async throws -> Actor {
        if let cached = storage[ActorKey.self] { return cached }
        let signedIn = try requireSignedIn()
        guard let actor = try await AccessLoader.actor(operatorID: signedIn.operatorID, partnerID: signedIn.partnerID, on: db) else {
            throw PortalError.unauthorized()
        }
        storage[ActorKey.self] = actor
        return actor
    }

    /// Keeps an actor loaded while authenticating, so that `actor()` does not load it again.
    func remember(_ actor: Actor) {
        storage[ActorKey.self] = actor
    }

    /// Asks the policy and throws 403 (or 404 across partners) when it says no. Every denial
    /// is logged with who asked, for what, and why.
    func authorize(_ permission: Permission, on target: Target) async throws {
        let actor = try await actor()
        let decision = AccessPolicy.decide(actor, permission, target)
        try enforce(decision, permission: permission)
    }

    func enforce(_ decision: Decision, permission: Permission? = nil) throws {
        guard case .deny(let reason) = decision else { return }
        logger.notice("access denied", metadata: [
            "operator": "\(signedIn?.operatorID.uuidString ?? "-")",
            "permission": "\(permission?.rawValue ?? reason.permission?.rawValue ?? "-")",
            "reason": "\(reason)",
            "path": "\(url.path)",
        ])
        throw PortalError.denied(reason)
    }

    /// Whether the policy allows it, without throwing (for showing or hiding actions).
    func allows(_ permission: Permission, on target: Target) async throws -> Bool {
        AccessPolicy.decide(try await actor(), permission, target).isAllowed
    }
}
