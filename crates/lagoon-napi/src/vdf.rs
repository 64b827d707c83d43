//! Binding for `lagoon-vdf`: the threaded engine, a deterministic prover (for
//! tests and benchmarks), asynchronous verification on the libuv pool,
//! attestations and two benchmark loops. One-to-one with the crate, no policy:
//! `ts/mesh/vdf/engine.ts` validates and owns handles.
//!
//! Lifetimes: every argument is copied into Rust-owned memory before the call
//! returns; no JavaScript value reaches the chain thread or the libuv pool.
//! Pool work (`Task::compute`) runs under [`pooled`], so a panic there becomes a
//! rejected promise instead of unwinding into libuv (which would abort Node).
//! Pool work is bounded by constants (`lagoon_vdf::limits`): a header or
//! opening declaring sizes above them is refused (`shape`) before any work, so
//! no peer can hold a pool thread longer than one worst-case opening (≈ 7 ms).

use std::time::{Duration, Instant};

use lagoon_vdf::{attest::Attestation, chain, engine, limits, verify, Engine, EngineConfig, Prover, NONCE_LEN};
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Status, Task};
use napi_derive::napi;

use crate::errors::{coded, guard, Code, Result};

fn fixed<const N: usize>(what: &str, bytes: &[u8]) -> Result<[u8; N]> {
    bytes.try_into().map_err(|_| coded(Code::InvalidArgument, format!("{what} must be {N} bytes, got {}", bytes.len())))
}

fn nonce(what: &str, bytes: &[u8]) -> Result<[u8; NONCE_LEN]> {
    fixed::<NONCE_LEN>(what, bytes)
}

fn opt_nonce(what: &str, bytes: Option<&Buffer>) -> Result<Option<[u8; NONCE_LEN]>> {
    bytes.map(|b| nonce(what, b)).transpose()
}

fn count(what: &str, n: f64) -> Result<u64> {
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 {
        Ok(n as u64)
    } else {
        Err(coded(Code::InvalidArgument, format!("{what} must be a non-negative safe integer")))
    }
}

/// Runs pool work, turning a panic into an error (its message starts with the
/// code; napi-rs tasks can only reject with a `Status`, so `.code` is `GenericFailure`).
fn pooled<T>(f: impl FnOnce() -> T) -> napi::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        napi::Error::new(Status::GenericFailure, format!("{}: panic in native code (libuv pool): {what}", Code::Panic.as_str()))
    })
}

fn prove_error(e: lagoon_vdf::ProveError) -> crate::errors::Error {
    coded(Code::InvalidArgument, format!("vdf: {}", e.as_str()))
}

#[napi(object)]
pub struct VdfStats {
    pub height: f64,
    pub busy_ns: f64,
    pub windows: f64,
    pub pending_nonces: u32,
}

/// The chain on its own OS thread under a duty cycle.
#[napi]
pub struct VdfEngine {
    inner: std::sync::Arc<Engine>,
}

#[napi]
impl VdfEngine {
    #[napi(constructor, catch_unwind)]
    pub fn new(seed: Buffer, duty: f64, period_ms: u32, max_segments: u32) -> Result<Self> {
        guard(|| {
            let seed = fixed::<32>("seed", &seed)?;
            let config = EngineConfig {
                duty,
                period: Duration::from_millis(u64::from(period_ms)),
                burst_steps: engine::DEFAULT_BURST_STEPS,
                max_segments,
            };
            let inner = Engine::start(&seed, config).map_err(|e| coded(Code::InvalidArgument, e))?;
            Ok(VdfEngine { inner: std::sync::Arc::new(inner) })
        })
    }

    #[napi(catch_unwind)]
    pub fn public_key(&self) -> Buffer {
        Buffer::from(self.inner.public_key().to_vec())
    }

    /// Queues a nonce for absorption; false when the queue is full or closed.
    #[napi(catch_unwind)]
    pub fn absorb(&self, nonce_bytes: Buffer) -> Result<bool> {
        guard(|| Ok(self.inner.absorb(nonce("nonce", &nonce_bytes)?)))
    }

