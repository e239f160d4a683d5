//! This machine's page against what Linux says of the machine in other places:
//! `/proc/cpuinfo`, `/proc/meminfo`, the cache descriptions in sysfs.

use std::collections::BTreeSet;
use std::fs;

use darling_commpage::consts::*;
use darling_commpage::{AVX512_GATED, Arch, CAPABILITIES, Commpage, CpuFacts, HostCpuid};

fn cpuinfo() -> String {
    fs::read_to_string("/proc/cpuinfo").unwrap()
}

fn field<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim())
        .collect()
}

#[test]
fn capability_bits_agree_with_proc_cpuinfo() {
    let page = Commpage::from_host(Arch::X86_64).unwrap();
    let caps = page.capabilities();
    let info = cpuinfo();
    let flags: BTreeSet<&str> = field(&info, "flags")[0].split_whitespace().collect();
    let mut compared = Vec::new();
    for c in CAPABILITIES {
        let Some(name) = c.cpuinfo else { continue };
        // XNU never advertises these, whatever the processor has.
        if c.bit == kHasMPX || c.bit == kHasSGX {
            assert!(!caps.has(c.bit));
            continue;
        }
        // Nor these without AVX-512 state (Linux lists avx512f only where it saves it), even
        // the ones a processor can have without AVX-512 (VAES, VPCLMULQDQ).
        let advertised =
            flags.contains(name) && (c.bit & AVX512_GATED == 0 || flags.contains("avx512f"));
        assert_eq!(caps.has(c.bit), advertised, "{} / {name}: {caps}", c.name);
        compared.push(name);
    }
    println!(
        "{} capability bits agree with /proc/cpuinfo: {}",
        compared.len(),
        compared.join(" ")
    );
}

#[test]
fn counts_agree_with_proc_cpuinfo() {
    let page = Commpage::from_host(Arch::X86_64).unwrap();
    let d = page.data();
    let info = cpuinfo();
    let processors = field(&info, "processor").len();
    assert_eq!(usize::from(d.active_cpus), processors.min(255));
    assert!(d.logical_cpus >= d.active_cpus);
    assert_eq!(d.ncpus(), d.logical_cpus);
    // Cores: distinct (physical id, core id) pairs, where cpuinfo gives them.
    let (ids, cores) = (field(&info, "physical id"), field(&info, "core id"));
    if ids.len() == processors && cores.len() == processors {
        let distinct: BTreeSet<_> = ids.iter().zip(&cores).collect();
        assert_eq!(usize::from(d.physical_cpus), distinct.len());
    }
    assert!(d.physical_cpus <= d.logical_cpus);
}

#[test]
fn cache_line_agrees_with_sysfs() {
    let page = Commpage::from_host(Arch::X86_64).unwrap();
    // XNU publishes the L2 line (the L1 data line where there is no L2).
    let dir = "/sys/devices/system/cpu/cpu0/cache";
    let mut lines = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let read = |f: &str| fs::read_to_string(entry.path().join(f)).map(|s| s.trim().to_owned());
        if let (Ok(level), Ok(kind), Ok(line)) =
            (read("level"), read("type"), read("coherency_line_size"))
        {
            lines.push((level, kind, line.parse::<u16>().unwrap()));
        }
    }
    let l2 = lines
        .iter()
        .find(|(l, k, _)| l == "2" && k == "Unified")
        .map(|x| x.2);
    let l1d = lines
        .iter()
        .find(|(l, k, _)| l == "1" && k == "Data")
        .map(|x| x.2);
    assert_eq!(
        Some(page.data().cache_linesize.get()),
        l2.or(l1d),
        "{lines:?}"
    );
    let caps = page.capabilities();
    let bit = match page.data().cache_linesize.get() {
        64 => kCache64,
        128 => kCache128,
        _ => kCache32,
    };
    assert!(caps.has(bit));
}

#[test]
fn memory_and_page_size() {
    let page = Commpage::from_host(Arch::X86_64).unwrap();
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap();
    let kib: u64 = field(&meminfo, "MemTotal")[0]
        .trim_end_matches(" kB")
        .parse()
        .unwrap();
    assert_eq!(page.data().memory_size.get(), kib * 1024);
    assert_eq!(page.data().kernel_page_shift, 12);
    assert_eq!(page.data().user_page_shift_64, 12);
}

#[test]
fn family_model_and_cpufamily() {
    let facts = CpuFacts::read(&HostCpuid);
    let info = cpuinfo();
    assert_eq!(
        field(&info, "cpu family")[0].parse::<u32>().unwrap(),
        facts.family
    );
    assert_eq!(
        field(&info, "model")[0].parse::<u32>().unwrap(),
        facts.model
    );
    let vendor = field(&info, "vendor_id")[0];
    assert_eq!(vendor.as_bytes(), facts.vendor);
    let want = if facts.family == 6 {
        CPUID_MODELS
            .iter()
            .find(|m| m.0 == facts.model)
            .map_or(CPUFAMILY_UNKNOWN, |m| m.2)
    } else {
        CPUFAMILY_UNKNOWN
    };
    let page = Commpage::from_host(Arch::X86_64).unwrap();
    assert_eq!(page.data().cpufamily.get(), want);
}

#[test]
fn signatures_and_addresses() {
    for (arch, sig, base) in [
        (Arch::X86_64, "commpage 64-bit", 0x7fff_ffe0_0000),
        (Arch::I386, "commpage 32-bit", 0xffff_0000),
    ] {
        let page = Commpage::from_host(arch).unwrap();
        assert_eq!(page.data().signature_str(), sig.as_bytes());
        // 15 characters and a NUL in a 16-byte field, as XNU copies them.
        assert_eq!(page.data().signature[15], 0);
        assert_eq!(arch.base(), base);
        assert_eq!(page.data().version.get(), 14);
    }
}
