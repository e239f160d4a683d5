//! Time on the commpage: XNU's nanotime parameters and `gettimeofday` snapshot, how Apple's
//! code reads them, and a clock that keeps them in step with Linux's.
//!
//! Absolute time is in nanoseconds (the x86 timebase is 1/1) and follows `CLOCK_MONOTONIC`;
//! the `gettimeofday` snapshot follows `CLOCK_REALTIME`. Between updates, readers
//! extrapolate from the TSC, so the page must be refreshed ([`Clock::update`]) at least once
//! a second: `gettimeofday` falls back to the system call once its snapshot is a second old
//! (XNU's rule), and nanotime drifts from `CLOCK_MONOTONIC` by the TSC frequency's error
//! times the time since the last refresh (the error starts near 50 ppm after the first
//! calibration and falls as the clock watches the TSC longer).

use rustix::time::{ClockId, clock_gettime};

use crate::consts::{NSEC_PER_SEC, SLOW_TSC_THRESHOLD};
use crate::layout::{CommpageTimeData, NewCommpageTimeofdayData};

/// `rtc_set_timescale`: nanotime's `(scale, shift)` for a TSC of `tsc_hz`. A TSC at or below
/// [`SLOW_TSC_THRESHOLD`] is shifted left until it is above, so that the 32-bit scale does
/// not overflow.
pub fn timescale(tsc_hz: u64) -> (u32, u32) {
    let mut cycles = tsc_hz.max(1);
    let mut shift = 0;
    while cycles <= SLOW_TSC_THRESHOLD {
        shift += 1;
        cycles <<= 1;
    }
    (((NSEC_PER_SEC << 32) / cycles) as u32, shift)
}

/// `mach_absolute_time` from the nanotime parameters and a TSC value, as Apple's x86-64
/// `mach_absolute_time.s` computes it: `(((tsc - base) << (shift & 31)) * scale >> 32) +
/// ns_base`, in wrapping 64-bit arithmetic with a 128-bit product.
pub fn nanotime(td: &CommpageTimeData, tsc: u64) -> u64 {
    let shift = td.nt_shift.get() & 0x1f;
    let delta = tsc.wrapping_sub(td.nt_tsc_base.get()) << shift;
    let ns = (u128::from(delta) * u128::from(td.nt_scale.get())) >> 32;
    (ns as u64).wrapping_add(td.nt_ns_base.get())
}

/// A `struct timeval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeVal {
    /// Seconds since the epoch.
    pub sec: i64,
    /// Microseconds.
    pub usec: u32,
}

/// `gettimeofday` from the snapshot at absolute time `now`, as Apple's
/// `__commpage_gettimeofday` computes it; `None` where it makes the system call instead (no
/// snapshot, a snapshot a second old or more, or seconds beyond `LONG_MAX`).
pub fn gettimeofday(tod: &NewCommpageTimeofdayData, now: u64) -> Option<TimeVal> {
    let tick = tod.timestamp_tick.get();
    if tick == 0 {
        return None;
    }
    let delta = now.wrapping_sub(tick);
    if delta >= tod.ticks_per_sec.get() {
        return None;
    }
    let mut sec = i64::try_from(tod.timestamp_sec.get()).ok()?;
    let scale = tod.ticks_scale.get();
    let over = (u128::from(scale) * u128::from(delta)) >> 64;
    sec = sec.wrapping_add(over as i64);
    let base = tod.timestamp_frac.get();
    let frac = base.wrapping_add(scale.wrapping_mul(delta));
    if base > frac {
        sec = sec.wrapping_add(1);
    }
    let usec = (1_000_000 * u64::from((frac >> 32) as u32)) >> 32;
    Some(TimeVal {
        sec,
        usec: usec as u32,
    })
}

/// The snapshot for absolute time `abs` (ns) at wall-clock time `sec` + `nsec`, with XNU's
/// scale for nanosecond ticks (`(2^63 / ticks_per_sec) * 2`).
pub fn timeofday_data(abs: u64, sec: u64, nsec: u32) -> NewCommpageTimeofdayData {
    let frac = ((u128::from(nsec) << 64) / u128::from(NSEC_PER_SEC)) as u64;
    NewCommpageTimeofdayData {
        timestamp_tick: abs.into(),
        timestamp_sec: sec.into(),
        timestamp_frac: frac.into(),
        ticks_scale: ((1u64 << 63) / NSEC_PER_SEC * 2).into(),
        ticks_per_sec: NSEC_PER_SEC.into(),
    }
}