    /// Resolves to the signed header bytes, or null when no step ran since the last window.
    #[napi(ts_return_type = "Promise<Buffer | null>")]
    pub fn close_window(&self) -> AsyncTask<CloseTask> {
        AsyncTask::new(CloseTask { engine: std::sync::Arc::clone(&self.inner) })
    }

    #[napi(catch_unwind)]
    pub fn open(&self, window: f64, challenge: Buffer, show: Option<Buffer>, k: u32) -> Result<Buffer> {
        guard(|| {
            let (c, s) = (nonce("challenge", &challenge)?, opt_nonce("show", show.as_ref())?);
            let bytes = self.inner.open(count("window", window)?, &c, s.as_ref(), k).map_err(prove_error)?;
            Ok(Buffer::from(bytes))
        })
    }

    #[napi(catch_unwind)]
    pub fn stats(&self) -> VdfStats {
        let s = self.inner.stats();
        VdfStats { height: s.height as f64, busy_ns: s.busy_ns as f64, windows: s.windows as f64, pending_nonces: s.pending_nonces as u32 }
    }

    /// Stops and joins the chain thread (waits at most one burst). Idempotent.
    /// Without it the thread stops when the object is collected, or at
    /// environment teardown; see `Engine` for process exit.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        self.inner.close();
    }
}

pub struct CloseTask {
    engine: std::sync::Arc<Engine>,
}

impl Task for CloseTask {
    type Output = Option<Vec<u8>>;
    type JsValue = Option<Buffer>;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        pooled(|| self.engine.close_window().ok())
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output.map(Buffer::from))
    }
}

/// The same prover without a thread: steps run when asked. For tests and benches.
#[napi]
pub struct VdfProver {
    inner: Prover,
}

#[napi]
impl VdfProver {
    #[napi(constructor, catch_unwind)]
    pub fn new(seed: Buffer, max_segments: u32) -> Result<Self> {
        guard(|| Ok(VdfProver { inner: Prover::new(&fixed::<32>("seed", &seed)?, max_segments) }))
    }

    #[napi]
    pub fn public_key(&self) -> Buffer {
        Buffer::from(self.inner.public_key().to_vec())
    }

    #[napi]
    pub fn height(&self) -> f64 {
        self.inner.height() as f64
    }

    #[napi(catch_unwind)]
    pub fn advance(&mut self, steps: f64) -> Result<f64> {
        let n = count("steps", steps)?;
        guard(|| Ok(self.inner.advance(n) as f64))
    }

    #[napi(catch_unwind)]
    pub fn absorb(&mut self, nonce_bytes: Buffer) -> Result<()> {
        let n = nonce("nonce", &nonce_bytes)?;
        guard(|| self.inner.absorb(&n).map_err(prove_error))
    }

    #[napi(catch_unwind)]
    pub fn close_window(&mut self) -> Result<Option<Buffer>> {
        guard(|| Ok(self.inner.close_window().ok().map(Buffer::from)))
    }

    #[napi(catch_unwind)]
    pub fn open(&self, window: f64, challenge: Buffer, show: Option<Buffer>, k: u32) -> Result<Buffer> {
        guard(|| {
            let (c, s) = (nonce("challenge", &challenge)?, opt_nonce("show", show.as_ref())?);
            Ok(Buffer::from(self.inner.open(count("window", window)?, &c, s.as_ref(), k).map_err(prove_error)?))
        })
    }
}

/// The protocol bounds of `lagoon_vdf::limits` (one definition; the TS config mirrors them).
#[napi(object)]
pub struct VdfLimits {
    pub max_segment_len: u32,
    pub max_window_steps: u32,
    pub max_segments: u32,
    pub max_nonces: u32,
    pub max_k: u32,
    pub max_opened: u32,
    pub max_path: u32,
    pub max_opening_steps: f64,
}

