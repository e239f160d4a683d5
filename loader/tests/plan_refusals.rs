//! The planning step on hand-built images: a minimal executable is planned as written, and
//! each thing the runtime cannot load is refused with the error that names it.

use darling_loader::{FixupFormat, Plan, PlanError, SegmentPlan};

const CPU_TYPE_X86_64: u32 = 0x0100_0007;
const CPU_TYPE_ARM64: u32 = 0x0100_000c;
const MH_EXECUTE: u32 = 2;
const MH_DYLIB: u32 = 6;
const MH_PIE: u32 = 0x20_0000;
const LC_SEGMENT_64: u32 = 0x19;
const LC_MAIN: u32 = 0x8000_0028;
const LC_UNIXTHREAD: u32 = 0x5;
const LC_SUB_FRAMEWORK: u32 = 0x12;
const BASE: u64 = 0x1_0000_0000;

/// One `LC_SEGMENT_64` without sections.
#[derive(Clone)]
struct Seg {
    name: &'static str,
    vmaddr: u64,
    vmsize: u64,
    fileoff: u64,
    filesize: u64,
    maxprot: u32,
    initprot: u32,
}

/// A minimal x86-64 executable: `__PAGEZERO`, `__TEXT` (the header and `main` at
/// `entryoff`), `__LINKEDIT`, and `LC_MAIN`; every part can be changed before `build`.
#[derive(Clone)]
struct Image {
    cputype: u32,
    filetype: u32,
    flags: u32,
    segments: Vec<Seg>,
    main: Option<(u64, u64)>,
    /// Extra raw load commands: `(cmd, body)`.
    extra: Vec<(u32, Vec<u8>)>,
    file_len: usize,
}

impl Image {
    fn new() -> Self {
        Image {
            cputype: CPU_TYPE_X86_64,
            filetype: MH_EXECUTE,
            flags: MH_PIE,
            segments: vec![
                seg("__PAGEZERO", 0, BASE, 0, 0, 0, 0),
                seg("__TEXT", BASE, 0x1000, 0, 0x1000, 5, 5),
                seg("__LINKEDIT", BASE + 0x1000, 0x1000, 0x1000, 0x100, 1, 1),
            ],
            main: Some((0x800, 0)),
            extra: Vec::new(),
            file_len: 0x1100,
        }
    }

    fn build(&self) -> Vec<u8> {
        let mut cmds = Vec::new();
        let mut ncmds = 0u32;
        for s in &self.segments {
            let mut name = [0u8; 16];
            name[..s.name.len()].copy_from_slice(s.name.as_bytes());
            put32(&mut cmds, LC_SEGMENT_64);
            put32(&mut cmds, 72);
            cmds.extend_from_slice(&name);
            for v in [s.vmaddr, s.vmsize, s.fileoff, s.filesize] {
                put64(&mut cmds, v);
            }
            for v in [s.maxprot, s.initprot, 0, 0] {
                put32(&mut cmds, v);
            }
            ncmds += 1;
        }
        if let Some((entryoff, stacksize)) = self.main {
            put32(&mut cmds, LC_MAIN);
            put32(&mut cmds, 24);
            put64(&mut cmds, entryoff);
            put64(&mut cmds, stacksize);
            ncmds += 1;
        }
        for (cmd, body) in &self.extra {
            put32(&mut cmds, *cmd);
            put32(&mut cmds, 8 + body.len() as u32);
            cmds.extend_from_slice(body);
            ncmds += 1;
        }
        let mut file = Vec::new();
        let subtype = if self.cputype == CPU_TYPE_X86_64 {
            3
        } else {
            0
        };
        for v in [0xfeed_facf, self.cputype, subtype, self.filetype, ncmds] {
            put32(&mut file, v);
        }
        put32(&mut file, cmds.len() as u32);
        put32(&mut file, self.flags);
        put32(&mut file, 0);
        file.extend_from_slice(&cmds);
        file.resize(self.file_len.max(file.len()), 0);
        file
    }
}

fn seg(
    name: &'static str,
    vmaddr: u64,
    vmsize: u64,
    fileoff: u64,
    filesize: u64,
    maxprot: u32,
    initprot: u32,
) -> Seg {
    Seg {
        name,
        vmaddr,
        vmsize,
        fileoff,
        filesize,
        maxprot,
        initprot,
    }
}

fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}

fn put64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

/// A fat file (`FAT_MAGIC`) of `slices` `(cputype, bytes)`, each at a 4 KiB boundary.
fn fat(slices: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut file = Vec::new();
    file.extend_from_slice(&0xcafe_babe_u32.to_be_bytes());
    file.extend_from_slice(&(slices.len() as u32).to_be_bytes());
    let mut offset = 0x1000u32;
    let mut bodies = Vec::new();
    for (cputype, bytes) in slices {
        let subtype = if *cputype == CPU_TYPE_X86_64 { 3 } else { 0 };
        for v in [*cputype, subtype, offset, bytes.len() as u32, 12] {
            file.extend_from_slice(&v.to_be_bytes());
        }
        bodies.push((offset, bytes));
        offset += (bytes.len() as u32).next_multiple_of(0x1000);
    }
    for (at, bytes) in bodies {
        file.resize(at as usize, 0);
        file.extend_from_slice(bytes);
    }
    file
}

fn refused(image: &Image) -> PlanError {
    Plan::new(&image.build()).expect_err("refused")
}

fn bad_segment(name: &str, problem: &str) -> PlanError {
    PlanError::BadSegment {
        name: name.into(),
        problem: problem.into(),
    }
}

#[test]
fn a_minimal_executable_is_planned_as_written() {
    let plan = Plan::new(&Image::new().build()).unwrap();
    assert!(plan.pie);
    assert_eq!(plan.image_offset, 0);
    assert_eq!(plan.base_address, BASE);
    assert_eq!(plan.entry, BASE + 0x800);
    assert_eq!(plan.stack_size, 0);
    assert_eq!(plan.fixup_format, FixupFormat::None);
    assert!(plan.dylibs.is_empty() && plan.imports.is_empty() && plan.fixups.is_empty());
    let names: Vec<&str> = plan.segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["__PAGEZERO", "__TEXT", "__LINKEDIT"]);
    assert!(plan.segments[0].is_reservation());
    assert_eq!(
        plan.segments[1],
        SegmentPlan {
            name: "__TEXT".into(),
            vmaddr: BASE,
            vmsize: 0x1000,
            fileoff: 0,
            filesize: 0x1000,
            initprot: 5,
            maxprot: 5,
        }
    );
    assert_eq!(plan.mapped_range(), Some((BASE, BASE + 0x2000)));

    let mut fixed = Image::new();
    fixed.flags = 0;
    fixed.main = Some((0x10, 0x10_0000));
    let plan = Plan::new(&fixed.build()).unwrap();
    assert!(!plan.pie);
    assert_eq!((plan.entry, plan.stack_size), (BASE + 0x10, 0x10_0000));
}

#[test]
fn not_mach_o() {
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    assert_eq!(
        Plan::new(&elf),
        Err(PlanError::NotMachO { magic: 0x7f45_4c46 })
    );
    assert!(matches!(
        Plan::new(b"#!/bin/sh\necho hi\n"),
        Err(PlanError::NotMachO { .. })
    ));
    assert!(matches!(Plan::new(b""), Err(PlanError::Malformed(_))));
}

#[test]
fn another_architecture() {
    let mut arm = Image::new();
    arm.cputype = CPU_TYPE_ARM64;
    assert_eq!(
        refused(&arm),
        PlanError::WrongArchitecture {
            arch: "arm64".into()
        }
    );
    assert_eq!(
        refused(&arm).to_string(),
        "a Mach-O for arm64, expected x86_64"
    );
}

#[test]
fn a_fat_file_gives_its_x86_64_slice() {
    let mut arm = Image::new();
    arm.cputype = CPU_TYPE_ARM64;
    let file = fat(&[
        (CPU_TYPE_ARM64, arm.build()),
        (CPU_TYPE_X86_64, Image::new().build()),
    ]);
    let plan = Plan::new(&file).unwrap();
    assert_eq!(plan.image_offset, 0x3000);
    assert_eq!(plan.entry, BASE + 0x800);

    let only_arm = fat(&[(CPU_TYPE_ARM64, arm.build())]);
    assert_eq!(
        Plan::new(&only_arm),
        Err(PlanError::NoX86_64Slice {
            arches: vec!["arm64".into()]
        })
    );
}