/// A moment read from both clocks and the TSC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The TSC, between the two clock readings.
    pub tsc: u64,
    /// `CLOCK_MONOTONIC` in nanoseconds.
    pub mono: u64,
    /// `CLOCK_REALTIME` seconds.
    pub real_sec: u64,
    /// `CLOCK_REALTIME` nanoseconds.
    pub real_nsec: u32,
    /// `CLOCK_BOOTTIME` in nanoseconds (monotonic time plus time suspended), as of the
    /// monotonic reading.
    pub boot: u64,
}

fn ns(t: rustix::time::Timespec) -> u64 {
    (t.tv_sec as u64)
        .wrapping_mul(NSEC_PER_SEC)
        .wrapping_add(t.tv_nsec as u64)
}

impl Sample {
    /// Reads the TSC and both clocks close together: the TSC read around the monotonic
    /// clock, several times, keeping the tightest pair.
    pub fn now() -> Sample {
        let once = || {
            let t0 = crate::cpuid::rdtsc();
            let mono = clock_gettime(ClockId::Monotonic);
            let t1 = crate::cpuid::rdtsc();
            let real = clock_gettime(ClockId::Realtime);
            // The boot clock between two monotonic readings, so that their difference (the
            // time suspended) is not inflated by the time between the reads.
            let boot = ns(clock_gettime(ClockId::Boottime));
            let mono2 = ns(clock_gettime(ClockId::Monotonic));
            let mono = ns(mono);
            let spread = t1.wrapping_sub(t0);
            let sample = Sample {
                tsc: t0.wrapping_add(spread / 2),
                mono,
                real_sec: real.tv_sec as u64,
                real_nsec: real.tv_nsec as u32,
                boot: boot.wrapping_sub(mono2.wrapping_sub(mono) / 2),
            };
            (spread, sample)
        };
        let mut best = once();
        for _ in 0..4 {
            let next = once();
            if next.0 < best.0 {
                best = next;
            }
        }
        best.1
    }
}

/// One update of the page's time fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeUpdate {
    /// The nanotime parameters (with the generation to publish them under).
    pub nanotime: CommpageTimeData,
    /// The `gettimeofday` snapshot.
    pub timeofday: NewCommpageTimeofdayData,
    /// `_COMM_PAGE_CONT_TIMEBASE`: what `mach_continuous_time` adds to absolute time, the
    /// time spent suspended (`CLOCK_BOOTTIME` − `CLOCK_MONOTONIC`, in whole microseconds).
    pub cont_timebase: u64,
    /// `_COMM_PAGE_BOOTTIME_USEC`: the wall-clock time of boot, in microseconds.
    pub boottime_usec: u64,
}

/// Keeps the commpage's time in step with `CLOCK_MONOTONIC` and `CLOCK_REALTIME`: measures
/// the TSC's frequency against the monotonic clock (over a longer baseline at every update),
/// and hands out the fields to publish.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Where the frequency is measured from.
    first: Sample,
    hz: u64,
    /// The last parameters handed out, and the monotonic time they were made at.
    last: Option<(CommpageTimeData, u64)>,
    generation: u32,
    /// The last measurement disagreed with `hz`, and measuring started again from there.
    suspect: bool,
}

impl Clock {
    /// Measures the TSC against `CLOCK_MONOTONIC` for `calibration` (a few milliseconds
    /// give about 50 ppm; every [`update`](Self::update) measures again over all the time
    /// since).
    pub fn calibrate(calibration: std::time::Duration) -> Clock {
        let first = Sample::now();
        let end = first.mono + calibration.as_nanos() as u64;
        let mut last = first;
        while last.mono < end {
            std::hint::spin_loop();
            last = Sample::now();
        }
        let mut clock = Clock {
            first,
            hz: 0,
            last: None,
            generation: 0,
            suspect: false,
        };
        clock.hz = clock.measure(&last).unwrap_or(SLOW_TSC_THRESHOLD + 1);
        clock
    }

