import Vapor

extension Request {
    /// Whether `password` is `op`'s current password, hashed on the thread pool. An empty or
    /// missing password, or an operator without one, never matches.
    func confirmsPassword(_ password: String?, of op: Operator) async -> Bool {
        guard let password, !password.isEmpty, let hash = op.passwordHash else { return false }
        return (try? await self.password.async.verify(password, created: hash)) ?? false
    }
}
