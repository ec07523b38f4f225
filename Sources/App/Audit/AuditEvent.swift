import Fluent
import Foundation
import Vapor

/// One entry of the partner-wide audit log: who did what to what, from where, when.
/// Names are copied in, so an entry still reads right after its people are removed.
final class AuditEvent: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @Field(key: "partner_id") var partnerID: UUID
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "actor_name") var actorName: String
    @Field(key: "action") var action: String
    @Field(key: "target_type") var targetType: String
    @OptionalField(key: "target_id") var targetID: String?
    @Field(key: "target_label") var targetLabel: String
    /// What changed, "field: before → after" lines, or other context.
    @Field(key: "details") var details: String
    @Field(key: "ip") var ip: String
    @Field(key: "at") var at: Date
    /// The operator really acting while logged in as the actor, if any.
    @OptionalField(key: "impersonator_id") var impersonatorID: UUID?
    @OptionalField(key: "impersonator_name") var impersonatorName: String?
    /// The account or operator the entry is about, as typed ids (set from `targetType` and
    /// `targetID`): what `AuditVisibility` filters on. Neither: a partner-level entry.
    @OptionalField(key: "subject_account_id") var subjectAccountID: UUID?
    @OptionalField(key: "subject_operator_id") var subjectOperatorID: UUID?
    /// The entry's place in its partner's chain of hashes, and the hashes (`AuditChain`); nil
    /// until the entry is sealed, seconds after it is written.
    @OptionalField(key: "seq") var seq: Int64?
    @OptionalField(key: "prev_hash") var prevHash: String?
    @OptionalField(key: "hash") var hash: String?

    init() {}

    init(partnerID: UUID, actorID: UUID?, actorName: String, action: String, targetType: String, targetID: String?,
         targetLabel: String, details: String, ip: String, at: Date, impersonator: AuditActor.Impersonator? = nil) {
        self.partnerID = partnerID
        self.actorID = actorID
        self.actorName = actorName
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.targetLabel = targetLabel
        self.details = details
        self.ip = ip
        self.at = at
        self.impersonatorID = impersonator?.id
        self.impersonatorName = impersonator?.name
        let subject = targetID.flatMap(UUID.init(uuidString:))
        self.subjectAccountID = targetType == "account" ? subject : nil
        self.subjectOperatorID = targetType == "operator" ? subject : nil
    }
}

/// Who an audit entry is by: an operator, or an operator logged in as another one (then
/// `impersonator` is the person really acting), or the system.
struct AuditActor: Sendable {
    let id: UUID?
    let name: String
    var impersonator: Impersonator? = nil

    struct Impersonator: Sendable, Equatable {
        let id: UUID
        let name: String
    }

    static let system = AuditActor(id: nil, name: "System")
}

/// Who is acting and from where, for the entries an action writes.
struct AuditContext: Sendable {
    let actor: AuditActor
    let ip: String

    static let system = AuditContext(actor: .system, ip: "")
}

extension Request {
    /// The signed-in operator and the client address, for audit entries.
    var auditContext: AuditContext {
        AuditContext(actor: AuditActor(id: signedIn?.operatorID, name: signedIn?.name ?? "Anonymous",
                                       impersonator: signedIn?.impersonator.map { .init(id: $0.id, name: $0.name) }),
                     ip: clientIP)
    }
}

enum Audit {
    static func record(_ action: String, in context: AuditContext, partnerID: UUID, target: (type: String, id: String?, label: String),
                       details: String = "", now: Date = Date(), on db: any Database) async throws {
        try await record(action, by: context.actor, partnerID: partnerID, target: target, details: details, ip: context.ip, now: now, on: db)
    }

    static func record(_ action: String, by actor: AuditActor, partnerID: UUID, target: (type: String, id: String?, label: String),
                       details: String = "", ip: String = "", now: Date = Date(), on db: any Database) async throws {
        try await entry(action, by: actor, partnerID: partnerID, target: target, details: details, ip: ip, now: now).create(on: db)
    }

    /// The entry `record` writes, for writing many in one statement.
    static func entry(_ action: String, in context: AuditContext, partnerID: UUID, target: (type: String, id: String?, label: String),
                      details: String = "", now: Date = Date()) -> AuditEvent {
        entry(action, by: context.actor, partnerID: partnerID, target: target, details: details, ip: context.ip, now: now)
    }

    static func entry(_ action: String, by actor: AuditActor, partnerID: UUID, target: (type: String, id: String?, label: String),
                      details: String = "", ip: String = "", now: Date = Date()) -> AuditEvent {
        AuditEvent(partnerID: partnerID, actorID: actor.id, actorName: actor.name, action: action,
                   targetType: target.type, targetID: target.id, targetLabel: target.label,
                   details: String(details.prefix(4000)), ip: ip, at: now, impersonator: actor.impersonator)
    }

    /// `context` when the caller has one (a request's); otherwise the actor named from the
    /// database, without an address, so that a change made without a request still says who.
    static func context(_ context: AuditContext?, for actor: Actor, on db: any Database) async throws -> AuditContext {
        if let context { return context }
        let name = try await Operator.find(actor.operatorID, on: db)?.name ?? "Unknown operator"
        return AuditContext(actor: AuditActor(id: actor.operatorID, name: name), ip: "")
    }

    /// "field: before → after", or nothing when the value did not change.
    static func change(_ field: String, _ before: String, _ after: String) -> String? {
        before == after ? nil : "\(field): \(before) → \(after)"
    }

    static func target(_ op: Operator) -> (type: String, id: String?, label: String) {
        ("operator", op.id?.uuidString.lowercased(), "\(op.name) <\(op.email)>")
    }
}
