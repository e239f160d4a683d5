//! Typed views of the thread states of `LC_THREAD` and `LC_UNIXTHREAD`: each
//! [`ThreadState`] seen as the register layout its flavor names for the file's CPU, in place.
//!
//! Flavor numbers are per CPU family (1 is `x86_THREAD_STATE32` on x86 and
//! `ARM_THREAD_STATE` on ARM), so a view needs the header's `cputype`. This module decides
//! which layout a state has; it never reads past the state's bytes.

use zerocopy::{FromBytes, Immutable, KnownLayout, Unaligned};

use crate::endian::U32;
use crate::load_command::ThreadState;
use crate::raw::{self, *};

/// A thread state viewed as its flavor's layout ([`ThreadState::view`]). Decode fields with
/// the file's [`Endianness`](crate::Endianness).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum ThreadStateView<'data> {
    /// `x86_THREAD_STATE32` on i386 or x86_64.
    X86ThreadState32(&'data X86ThreadState32),
    /// `x86_THREAD_STATE64` on i386 or x86_64.
    X86ThreadState64(&'data X86ThreadState64),
    /// `x86_THREAD_STATE`: a header naming the member, then the member.
    X86ThreadState(&'data X86ThreadState),
    /// `x86_FLOAT_STATE64`.
    X86FloatState64(&'data X86FloatState64),
    /// `x86_FLOAT_STATE`: a header naming the member, then the member.
    X86FloatState(&'data X86FloatState),
    /// `x86_EXCEPTION_STATE64`.
    X86ExceptionState64(&'data X86ExceptionState64),
    /// `x86_EXCEPTION_STATE`: a header naming the member, then the member.
    X86ExceptionState(&'data X86ExceptionState),
    /// `ARM_THREAD_STATE` (or `ARM_THREAD_STATE32`) on 32-bit ARM.
    ArmThreadState32(&'data ArmThreadState32),
    /// `ARM_THREAD_STATE64` on arm64 or arm64_32.
    ArmThreadState64(&'data ArmThreadState64),
    /// A flavor this crate has no layout for on this CPU, or a state shorter than its
    /// flavor's layout: the state's whole 32-bit words.
    Unknown {
        /// The flavor.
        flavor: u32,
        /// The state's words (a last partial word is left out).
        words: &'data [U32],
    },
}

impl<'data> ThreadStateView<'data> {
    /// Views `state`, a thread state of `flavor` in a file for `cputype`. It is
    /// [`Unknown`](Self::Unknown) if the flavor has no layout here or `state` is shorter
    /// than the layout; bytes past the layout are ignored.
    pub fn parse(cputype: i32, flavor: u32, state: &'data [u8]) -> Self {
        let x86 = cputype == raw::CPU_TYPE_X86_64 || cputype == raw::CPU_TYPE_I386;
        let arm64 = cputype == raw::CPU_TYPE_ARM64 || cputype == raw::CPU_TYPE_ARM64_32;
        let view = match flavor {
            X86_THREAD_STATE32 if x86 => at(state).map(Self::X86ThreadState32),
            X86_THREAD_STATE64 if x86 => at(state).map(Self::X86ThreadState64),
            X86_THREAD_STATE if x86 => at(state).map(Self::X86ThreadState),
            X86_FLOAT_STATE64 if x86 => at(state).map(Self::X86FloatState64),
            X86_FLOAT_STATE if x86 => at(state).map(Self::X86FloatState),
            X86_EXCEPTION_STATE64 if x86 => at(state).map(Self::X86ExceptionState64),
            X86_EXCEPTION_STATE if x86 => at(state).map(Self::X86ExceptionState),
            ARM_THREAD_STATE | ARM_THREAD_STATE32 if cputype == raw::CPU_TYPE_ARM => {
                at(state).map(Self::ArmThreadState32)
            }
            ARM_THREAD_STATE64 if arm64 => at(state).map(Self::ArmThreadState64),
            _ => None,
        };
        view.unwrap_or_else(|| {
            let whole = state.len() / size_of::<U32>() * size_of::<U32>();
            let words = <[U32]>::ref_from_bytes(&state[..whole]).unwrap_or(&[]);
            Self::Unknown { flavor, words }
        })
    }
}

/// The `T` at the start of `state`, if it is long enough.
fn at<T>(state: &[u8]) -> Option<&T>
where
    T: FromBytes + KnownLayout + Immutable + Unaligned,
{
    crate::read::view(state, 0)
}

impl<'data> ThreadState<'data> {
    /// The state viewed as its flavor's layout for a file of `cputype` (the header's).
    ///
    /// ```
    /// use darling_macho::{Command, MachO, ThreadStateView};
    ///
    /// let data = std::fs::read("tests/data/bin/synth-core-x86_64")?;
    /// let macho = MachO::parse(&data)?;
    /// for lc in macho.load_commands() {
    ///     if let Command::Thread(states) = lc?.parse()? {
    ///         for s in states.iter() {
    ///             if let ThreadStateView::X86ThreadState64(r) = s.view(macho.header().cputype) {
    ///                 println!("rip {:#x}", r.rip.get(macho.endian()));
    ///             }
    ///         }
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn view(&self, cputype: i32) -> ThreadStateView<'data> {
        ThreadStateView::parse(cputype, self.flavor, self.state)
    }
}
