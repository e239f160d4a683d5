//! Time on the commpage: XNU's nanotime parameters and `gettimeofday` snapshot, how Apple's
//! code reads them, and a clock that keeps them in step with Linux's.
//!
//! Absolute time is in nanoseconds (the x86 timebase is 1/1) and follows `CLOCK_MONOTONIC`;
//! the `gettimeofday` snapshot follows `CLOCK_REALTIME`. Between updates, readers
//! extrapolate from the TSC, so the page must be refreshed more often than once a second
//! (500 ms is a good period): `gettimeofday` makes the system call once its snapshot is a
//! second old (XNU's rule), and nanotime drifts from `CLOCK_MONOTONIC` by the TSC rate's
//! error times the time since the last update.
//!
//! The page's absolute time never goes back and never jumps back to meet the clock: each
//! update starts from where the page's time has got to, and chooses the next interval's
//! rate so that the page meets `CLOCK_MONOTONIC` by the next update (running at no less than
//! half speed while it waits for the clock, and jumping forward if it is behind). The TSC
//! rate is measured over all the time since the clock started, and measured again from
//! scratch after a suspend (when `CLOCK_BOOTTIME` and `CLOCK_MONOTONIC` part) or if the TSC
//! goes back.

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
    /// Reads the TSC and the three clocks close together: all three clock readings between
    /// two TSC readings, several times, keeping the tightest (so that a preemption in the
    /// middle of one attempt does not skew the answer).
    pub fn now() -> Sample {
        let once = || {
            let t0 = crate::cpuid::rdtsc();
            let mono = ns(clock_gettime(ClockId::Monotonic));
            let real = clock_gettime(ClockId::Realtime);
            let boot = ns(clock_gettime(ClockId::Boottime));
            let t1 = crate::cpuid::rdtsc();
            let spread = t1.wrapping_sub(t0);
            let sample = Sample {
                tsc: t0.wrapping_add(spread / 3),
                mono,
                real_sec: real.tv_sec as u64,
                real_nsec: real.tv_nsec as u32,
                boot,
            };
            (spread, sample)
        };
        let mut best = once();
        for _ in 0..7 {
            let next = once();
            if next.0 < best.0 {
                best = next;
            }
        }
        best.1
    }

    /// Time suspended so far (`CLOCK_BOOTTIME` − `CLOCK_MONOTONIC`), in whole microseconds:
    /// the two clocks are read some tens of nanoseconds apart.
    pub fn suspended(&self) -> u64 {
        self.boot.saturating_sub(self.mono) / 1000 * 1000
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
/// the TSC's rate against the monotonic clock, and works out the fields to publish.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Where the rate is measured from.
    first: Sample,
    hz: u64,
    /// XNU's pre-shift, fixed by the first rate (and with it `kSlow`).
    shift: u32,
    /// The rate is given, not measured.
    fixed: bool,
    /// The last parameters handed out, and the monotonic time of the sample they came from.
    last: Option<(CommpageTimeData, u64)>,
}

/// A measurement needs this much monotonic time behind it to replace the rate known (the
/// first one, from a short calibration, only 1 ms).
const MEASURE_NS: u64 = 100_000_000;

impl Clock {
    /// Measures the TSC against `CLOCK_MONOTONIC` for `calibration` (a few milliseconds
    /// give some tens of ppm; every later update measures again over all the time since).
    pub fn calibrate(calibration: std::time::Duration) -> Clock {
        let first = Sample::now();
        let end = first.mono + calibration.as_nanos() as u64;
        let mut last = first;
        while last.mono < end {
            std::hint::spin_loop();
            last = Sample::now();
        }
        let hz = rate(&first, &last, 1_000_000).unwrap_or(SLOW_TSC_THRESHOLD + 1);
        Clock {
            first,
            hz,
            shift: timescale(hz).1,
            fixed: false,
            last: None,
        }
    }

