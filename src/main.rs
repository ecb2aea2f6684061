use std::process::ExitCode;

fn main() -> ExitCode {
    briefbot::cli::main()
}
