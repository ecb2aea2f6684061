//! Links the `briefbot` binary with packed relative relocations (DT_RELR)
//! when the toolchain and C library building it support them: the program's
//! relocation table shrinks from about 1.6 MB to a few KB, and with it the
//! bot's resident size (BENCHMARKS.md, "The bot under load").
//!
//! Only when it is safe: building for this machine's own Linux/glibc, glibc
//! 2.36 or later (older loaders refuse such a program: "version
//! GLIBC_ABI_DT_RELR not found"), and GNU ld 2.38 or later (which knows the
//! option; rustc may link with its own lld instead, which knows it too, so
//! this check only ever errs on the side of leaving it off).
//! `BRIEFBOT_NO_RELR=1` turns it off.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // The migrations are embedded by include_dir!, which cannot tell cargo
    // about a folder added there; this can.
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=BRIEFBOT_NO_RELR");
    if relr_supported() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn relr_supported() -> bool {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    if env("BRIEFBOT_NO_RELR") == "1"
        || env("TARGET") != env("HOST")
        || env("CARGO_CFG_TARGET_OS") != "linux"
        || env("CARGO_CFG_TARGET_ENV") != "gnu"
    {
        return false;
    }
    // "glibc 2.36"
    let glibc = output("getconf", &["GNU_LIBC_VERSION"]).and_then(|text| {
        let version = text.strip_prefix("glibc ")?.trim().to_string();
        Some(version)
    });
    // "GNU ld (GNU Binutils for Debian) 2.40"
    let ld = output("ld", &["--version"]).and_then(|text| {
        let first = text.lines().next()?.to_string();
        first
            .starts_with("GNU ld")
            .then(|| first.rsplit(' ').next().unwrap_or_default().to_string())
    });
    matches!((glibc, ld), (Some(glibc), Some(ld)) if at_least(&glibc, (2, 36)) && at_least(&ld, (2, 38)))
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// "2.40" or "2.36.1" is at least `(major, minor)`.
fn at_least(version: &str, (major, minor): (u32, u32)) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}
