//! On Linux the `monolint` binary is linked position-dependent (`-no-pie`). A position-
//! independent executable makes the dynamic loader relocate ~31,700 pointers in ~600 KB
//! of tables (the Unicode and entity tables of the dependencies) at every start, writing
//! ~130 pages that a position-dependent one maps from the file unchanged: one 10 KB page,
//! process start to exit, takes 6-8 % less (see BENCHMARKS.md). The executable's own
//! addresses are then not randomized (libraries, heap and stack still are); set
//! `MONOLINT_PIE` when building to link a position-independent one.

fn main() {
    println!("cargo:rerun-if-env-changed=MONOLINT_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if linux && std::env::var_os("MONOLINT_PIE").is_none() {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