    /// A clock for a TSC of a known rate, which it keeps (no measurement).
    pub fn with_frequency(tsc_hz: u64) -> Clock {
        let hz = tsc_hz.max(1);
        Clock {
            first: Sample::now(),
            hz,
            shift: timescale(hz).1,
            fixed: true,
            last: None,
        }
    }

    /// The TSC rate in Hz, as last measured.
    pub fn tsc_hz(&self) -> u64 {
        self.hz
    }

    /// A sample of the clocks, measuring the TSC rate again over all the time since the
    /// clock started (or since the last suspend, or since the TSC went back).
    pub fn sample(&mut self) -> Sample {
        let now = Sample::now();
        let suspend = now.suspended().abs_diff(self.first.suspended()) > 1_000_000;
        if now.tsc < self.first.tsc || now.mono < self.first.mono || suspend {
            self.first = now;
        } else if !self.fixed
            && let Some(hz) = rate(&self.first, &now, MEASURE_NS)
        {
            self.hz = hz;
        }
        now
    }

    /// The fields to publish at TSC value `tsc`, from the sample `s` taken just before.
    ///
    /// The new base is where the previous parameters put the page's time at `tsc` (or
    /// `CLOCK_MONOTONIC`, if that is later): readers that saw the old parameters up to
    /// `tsc` never read more than that, so a writer that reads `tsc` after invalidating the
    /// old parameters keeps the page's time from ever going back.
    pub fn params_at(&mut self, s: &Sample, tsc: u64, generation: u32) -> TimeUpdate {
        let hz = u128::from(self.hz.max(1));
        let since = u128::from(tsc.saturating_sub(s.tsc)) * u128::from(NSEC_PER_SEC) / hz;
        let mono = s.mono.saturating_add(since as u64);
        let page = self.last.as_ref().map(|(td, _)| {
            if tsc >= td.nt_tsc_base.get() {
                nanotime(td, tsc)
            } else {
                td.nt_ns_base.get()
            }
        });
        let base = page.map_or(mono, |p| p.max(mono));
        // Ahead of the clock: run slower over the next interval (as long as the last one),
        // so as to meet it then; never slower than half speed.
        let ahead = u128::from(base - mono);
        let interval = self
            .last
            .as_ref()
            .map_or(NSEC_PER_SEC, |(_, m)| s.mono.saturating_sub(*m));
        let interval = u128::from(interval.clamp(10_000_000, 10 * NSEC_PER_SEC));
        let left = interval.saturating_sub(ahead).max(interval / 2);
        let hz_run = hz * interval / left;
        let cycles = hz_run << self.shift;
        let scale = ((u128::from(NSEC_PER_SEC) << 32) / cycles.max(1)).min(u128::from(u32::MAX));
        let nanotime = CommpageTimeData {
            nt_tsc_base: tsc.into(),
            nt_scale: (scale as u32).into(),
            nt_shift: self.shift.into(),
            nt_ns_base: base.into(),
            nt_generation: generation.max(1).into(),
            ..Default::default()
        };
        self.last = Some((nanotime, s.mono));
        // The snapshot pairs the page's time at `tsc` with the calendar time then, as XNU
        // pairs its tick with the calendar.
        let real =
            u128::from(s.real_sec) * u128::from(NSEC_PER_SEC) + u128::from(s.real_nsec) + since;
        let (sec, nsec) = (
            (real / u128::from(NSEC_PER_SEC)) as u64,
            (real % u128::from(NSEC_PER_SEC)) as u32,
        );
        TimeUpdate {
            nanotime,
            timeofday: timeofday_data(base, sec, nsec),
            cont_timebase: s.suspended(),
            boottime_usec: (real.saturating_sub(u128::from(s.boot) + since) / 1000) as u64,
        }
    }

    /// [`sample`](Self::sample) and [`params_at`](Self::params_at) now, with the next
    /// generation after `generation`: for a page nobody reads meanwhile.
    pub fn update(&mut self, generation: u32) -> TimeUpdate {
        let s = self.sample();
        let next = generation.wrapping_add(1).max(1);
        self.params_at(&s, crate::cpuid::rdtsc(), next)
    }