#[napi(catch_unwind)]
pub fn vdf_limits() -> VdfLimits {
    VdfLimits {
        max_segment_len: limits::MAX_SEGMENT_LEN,
        max_window_steps: limits::MAX_WINDOW_STEPS,
        max_segments: limits::MAX_SEGMENTS,
        max_nonces: limits::MAX_NONCES as u32,
        max_k: limits::MAX_K,
        max_opened: limits::MAX_OPENED as u32,
        max_path: limits::MAX_PATH as u32,
        max_opening_steps: limits::MAX_OPENING_STEPS as f64,
    }
}

#[napi(catch_unwind)]
pub fn vdf_genesis(public_key: Buffer) -> Result<Buffer> {
    guard(|| Ok(Buffer::from(chain::genesis(&fixed::<32>("publicKey", &public_key)?).to_vec())))
}

#[napi(object)]
pub struct VdfHeaderResult {
    pub ok: bool,
    pub reason: Option<String>,
    pub window: f64,
    pub start_height: f64,
    pub end_height: f64,
    pub steps: f64,
    pub fresh_steps: f64,
    pub nonce_position: Option<f64>,
    pub end: Option<Buffer>,
}

pub struct HeaderTask {
    public_key: [u8; 32],
    header: Vec<u8>,
    prev: Option<Vec<u8>>,
    required: Option<[u8; NONCE_LEN]>,
}

impl Task for HeaderTask {
    type Output = std::result::Result<verify::HeaderFacts, lagoon_vdf::Reject>;
    type JsValue = VdfHeaderResult;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        pooled(|| verify::verify_header(&self.public_key, &self.header, self.prev.as_deref(), self.required.as_ref()))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(match output {
            Ok(f) => VdfHeaderResult {
                ok: true,
                reason: None,
                window: f.window as f64,
                start_height: f.start_height as f64,
                end_height: f.end_height as f64,
                steps: f64::from(f.steps),
                fresh_steps: f64::from(f.fresh_steps),
                nonce_position: f.nonce_position.map(f64::from),
                end: Some(Buffer::from(f.end.to_vec())),
            },
            Err(r) => VdfHeaderResult {
                ok: false,
                reason: Some(r.as_str().to_owned()),
                window: 0.0,
                start_height: 0.0,
                end_height: 0.0,
                steps: 0.0,
                fresh_steps: 0.0,
                nonce_position: None,
                end: None,
            },
        })
    }
}

/// Verifies a window header off the JS thread (signature, chaining to `prev`, `required` nonce).
#[napi(catch_unwind)]
pub fn vdf_verify_header(public_key: Buffer, header: Buffer, prev: Option<Buffer>, required: Option<Buffer>) -> Result<AsyncTask<HeaderTask>> {
    guard(|| {
        Ok(AsyncTask::new(HeaderTask {
            public_key: fixed::<32>("publicKey", &public_key)?,
            header: header.to_vec(),
            prev: prev.map(|p| p.to_vec()),
            required: opt_nonce("required", required.as_ref())?,
        }))
    })
}

#[napi(object)]
pub struct VdfCheck {
    pub ok: bool,
    pub reason: Option<String>,
}

fn check(r: std::result::Result<(), lagoon_vdf::Reject>) -> VdfCheck {
    match r {
        Ok(()) => VdfCheck { ok: true, reason: None },
        Err(e) => VdfCheck { ok: false, reason: Some(e.as_str().to_owned()) },
    }
}

pub struct OpeningTask {
    public_key: [u8; 32],
    header: Vec<u8>,
    opening: Vec<u8>,
    challenge: [u8; NONCE_LEN],
    show: Option<[u8; NONCE_LEN]>,
    k: u32,
}

impl OpeningTask {
    fn run(&self) -> std::result::Result<(), lagoon_vdf::Reject> {
        verify::verify_opening(&self.public_key, &self.header, &self.opening, &self.challenge, self.show.as_ref(), self.k)
    }
}

impl Task for OpeningTask {
    type Output = std::result::Result<(), lagoon_vdf::Reject>;
    type JsValue = VdfCheck;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        pooled(|| self.run())
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(check(output))
    }
}

