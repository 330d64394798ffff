//! Links the cronrpc binary with packed relative relocations (DT_RELR) where the linker can.
//!
//! cronrpc is a position-independent executable (kept so: it runs as root, and address
//! randomisation is worth having), and its static data holds ~44,000 pointers that the dynamic
//! loader fixes up at every start. As plain RELA entries they are a megabyte the loader has to
//! read on each start of a stdio session; packed, they are ~18 KiB. Measured on the 2-core test
//! VM: cold `health` ~0.55 ms faster (see README, Benchmarks). Needs binutils >= 2.38 and glibc
//! >= 2.36 (Debian 12 and later); elsewhere the flag is left out and nothing changes.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.contains("linux-gnu") {
        return;
    }
    if linker_packs_relative_relocs() && glibc_reads_relr() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the system's `ld` (what `cc` links with) knows `-z pack-relative-relocs`.
fn linker_packs_relative_relocs() -> bool {
    Command::new("ld")
        .arg("--help")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("pack-relative-relocs"))
        .unwrap_or(false)
}

/// Whether the C library the binary will load with reads DT_RELR (glibc 2.36 and later).
fn glibc_reads_relr() -> bool {
    let Ok(out) = Command::new("getconf").arg("GNU_LIBC_VERSION").output() else {
        return false;
    };
    // "glibc 2.36"
    let text = String::from_utf8_lossy(&out.stdout);
    let mut version = text.trim().trim_start_matches("glibc ").split('.');
    let major: u32 = version.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    let minor: u32 = version.next().and_then(|v| v.parse().ok()).unwrap_or(0);
    (major, minor) >= (2, 36)
}
