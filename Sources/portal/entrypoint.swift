import App

@main
enum Entrypoint {
    static func main() async {
        await PortalMain.run(as: "portal")
    }
}