fn opening_task(public_key: &[u8], header: &[u8], opening: &[u8], challenge: &[u8], show: Option<&Buffer>, k: u32) -> Result<OpeningTask> {
    Ok(OpeningTask {
        public_key: fixed::<32>("publicKey", public_key)?,
        header: header.to_vec(),
        opening: opening.to_vec(),
        challenge: nonce("challenge", challenge)?,
        show: opt_nonce("show", show)?,
        k,
    })
}

/// Verifies an opening off the JS thread: signature, segment set, Merkle paths, recomputation.
#[napi(catch_unwind)]
pub fn vdf_verify_opening(public_key: Buffer, header: Buffer, opening: Buffer, challenge: Buffer, show: Option<Buffer>, k: u32) -> Result<AsyncTask<OpeningTask>> {
    guard(|| Ok(AsyncTask::new(opening_task(&public_key, &header, &opening, &challenge, show.as_ref(), k)?)))
}

/// Signs an attestation of a neighbour's verified work with the attester's seed.
#[napi(catch_unwind)]
pub fn vdf_sign_attestation(seed: Buffer, subject: Buffer, from_height: f64, to_height: f64, steps: f64, end: Buffer) -> Result<Buffer> {
    guard(|| {
        let seed = fixed::<32>("seed", &seed)?;
        let a = Attestation {
            subject: fixed::<32>("subject", &subject)?,
            from_height: count("fromHeight", from_height)?,
            to_height: count("toHeight", to_height)?,
            steps: count("steps", steps)?,
            end: fixed::<32>("end", &end)?,
            attester: [0; 32],
        };
        a.sign_with_seed(&seed).map(Buffer::from).map_err(|_| coded(Code::InvalidArgument, "vdf: steps exceed the height range"))
    })
}

#[napi(object)]
pub struct VdfAttestation {
    pub ok: bool,
    pub reason: Option<String>,
    pub subject: Option<Buffer>,
    pub from_height: f64,
    pub to_height: f64,
    pub steps: f64,
    pub end: Option<Buffer>,
    pub attester: Option<Buffer>,
}

/// Checks an attestation's signature against its embedded attester key.
#[napi(catch_unwind)]
pub fn vdf_verify_attestation(bytes: Buffer) -> Result<VdfAttestation> {
    guard(|| {
        Ok(match Attestation::verify(&bytes) {
            Ok(a) => VdfAttestation {
                ok: true,
                reason: None,
                subject: Some(Buffer::from(a.subject.to_vec())),
                from_height: a.from_height as f64,
                to_height: a.to_height as f64,
                steps: a.steps as f64,
                end: Some(Buffer::from(a.end.to_vec())),
                attester: Some(Buffer::from(a.attester.to_vec())),
            },
            Err(r) => VdfAttestation {
                ok: false,
                reason: Some(r.as_str().to_owned()),
                subject: None,
                from_height: 0.0,
                to_height: 0.0,
                steps: 0.0,
                end: None,
                attester: None,
            },
        })
    })
}

/// Bench baseline: nanoseconds for `steps` iterations of a plain BLAKE3 loop.
#[napi(catch_unwind)]
pub fn vdf_bench_plain_loop(steps: f64) -> Result<f64> {
    let n = count("steps", steps)?;
    guard(|| {
        let t = Instant::now();
        let h = chain::plain_hash_loop(&[7u8; 32], n);
        std::hint::black_box(h);
        Ok(t.elapsed().as_nanos() as f64)
    })
}

/// Bench: nanoseconds per call of `verify_opening`, run `iterations` times on this thread.
#[napi(catch_unwind)]
pub fn vdf_bench_verify_opening(public_key: Buffer, header: Buffer, opening: Buffer, challenge: Buffer, show: Option<Buffer>, k: u32, iterations: u32) -> Result<f64> {
    guard(|| {
        let task = opening_task(&public_key, &header, &opening, &challenge, show.as_ref(), k)?;
        let t = Instant::now();
        for _ in 0..iterations.max(1) {
            task.run().map_err(|r| coded(Code::InvalidArgument, format!("vdf: opening rejected: {r}")))?;
        }
        Ok(t.elapsed().as_nanos() as f64 / f64::from(iterations.max(1)))
    })
}
