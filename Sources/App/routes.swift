import OpenAPIVapor
import Vapor

/// How a request flows: health and assets answer anyone; everything else first selects the
/// partner from the host. Browser routes then recognise the session and check CSRF tokens;
/// API routes authenticate a bearer token and are generated from `openapi.yaml`.
func routes(_ app: Application) throws {
    app.get(SiteURL.healthz.pathComponents, use: HealthController.healthz)
    app.get(SiteURL.readyz.pathComponents, use: HealthController.readyz)
    app.get(MetricsController.pathComponents, use: MetricsController.scrape)
    app.get(SiteURL.stylesheet.pathComponents, use: AssetsController.stylesheet)
    app.get(SiteURL.timeZoneScript.pathComponents, use: TimeZoneField.script)
    app.get(SiteURL.copyScript.pathComponents, use: CopyScript.serve)
    app.get(SiteURL.bulkProgressScript.pathComponents, use: BulkProgressScript.serve)
    app.get(SiteURL.filterPickerScript.pathComponents, use: FilterPicker.serve)

    let tenant = app.grouped(PartnerMiddleware())

    // Public: the business page and the widget read no session and set no cookie (their
    // forms create inbound records only and are limited instead; see BusinessPageForms).
    tenant.get(SiteURL.businessPage(key: "").pathComponents, use: BusinessPageController.show)
    tenant.post(SiteURL.businessPageBooking(key: "").pathComponents, use: BusinessPageController.requestBooking)
    tenant.post(SiteURL.businessPageContact(key: "").pathComponents, use: BusinessPageController.sendMessage)
    tenant.get(SiteURL.widgetScript(uid: "").pathComponents, use: WidgetController.script)
    tenant.get(SiteURL.widgetSeen(uid: "").pathComponents, use: WidgetController.seen)
    tenant.get(SiteURL.brandLogo(version: nil).pathComponents, use: BrandLogoController.show)
    tenant.get(SiteURL.favicon(version: nil).pathComponents, use: Favicon.show)
    tenant.get(SiteURL.faviconICO.pathComponents, use: Favicon.legacy)
    // A digest's unsubscribe link: the token is the proof, and a mail client's one-click POST
    // (RFC 8058) carries no session or CSRF token.
    tenant.get(SiteURL.unsubscribe(token: "").pathComponents, use: UnsubscribeController.show)
    tenant.post(SiteURL.unsubscribe(token: "").pathComponents, use: UnsubscribeController.unsubscribe)

    let browser = tenant.grouped(SessionAuthenticator(), CSRFMiddleware())
    browser.get(SiteURL.signIn.pathComponents, use: SignInController.show)
    browser.post(SiteURL.signIn.pathComponents, use: SignInController.submit)
    browser.post(SiteURL.signOut.pathComponents, use: SignInController.signOut)
    browser.get(SiteURL.forgotPassword.pathComponents, use: PasswordResetController.show)
    browser.post(SiteURL.forgotPassword.pathComponents, use: PasswordResetController.submit)
    browser.get(SiteURL.signInCode.pathComponents, use: SecondFactorController.showCode)
    browser.post(SiteURL.signInCode.pathComponents, use: SecondFactorController.submitCode)
    browser.post(SiteURL.signInCodeResend.pathComponents, use: SecondFactorController.resend)
    browser.get(SiteURL.signInEnrol.pathComponents, use: SecondFactorController.showEnrol)
    browser.post(SiteURL.signInEnrol.pathComponents, use: SecondFactorController.submitEnrol)
    browser.get(SiteURL.setup(token: "").pathComponents, use: SetupController.show)
    browser.post(SiteURL.setup(token: "").pathComponents, use: SetupController.submit)

    // The client workspace: its own session, never an operator's.
    let workspace = tenant.grouped(WorkspaceAuthenticator(), CSRFMiddleware())
    workspace.get(SiteURL.workspaceSignIn.pathComponents, use: WorkspaceController.showSignIn)
    workspace.post(SiteURL.workspaceSignIn.pathComponents, use: WorkspaceController.signIn)
    workspace.get(SiteURL.workspaceSignInCode.pathComponents, use: WorkspaceTwoFactorController.showCode)
    workspace.post(SiteURL.workspaceSignInCode.pathComponents, use: WorkspaceTwoFactorController.submitCode)
    workspace.get(SiteURL.workspaceForgot.pathComponents, use: WorkspaceController.showForgot)
    workspace.post(SiteURL.workspaceForgot.pathComponents, use: WorkspaceController.forgot)
    let inWorkspace = workspace.grouped(RequireWorkspaceUser(), RequireWorkspaceAuthenticator())
    inWorkspace.get(SiteURL.workspace.pathComponents, use: WorkspaceController.dashboard)
    inWorkspace.post(SiteURL.workspaceOnboarding.pathComponents, use: WorkspaceController.completeStep)
    inWorkspace.get(SiteURL.workspaceProfile.pathComponents, use: WorkspaceController.showProfile)
    inWorkspace.post(SiteURL.workspaceProfile.pathComponents, use: WorkspaceController.updateProfile)
    inWorkspace.get(SiteURL.workspaceStaff.pathComponents, use: WorkspaceController.staff)
    inWorkspace.post(SiteURL.workspaceStaff.pathComponents, use: WorkspaceController.inviteStaff)
    inWorkspace.post(SiteURL.workspaceStaffRemove.pathComponents, use: WorkspaceController.removeStaff)
    inWorkspace.post(SiteURL.workspaceStaffResend.pathComponents, use: WorkspaceController.resendStaffInvite)
    inWorkspace.post(SiteURL.workspaceSignOut.pathComponents, use: WorkspaceController.signOut)
    inWorkspace.get(SiteURL.workspaceBookings.pathComponents, use: BookingsController.bookings)
    inWorkspace.post(SiteURL.workspaceBookings.pathComponents, use: BookingsController.addBooking)
    inWorkspace.get(SiteURL.workspacePastBookings.pathComponents, use: BookingsController.pastBookings)
    inWorkspace.post(SiteURL.workspaceBookingStatus(id: "").pathComponents, use: BookingsController.setBookingStatus)
    inWorkspace.get(SiteURL.workspacePayments.pathComponents, use: BookingsController.payments)
    inWorkspace.post(SiteURL.workspacePayments.pathComponents, use: BookingsController.recordPayment)
    inWorkspace.post(SiteURL.workspacePaymentStatus(id: "").pathComponents, use: BookingsController.setPaymentStatus)
    inWorkspace.get(SiteURL.workspaceSecurity.pathComponents, use: WorkspaceTwoFactorController.security)
    inWorkspace.post(SiteURL.workspaceAuthenticator.pathComponents, use: WorkspaceTwoFactorController.startEnrolment)
    inWorkspace.post(SiteURL.workspaceAuthenticatorConfirm.pathComponents, use: WorkspaceTwoFactorController.confirmEnrolment)
    inWorkspace.post(SiteURL.workspaceAuthenticatorRemove.pathComponents, use: WorkspaceTwoFactorController.remove)
    inWorkspace.post(SiteURL.workspaceRecoveryCodes.pathComponents, use: WorkspaceTwoFactorController.renewRecoveryCodes)
    inWorkspace.post(SiteURL.workspaceRecoveryCodesFile.pathComponents, use: RecoveryCodeFileController.workspaceFile)
    workspace.get(SiteURL.workspaceLoginLink(token: "").pathComponents, use: ClientLoginAsController.openLink)
    inWorkspace.post(SiteURL.workspaceSignOutAs.pathComponents, use: ClientLoginAsController.signOutAs)
    inWorkspace.get(SiteURL.workspaceSupportAccess.pathComponents, use: ClientLoginAsController.supportAccess)
    inWorkspace.post(SiteURL.workspaceSupportAccess.pathComponents, use: ClientLoginAsController.grant)
    inWorkspace.post(SiteURL.workspaceSupportAccessRevoke.pathComponents, use: ClientLoginAsController.revoke)
    inWorkspace.get(SiteURL.workspacePassword.pathComponents, use: WorkspaceController.showPassword)
    inWorkspace.post(SiteURL.workspacePassword.pathComponents, use: WorkspaceController.changePassword)
    inWorkspace.get(SiteURL.workspaceMessages.pathComponents, use: MessagesController.inbox)
    inWorkspace.get(SiteURL.workspaceConversation(id: "").pathComponents, use: MessagesController.conversation)
    inWorkspace.post(SiteURL.workspaceConversationReply(id: "").pathComponents, use: MessagesController.reply)
    inWorkspace.get(SiteURL.workspaceAnnouncements.pathComponents, use: MessagesController.announcements)
    inWorkspace.post(SiteURL.workspaceAnnouncements.pathComponents, use: MessagesController.announce)

    browser.get(SiteURL.accountUserSetup(token: "").pathComponents, use: AccountUserSetupController.show)
    browser.post(SiteURL.accountUserSetup(token: "").pathComponents, use: AccountUserSetupController.submit)


    let signedIn = browser.grouped(RequireSignedIn())
    signedIn.get(SiteURL.home.pathComponents, use: HomeController.show)
    signedIn.get(SiteURL.tasks.pathComponents, use: TasksController.show)
    signedIn.get(SiteURL.devMailbox.pathComponents, use: MailboxController.index)
    signedIn.get(SiteURL.roles.pathComponents, use: RolesController.index)
    signedIn.post(SiteURL.roles.pathComponents, use: RolesController.create)
    signedIn.get(SiteURL.rolesMatrixCSV.pathComponents, use: RolesController.csv)
    signedIn.get(SiteURL.newRole(from: nil).pathComponents, use: RolesController.new)
    signedIn.get(SiteURL.editRole(id: "").pathComponents, use: RolesController.edit)
    signedIn.post(SiteURL.role(id: "").pathComponents, use: RolesController.update)
    signedIn.post(SiteURL.deleteRole(id: "").pathComponents, use: RolesController.delete)
    signedIn.get(SiteURL.profile.pathComponents, use: ProfileController.show)
    signedIn.post(SiteURL.profile.pathComponents, use: ProfileController.updateDetails)
    signedIn.post(SiteURL.profileEmail.pathComponents, use: ProfileController.changeEmail)
    signedIn.post(SiteURL.profileNotifications.pathComponents, use: ProfileController.updateNotifications)
    signedIn.post(SiteURL.profilePassword.pathComponents, use: ProfileController.changePassword)
    signedIn.post(SiteURL.profileSecondFactor.pathComponents, use: ProfileController.secondFactor)
    signedIn.post(SiteURL.profileRecoveryCodesFile.pathComponents, use: RecoveryCodeFileController.operatorFile)
    signedIn.get(SiteURL.operators.pathComponents, use: OperatorsController.index)
    signedIn.post(SiteURL.operators.pathComponents, use: OperatorsController.create)
    signedIn.get(SiteURL.newOperator.pathComponents, use: OperatorsController.new)
    signedIn.get(SiteURL.operatorsGroupChoices.pathComponents, use: OperatorsController.groupChoices)
    signedIn.get(SiteURL.operatorDetail(id: "").pathComponents, use: OperatorsController.show)
    signedIn.post(SiteURL.operatorDetail(id: "").pathComponents, use: OperatorsController.update)
    signedIn.post(SiteURL.operatorAction(id: "", action: .grants).pathComponents, use: OperatorsController.updateGrants)
    signedIn.post(SiteURL.operatorAction(id: "", action: .notifications).pathComponents, use: OperatorsController.updateNotifications)
    for action in OperatorsController.buttonActions {
        signedIn.post(SiteURL.operatorAction(id: "", action: action).pathComponents, use: OperatorsController.action(action))
    }
    signedIn.post(SiteURL.signOutAs.pathComponents, use: OperatorsController.signOutAs)
    signedIn.get(SiteURL.accounts.pathComponents, use: AccountsController.index)
    signedIn.get(SiteURL.newAccount.pathComponents, use: AccountsController.new)
    signedIn.post(SiteURL.accounts.pathComponents, use: AccountsController.create)
    signedIn.get(SiteURL.accountsExport.pathComponents, use: AccountsController.export)
    signedIn.get(SiteURL.accountsGroupChoices.pathComponents, use: FilterChoicesController.groups)
    signedIn.get(SiteURL.accountsAssigneeChoices.pathComponents, use: FilterChoicesController.assignees)
    signedIn.get(SiteURL.assigneeSuggestions.pathComponents, use: FilterChoicesController.suggestAssignees)
    signedIn.get(SiteURL.groupSuggestions.pathComponents, use: GroupSuggestionsController.suggest)
    signedIn.post(SiteURL.accountsBulk.pathComponents, use: BulkController.bulk)
    signedIn.get(SiteURL.bulkOperation(id: "").pathComponents, use: BulkController.progress)
    for kind in ImportKind.allCases {
        signedIn.get(SiteURL.newImport(kind).pathComponents, use: ImportController.new(kind))
    }
    signedIn.post(SiteURL.imports.pathComponents, bodyLimit: ImportController.uploadLimit, use: ImportController.upload)
    signedIn.get(SiteURL.importDetail(id: "").pathComponents, use: ImportController.show)
    signedIn.post(SiteURL.importMapping(id: "").pathComponents, use: ImportController.setMapping)
    signedIn.post(SiteURL.importStart(id: "").pathComponents, use: ImportController.start)
    signedIn.get(SiteURL.importReport(id: "").pathComponents, use: ImportController.report)
    signedIn.get(SiteURL.templatePush(uid: "").pathComponents, use: TemplateController.show)
    signedIn.post(SiteURL.templatePush(uid: "").pathComponents, use: TemplateController.start)
    signedIn.post(SiteURL.templateContent(uid: "").pathComponents, use: TemplateController.updateContents)
    signedIn.get(SiteURL.templatePushProgress(id: "").pathComponents, use: TemplateController.progress)
    signedIn.post(SiteURL.detachTemplate(uid: "").pathComponents, use: TemplateController.detach)
    for tab in AccountPageView.Tab.allCases {
        signedIn.get(tab == .business ? SiteURL.account(uid: "").pathComponents : SiteURL.accountAction(uid: "", action: .tab(tab)).pathComponents,
                     use: AccountPageController.show(tab))
    }
    for toggle in AccountAdministration.Toggle.allCases {
        signedIn.post(SiteURL.accountAction(uid: "", action: .toggle(toggle)).pathComponents, use: AccountPageController.toggle(toggle))
    }
    for form in AccountForm.allCases {
        signedIn.post(SiteURL.accountAction(uid: "", action: .form(form)).pathComponents, use: AccountPageController.handler(for: form))
    }
    signedIn.get(SiteURL.accountConversation(uid: "", id: "").pathComponents, use: AccountMessagesTab.show)
    signedIn.post(SiteURL.accountConversationReply(uid: "", id: "").pathComponents, use: AccountMessagesTab.reply)
    signedIn.post(SiteURL.accountLoginAs(uid: "").pathComponents, use: ClientLoginAsController.start)
    signedIn.post(SiteURL.accountStaffLoginAs(uid: "", userID: "").pathComponents, use: ClientLoginAsController.start)
    signedIn.get(SiteURL.audit.pathComponents, use: AuditLogController.index)
    signedIn.get(SiteURL.auditExport.pathComponents, use: AuditLogController.export)
    signedIn.get(SiteURL.groups.pathComponents, use: GroupsController.index)
    signedIn.post(SiteURL.groups.pathComponents, use: GroupsController.create)
    signedIn.get(SiteURL.renameGroup(id: "").pathComponents, use: GroupsController.renameForm)
    signedIn.post(SiteURL.renameGroup(id: "").pathComponents, use: GroupsController.rename)
    signedIn.get(SiteURL.moveGroup(id: "").pathComponents, use: GroupsController.moveForm)
    signedIn.post(SiteURL.moveGroup(id: "").pathComponents, use: GroupsController.move)
    signedIn.get(SiteURL.deleteGroup(id: "").pathComponents, use: GroupsController.deleteForm)
    signedIn.post(SiteURL.deleteGroup(id: "").pathComponents, use: GroupsController.delete)
    signedIn.get(SiteURL.partnerKit.pathComponents, use: PartnerKitController.index)
    signedIn.post(SiteURL.partnerKitLinks.pathComponents, use: PartnerKitController.addLink)
    signedIn.post(SiteURL.partnerKitFiles.pathComponents, bodyLimit: .partnerKitForm, use: PartnerKitController.upload)
    signedIn.get(SiteURL.partnerKitFile(id: "").pathComponents, use: PartnerKitController.download)
    signedIn.post(SiteURL.deletePartnerKitItem(id: "").pathComponents, use: PartnerKitController.delete)
    signedIn.get(SiteURL.settings.pathComponents, use: SettingsController.index)
    signedIn.post(SiteURL.settingsSection(.security).pathComponents, use: SettingsController.updateSecurity)
    signedIn.post(SiteURL.settingsSection(.retention).pathComponents, use: SettingsController.updateRetention)
    signedIn.post(SiteURL.settingsSection(.branding).pathComponents, bodyLimit: .brandingForm, use: SettingsController.updateBranding)
    signedIn.post(SiteURL.settingsSection(.tasks).pathComponents, use: SettingsController.updateTasks)
    signedIn.post(SiteURL.settingsSection(.domains).pathComponents, use: SettingsController.addDomain)
    signedIn.post(SiteURL.settingsDomainRemove.pathComponents, use: SettingsController.removeDomain)
    signedIn.post(SiteURL.settingsSection(.plans).pathComponents, use: SettingsController.updatePlans)
    signedIn.post(SiteURL.settingsSection(.onboarding).pathComponents, use: SettingsController.updateSteps)
    signedIn.get(SiteURL.operations.pathComponents, use: OperationsController.show)
    signedIn.get(SiteURL.apiTokens.pathComponents, use: TokenSettingsController.index)
    signedIn.post(SiteURL.apiTokens.pathComponents, use: TokenSettingsController.create)
    signedIn.post(SiteURL.revokeAPIToken(id: "").pathComponents, use: TokenSettingsController.revoke)

    let api = tenant.grouped(APIMiddleware())
    api.get(["api", "v1", "openapi.yaml"], use: OpenAPIDocument.serve)
    try APIService().registerHandlers(on: VaporTransport(routesBuilder: api), serverURL: URL(string: SiteURL.apiPrefix)!,
                                      configuration: .init(dateTranscoder: RFC3339DateTranscoder()))
    // The generated routes take MAX_BODY_BYTES, except the upload, whose body is a whole file.
    for route in app.routes.all where route.method == .POST && route.path == ["api", "v1", "partner-kit", "files"] {
        route.bodyLimit = .partnerKitFile
    }
    for route in app.routes.all where route.method == .POST && route.path == ["api", "v1", "imports"] {
        route.bodyLimit = ImportController.uploadLimit
    }
    for route in app.routes.all where route.method == .PATCH && route.path == ["api", "v1", "settings", "branding"] {
        route.bodyLimit = .brandingJSON
    }
}
