//! The host's CPU counts, memory and page size, from Linux.

use std::collections::BTreeSet;

use crate::error::Error;

/// What the commpage says of the machine besides the processor's features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostCounts {
    /// `hw.logicalcpu_max` (and `kNumCPUs`, `_COMM_PAGE_NCPUS`): CPUs present.
    pub logical: u32,
    /// `hw.activecpu`: CPUs online.
    pub active: u32,
    /// `hw.physicalcpu_max`: cores (distinct package and core ids among the CPUs present);
    /// the logical count where Linux gives no topology.
    pub physical: u32,
    /// Physical memory in bytes.
    pub memory: u64,
    /// The page shift (12 for 4 KiB pages).
    pub page_shift: u8,
}

const CPU_DIR: &str = "/sys/devices/system/cpu";

/// The CPUs of a Linux CPU list (`0-3,8,10-11`).
pub fn parse_cpu_list(text: &str) -> Option<BTreeSet<u32>> {
    let mut cpus = BTreeSet::new();
    for part in text.trim().split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
                if a > b || b - a > 1 << 16 {
                    return None;
                }
                cpus.extend(a..=b);
            }
            None => {
                cpus.insert(part.parse().ok()?);
            }
        }
    }
    Some(cpus)
}

fn cpu_list(name: &'static str) -> Result<BTreeSet<u32>, Error> {
    let path = format!("{CPU_DIR}/{name}");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Host {
        what: name,
        errno: e.raw_os_error().unwrap_or(0),
    })?;
    parse_cpu_list(&text).ok_or(Error::HostFormat { what: name })
}

impl HostCounts {
    /// Reads the counts from sysfs and `sysinfo(2)`.
    ///
    /// # Errors
    /// `/sys/devices/system/cpu/present` or `online` cannot be read or parsed.
    pub fn read() -> Result<HostCounts, Error> {
        let present = cpu_list("present")?;
        let online = cpu_list("online")?;
        let cores: BTreeSet<(String, String)> = present
            .iter()
            .filter_map(|cpu| {
                let topo = |f: &str| {
                    std::fs::read_to_string(format!("{CPU_DIR}/cpu{cpu}/topology/{f}"))
                        .ok()
                        .map(|s| s.trim().to_owned())
                };
                Some((topo("physical_package_id")?, topo("core_id")?))
            })
            .collect();
        let logical = u32::try_from(present.len()).unwrap_or(u32::MAX);
        let physical = if cores.is_empty() {
            logical
        } else {
            u32::try_from(cores.len()).unwrap_or(u32::MAX)
        };
        let info = rustix::system::sysinfo();
        // `totalram` is 32 bits wide on 32-bit targets.
        #[allow(clippy::useless_conversion)]
        let memory = u64::from(info.totalram).saturating_mul(u64::from(info.mem_unit.max(1)));
        let page = rustix::param::page_size();
        Ok(HostCounts {
            logical,
            active: u32::try_from(online.len()).unwrap_or(u32::MAX),
            physical,
            memory,
            page_shift: page.trailing_zeros() as u8,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        let set = |v: &[u32]| v.iter().copied().collect::<BTreeSet<u32>>();
        assert_eq!(
            parse_cpu_list("0-3,8,10-11\n"),
            Some(set(&[0, 1, 2, 3, 8, 10, 11]))
        );
        assert_eq!(parse_cpu_list("0"), Some(set(&[0])));
        assert_eq!(parse_cpu_list(""), Some(set(&[])));
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("a"), None);
        assert_eq!(parse_cpu_list("0-4294967295"), None);
    }
}
