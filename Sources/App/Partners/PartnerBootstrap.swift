import Fluent
import Vapor

/// What `portal serve` makes sure of before it answers: a partner exists, and a partner
/// without operators has a fresh first-admin setup link, written to the log.
enum PartnerBootstrap {
    static func run(on db: any Database, publicURL: String, logger: Logger, now: Date = Date()) async throws {
        if try await Partner.query(on: db).count() == 0 {
            try await Partner(slug: Partner.defaultSlug, name: "Operator Portal").create(on: db)
            logger.notice("created the default partner; it answers on any host until it is given a domain")
        }
        guard let partner = try await Partner.query(on: db).filter(\.$slug == Partner.defaultSlug).first() else { return }
        let partnerID = try partner.requireID()
        guard try await Operator.query(on: db).filter(\.$partner.$id == partnerID).count() == 0 else { return }
        let token = try await SetupLinks.issueFirstAdmin(partnerID: partnerID, now: now, on: db)
        logger.notice("No admin exists yet. Create the first admin with the first-admin-link (single use, valid 24 hours).",
                      metadata: [LogSanitizer.firstAdminLinkKey: .string(SetupLinks.url(for: token, base: publicURL))])
    }
}
