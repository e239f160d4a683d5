//! Compiles the MIG interface of the runtime's host server (`defs/mach_host.defs`) with
//! darling-mig into `OUT_DIR`.

fn main() {
    println!("cargo::rerun-if-changed=defs/mach_host.defs");
    darling_mig::Builder::new()
        .compile(&["defs/mach_host.defs"])
        .unwrap_or_else(|e| panic!("MIG: {e}"));
}
