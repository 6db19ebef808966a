//! The build script every function (and the benchmark's hello world)
//! shares: link the Lambda binary as a position-dependent executable.
//!
//! Why: a position-independent executable carries a relocation for every
//! pointer in its data (each vtable, string table and static), 1.3 MB of
//! the HTTP function's 10 MB, and the loader applies them all at every
//! cold start. A fixed load address gives up address randomisation of the
//! binary's own image; each function runs alone in its own microVM, and
//! the size target (every function under 10 MB) and the start are worth more.
//! The flag goes to the linker after rustc's own `-pie`, so the last one
//! wins, with the system `cc` here and with `zig cc` in cargo-lambda's
//! cross builds (checked: `zig cc -target aarch64-linux-gnu -pie … -no-pie`
//! gives an `ET_EXEC`). Only the binaries: tests and libraries link as
//! before.

fn main() {
    println!("cargo:rustc-link-arg-bins=-no-pie");
}
