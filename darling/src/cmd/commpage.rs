//! `darling commpage`: fill XNU's commpage from this machine and print every field.

use std::fmt::Write;

use darling_commpage::consts::*;
use darling_commpage::{
    Arch, CAPABILITIES, Capabilities, Clock, Commpage, CommpageData, FillOptions, Host,
};

/// Arguments of `darling commpage`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which commpage.
    #[arg(long, value_enum, default_value_t = ArchArg::X86_64)]
    pub arch: ArchArg,
    /// Set kIsTranslated (for a runtime without the commpage's text page).
    #[arg(long)]
    pub translated: bool,
    /// Also map the page at its fixed address, and print what is read back from there.
    #[arg(long)]
    pub map: bool,
}

/// [`Arch`] on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchArg {
    /// x86-64, at 0x7fffffe00000.
    #[value(name = "x86_64")]
    X86_64,
    /// i386, at 0xffff0000.
    I386,
}

/// Runs `darling commpage`, returning the text to print.
pub fn run(args: &Args) -> Result<String, String> {
    let arch = match args.arch {
        ArchArg::X86_64 => Arch::X86_64,
        ArchArg::I386 => Arch::I386,
    };
    let host = Host::read().map_err(|e| e.to_string())?;
    let options = FillOptions {
        translated: args.translated,
        ..FillOptions::default()
    };
    let page = Commpage::fill(arch, &host, Clock::calibrate(options.calibration), &options);
    let mut out = String::new();
    let tsc_hz = page.clock().tsc_hz();
    if args.map {
        let mapped = page
            .map()
            .map_err(|e| format!("cannot map the commpage: {e}"))?;
        let _ = writeln!(out, "mapped read-only at {:#x}\n", mapped.address());
        let data = mapped.snapshot();
        print_page(&mut out, arch, &data, tsc_hz, &host);
        let _ = writeln!(
            out,
            "\nfrom the mapped page, as Apple's code computes them:"
        );
        let _ = writeln!(out, "  mach_absolute_time()    {} ns", mapped.nanotime());
        match mapped.gettimeofday() {
            Some(tv) => {
                let _ = writeln!(out, "  gettimeofday()          {}.{:06} s", tv.sec, tv.usec);
            }
            None => {
                let _ = writeln!(out, "  gettimeofday()          (the system call)");
            }
        }
    } else {
        print_page(&mut out, arch, page.data(), tsc_hz, &host);
    }
    Ok(out)
}

fn row(out: &mut String, name: &str, offset: usize, value: impl std::fmt::Display) {
    let _ = writeln!(out, "{offset:#05x}  {name:<36} {value}");
}

