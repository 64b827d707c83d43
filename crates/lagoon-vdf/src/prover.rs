//! The deterministic prover: the chain state, checkpoints and window proofs,
//! driven by explicit calls. The threaded [`crate::engine::Engine`] drives one
//! of these under a duty cycle; tests and benchmarks drive it directly.

use std::collections::VecDeque;

use ed25519_dalek::SigningKey;

use crate::chain::{self, Hash, Nonce};
use crate::merkle::{self, Tree};
use crate::limits::{MAX_K, MAX_NONCES, MAX_SEGMENTS, MAX_SEGMENT_LEN, MAX_WINDOW_STEPS};
use crate::proof::{header_hash, Header, OpenedSegment, Opening};
use crate::sample;

/// Default number of segments a long window is cut into (2^13): a verifier
/// that opens `k + 1` segments does ≥ 2^12 / (k + 1) times less work than
/// recomputing, and a Merkle path is at most 13 hashes. A soft target: once
/// segments reach [`MAX_SEGMENT_LEN`] steps they stop growing and the window
/// gets more segments instead (up to [`MAX_SEGMENTS`]).
pub const DEFAULT_MAX_SEGMENTS: u32 = 1 << 13;
/// Closed windows kept for answering late challenges.
const KEPT_WINDOWS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProveError {
    /// No step since the last window.
    EmptyWindow,
    /// That window is unknown (never closed, or too old).
    UnknownWindow,
    /// The window already absorbed `MAX_NONCES` nonces.
    NoncesFull,
    /// The window already holds `MAX_WINDOW_STEPS` steps: close it first.
    WindowFull,
    /// `k` above `MAX_K`: no verifier would accept the opening.
    KTooLarge,
}

impl ProveError {
    pub const fn as_str(self) -> &'static str {
        match self {
            ProveError::EmptyWindow => "empty-window",
            ProveError::UnknownWindow => "unknown-window",
            ProveError::NoncesFull => "nonces-full",
            ProveError::WindowFull => "window-full",
            ProveError::KTooLarge => "k-too-large",
        }
    }
}

/// The window being built.
#[derive(Debug, Clone)]
pub struct Building {
    pub window: u64,
    pub start_height: u64,
    pub steps: u32,
    /// Checkpoint spacing in steps: a power of two ≤ `MAX_SEGMENT_LEN`, doubled when checkpoints thin.
    interval: u32,
    /// `checkpoints[i]` is the chain value after `i * interval` steps.
    checkpoints: Vec<Hash>,
    nonces: Vec<(u32, Nonce)>,
}

impl Building {
    fn new(window: u64, start_height: u64, start: Hash) -> Building {
        Building { window, start_height, steps: 0, interval: 1, checkpoints: vec![start], nonces: Vec::new() }
    }

    fn after_step(&mut self, h: Hash, max_segments: u32) {
        if self.steps % self.interval != 0 {
            return;
        }
        self.checkpoints.push(h);
        // Thin to keep ≤ max_segments segments, but never past MAX_SEGMENT_LEN:
        // beyond that the window gets more segments (≤ MAX_SEGMENTS, since
        // steps ≤ MAX_WINDOW_STEPS = MAX_SEGMENTS × MAX_SEGMENT_LEN).
        if self.checkpoints.len() > max_segments as usize && self.interval < MAX_SEGMENT_LEN {
            let kept: Vec<Hash> = self.checkpoints.iter().step_by(2).copied().collect();
            self.checkpoints = kept;
            self.interval *= 2;
        }
    }
}

/// A closed window: its signed header and what is needed to open it.
struct Closed {
    header: Header,
    hash: Hash,
    /// `boundaries[j]` starts segment `j`; the last one is the window's end.
    boundaries: Vec<Hash>,
    tree: Tree,
}

pub struct Prover {
    key: SigningKey,
    public_key: [u8; 32],
    h: Hash,
    height: u64,
    max_segments: u32,
    building: Building,
    closed: VecDeque<Closed>,
}

