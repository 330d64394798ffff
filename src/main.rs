fn main() -> std::process::ExitCode {
    cronrpc::cli::main()
}
