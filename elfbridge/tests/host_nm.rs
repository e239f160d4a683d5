//! Every shared object under this machine's library directories, listed by us and by
//! `llvm-nm-19 -D --defined-only`: the listings must be equal, byte for byte.

use std::path::Path;
use std::process::Command;

use darling_elfbridge::SharedObject;
use darling_elfbridge::nm::{Filter, write_listing};
use darling_elfbridge::system::shared_objects;

fn ours(path: &Path) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let object = SharedObject::parse(&bytes).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    write_listing(&mut out, &object, Filter::DefinedOnly).map_err(|e| e.to_string())?;
    Ok(out)
}

fn llvm(path: &Path) -> Result<Vec<u8>, String> {
    let out = Command::new("llvm-nm-19")
        .args(["-D", "--defined-only"])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(out.stdout)
}

#[test]
#[ignore = "needs llvm-nm-19 (apt-get install llvm-19)"]
fn every_host_library_lists_as_llvm_nm_lists_it() {
    let libraries = shared_objects();
    assert!(
        libraries.len() >= 50,
        "expected hundreds of host libraries, found {}",
        libraries.len()
    );
    let mut equal = 0;
    let mut differ = Vec::new();
    for path in &libraries {
        match (ours(path), llvm(path)) {
            (Ok(a), Ok(b)) if a == b => equal += 1,
            (a, b) => differ.push((path.clone(), a, b)),
        }
    }
    println!("{equal} of {} libraries equal", libraries.len());
    for (path, a, b) in differ.iter().take(5) {
        println!("-- {}", path.display());
        let show = |r: &Result<Vec<u8>, String>| match r {
            Ok(v) => String::from_utf8_lossy(&v[..v.len().min(600)]).into_owned(),
            Err(e) => format!("error: {e}"),
        };
        println!("ours:\n{}\nllvm-nm-19:\n{}", show(a), show(b));
    }
    assert!(
        differ.is_empty(),
        "{} of {} libraries differ",
        differ.len(),
        libraries.len()
    );
}
