//! Compiles the MIG interfaces the examples and tests use (window.defs from the Darling
//! documentation's example, and darling-mig's own test interfaces) into `OUT_DIR`.

fn main() {
    let defs = "../mig/tests/data/defs";
    let files: Vec<String> = [
        "window",
        "arrays",
        "kitchen_sink",
        "notify_like",
        "options",
        "ports",
        "server_side",
    ]
    .iter()
    .map(|n| format!("{defs}/{n}.defs"))
    .collect();
    darling_mig::Builder::new()
        .include(format!("{defs}/include"))
        .compile(&files)
        .unwrap_or_else(|e| panic!("MIG: {e}"));
}
