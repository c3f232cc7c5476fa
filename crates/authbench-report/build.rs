//! Records the compiler version so a report can say what built the binary that measured it.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    // Best effort: a report without the compiler version is still a report.
    if let Ok(out) = Command::new(rustc).arg("--version").output()
        && out.status.success()
        && let Ok(version) = String::from_utf8(out.stdout)
    {
        println!("cargo:rustc-env=AUTHBENCH_RUSTC_VERSION={}", version.trim());
    }
}
