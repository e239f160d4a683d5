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
        let online = cpu_list("online")?;
        // Without `present` (or with an empty one), the CPUs online are all there is.
        let present = cpu_list("present")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| online.clone());
        Ok(Self::count(&present, &online, |cpu, f| {
            std::fs::read_to_string(format!("{CPU_DIR}/cpu{cpu}/topology/{f}"))
                .ok()
                .map(|s| s.trim().to_owned())
        }))
    }

    /// The counts for these CPU lists, with `topology(cpu, file)` reading a CPU's
    /// `topology/` file (Linux has them for the CPUs online only).
    pub fn count(
        present: &BTreeSet<u32>,
        online: &BTreeSet<u32>,
        topology: impl Fn(u32, &str) -> Option<String>,
    ) -> HostCounts {
        let known: Vec<(String, String)> = present
            .iter()
            .filter_map(|&cpu| {
                Some((
                    topology(cpu, "physical_package_id")?,
                    topology(cpu, "core_id")?,
                ))
            })
            .collect();
        let cores: BTreeSet<&(String, String)> = known.iter().collect();
        let logical = u32::try_from(present.len()).unwrap_or(u32::MAX).max(1);
        let physical = if cores.is_empty() {
            logical
        } else {
            // CPUs without a topology (offline ones) count as cores of the same width.
            let unknown = present.len() - known.len();
            let threads_per_core = known.len().div_ceil(cores.len()).max(1);
            u32::try_from(cores.len() + unknown.div_ceil(threads_per_core)).unwrap_or(u32::MAX)
        };
        let active = u32::try_from(online.intersection(present).count()).unwrap_or(u32::MAX);
        let info = rustix::system::sysinfo();
        // `totalram` is 32 bits wide on 32-bit targets.
        #[allow(clippy::useless_conversion)]
        let memory = u64::from(info.totalram).saturating_mul(u64::from(info.mem_unit.max(1)));
        let page = rustix::param::page_size();
        HostCounts {
            logical,
            active: active.clamp(1, logical),
            physical: physical.clamp(1, logical),
            memory,
            page_shift: page.trailing_zeros() as u8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_with_offline_and_missing_topology() {
        let set = |r: std::ops::RangeInclusive<u32>| r.collect::<BTreeSet<u32>>();
        // Four CPUs present, two online, two threads a core: the offline pair is one core
        // more.
        let smt = |cpu: u32, f: &str| match f {
            "core_id" if cpu < 2 => Some("0".to_owned()),
            "physical_package_id" if cpu < 2 => Some("0".to_owned()),
            _ => None,
        };
        let c = HostCounts::count(&set(0..=3), &set(0..=1), smt);
        assert_eq!((c.logical, c.active, c.physical), (4, 2, 2));
        // No topology at all: as many cores as CPUs.
        let c = HostCounts::count(&set(0..=3), &set(0..=3), |_, _| None);
        assert_eq!((c.logical, c.active, c.physical), (4, 4, 4));
        // Nothing present (a broken sysfs): one CPU, as every count must be at least.
        let c = HostCounts::count(&BTreeSet::new(), &BTreeSet::new(), |_, _| None);
        assert_eq!((c.logical, c.active, c.physical), (1, 1, 1));
    }

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