    /// The shift XNU's nanotime uses with this clock's rate; `kSlow` goes with a nonzero
    /// one.
    pub fn shift(&self) -> u32 {
        self.shift
    }
}

/// The TSC rate between two samples, if at least `min_ns` of monotonic time lies between.
fn rate(from: &Sample, to: &Sample, min_ns: u64) -> Option<u64> {
    let ticks = to.tsc.checked_sub(from.tsc)?;
    let nanos = to.mono.checked_sub(from.mono)?;
    if nanos < min_ns {
        return None;
    }
    let hz = u128::from(ticks) * u128::from(NSEC_PER_SEC) / u128::from(nanos);
    u64::try_from(hz).ok().filter(|&hz| hz > 0)
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

    /// Publishes `n` updates `gap` apart; the page's time at each update, less
    /// CLOCK_MONOTONIC then (ns).
    fn run(clock: &mut Clock, n: usize, gap_ms: u64) -> Vec<i64> {
        let mut offsets = Vec::new();
        let mut last = 0;
        let mut generation = 0;
        for _ in 0..n {
            std::thread::sleep(std::time::Duration::from_millis(gap_ms));
            let u = clock.update(generation);
            generation = u.nanotime.nt_generation.get();
            let t = nanotime(&u.nanotime, crate::cpuid::rdtsc());
            let mono = ns(clock_gettime(ClockId::Monotonic));
            assert!(t >= last, "back from {last} to {t}");
            last = t;
            offsets.push(t as i64 - mono as i64);
        }
        offsets
    }

    #[test]
    fn a_wrong_starting_rate_is_corrected_within_an_interval_or_two() {
        // A clock that starts 2 % slow (too few ticks a second: the page runs fast).
        let right = Clock::calibrate(std::time::Duration::from_millis(5)).tsc_hz();
        let mut clock = Clock::calibrate(std::time::Duration::from_millis(5));
        clock.hz = clock.hz * 98 / 100;
        let offsets = run(&mut clock, 8, 60);
        assert!(
            clock.tsc_hz().abs_diff(right) < right / 1000,
            "{} vs {right}",
            clock.tsc_hz()
        );
        assert!(offsets[7].abs() < 500_000, "{offsets:?}");
        // gettimeofday pairs the page's time with the calendar at the same moment.
        let u = clock.update(1);
        let now = nanotime(&u.nanotime, crate::cpuid::rdtsc());
        let tv = gettimeofday(&u.timeofday, now).expect("a fresh snapshot");
        let real = clock_gettime(ClockId::Realtime);
        let diff = (i128::from(tv.sec) * 1_000_000 + i128::from(tv.usec))
            - (i128::from(real.tv_sec) * 1_000_000 + i128::from(real.tv_nsec) / 1000);
        assert!(diff.abs() < 1000, "{diff} µs");
    }

    #[test]
    fn ahead_of_the_clock_slows_without_going_back() {
        let mut clock = Clock::calibrate(std::time::Duration::from_millis(5));
        clock.update(0);
        if let Some((td, _)) = clock.last.as_mut() {
            td.nt_ns_base = (td.nt_ns_base.get() + 5_000_000).into();
        }
        let offsets = run(&mut clock, 6, 30);
        assert!(offsets[0] > 2_000_000, "{offsets:?}");
        assert!(offsets[5].abs() < 500_000, "{offsets:?}");
    }

    #[test]
    fn slow_tscs_keep_their_shift() {
        // XNU's invariant: a nonzero shift only with kSlow, which is decided once.
        let mut clock = Clock::with_frequency(900_000_000);
        assert_eq!(clock.shift(), 1);
        for g in 0..3 {
            assert_eq!(clock.update(g).nanotime.nt_shift.get(), 1);
        }
        assert_eq!(Clock::with_frequency(2_000_000_000).shift(), 0);
    }

    #[test]
    fn a_given_rate_is_kept() {
        let mut clock = Clock::with_frequency(3_000_000_000);
        run(&mut clock, 3, 110);
        assert_eq!(clock.tsc_hz(), 3_000_000_000);
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
