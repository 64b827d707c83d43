//! The threaded engine: one dedicated OS thread runs the chain in bursts of
//! sequential steps under a duty cycle; the caller absorbs nonces, closes and
//! opens windows from any thread.
//!
//! Duty cycle: time is cut into periods (`period`, default 20 ms). In each the
//! thread computes bursts of `burst_steps` until it has been busy for
//! `duty × period`, then sleeps until the period ends. `duty = 1.0` is flat out.
//! A burst holds the prover lock and hands it over fairly, so a caller waits at
//! most one burst (tens of µs). [`Engine::close`] is idempotent and joins the
//! thread; dropping the engine closes it. A window never exceeds
//! [`crate::limits::MAX_WINDOW_STEPS`]; if the caller does not close it in
//! time the thread idles until it does.
//!
//! Per step the thread does one hash plus the prover's checkpoint bookkeeping.
//! Per burst it reads one relaxed atomic for `stop`, one for queued nonces
//! (the queue's mutex is taken only when one is waiting), takes the
//! uncontended prover lock and reads the clock once. Nonces are absorbed at
//! the start of a burst; `stats().pending_nonces == 0` means all are in.
//!
//! The thread touches nothing but its own [`Shared`] state (no JavaScript
//! values, no statics that a host tears down), so it stays sound even when the
//! host process exits without closing the engine.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::chain::Nonce;
use crate::prover::{seal, ProveError, Prover, DEFAULT_MAX_SEGMENTS};

/// Default share of one core: 5 %.
pub const DEFAULT_DUTY: f64 = 0.05;
/// Default duty-cycle period.
pub const DEFAULT_PERIOD: Duration = Duration::from_millis(20);
/// Steps per burst between lock hand-overs when duty-cycled (~30 µs on a 2020s x86 core).
pub const DEFAULT_BURST_STEPS: u64 = 256;
/// Steps per burst when flat out (~0.5 ms): fewer clock reads and lock
/// round-trips, which cost microseconds in sandboxed kernels.
pub const FLAT_OUT_BURST_STEPS: u64 = 4096;
/// Most nonces waiting for absorption (extra ones are refused).
pub const MAX_PENDING_NONCES: usize = 256;

#[derive(Debug, Clone, Copy)]
pub struct EngineConfig {
    /// Share of one core, in (0, 1].
    pub duty: f64,
    pub period: Duration,
    pub burst_steps: u64,
    pub max_segments: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { duty: DEFAULT_DUTY, period: DEFAULT_PERIOD, burst_steps: DEFAULT_BURST_STEPS, max_segments: DEFAULT_MAX_SEGMENTS }
    }
}

