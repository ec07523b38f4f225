import Foundation

/// Bookings and payments in the workspace: the business's daily work, which the owner and
/// its staff both do (seed 003: staff run the account's locations with the owner).
extension AccessPolicy {
    static func mayKeepBookings(_ role: AccountUser.Role) -> Decision {
        switch role {
        case .owner, .staff: .allow
        }
    }

    static func mayKeepPayments(_ role: AccountUser.Role) -> Decision {
        switch role {
        case .owner, .staff: .allow
        }
    }
}
