import Vapor

/// `portal bench …`: measurements printed as figures (see scripts/bench).
struct BenchCommands: AsyncCommandGroup {
    let help = "Measure the portal's hot paths and print figures."
    let commands: [String: any AnyAsyncCommand] = ["access": AccessBenchmarkCommand()]
}
