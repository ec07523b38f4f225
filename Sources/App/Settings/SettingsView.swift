import Foundation

/// The Settings page: one card per section, each its own form, with its errors next to the
/// fields and what was typed kept.
enum SettingsView {
    struct Model: Sendable {
        struct Security: Sendable, Equatable {
            var secondFactor: String
            var methods: [String]
            var idleTimeout: String
            var absoluteTimeout: String
            var impersonationReason: String
            var impersonationMinutes: String
            var loginAsConsent: String
            var loginAsNotice: String
            var clientAuthenticator: String
        }

        struct Branding: Sendable, Equatable {
            var name: String
            var color: String
            /// The logo shown now, if any.
            var logo: Logo?
        }

        struct Logo: Sendable, Equatable {
            /// "image/png, 12 KiB", or the address of a logo typed before uploads.
            var summary: String
            /// The uploaded logo's digest, for its preview; nil for an address.
            var version: String?
        }

        /// The task thresholds as shown or as typed.
        struct Tasks: Sendable, Equatable {
            var stuckInSetupDays: String
            var inactiveDays: String
            var newAssignmentDays: String
            var pendingInviteDays: String
            var screeningNoticeDays: String
        }

        struct Domain: Sendable, Equatable {
            var host: String
            /// The address this page was opened on: it cannot be removed from here.
            var isCurrent: Bool
        }

        struct Plan: Sendable, Equatable {
            var name: String
            var staffSlots: Int
            var retired: Bool
        }

        /// What was typed into a plan's form (`plan` nil: the form that adds one).
        struct PlanDraft: Sendable, Equatable {
            var plan: String?
            var name = ""
            var staffSlots = ""
        }

        var security: Security
        var retentionDays: String
        var branding: Branding
        var domains: [Domain]
        var newHost = ""
        var plans: [Plan] = []
        var planDraft = PlanDraft()

        struct Step: Sendable, Equatable {
            var code: String
            var title: String
            var retired: Bool
        }

        /// What was typed into a step's form (`step` nil: the form that adds one).
        struct StepDraft: Sendable, Equatable {
            var step: String?
            var title = ""
        }

        var steps: [Step] = []
        var stepDraft = StepDraft()
        var tasks = Tasks(stuckInSetupDays: "14", inactiveDays: "30", newAssignmentDays: "7", pendingInviteDays: "3", screeningNoticeDays: "7")
        /// The errors of the form that was just sent, by field name (unique across the page).
        var errors = SettingsInput.Invalid()
        var failedSection: PartnerSettings.Section?
        var notice: String?

        static let mock = Model(
            security: .init(secondFactor: "required", methods: ["totp", "email"], idleTimeout: "60", absoluteTimeout: "720",
                            impersonationReason: "optional", impersonationMinutes: "60", loginAsConsent: "optional",
                            loginAsNotice: "always", clientAuthenticator: "optional"),
            retentionDays: "183",
            branding: .init(name: "Acme Partners", color: "#4F46E5", logo: .init(summary: "image/png, 12 KiB", version: "0a1b2c")),
            domains: [.init(host: "portal.acme.example", isCurrent: true), .init(host: "acme.example", isCurrent: false)],
            plans: [.init(name: "Starter", staffSlots: 1, retired: false), .init(name: "Legacy", staffSlots: 3, retired: true)],
            steps: [.init(code: "business-details", title: "Business details", retired: false),
                    .init(code: "fax", title: "Fax number", retired: true)])
    }

    static func render(_ model: Model, csrfToken: String) -> Markup {
        .group(
            .div(.class("page-header"),
                 .div(.h1(.text("Settings")),
                      .p(.text("How your portal looks, who may sign in and how, how long history is kept, and the addresses it answers on. "
                               + "Each section is saved on its own; every change is recorded in the audit log.")))),
            .nav(.class("tabs"), .ariaLabel("Settings sections"),
                 .a(.href(.fragment("security")), .text("Security")),
                 .a(.href(.fragment("retention")), .text("Retention")),
                 .a(.href(.fragment("branding")), .text("Branding")),
                 .a(.href(.fragment("domains")), .text("Domains")),
                 .a(.href(.fragment("plans")), .text("Plans")),
                 .a(.href(.fragment("onboarding")), .text("Onboarding steps")),
                 .a(.href(.fragment("tasks")), .text("Tasks")),
                 .a(.href(SiteURL.apiTokens), .text("API tokens")),
                 .a(.href(SiteURL.operations), .text("Operations"))),
            .unwrap(model.notice) { .div(.class("banner success"), .attr("role", "status"), .text($0)) },
            securityForm(model, csrfToken: csrfToken),
            retentionForm(model, csrfToken: csrfToken),
            brandingForm(model, csrfToken: csrfToken),
            domainsSection(model, csrfToken: csrfToken),
            plansSection(model, csrfToken: csrfToken),
            stepsSection(model, csrfToken: csrfToken),
            tasksForm(model, csrfToken: csrfToken)
        )
    }