fn print_page(out: &mut String, arch: Arch, p: &CommpageData, tsc_hz: u64, host: &Host) {
    let arch_name = match arch {
        Arch::X86_64 => "x86-64",
        Arch::I386 => "i386",
    };
    let _ = writeln!(
        out,
        "commpage ({arch_name}) at {:#x}, version {}\n",
        arch.base(),
        p.version.get()
    );
    let sig = String::from_utf8_lossy(p.signature_str());
    row(
        out,
        "_COMM_PAGE_SIGNATURE",
        _COMM_PAGE_SIGNATURE,
        format!("{sig:?}"),
    );
    let caps = Capabilities(p.cpu_capabilities64.get());
    row(
        out,
        "_COMM_PAGE_CPU_CAPABILITIES64",
        _COMM_PAGE_CPU_CAPABILITIES64,
        format!("{:#018x}", caps.bits()),
    );
    let _ = writeln!(
        out,
        "       {:<24} {:<16} (/proc/cpuinfo)",
        "(XNU)", "(machdep.cpu)"
    );
    for c in CAPABILITIES.iter().filter(|c| caps.has(c.bit)) {
        let _ = writeln!(
            out,
            "       {:<24} {:<16} {}",
            c.name,
            c.machdep.unwrap_or("-"),
            c.cpuinfo.unwrap_or("-")
        );
    }
    let _ = writeln!(out, "       {:<24} {}", "kNumCPUs", caps.num_cpus());
    row(
        out,
        "_COMM_PAGE_VERSION",
        _COMM_PAGE_VERSION,
        p.version.get(),
    );
    row(
        out,
        "_COMM_PAGE_CPU_CAPABILITIES",
        _COMM_PAGE_CPU_CAPABILITIES,
        format!("{:#010x}", p.cpu_capabilities.get()),
    );
    row(out, "_COMM_PAGE_NCPUS", _COMM_PAGE_NCPUS, p.ncpus());
    row(
        out,
        "_COMM_PAGE_CACHE_LINESIZE",
        _COMM_PAGE_CACHE_LINESIZE,
        format!("{} bytes", p.cache_linesize.get()),
    );
    row(
        out,
        "_COMM_PAGE_MEMORY_PRESSURE",
        _COMM_PAGE_MEMORY_PRESSURE,
        p.memory_pressure.get(),
    );
    row(
        out,
        "_COMM_PAGE_ACTIVE_CPUS",
        _COMM_PAGE_ACTIVE_CPUS,
        p.active_cpus,
    );
    row(
        out,
        "_COMM_PAGE_PHYSICAL_CPUS",
        _COMM_PAGE_PHYSICAL_CPUS,
        p.physical_cpus,
    );
    row(
        out,
        "_COMM_PAGE_LOGICAL_CPUS",
        _COMM_PAGE_LOGICAL_CPUS,
        p.logical_cpus,
    );
    row(
        out,
        "_COMM_PAGE_CPU_CLUSTERS",
        _COMM_PAGE_CPU_CLUSTERS,
        p.cpu_clusters,
    );
    let mem = p.memory_size.get();
    row(
        out,
        "_COMM_PAGE_MEMORY_SIZE",
        _COMM_PAGE_MEMORY_SIZE,
        format!("{mem} ({:.1} GiB)", mem as f64 / f64::from(1u32 << 30)),
    );
    let family = p.cpufamily.get();
    let family_name = CPUFAMILIES
        .iter()
        .find(|(f, _)| *f == family)
        .map_or("?", |(_, name)| name);
    let vendor = String::from_utf8_lossy(&host.cpu.vendor);
    row(
        out,
        "_COMM_PAGE_CPUFAMILY",
        _COMM_PAGE_CPUFAMILY,
        format!(
            "{family:#010x} ({family_name}; {vendor} family {} model {:#x})",
            host.cpu.family, host.cpu.model
        ),
    );
    row(
        out,
        "_COMM_PAGE_KDEBUG_ENABLE",
        _COMM_PAGE_KDEBUG_ENABLE,
        p.kdebug_enable.get(),
    );
    row(
        out,
        "_COMM_PAGE_ATM_DIAGNOSTIC_CONFIG",
        _COMM_PAGE_ATM_DIAGNOSTIC_CONFIG,
        p.atm_diagnostic_config.get(),
    );
    row(
        out,
        "_COMM_PAGE_DTRACE_DOF_ENABLED",
        _COMM_PAGE_DTRACE_DOF_ENABLED,
        p.dtrace_dof_enabled,
    );
    row(
        out,
        "_COMM_PAGE_KERNEL_PAGE_SHIFT",
        _COMM_PAGE_KERNEL_PAGE_SHIFT,
        p.kernel_page_shift,
    );
    row(
        out,
        "_COMM_PAGE_USER_PAGE_SHIFT_64",
        _COMM_PAGE_USER_PAGE_SHIFT_64,
        p.user_page_shift_64,
    );
    let td = &p.time_data;
    row(
        out,
        "_COMM_PAGE_NT_TSC_BASE",
        _COMM_PAGE_NT_TSC_BASE,
        td.nt_tsc_base.get(),
    );
    let scale = td.nt_scale.get();
    row(
        out,
        "_COMM_PAGE_NT_SCALE",
        _COMM_PAGE_NT_SCALE,
        format!(
            "{scale} ({:.6} ns a tick: TSC {:.3} MHz{})",
            f64::from(scale) / 4_294_967_296.0,
            tsc_hz as f64 / 1e6,
            if host.cpu.tsc_invariant() {
                ", invariant"
            } else {
                ", NOT invariant"
            }
        ),
    );
    row(
        out,
        "_COMM_PAGE_NT_SHIFT",
        _COMM_PAGE_NT_SHIFT,
        td.nt_shift.get(),
    );
    row(
        out,
        "_COMM_PAGE_NT_NS_BASE",
        _COMM_PAGE_NT_NS_BASE,
        format!("{} ns", td.nt_ns_base.get()),
    );
    row(
        out,
        "_COMM_PAGE_NT_GENERATION",
        _COMM_PAGE_NT_GENERATION,
        td.nt_generation.get(),
    );
    row(
        out,
        "_COMM_PAGE_GTOD_GENERATION",
        _COMM_PAGE_GTOD_GENERATION,
        format!("{} (legacy)", td.gtod_generation.get()),
    );
    row(
        out,
        "_COMM_PAGE_GTOD_NS_BASE",
        _COMM_PAGE_GTOD_NS_BASE,
        format!("{} (legacy)", td.gtod_ns_base.get()),
    );
    row(
        out,
        "_COMM_PAGE_GTOD_SEC_BASE",
        _COMM_PAGE_GTOD_SEC_BASE,
        format!("{} (legacy)", td.gtod_sec_base.get()),
    );
    row(
        out,
        "_COMM_PAGE_APPROX_TIME",
        _COMM_PAGE_APPROX_TIME,
        p.approx_time.get(),
    );
    row(
        out,
        "_COMM_PAGE_APPROX_TIME_SUPPORTED",
        _COMM_PAGE_APPROX_TIME_SUPPORTED,
        p.approx_time_supported,
    );
    row(
        out,
        "_COMM_PAGE_CONT_TIMEBASE",
        _COMM_PAGE_CONT_TIMEBASE,
        format!("{} ns (time suspended)", p.cont_timebase.get()),
    );
    let boot = p.boottime_usec.get();
    row(
        out,
        "_COMM_PAGE_BOOTTIME_USEC",
        _COMM_PAGE_BOOTTIME_USEC,
        format!(
            "{boot} ({}.{:06} s since the epoch)",
            boot / 1_000_000,
            boot % 1_000_000
        ),
    );
    let tod = &p.newtimeofday_data;
    let base = _COMM_PAGE_NEWTIMEOFDAY_DATA;
    row(
        out,
        "_COMM_PAGE_NEWTIMEOFDAY_DATA",
        base,
        "new_commpage_timeofday_data_t:",
    );
    row(
        out,
        "  TimeStamp_tick",
        base,
        format!("{} ns", tod.timestamp_tick.get()),
    );
    row(out, "  TimeStamp_sec", base + 8, tod.timestamp_sec.get());
    row(
        out,
        "  TimeStamp_frac",
        base + 16,
        format!("{:#018x}", tod.timestamp_frac.get()),
    );
    row(out, "  Ticks_scale", base + 24, tod.ticks_scale.get());
    row(out, "  Ticks_per_sec", base + 32, tod.ticks_per_sec.get());
    row(
        out,
        "_COMM_PAGE_DYLD_FLAGS",
        _COMM_PAGE_DYLD_FLAGS,
        format!("{:#x}", p.dyld_flags.get()),
    );
    let clusters = p.cpu_to_cluster.iter().filter(|&&c| c != 0).count();
    row(
        out,
        "_COMM_PAGE_CPU_TO_CLUSTER",
        _COMM_PAGE_CPU_TO_CLUSTER,
        if clusters == 0 {
            "every CPU in cluster 0".to_owned()
        } else {
            format!("{clusters} CPUs outside cluster 0")
        },
    );
    row(
        out,
        "_COMM_PAGE_ASB_TARGET_VALUE",
        _COMM_PAGE_ASB_TARGET_VALUE,
        format!("{:#x}", p.asb_target_value.get()),
    );
    row(
        out,
        "_COMM_PAGE_ASB_TARGET_ADDRESS",
        _COMM_PAGE_ASB_TARGET_ADDRESS,
        format!("{:#x}", p.asb_target_address.get()),
    );
    row(
        out,
        "_COMM_PAGE_ASB_TARGET_KERN_VALUE",
        _COMM_PAGE_ASB_TARGET_KERN_VALUE,
        format!("{:#x}", p.asb_target_kern_value.get()),
    );
    row(
        out,
        "_COMM_PAGE_ASB_TARGET_KERN_ADDRESS",
        _COMM_PAGE_ASB_TARGET_KERN_ADDRESS,
        format!("{:#x}", p.asb_target_kern_address.get()),
    );
}
