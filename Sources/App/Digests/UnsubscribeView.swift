import Foundation

/// `/unsubscribe/{token}`: the page a digest's link opens, and the one after unsubscribing.
/// The confirmation's button posts the same address: opening the link (as mail scanners do)
/// changes nothing.
enum UnsubscribeView {
    struct Model: Sendable, Equatable {
        let partnerName: String
        let email: String
        let action: SiteURL
    }

    static func confirm(_ model: Model) -> Markup {
        .div(.class("auth"), .form(.class("card"), .method(.post), .action(model.action),
            .h1(.text("Stop digest emails?")),
            .p(.class("lead"), .text("\(model.email) will no longer receive the digest of outstanding tasks from \(model.partnerName).")),
            .p(.text("You can choose categories again on your profile at any time.")),
            .div(.class("form-actions"),
                 .button(.class("button primary block"), .type(.submit), .text("Unsubscribe")),
                 .a(.class("button secondary block"), .href(SiteURL.profile), .text("Choose what you receive instead")))))
    }

    static func done(_ model: Model) -> Markup {
        .div(.class("auth"), .div(.class("card"),
            .h1(.text("You will no longer receive digests")),
            .p(.class("lead"), .text("\(model.email) is unsubscribed from the digest of outstanding tasks from \(model.partnerName).")),
            .p(.text("To receive it again, choose its categories on your profile.")),
            .div(.class("form-actions"), .a(.class("button primary block"), .href(SiteURL.profile), .text("Notification preferences")))))
    }
}
