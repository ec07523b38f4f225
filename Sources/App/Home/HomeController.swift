import Vapor

/// `GET /`: the signed-in operator's start page.
enum HomeController {
    static func show(_ request: Request) async throws -> Response {
        let signedIn = try request.requireSignedIn()
        let partner = try request.partner
        let actor = try await request.actor()
        let model = HomeView.Model(
            operatorName: signedIn.name,
            partnerName: partner.name,
            roles: actor.grants.map { grant in
                .init(role: grant.role.name, scope: HomeView.describe(scope: grant.scope))
            },
            permissionCount: actor.grants.reduce(into: Set<Permission>()) { $0.formUnion($1.role.allPermissions) }.count
        )
        return await request.page("Home", current: .home, content: HomeView.render(model))
    }
}
