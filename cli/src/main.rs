//! `sdl`: runs Systems Design Lab systems and scenarios headless. `sdl list`, `sdl
//! describe ID`, `sdl run …` print text, JSON, Prometheus text or CSV. Bad input prints
//! one line naming the problem and exits with status 2; it never panics.

mod args;
mod commands;
mod gameday;
mod tutorial;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match commands::dispatch(&argv) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`sdl run … | head`) is not an error worth a backtrace.
            let _ = stdout.write_all(out.as_bytes());
            let _ = stdout.flush();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sdl: error: {e}");
            ExitCode::from(2)
        }
    }
}
