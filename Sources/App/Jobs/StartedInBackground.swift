import Foundation

/// Work an operator starts that runs after their request (a bulk change, an import, a
/// template push): who started it, and who was acting for them, as its audit entries say.
protocol StartedInBackground {
    var operatorID: UUID { get }
    var operatorName: String { get }
    var impersonatorID: UUID? { get }
    var impersonatorName: String? { get }
    var ip: String { get }
}

extension StartedInBackground {
    var auditContext: AuditContext {
        AuditContext(actor: AuditActor(id: operatorID, name: operatorName,
                                       impersonator: impersonatorID.map { .init(id: $0, name: impersonatorName ?? "") }), ip: ip)
    }
}