    private static func stepsSection(_ model: Model, csrfToken: String) -> Markup {
        let errors = model.failedSection == .onboarding ? model.errors : .init()
        let adding = model.failedSection == .onboarding && model.stepDraft.step == nil
        return .section(
            .class("card"), .id("onboarding"),
            .h2(.text("Onboarding steps")),
            .p(.class("hint"), .text("The steps of the getting-started wizard in the client workspace and of the checklist on the Activity tab, in order. "
                                     + "A retired step is shown to nobody; steps already done stay recorded.")),
            .unwrap(errors["step"]) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .div(.class("table-wrap"), .table(
                .caption(.class("visually-hidden"), .text("Onboarding steps, in order")),
                .thead(.tr(.th(.attr("scope", "col"), .text("Step")),
                           .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions"))))),
                .tbody(.forEach(Array(model.steps.enumerated())) { index, step in
                    let draft = model.failedSection == .onboarding && model.stepDraft.step == step.code ? model.stepDraft : nil
                    return stepRow(step, first: index == 0, last: index == model.steps.count - 1, draft: draft,
                                   error: draft == nil ? nil : errors["step_title"], csrfToken: csrfToken)
                })
            )),
            .form(
                .method(.post), .action(SiteURL.settingsSection(.onboarding)), .novalidate(),
                Forms.csrfField(csrfToken),
                .h3(.text("Add a step")),
                Forms.field(.init(name: "title", label: "Title", value: adding ? model.stepDraft.title : "", error: adding ? errors["step_title"] : nil,
                                  hint: "Added at the end of the list.")),
                .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Add step")))
            )
        )
    }

    private static func stepRow(_ step: Model.Step, first: Bool, last: Bool, draft: Model.StepDraft?, error: String?, csrfToken: String) -> Markup {
        func button(_ field: String, _ value: String, label: String, text: String, disabled: Bool = false) -> Markup {
            .form(.method(.post), .action(SiteURL.settingsSection(.onboarding)),
                  Forms.csrfField(csrfToken),
                  .input(.type(.hidden), .name("step"), .value(step.code)),
                  .input(.type(.hidden), .name(field), .value(value)),
                  .button(.class("button secondary"), .type(.submit), .disabled(disabled), .ariaLabel(label), .text(text)))
        }
        return .tr(
            .td(.form(.method(.post), .action(SiteURL.settingsSection(.onboarding)), .novalidate(),
                      Forms.csrfField(csrfToken),
                      .input(.type(.hidden), .name("step"), .value(step.code)),
                      .label(.class("visually-hidden"), .text("Title of \(step.title)"),
                             .input(.name("title"), .type(.text), .attr("value", draft?.title ?? step.title), .required(true),
                                    .attr("aria-invalid", error == nil ? nil : "true"))),
                      .if(step.retired, .span(.class("badge"), .text("Retired"))),
                      .unwrap(error) { .div(.class("error"), .text($0)) },
                      .button(.class("button secondary"), .type(.submit), .ariaLabel("Save \(step.title)"), .text("Save")))),
            .td(.class("actions"),
                button("move", "up", label: "Move \(step.title) up", text: "↑", disabled: first),
                button("move", "down", label: "Move \(step.title) down", text: "↓", disabled: last),
                button("retired", step.retired ? "no" : "yes", label: (step.retired ? "Ask again for " : "Retire ") + step.title,
                       text: step.retired ? "Ask again" : "Retire"))
        )
    }

    private static func plansSection(_ model: Model, csrfToken: String) -> Markup {
        let errors = model.failedSection == .plans ? model.errors : .init()
        let adding = model.failedSection == .plans && model.planDraft.plan == nil
        return .section(
            .class("card"), .id("plans"),
            .h2(.text("Plans")),
            .p(.class("hint"), .text("The plans offered on new accounts and on the Subscription tab, with the staff slots each starts with. "
                                     + "A retired plan stays on the accounts that have it and is offered to no other; renaming a plan renames it on its accounts.")),
            .unwrap(errors["plan"]) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .div(.class("table-wrap"), .table(
                .caption(.class("visually-hidden"), .text("Plans")),
                .thead(.tr(.th(.attr("scope", "col"), .text("Plan and default staff slots")),
                           .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions"))))),
                .tbody(.forEach(model.plans) { plan in
                    let draft = model.failedSection == .plans && model.planDraft.plan == plan.name ? model.planDraft : nil
                    return planRow(plan, draft: draft, errors: draft == nil ? .init() : errors, csrfToken: csrfToken)
                })
            )),
            .form(
                .method(.post), .action(SiteURL.settingsSection(.plans)), .novalidate(),
                Forms.csrfField(csrfToken),
                .h3(.text("Add a plan")),
                Forms.field(.init(name: "name", label: "Name", value: adding ? model.planDraft.name : "", error: adding ? errors["plan_name"] : nil, id: "field-plan-name")),
                Forms.field(.init(name: "staff_slots", label: "Default staff slots", type: .number, value: adding ? model.planDraft.staffSlots : "1",
                                  error: adding ? errors["plan_staff_slots"] : nil, hint: "0 to \(PlanCatalogue.maxStaffSlots).")),
                .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Add plan")))
            )
        )
    }

    private static func planRow(_ plan: Model.Plan, draft: Model.PlanDraft?, errors: SettingsInput.Invalid, csrfToken: String) -> Markup {
        .tr(
            .td(.form(.method(.post), .action(SiteURL.settingsSection(.plans)), .novalidate(),
                      Forms.csrfField(csrfToken),
                      .input(.type(.hidden), .name("plan"), .value(plan.name)),
                      .label(.class("visually-hidden"), .text("Name of \(plan.name)"),
                             .input(.name("name"), .type(.text), .attr("value", draft?.name ?? plan.name), .required(true),
                                    .attr("aria-invalid", errors["plan_name"] == nil ? nil : "true"))),
                      .label(.class("visually-hidden"), .text("Default staff slots of \(plan.name)"),
                             .input(.name("staff_slots"), .type(.number), .attr("min", "0"), .attr("max", String(PlanCatalogue.maxStaffSlots)),
                                    .attr("value", draft?.staffSlots ?? String(plan.staffSlots)), .required(true),
                                    .attr("aria-invalid", errors["plan_staff_slots"] == nil ? nil : "true"))),
                      .if(plan.retired, .span(.class("badge"), .text("Retired"))),
                      .unwrap(errors["plan_name"]) { .div(.class("error"), .text($0)) },
                      .unwrap(errors["plan_staff_slots"]) { .div(.class("error"), .text($0)) },
                      .button(.class("button secondary"), .type(.submit), .ariaLabel("Save \(plan.name)"), .text("Save")))),
            .td(.class("actions"),
                .form(.method(.post), .action(SiteURL.settingsSection(.plans)),
                      Forms.csrfField(csrfToken),
                      .input(.type(.hidden), .name("plan"), .value(plan.name)),
                      .input(.type(.hidden), .name("retired"), .value(plan.retired ? "no" : "yes")),
                      .button(.class(plan.retired ? "button secondary" : "button danger"), .type(.submit),
                              .ariaLabel((plan.retired ? "Offer again " : "Retire ") + plan.name),
                              .text(plan.retired ? "Offer again" : "Retire"))))
        )
    }

    // MARK: - Sections

    private static func securityForm(_ model: Model, csrfToken: String) -> Markup {
        let form = model.security
        let errors = model.failedSection == .security ? model.errors : .init()
        return .form(
            .class("card"), .id("security"), .method(.post), .action(SiteURL.settingsSection(.security)), .novalidate(),
            Forms.csrfField(csrfToken),
            .h2(.text("Security")),
            summary(errors, section: "security settings"),
            choice(name: "second_factor", legend: "Two-step sign-in for operators", value: form.secondFactor, error: errors["second_factor"],
                   hint: "Required: every operator enters a code after their password, and sets up a method at their next sign-in if they have none. "
                       + "Optional: operators without a method sign in with their password alone."),
            .fieldset(.class("permissions"),
                      .legend(text: "Methods operators may use"),
                      .p(.class("hint"), .id("methods-hint"),
                         .text("Operators whose method is no longer allowed choose an allowed one at their next sign-in.")),
                      .forEach(SecondFactorMethod.allCases) { method in
                          .div(.class("checkbox"),
                               .input(.type(.checkbox), .id("method-\(method.rawValue)"), .name("methods[]"), .value(method.rawValue),
                                      .checked(form.methods.contains(method.rawValue))),
                               .label(.for("method-\(method.rawValue)"), .text(methodLabel(method))))
                      },
                      .unwrap(errors["methods"]) { .div(.class("error"), .id("field-methods-error"), .text($0)) }),
            number(name: "idle_timeout", label: "Idle timeout (minutes)", value: form.idleTimeout, range: SettingsInput.idleTimeoutRange,
                   error: errors["idle_timeout"], hint: "A session without activity for this long ends; applies to open sessions at once. "
                       + "\(SettingsInput.idleTimeoutRange.lowerBound) to \(SettingsInput.idleTimeoutRange.upperBound)."),
            number(name: "absolute_timeout", label: "Absolute timeout (minutes)", value: form.absoluteTimeout,
                   range: SettingsInput.absoluteTimeoutRange, error: errors["absolute_timeout"],
                   hint: "The longest a session lasts, however active; applies to sessions started from now on. "
                       + "\(SettingsInput.absoluteTimeoutRange.lowerBound) (8 hours) to \(SettingsInput.absoluteTimeoutRange.upperBound) (30 days)."),
            choice(name: "impersonation_reason", legend: "Reason for logging in as someone", value: form.impersonationReason,
                   error: errors["impersonation_reason"],
                   hint: "Required: an operator logging in as another operator or a client must say why; the reason is in the audit log."),
            number(name: "impersonation_minutes", label: "Longest login as someone (minutes)", value: form.impersonationMinutes,
                   range: SettingsInput.impersonationMinutesRange, error: errors["impersonation_minutes"],
                   hint: "A login as another operator or a client ends by itself after this long. "
                       + "\(SettingsInput.impersonationMinutesRange.lowerBound) to \(SettingsInput.impersonationMinutesRange.upperBound)."),
            choice(name: "login_as_consent", legend: "Client's consent to log in as them", value: form.loginAsConsent,
                   error: errors["login_as_consent"],
                   hint: "Required: operators may log in to a client account only while its owner grants access from their workspace."),
            .fieldset(.class("permissions"),
                      .legend(text: "Tell the owner when an operator logs in to their account"),
                      .p(.class("hint"), .text("The owner is emailed who logged in, as whom, and why.")),
                      .forEach(LoginAsOwnerNotice.allCases) { notice in
                          .div(.class("checkbox"),
                               .input(.type(.radio), .id("notice-\(notice.rawValue)"), .name("login_as_notice"), .value(notice.rawValue),
                                      .checked(form.loginAsNotice == notice.rawValue)),
                               .label(.for("notice-\(notice.rawValue)"), .text(noticeLabel(notice))))
                      },
                      .unwrap(errors["login_as_notice"]) { .div(.class("error"), .id("field-login_as_notice-error"), .text($0)) }),
            choice(name: "client_authenticator", legend: "Authenticator app for owners and staff", value: form.clientAuthenticator,
                   error: errors["client_authenticator"],
                   hint: "Required: owners and staff of client accounts sign in with an authenticator app; those without one set it up at their next visit."),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save security settings")))
        )
    }

    private static func retentionForm(_ model: Model, csrfToken: String) -> Markup {
        let errors = model.failedSection == .retention ? model.errors : .init()
        let range = SettingsInput.retentionDaysRange
        return .form(
            .class("card"), .id("retention"), .method(.post), .action(SiteURL.settingsSection(.retention)), .novalidate(),
            Forms.csrfField(csrfToken),
            .h2(.text("Retention")),
            summary(errors, section: "retention"),
            number(name: "retention_days", label: "Keep account history for (days)", value: model.retentionDays, range: range,
                   error: errors["retention_days"],
                   hint: "Entries on the History tab older than this are deleted once a day. \(range.lowerBound) to \(range.upperBound) days; "
                       + "a shorter period deletes older entries at the next run."),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save retention")))
        )
    }

    private static func brandingForm(_ model: Model, csrfToken: String) -> Markup {
        let errors = model.failedSection == .branding ? model.errors : .init()
        let logoError = errors["logo"]
        let describedBy = ["field-logo-hint"] + (logoError == nil ? [] : ["field-logo-error"])
        return .form(
            .class("card"), .id("branding"), .method(.post), .action(SiteURL.settingsSection(.branding)), .enctype(.multipartData), .novalidate(),
            Forms.csrfField(csrfToken),
            .h2(.text("Branding")),
            summary(errors, section: "branding"),
            Forms.field(.init(name: "name", label: "Display name", value: model.branding.name, error: errors["name"],
                              hint: "Shown on the sign-in page, in the portal, the client workspace, business pages and emails.")),
            Forms.field(.init(name: "color", label: "Brand colour", value: model.branding.color, error: errors["color"],
                              hint: "# and six hexadecimal digits, such as #4F46E5. Text on it must stay readable: "
                                  + "a colour with less than 4.5:1 contrast with both white and dark text is refused.")),
            .unwrap(model.branding.logo) { logo in
                .div(.class("field"),
                     .p(.text("Logo now: "), .strong(.text(logo.summary))),
                     .unwrap(logo.version) { .img(.src(SiteURL.brandLogo(version: $0)), .alt("Your logo"), .attr("height", "48")) },
                     .div(.class("checkbox"),
                          .input(.type(.checkbox), .id("field-remove_logo"), .name("remove_logo"), .value("yes")),
                          .label(.for("field-remove_logo"), .text("Remove the logo"))))
            },
            .div(.class("field"),
                 .label(.for("field-logo"), .text(model.branding.logo == nil ? "Logo (optional)" : "Replace the logo (optional)")),
                 .input(.id("field-logo"), .name("logo"), .type(.file), .attr("accept", "image/png,image/jpeg,image/svg+xml"),
                        .attr("aria-invalid", logoError == nil ? nil : "true"), .attr("aria-describedby", describedBy.joined(separator: " "))),
                 .div(.class("hint"), .id("field-logo-hint"),
                      .text("A PNG, JPEG or SVG image of up to 512 KiB, shown beside the name wherever your brand is. "
                            + "Scripts, links and anything an SVG would load are removed from it.")),
                 .unwrap(logoError) { .div(.class("error"), .id("field-logo-error"), .text($0)) }),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save branding")))
        )
    }

    private static func tasksForm(_ model: Model, csrfToken: String) -> Markup {
        let errors = model.failedSection == .tasks ? model.errors : .init()
        let days = SettingsInput.taskDaysRange, notice = SettingsInput.screeningNoticeDaysRange
        let range = "\(days.lowerBound) to \(days.upperBound) days."
        return .form(
            .class("card"), .id("tasks"), .method(.post), .action(SiteURL.settingsSection(.tasks)), .novalidate(),
            Forms.csrfField(csrfToken),
            .h2(.text("Tasks")),
            .p(.class("hint"), .text("When work shows on every operator's Tasks page, on Home and in digests.")),
            summary(errors, section: "task settings"),
            number(name: "task_stuck_in_setup_days", label: "Stuck in setup after (days)", value: model.tasks.stuckInSetupDays, range: days,
                   error: errors["task_stuck_in_setup_days"], hint: "An account still in setup this long after it was created. " + range),
            number(name: "task_inactive_days", label: "Inactive after (days)", value: model.tasks.inactiveDays, range: days,
                   error: errors["task_inactive_days"], hint: "An account without activity for this long. " + range),
            number(name: "task_new_assignment_days", label: "Newly assigned for (days)", value: model.tasks.newAssignmentDays, range: days,
                   error: errors["task_new_assignment_days"], hint: "An account assigned to the operator this recently. " + range),
            number(name: "task_pending_invite_days", label: "Invite pending after (days)", value: model.tasks.pendingInviteDays, range: days,
                   error: errors["task_pending_invite_days"], hint: "An operator invited this long ago who has not accepted. " + range),
            number(name: "task_screening_notice_days", label: "Link screening notice (days)", value: model.tasks.screeningNoticeDays, range: notice,
                   error: errors["task_screening_notice_days"],
                   hint: "A new account whose first \(TaskThresholds.standard.screeningDays) days of link screening end within this many days. "
                       + "\(notice.lowerBound) to \(notice.upperBound) days."),
            .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Save task settings")))
        )
    }

    private static func domainsSection(_ model: Model, csrfToken: String) -> Markup {
        let errors = model.failedSection == .domains ? model.errors : .init()
        return .section(
            .class("card"), .id("domains"),
            .h2(.text("Domains")),
            .p(.class("hint"), .text("The host names your portal answers on. Point each one's DNS at the portal first; "
                                     + "the address you are using now cannot be removed here.")),
            .unwrap(errors["remove"]) { .div(.class("banner error"), .attr("role", "alert"), .text($0)) },
            .if(model.domains.isEmpty,
                .p(.text("No domains yet: the portal answers on any address not configured for another portal.")),
                else: .div(.class("table-wrap"), .table(
                    .caption(.class("visually-hidden"), .text("Domains")),
                    .thead(.tr(.th(.attr("scope", "col"), .text("Host name")),
                               .th(.attr("scope", "col"), .span(.class("visually-hidden"), .text("Actions"))))),
                    .tbody(.forEach(model.domains) { domainRow($0, csrfToken: csrfToken) })
                ))),
            .form(
                .method(.post), .action(SiteURL.settingsSection(.domains)), .novalidate(),
                Forms.csrfField(csrfToken),
                Forms.field(.init(name: "host", label: "Add a domain", value: model.newHost, error: errors["host"],
                                  hint: "A host name such as portal.example.com, without https:// or a path.")),
                .div(.class("form-actions"), .button(.class("button primary"), .type(.submit), .text("Add domain")))
            )
        )
    }

    // MARK: - Parts

    private static func domainRow(_ domain: Model.Domain, csrfToken: String) -> Markup {
        .tr(
            .td(.code(text: domain.host), .if(domain.isCurrent, .span(.class("badge"), .text("In use now")))),
            .td(.class("actions"),
                .if(domain.isCurrent,
                    .button(.class("button secondary"), .type(.button), .disabled(true), .attr("title", "You are using this address."),
                            .text("Remove")),
                    else: .form(.method(.post), .action(SiteURL.settingsDomainRemove),
                                Forms.csrfField(csrfToken),
                                .input(.type(.hidden), .name("host"), .value(domain.host)),
                                .button(.class("button danger"), .type(.submit), .ariaLabel("Remove \(domain.host)"), .text("Remove")))))
        )
    }

    private static func summary(_ errors: SettingsInput.Invalid, section: String) -> Markup {
        Forms.errorSummary(errors.isEmpty ? nil : "Your changes to the \(section) were not saved. Correct the fields marked below.")
    }

    /// Required or optional, as two radio buttons with the explanation beside them.
    private static func choice(name: String, legend: String, value: String, error: String?, hint: String) -> Markup {
        .fieldset(.class("permissions"),
                  .legend(text: legend),
                  .p(.class("hint"), .text(hint)),
                  .forEach(["required", "optional"]) { option in
                      .div(.class("checkbox"),
                           .input(.type(.radio), .id("\(name)-\(option)"), .name(name), .value(option), .checked(value == option)),
                           .label(.for("\(name)-\(option)"), .text(option == "required" ? "Required" : "Optional")))
                  },
                  .unwrap(error) { .div(.class("error"), .id("field-\(name)-error"), .text($0)) })
    }

    private static func number(name: String, label: String, value: String, range: ClosedRange<Int>, error: String?, hint: String) -> Markup {
        let id = "field-\(name)"
        let describedBy = ["\(id)-hint"] + (error == nil ? [] : ["\(id)-error"])
        return .div(
            .class("field"),
            .label(.for(id), .text(label)),
            .input(.id(id), .name(name), .type(.number), .attr("min", String(range.lowerBound)), .attr("max", String(range.upperBound)),
                   .attr("value", value), .required(true), .attr("aria-invalid", error == nil ? nil : "true"),
                   .attr("aria-describedby", describedBy.joined(separator: " "))),
            .div(.class("hint"), .id("\(id)-hint"), .text(hint)),
            .unwrap(error) { .div(.class("error"), .id("\(id)-error"), .text($0)) }
        )
    }

    private static func methodLabel(_ method: SecondFactorMethod) -> String {
        switch method {
        case .totp: "Authenticator app"
        case .email: "Code by email"
        case .sms: "Code by SMS"
        }
    }

    private static func noticeLabel(_ notice: LoginAsOwnerNotice) -> String {
        switch notice {
        case .always: "Every time"
        case .secureOnly: "Only for secure accounts"
        case .never: "Never"
        }
    }
}
