//! The threaded engine: one dedicated OS thread runs the chain in bursts of
//! sequential steps under a duty cycle; the caller absorbs nonces, closes and
//! opens windows from any thread.
//!
//! Duty cycle: time is cut into periods (`period`, default 20 ms). In each the
//! thread computes bursts of `burst_steps` until it has been busy for
//! `duty × period`, then sleeps until the period ends. `duty = 1.0` is flat out.
//! A burst holds the prover lock and hands it over fairly, so a caller waits at
//! most one burst (tens of µs). [`Engine::close`] is idempotent and joins the
//! thread; dropping the engine closes it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
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

struct Control {
    stop: bool,
    pending: VecDeque<Nonce>,
}

struct Shared {
    prover: Mutex<Prover>,
    control: Mutex<Control>,
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
            control: Mutex::new(Control { stop: false, pending: VecDeque::new() }),
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
        let mut ctl = self.shared.control.lock();
        if ctl.stop || ctl.pending.len() >= MAX_PENDING_NONCES {
            return false;
        }
        ctl.pending.push_back(nonce);
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
            pending_nonces: self.shared.control.lock().pending.len() as u64,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.thread.lock().is_none()
    }

    /// Stops and joins the thread. Idempotent.
    pub fn close(&self) {
        let Some(handle) = self.thread.lock().take() else { return };
        self.shared.control.lock().stop = true;
        self.shared.wake.notify_all();
        let _ = handle.join();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.close();
    }
}

fn run(shared: &Shared, config: EngineConfig) {
    let budget = config.period.mul_f64(config.duty);
    let burst_steps = if config.duty >= 1.0 { config.burst_steps.max(FLAT_OUT_BURST_STEPS) } else { config.burst_steps };
    let mut period_start = Instant::now();
    let mut busy = Duration::ZERO;
    let mut nonces: Vec<Nonce> = Vec::new();
    loop {
        {
            let mut ctl = shared.control.lock();
            if ctl.stop {
                return;
            }
            let n = ctl.pending.len();
            nonces.extend(ctl.pending.drain(..n));
        }
        let t0 = Instant::now();
        {
            let mut p = shared.prover.lock();
            burst(&mut p, &mut nonces, burst_steps);
            MutexGuard::unlock_fair(p);
        }
        let now = Instant::now();
        let spent = now - t0;
        busy += spent;
        shared.busy_ns.fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
        if config.duty >= 1.0 {
            continue;
        }
        if now >= period_start + config.period {
            period_start = now;
            busy = Duration::ZERO;
        } else if busy >= budget {
            sleep_until(shared, period_start + config.period);
            period_start = Instant::now();
            busy = Duration::ZERO;
        }
    }
}

/// Absorbs what fits, then runs plain steps. Nonces that do not fit in this
/// window stay queued for the next one.
fn burst(p: &mut Prover, nonces: &mut Vec<Nonce>, steps: u64) {
    let mut absorbed = 0;
    for n in nonces.iter() {
        if p.absorb(n).is_err() {
            break;
        }
        absorbed += 1;
    }
    nonces.drain(..absorbed);
    p.advance(steps);
}

fn sleep_until(shared: &Shared, deadline: Instant) {
    let mut ctl = shared.control.lock();
    while !ctl.stop && Instant::now() < deadline {
        shared.wake.wait_until(&mut ctl, deadline);
    }
}
