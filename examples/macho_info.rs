//! Summarises a Mach-O file, fat file or static archive with darling-macho: slices, header, dependencies,
//! exports, fixups and signature.
//!
//! Run with `cargo run --example macho_info -- FILE` (without FILE it reads one of the
//! committed test fixtures).

use darling_macho::{Command, File, MachO, MemberKind, arch_name, dylib_short_name};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../macho/tests/data/bin/fat-libhelper.dylib"
        )
        .to_owned()
    });
    let data = std::fs::read(&path)?;
    match File::parse(&data)? {
        File::MachO(m) => describe(&m)?,
        File::Fat(fat) => {
            println!("{path}: fat file with {} slices", fat.len());
            for arch in fat.arches() {
                println!(
                    "\n== slice {} ({}), {} bytes at {:#x}",
                    arch.index,
                    arch_name(arch.cputype, arch.cpusubtype).unwrap_or("?"),
                    arch.size,
                    arch.offset
                );
                describe(&fat.macho(&arch)?)?;
            }
        }
        File::Archive(archive) => {
            println!("{path}: static archive");
            for member in archive.members() {
                let member = member?;
                if member.kind != MemberKind::File {
                    continue;
                }
                println!("\n== member {}", String::from_utf8_lossy(member.name));
                match MachO::parse(member.data) {
                    Ok(m) => describe(&m)?,
                    Err(e) => println!("  not a Mach-O file: {e}"),
                }
            }
        }
        _ => println!("{path}: a kind of file this example does not know"),
    }
    Ok(())
}

fn describe(m: &MachO<'_>) -> Result<(), Box<dyn std::error::Error>> {
    let h = m.header();
    println!(
        "{}-bit {}, filetype {}, {} load commands, flags {:#x}",
        if m.is_64() { 64 } else { 32 },
        arch_name(h.cputype, h.cpusubtype).unwrap_or("unknown CPU"),
        h.filetype,
        h.ncmds,
        h.flags
    );
    for lc in m.load_commands() {
        match lc?.parse()? {
            Command::Dylib(d) => {
                let name = d.name.bytes()?;
                let short = dylib_short_name(name).unwrap_or(name);
                println!(
                    "  {:?} {} ({})",
                    d.kind,
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(short)
                );
            }
            Command::Segment(s) => {
                println!(
                    "  segment {:<16} {:#018x} {:>8} bytes, {} sections",
                    String::from_utf8_lossy(s.name()),
                    s.vmaddr(),
                    s.vmsize(),
                    s.nsects()
                );
            }
            _ => {}
        }
    }
    if let Some(trie) = m.exports_trie()? {
        let exports: Vec<_> = trie.iter().collect::<Result<_, _>>()?;
        match exports.first() {
            Some(first) => println!(
                "  {} exports, e.g. {}",
                exports.len(),
                String::from_utf8_lossy(&first.name)
            ),
            None => println!("  no exports"),
        }
    }
    if let Some(info) = m.dyld_info()? {
        let binds = darling_macho::Binds::new(
            m,
            darling_macho::BindKind::Bind,
            info.bind_off,
            info.bind_size,
        )?
        .count();
        let rebases = darling_macho::Rebases::new(m, info.rebase_off, info.rebase_size)?.count();
        println!("  dyld info: {rebases} rebases, {binds} binds");
    }
    if let Some(chained) = m.chained_fixups()? {
        let fixups = chained.fixups().collect::<Result<Vec<_>, _>>()?;
        println!(
            "  chained fixups: {} fixups, {} imports",
            fixups.len(),
            chained.header().imports_count
        );
    }
    if let Some(sig) = m.code_signature()?
        && let Some(cd) = sig.code_directory()?
    {
        let cdhash: String = cd
            .cdhash()
            .map(|h| h.iter().map(|b| format!("{b:02x}")).collect())
            .unwrap_or_default();
        println!(
            "  signed: identifier {}, cdhash {cdhash}",
            String::from_utf8_lossy(cd.identifier()?)
        );
    }
    Ok(())
}