impl EngineConfig {
    pub fn validate(&self) -> Result<(), &'static str> {
        if !(self.duty > 0.0 && self.duty <= 1.0) {
            return Err("duty must be in (0, 1]");
        }
        if self.period < Duration::from_millis(1) || self.period > Duration::from_secs(10) {
            return Err("period must be between 1 ms and 10 s");
        }
        if self.burst_steps == 0 || self.burst_steps > 1 << 20 {
            return Err("burst_steps must be in 1..=2^20");
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct EngineStats {
    pub height: u64,
    pub busy_ns: u64,
    pub windows: u64,
    pub pending_nonces: u64,
}

struct Shared {
    prover: Mutex<Prover>,
    /// Nonces waiting for the next burst boundary (at most `MAX_PENDING_NONCES`).
    /// Lock order: `prover` before `pending`.
    pending: Mutex<VecDeque<Nonce>>,
    /// `pending.len()`, readable without the lock.
    queued: AtomicUsize,
    /// Set once by `close`; the sleeper checks it under `pending`'s lock.
    stop: AtomicBool,
    wake: Condvar,
    busy_ns: AtomicU64,
    windows: AtomicU64,
}

pub struct Engine {
    shared: Arc<Shared>,
    key: SigningKey,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Engine {
    pub fn start(seed: &[u8; 32], config: EngineConfig) -> Result<Engine, &'static str> {
        config.validate()?;
        let prover = Prover::new(seed, config.max_segments);
        let key = prover.signing_key().clone();
        let shared = Arc::new(Shared {
            prover: Mutex::new(prover),
            pending: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            wake: Condvar::new(),
            busy_ns: AtomicU64::new(0),
            windows: AtomicU64::new(0),
        });
        let worker = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("lagoon-vdf".into())
            .spawn(move || run(&worker, config))
            .map_err(|_| "cannot spawn the VDF thread")?;
        Ok(Engine { shared, key, thread: Mutex::new(Some(thread)) })
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Queues `nonce`; the thread absorbs it at its next step boundary.
    /// Returns false if the queue is full or the engine is closed.
    pub fn absorb(&self, nonce: Nonce) -> bool {
        let mut pending = self.shared.pending.lock();
        if self.shared.stop.load(Ordering::Relaxed) || pending.len() >= MAX_PENDING_NONCES {
            return false;
        }
        pending.push_back(nonce);
        self.shared.queued.store(pending.len(), Ordering::Relaxed);
        true
    }

    /// Closes the current window: signed header bytes. Blocks for at most one
    /// burst, then builds the Merkle tree and signs without the lock.
    pub fn close_window(&self) -> Result<Vec<u8>, ProveError> {
        let (building, end) = {
            let mut p = self.shared.prover.lock();
            let b = p.take_window()?;
            (b, p.head())
        };
        let sealed = seal(building, end, &self.key);
        let bytes = sealed.bytes.clone();
        self.shared.prover.lock().store(sealed);
        self.shared.windows.fetch_add(1, Ordering::Relaxed);
        Ok(bytes)
    }

    pub fn open(&self, window: u64, challenge: &Nonce, show: Option<&Nonce>, k: u32) -> Result<Vec<u8>, ProveError> {
        self.shared.prover.lock().open(window, challenge, show, k)
    }

    pub fn stats(&self) -> EngineStats {
        let height = self.shared.prover.lock().height();
        EngineStats {
            height,
            busy_ns: self.shared.busy_ns.load(Ordering::Relaxed),
            windows: self.shared.windows.load(Ordering::Relaxed),
            pending_nonces: self.shared.queued.load(Ordering::Relaxed) as u64,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.thread.lock().is_none()
    }

    /// Stops and joins the thread. Idempotent.
    pub fn close(&self) {
        let Some(handle) = self.thread.lock().take() else { return };
        self.shared.stop.store(true, Ordering::Relaxed);
        {
            // Notify under the lock the sleeper checks `stop` under: no lost wake-up.
            let _pending = self.shared.pending.lock();
            self.shared.wake.notify_all();
        }
        // A panic on the chain thread has already ended it; nothing to propagate.
        let _ = handle.join();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.close();
    }
}

fn run(shared: &Shared, config: EngineConfig) {
    let flat_out = config.duty >= 1.0;
    let budget = config.period.mul_f64(config.duty);
    let burst_steps = if flat_out { config.burst_steps.max(FLAT_OUT_BURST_STEPS) } else { config.burst_steps };
    let mut period_start = Instant::now();
    let mut busy = Duration::ZERO;
    let mut last = period_start;
    while !shared.stop.load(Ordering::Relaxed) {
        let ran = {
            let mut p = shared.prover.lock();
            if shared.queued.load(Ordering::Relaxed) > 0 {
                absorb_queued(shared, &mut p);
            }
            let ran = p.advance(burst_steps);
            MutexGuard::unlock_fair(p);
            ran
        };
        if ran == 0 {
            // The window holds MAX_WINDOW_STEPS: wait (one period at a time)
            // for `close_window` instead of spinning on the lock.
            sleep_until(shared, Instant::now() + config.period);
            period_start = Instant::now();
            last = period_start;
            busy = Duration::ZERO;
            continue;
        }
        // One clock read per burst: the time since the previous one is busy time.
        let now = Instant::now();
        let spent = now - last;
        last = now;
        shared.busy_ns.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
        if flat_out {
            continue;
        }
        busy += spent;
        if now >= period_start + config.period {
            period_start = now;
            busy = Duration::ZERO;
        } else if busy >= budget {
            sleep_until(shared, period_start + config.period);
            period_start = Instant::now();
            last = period_start;
            busy = Duration::ZERO;
        }
    }
}

/// Absorbs queued nonces while the window has room; the rest stay queued for
/// the next window. Called with the prover locked (lock order: prover, then
/// pending), so once `queued` reads 0 every nonce is in the chain and a
/// `close_window` that follows includes it.
fn absorb_queued(shared: &Shared, p: &mut Prover) {
    let mut pending = shared.pending.lock();
    while let Some(n) = pending.front() {
        if p.absorb(n).is_err() {
            break;
        }
        pending.pop_front();
    }
    shared.queued.store(pending.len(), Ordering::Relaxed);
}

fn sleep_until(shared: &Shared, deadline: Instant) {
    let mut pending = shared.pending.lock();
    while !shared.stop.load(Ordering::Relaxed) {
        if shared.wake.wait_until(&mut pending, deadline).timed_out() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: [u8; 32] = [5; 32];

    #[test]
    fn close_wakes_a_sleeping_thread_at_once() {
        // 1 % of a 10 s period: the thread sleeps ~9.9 s per period unless woken.
        let cfg = EngineConfig { duty: 0.01, period: Duration::from_secs(10), ..EngineConfig::default() };
        let e = Engine::start(&SEED, cfg).unwrap();
        while e.stats().height == 0 {
            std::thread::yield_now();
        }
        let t = Instant::now();
        e.close();
        assert!(t.elapsed() < Duration::from_secs(2), "close waited {:?}", t.elapsed());
        assert!(e.is_closed());
    }

    #[test]
    fn engines_dropped_from_many_threads_while_working() {
        let handles: Vec<_> = (0..4u8)
            .map(|i| {
                std::thread::spawn(move || {
                    for round in 0..10u8 {
                        let duty = if round % 2 == 0 { 1.0 } else { 0.05 };
                        let cfg = EngineConfig { duty, period: Duration::from_millis(1), ..EngineConfig::default() };
                        let e = Arc::new(Engine::start(&[i; 32], cfg).unwrap());
                        let other = Arc::clone(&e);
                        let closer = std::thread::spawn(move || {
                            other.absorb([round; 16]);
                            let _ = other.close_window();
                            other.close();
                        });
                        let _ = e.close_window();
                        closer.join().unwrap();
                        e.close();
                        // The last Arc drops here or in `closer`: Drop after close is a no-op.
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }

    #[test]
    fn no_queued_nonces_means_all_are_in_the_next_window() {
        let cfg = EngineConfig { duty: 0.05, period: Duration::from_millis(2), ..EngineConfig::default() };
        let e = Engine::start(&SEED, cfg).unwrap();
        for round in 0..20u8 {
            let n = [round; 16];
            assert!(e.absorb(n));
            while e.stats().pending_nonces > 0 {
                std::thread::yield_now();
            }
            let w = e.close_window().unwrap();
            let h = crate::proof::Header::decode(&w).unwrap();
            assert!(h.nonce_position(&n).is_some(), "round {round}");
        }
    }
}