impl Prover {
    /// A prover at genesis for the Ed25519 key with this 32-byte seed.
    pub fn new(seed: &[u8; 32], max_segments: u32) -> Prover {
        let key = SigningKey::from_bytes(seed);
        let public_key = key.verifying_key().to_bytes();
        let h = chain::genesis(&public_key);
        let max_segments = max_segments.clamp(2, MAX_SEGMENTS);
        Prover { key, public_key, h, height: 0, max_segments, building: Building::new(0, 0, h), closed: VecDeque::new() }
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.public_key
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    pub fn height(&self) -> u64 {
        self.height
    }

    pub fn head(&self) -> Hash {
        self.h
    }

    /// Steps that still fit in the current window (≤ `MAX_WINDOW_STEPS` per
    /// window; when full the chain waits for `close_window`).
    pub fn room(&self) -> u64 {
        u64::from(MAX_WINDOW_STEPS - self.building.steps)
    }

    pub fn nonce_room(&self) -> usize {
        MAX_NONCES - self.building.nonces.len()
    }

    /// Runs up to `n` plain steps; returns how many ran.
    pub fn advance(&mut self, n: u64) -> u64 {
        let max = self.max_segments;
        let mut left = n.min(self.room());
        let done = left;
        while left > 0 {
            let b = &mut self.building;
            let to_checkpoint = u64::from(b.interval - b.steps % b.interval);
            let run = left.min(to_checkpoint);
            self.h = chain::run(self.h, run);
            b.steps += run as u32;
            self.height += run;
            left -= run;
            b.after_step(self.h, max);
        }
        done
    }

    /// Absorbs `nonce` as the next step.
    pub fn absorb(&mut self, nonce: &Nonce) -> Result<(), ProveError> {
        if self.nonce_room() == 0 {
            return Err(ProveError::NoncesFull);
        }
        if self.room() == 0 {
            return Err(ProveError::WindowFull);
        }
        let b = &mut self.building;
        b.nonces.push((b.steps, *nonce));
        self.h = chain::absorb(&self.h, nonce);
        b.steps += 1;
        self.height += 1;
        b.after_step(self.h, self.max_segments);
        Ok(())
    }

    /// Ends the current window and starts the next one at the same chain point.
    /// Cheap (a swap), so the engine does it under its lock; [`seal`] does the rest.
    pub fn take_window(&mut self) -> Result<Building, ProveError> {
        if self.building.steps == 0 {
            return Err(ProveError::EmptyWindow);
        }
        let next = Building::new(self.building.window + 1, self.height, self.h);
        Ok(std::mem::replace(&mut self.building, next))
    }

    /// Stores a sealed window so it can be opened later.
    pub fn store(&mut self, sealed: Sealed) {
        self.closed.push_back(sealed.closed);
        while self.closed.len() > KEPT_WINDOWS {
            self.closed.pop_front();
        }
    }

    /// `take_window` + `seal` + `store`: the signed header bytes.
    pub fn close_window(&mut self) -> Result<Vec<u8>, ProveError> {
        let building = self.take_window()?;
        let sealed = seal(building, self.h, &self.key);
        let bytes = sealed.bytes.clone();
        self.store(sealed);
        Ok(bytes)
    }

    /// Opens window `window` for `challenge`, revealing the segment that
    /// absorbed `show` too when given.
    pub fn open(&self, window: u64, challenge: &Nonce, show: Option<&Nonce>, k: u32) -> Result<Vec<u8>, ProveError> {
        if k > MAX_K {
            return Err(ProveError::KTooLarge);
        }
        let closed = self.closed.iter().find(|c| c.header.window == window).ok_or(ProveError::UnknownWindow)?;
        let indices = sample::required(&closed.header, &closed.hash, challenge, show, k);
        let segments = indices
            .into_iter()
            .map(|j| OpenedSegment {
                index: j,
                start: closed.boundaries[j as usize],
                end: closed.boundaries[j as usize + 1],
                path: closed.tree.path(j as usize),
            })
            .collect();
        Ok(Opening { window, header_hash: closed.hash, challenge: *challenge, segments }.encode())
    }
}

/// A signed window, ready to store.
pub struct Sealed {
    pub bytes: Vec<u8>,
    closed: Closed,
}

/// Builds the Merkle tree over `building`'s segments and signs the header.
/// `end` is the chain value after the window's last step.
pub fn seal(building: Building, end: Hash, key: &SigningKey) -> Sealed {
    let Building { window, start_height, steps, interval, mut checkpoints, nonces } = building;
    if steps % interval != 0 {
        checkpoints.push(end);
    }
    debug_assert_eq!(checkpoints.last(), Some(&end));
    debug_assert!(steps <= MAX_WINDOW_STEPS && interval <= MAX_SEGMENT_LEN && checkpoints.len() - 1 <= MAX_SEGMENTS as usize);
    let leaves = checkpoints.windows(2).enumerate().map(|(j, w)| merkle::leaf(j as u32, &w[0], &w[1])).collect();
    let tree = Tree::build(leaves);
    let header = Header {
        window,
        start_height,
        steps,
        segment_len: interval,
        start: checkpoints[0],
        end,
        root: tree.root(),
        nonces,
        signature: [0; 64],
    };
    let (header, bytes) = header.sign(key);
    let hash = header_hash(&bytes);
    Sealed { bytes, closed: Closed { header, hash, boundaries: checkpoints, tree } }
}