#[test]
fn a_dylib_is_not_a_program() {
    let mut dylib = Image::new();
    dylib.filetype = MH_DYLIB;
    let e = refused(&dylib);
    assert_eq!(
        e,
        PlanError::NotExecutable {
            filetype: MH_DYLIB,
            kind: "dynamic library"
        }
    );
    assert_eq!(
        e.to_string(),
        "a Mach-O dynamic library (filetype 6), expected an executable (MH_EXECUTE)"
    );
}

#[test]
fn truncated_segments() {
    let mut short = Image::new();
    short.file_len = 0x1080;
    assert_eq!(
        refused(&short),
        bad_segment(
            "__LINKEDIT",
            "file bytes 0x1000..0x1100 past the end of the file (0x1080 bytes)"
        )
    );
    let mut cut = Image::new().build();
    cut.truncate(0x40);
    assert!(matches!(Plan::new(&cut), Err(PlanError::Malformed(_))));
}

#[test]
fn overlapping_segments() {
    let mut image = Image::new();
    image
        .segments
        .push(seg("__DATA", BASE + 0x1000, 0x1000, 0, 0, 3, 3));
    assert_eq!(
        refused(&image),
        PlanError::OverlappingSegments {
            first: "__LINKEDIT".into(),
            second: "__DATA".into()
        }
    );
}

#[test]
fn segments_the_runtime_cannot_map() {
    let mut image = Image::new();
    image.segments[2].filesize = 0x2000;
    image.file_len = 0x3000;
    assert_eq!(
        refused(&image),
        bad_segment("__LINKEDIT", "filesize 0x2000 larger than vmsize 0x1000")
    );

    let mut image = Image::new();
    image.segments[2].vmaddr = BASE + 0x1800;
    assert_eq!(
        refused(&image),
        bad_segment(
            "__LINKEDIT",
            "vmaddr 0x100001800 and fileoff 0x1000 must be multiples of the page size"
        )
    );

    let mut image = Image::new();
    image.segments[2].vmaddr = u64::MAX - 0xfff;
    assert_eq!(
        refused(&image),
        bad_segment(
            "__LINKEDIT",
            "vmaddr 0xfffffffffffff000 + vmsize 0x1000 past the end of the address space"
        )
    );

    let mut image = Image::new();
    image.segments[1].initprot = 7;
    assert_eq!(
        refused(&image),
        bad_segment("__TEXT", "initprot 0x7 is not within maxprot 0x5")
    );

    let mut image = Image::new();
    image.segments.remove(1);
    assert_eq!(
        refused(&image),
        bad_segment("__TEXT", "no segment maps the Mach header (file offset 0)")
    );
}

#[test]
fn entry_points() {
    let mut image = Image::new();
    image.main = None;
    assert_eq!(refused(&image), PlanError::NoEntryPoint);

    let mut image = Image::new();
    image.main = Some((0x1010, 0));
    assert_eq!(
        refused(&image),
        PlanError::BadEntryPoint {
            entry: BASE + 0x1010
        }
    );

    let mut image = Image::new();
    image.extra.push((LC_MAIN, vec![0; 16]));
    assert_eq!(
        refused(&image).to_string(),
        "load command 4 (LC_MAIN): a second LC_MAIN"
    );
}

#[test]
fn unsupported_load_commands() {
    let mut image = Image::new();
    image.main = None;
    // x86_THREAD_STATE64 (flavor 4, count 42), all registers 0.
    let mut thread = Vec::new();
    put32(&mut thread, 4);
    put32(&mut thread, 42);
    thread.resize(8 + 42 * 4, 0);
    image.extra.push((LC_UNIXTHREAD, thread));
    assert_eq!(
        refused(&image),
        PlanError::Unsupported {
            index: 3,
            name: "LC_UNIXTHREAD".into(),
            why: "an entry given as a thread state (pre-10.8 executables): expected LC_MAIN",
        }
    );

    let mut image = Image::new();
    let mut body = Vec::new();
    put32(&mut body, 12);
    body.extend_from_slice(b"Foo\0");
    image.extra.push((LC_SUB_FRAMEWORK, body));
    assert_eq!(
        refused(&image).to_string(),
        "load command 4 (LC_SUB_FRAMEWORK): not something the runtime can load"
    );
}