    /// A clock for a TSC of a known frequency (no measurement).
    pub fn with_frequency(tsc_hz: u64) -> Clock {
        Clock {
            first: Sample::now(),
            hz: tsc_hz.max(1),
            last: None,
            generation: 0,
            suspect: false,
        }
    }

    /// The TSC frequency in Hz, as last measured.
    pub fn tsc_hz(&self) -> u64 {
        self.hz
    }

    fn measure(&self, now: &Sample) -> Option<u64> {
        let ticks = now.tsc.checked_sub(self.first.tsc)?;
        let nanos = now.mono.checked_sub(self.first.mono)?;
        if nanos < 1_000_000 {
            return None;
        }
        let hz = u128::from(ticks) * u128::from(NSEC_PER_SEC) / u128::from(nanos);
        u64::try_from(hz).ok().filter(|&hz| hz > 0)
    }

    /// The fields for this moment, and the next generation number (never 0).
    ///
    /// Absolute time never goes back: if the last parameters ran ahead of
    /// `CLOCK_MONOTONIC`, the new base is where they had got to.
    pub fn update(&mut self) -> TimeUpdate {
        let now = Sample::now();
        if let Some(hz) = self.measure(&now) {
            if hz.abs_diff(self.hz) > self.hz / 100 && !self.suspect {
                // The TSC and the clock parted (a suspend, a TSC reset), or the rate was
                // wrong: keep it for now, and measure again from here; a second measurement
                // that disagrees too is taken.
                self.first = now;
                self.suspect = true;
            } else {
                self.hz = hz;
                self.suspect = false;
            }
        }
        // Where the page's time has got to: never back.
        let page = self.last.map(|(td, _)| nanotime(&td, now.tsc));
        let ahead = page.map_or(now.mono, |p| p.max(now.mono));
        // If it ran ahead of the clock, run slower until the clock catches up: by as much as
        // the time since the last update would take to absorb it, at most 1 %.
        let behind_by = ahead - now.mono;
        let interval = self
            .last
            .map_or(NSEC_PER_SEC, |(_, mono)| now.mono.saturating_sub(mono))
            .clamp(1_000_000, 10 * NSEC_PER_SEC);
        let slow_ppm = (u128::from(behind_by) * 1_000_000 / u128::from(interval)).min(10_000);
        let hz = u128::from(self.hz) * (1_000_000 + slow_ppm) / 1_000_000;
        let (scale, shift) = timescale(u64::try_from(hz).unwrap_or(u64::MAX));
        self.generation = self.generation.wrapping_add(1).max(1);
        let nanotime = CommpageTimeData {
            nt_tsc_base: now.tsc.into(),
            nt_scale: scale.into(),
            nt_shift: shift.into(),
            nt_ns_base: ahead.into(),
            nt_generation: self.generation.into(),
            ..Default::default()
        };
        self.last = Some((nanotime, now.mono));
        // The wall clock at the moment absolute time says it is.
        let skew = ahead - now.mono;
        let real = u128::from(now.real_sec) * u128::from(NSEC_PER_SEC)
            + u128::from(now.real_nsec)
            + u128::from(skew);
        let (sec, nsec) = (
            (real / u128::from(NSEC_PER_SEC)) as u64,
            (real % u128::from(NSEC_PER_SEC)) as u32,
        );
        let real_ns =
            u128::from(now.real_sec) * u128::from(NSEC_PER_SEC) + u128::from(now.real_nsec);
        TimeUpdate {
            nanotime,
            timeofday: timeofday_data(ahead, sec, nsec),
            // Whole microseconds: the two clocks are read a few tens of nanoseconds apart.
            cont_timebase: now.boot.saturating_sub(now.mono) / 1000 * 1000,
            boottime_usec: (real_ns.saturating_sub(u128::from(now.boot)) / 1000) as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timescales_as_xnu() {
        // A 2.5 GHz TSC: 0.4 ns a tick.
        let (scale, shift) = timescale(2_500_000_000);
        assert_eq!(shift, 0);
        assert_eq!(scale, ((1_000_000_000u64 << 32) / 2_500_000_000) as u32);
        // Slow TSCs are shifted up past the threshold.
        assert_eq!(timescale(SLOW_TSC_THRESHOLD).1, 1);
        assert_eq!(timescale(SLOW_TSC_THRESHOLD + 1).1, 0);
        assert_eq!(timescale(250_000_000).1, 3);
        assert_eq!(timescale(0).1, 30);
    }

    #[test]
    fn nanotime_math() {
        let (scale, shift) = timescale(2_000_000_000);
        let td = CommpageTimeData {
            nt_tsc_base: 1000.into(),
            nt_scale: scale.into(),
            nt_shift: shift.into(),
            nt_ns_base: 5_000.into(),
            ..Default::default()
        };
        assert_eq!(nanotime(&td, 1000), 5_000);
        assert_eq!(nanotime(&td, 1000 + 2_000_000_000), 5_000 + 1_000_000_000);
        // The shift is masked to five bits, as the x86-64 reader masks it (old kernels
        // wrote 32 for "no shift").
        let old = CommpageTimeData {
            nt_shift: 32.into(),
            ..td
        };
        assert_eq!(nanotime(&old, 3000), nanotime(&td, 3000));
    }

    #[test]
    fn a_wrong_frequency_is_corrected() {
        let mut clock = Clock::with_frequency(10_000_000_000);
        let wrong = clock.tsc_hz();
        for _ in 0..3 {
            std::thread::sleep(std::time::Duration::from_millis(20));
            clock.update();
        }
        assert_ne!(clock.tsc_hz(), wrong);
        let right = Clock::calibrate(std::time::Duration::from_millis(5)).tsc_hz();
        assert!(
            clock.tsc_hz().abs_diff(right) < right / 100,
            "{} vs {right}",
            clock.tsc_hz()
        );
    }

    #[test]
    fn time_never_goes_back_and_catches_up() {
        // Parameters that ran 5 ms ahead of CLOCK_MONOTONIC: the page's time must never
        // step back, and must slow down (by at most 1 %) until the clock has caught up.
        let mut clock = Clock::calibrate(std::time::Duration::from_millis(5));
        clock.update();
        if let Some((td, _)) = clock.last.as_mut() {
            td.nt_ns_base = (td.nt_ns_base.get() + 5_000_000).into();
        }
        let mut last = 0;
        let mut offsets = Vec::new();
        for _ in 0..40 {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let u = clock.update();
            let t = nanotime(&u.nanotime, crate::cpuid::rdtsc());
            let mono = ns(clock_gettime(ClockId::Monotonic));
            assert!(t >= last, "back from {last} to {t}");
            last = t;
            offsets.push(t as i64 - mono as i64);
        }
        assert!(offsets[0] > 3_000_000, "{offsets:?}");
        assert!(offsets[39].abs() < 1_000_000, "{offsets:?}");
    }

    #[test]
    fn gettimeofday_math() {
        let tod = timeofday_data(1_000, 1_700_000_000, 999_999_500);
        assert_eq!(
            gettimeofday(&tod, 1_000),
            Some(TimeVal {
                sec: 1_700_000_000,
                usec: 999_999
            })
        );
        // 2 µs later the second carries over.
        assert_eq!(
            gettimeofday(&tod, 3_000),
            Some(TimeVal {
                sec: 1_700_000_001,
                usec: 1
            })
        );
        // XNU's conversion truncates twice (frac to 32 bits, then to µs): a whole number of
        // microseconds can read one less.
        let edge = timeofday_data(1_000, 1_700_000_000, 999_999_000);
        assert_eq!(gettimeofday(&edge, 1_000).map(|t| t.usec), Some(999_998));
        // A second old, or no snapshot: the system call.
        assert_eq!(gettimeofday(&tod, 1_000 + NSEC_PER_SEC), None);
        assert_eq!(gettimeofday(&NewCommpageTimeofdayData::default(), 5), None);
        let huge = timeofday_data(1, u64::MAX, 0);
        assert_eq!(gettimeofday(&huge, 1), None);
    }
}
