//! The page as bytes: each field where XNU puts it, little-endian; any bytes read as a page
//! without a panic.

use darling_commpage::consts::*;
use darling_commpage::time::{gettimeofday, nanotime};
use darling_commpage::{Arch, CAPABILITIES, Capabilities, Commpage, CommpageData};
use proptest::prelude::*;
use zerocopy::{FromBytes, IntoBytes};

fn u64_at(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap())
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap())
}

#[test]
fn fields_at_xnus_offsets() {
    let page = Commpage::from_host(Arch::X86_64).unwrap();
    let d = page.data();
    let b = d.as_bytes();
    assert_eq!(b.len(), 4096);
    assert_eq!(&b[..16], b"commpage 64-bit\0");
    assert_eq!(
        u64_at(b, _COMM_PAGE_CPU_CAPABILITIES64),
        page.capabilities().bits()
    );
    assert_eq!(u16::from_le_bytes([b[0x1e], b[0x1f]]), 14);
    assert_eq!(
        u32_at(b, _COMM_PAGE_CPU_CAPABILITIES),
        page.capabilities().bits() as u32
    );
    assert_eq!(b[_COMM_PAGE_NCPUS], page.capabilities().num_cpus());
    assert_eq!(
        u16::from_le_bytes([b[0x26], b[0x27]]),
        d.cache_linesize.get()
    );
    assert_eq!(b[_COMM_PAGE_LOGICAL_CPUS], d.logical_cpus);
    assert_eq!(u64_at(b, _COMM_PAGE_MEMORY_SIZE), d.memory_size.get());
    assert_eq!(
        u32_at(b, _COMM_PAGE_NT_GENERATION),
        d.time_data.nt_generation.get()
    );
    assert_eq!(
        u64_at(b, _COMM_PAGE_NT_NS_BASE),
        d.time_data.nt_ns_base.get()
    );
    assert_eq!(u32_at(b, _COMM_PAGE_NT_SCALE), d.time_data.nt_scale.get());
    assert_eq!(
        u64_at(b, _COMM_PAGE_NEWTIMEOFDAY_DATA),
        d.newtimeofday_data.timestamp_tick.get()
    );
    assert_eq!(u64_at(b, _COMM_PAGE_NEWTIMEOFDAY_DATA + 32), 1_000_000_000);
    // Nothing past the ASB values is written.
    assert!(b[0x340..].iter().all(|&x| x == 0));
}

#[test]
fn a_page_from_bytes_reads_back() {
    let page = Commpage::from_host(Arch::I386).unwrap();
    let bytes = page.data().as_bytes().to_vec();
    let again = CommpageData::ref_from_bytes(&bytes).unwrap();
    assert_eq!(again.signature_str(), b"commpage 32-bit");
    assert_eq!(again.cpu_capabilities64.get(), page.capabilities().bits());
    // The time, from the copied bytes, as Apple's readers compute it.
    let now = nanotime(&again.time_data, darling_commpage::rdtsc());
    assert!(now >= again.time_data.nt_ns_base.get());
    assert!(gettimeofday(&again.newtimeofday_data, now).is_some());
    // Any other length is refused, not read past.
    assert!(CommpageData::ref_from_bytes(&bytes[..4095]).is_err());
}

proptest! {
    #[test]
    fn any_bytes_read_without_panic(bytes in prop::collection::vec(any::<u8>(), 4096), tsc: u64, now: u64) {
        let page = CommpageData::ref_from_bytes(&bytes).unwrap();
        let caps = Capabilities(page.cpu_capabilities64.get());
        let _ = (caps.num_cpus(), caps.to_string(), page.ncpus(), page.signature_str());
        let _ = nanotime(&page.time_data, tsc);
        let _ = gettimeofday(&page.newtimeofday_data, now);
        prop_assert_eq!(caps.iter().count(), CAPABILITIES.iter().filter(|c| caps.has(c.bit)).count());
    }
}
