//! The load-command walk allocates nothing: parsing the header, walking every command and
//! decoding each into its typed view (segments with their sections, dylibs with their
//! names, build versions with their tools) is done over the borrowed bytes alone.
//!
//! A counting global allocator observes every allocation made on the test's own thread
//! while the walk runs; the walk over every committed fixture (thin files and fat slices)
//! must leave the count unchanged. Only that thread counts: the test harness's main thread
//! allocates while the test runs (it formats the `test … ...` line), and on a loaded
//! machine those allocations land inside the measured window.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use darling_macho::{Command, File, MachO};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Whether allocations on this thread are counted; const-initialised, so reading it
    /// never allocates.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

/// Counts one allocation if the calling thread is the one being measured.
fn count() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator, which upholds the
// GlobalAlloc contract; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's layout is passed through as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: ptr was returned by System.alloc with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as for alloc and dealloc.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Walks every load command of `m` and touches every part of its typed view; returns how
/// many commands were decoded.
fn walk(m: &MachO<'_>) -> usize {
    let mut n = 0;
    for lc in m.load_commands() {
        let Ok(lc) = lc else { break };
        let Ok(cmd) = lc.parse() else { continue };
        match cmd {
            Command::Segment(s) => {
                std::hint::black_box(s.name());
                for section in s.sections() {
                    std::hint::black_box(section.name());
                }
            }
            Command::Dylib(d) => {
                let _ = std::hint::black_box(d.name.bytes());
            }
            Command::BuildVersion(b) => {
                for tool in b.tools.iter() {
                    std::hint::black_box(tool);
                }
            }
            other => {
                std::hint::black_box(other);
            }
        }
        n += 1;
    }
    n
}

#[test]
fn load_command_walk_does_not_allocate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bin");
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("fixture"))
        .collect();
    files.sort();
    assert!(files.len() > 20, "fixtures in {}", dir.display());

    COUNTING.set(true);
    let mut commands = 0;
    for data in &files {
        match File::parse(data) {
            Ok(File::MachO(m)) => commands += walk(&m),
            Ok(File::Fat(fat)) => {
                for arch in fat.arches() {
                    if let Ok(m) = fat.slice_data(&arch).and_then(MachO::parse) {
                        commands += walk(&m);
                    }
                }
            }
            Ok(File::Archive(archive)) => {
                for member in archive.members().map_while(Result::ok) {
                    if let Ok(m) = MachO::parse(member.data) {
                        commands += walk(&m);
                    }
                }
            }
            Ok(_) | Err(_) => {}
        }
    }
    COUNTING.set(false);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    assert!(commands > 200, "walked {commands} commands");
    assert_eq!(allocations, 0, "{allocations} allocations while walking");
}
