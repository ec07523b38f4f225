@testable import App
import Testing

@Suite struct RoleCatalogueTests {
    @Test func everyRoleWithAccountPermissionsHasASecureTwin() {
        let codes = Set(BuiltInRole.all.map(\.code))
        for role in BuiltInRole.base where role.code != "marketing" && role.code != "notifications" {
            #expect(codes.contains(role.code + "-secure"), "\(role.name) lacks a secure twin")
            let twin = BuiltInRole.named(role.code + "-secure")
            #expect(twin?.permissions == role.permissions)
            #expect(twin?.secureClearance == true)
        }
        #expect(!codes.contains("marketing-secure"))
        #expect(!codes.contains("notifications-secure"))
        #expect(BuiltInRole.all.count == 13 + 11)
    }

    @Test func notificationsCannotSignInAndOthersCan() {
        #expect(BuiltInRole.named("notifications")?.permissions == [.notificationsReceive])
        for role in BuiltInRole.all where role.code != "notifications" {
            #expect(role.permissions.contains(.portalLogin), "\(role.name)")
        }
    }

    @Test func systemManagerIsAdminWithoutManageAdmins() throws {
        let admin = try #require(BuiltInRole.named("admin"))
        let manager = try #require(BuiltInRole.named("system-manager"))
        #expect(admin.permissions == Set(Permission.allCases))
        #expect(admin.permissions.subtracting(manager.permissions) == [.operatorsManageAdmins])
    }

    @Test func catalogueHasEveryPermissionOfTheSpecification() {
        #expect(Permission.partnerLevel.count == 20)
        #expect(Permission.accountLevel.count == 21)
    }
}
