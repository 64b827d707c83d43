//! Wire formats (version 1, little-endian, every length checked).
//!
//! Window header (kind 1), signed with the prover's Ed25519 key over
//! `"lagoon-vdf-window-v1\0" || public_key || body`:
//! ```text
//! u8 version=1 | u8 kind=1 | u64 window | u64 start_height | u32 steps | u32 segment_len
//! | [32] start | [32] end | [32] merkle_root | u16 n | n × (u32 position, [16] nonce) | [64] signature
//! ```
//! Opening (kind 2), unsigned (every byte is checked against the signed root):
//! ```text
//! u8 version=1 | u8 kind=2 | u64 window | [32] header_hash | [16] challenge | u8 n
//! | n × (u32 segment, [32] start, [32] end, u8 depth, depth × [32] sibling)
//! ```

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::chain::{Hash, Nonce, NONCE_LEN};
use crate::codec::Reader;
pub use crate::limits::{MAX_NONCES, MAX_OPENED, MAX_SEGMENTS};
use crate::limits::{MAX_PATH, MAX_SEGMENT_LEN, MAX_WINDOW_STEPS};
use crate::reject::Reject;

pub const VERSION: u8 = 1;
pub const KIND_HEADER: u8 = 1;
pub const KIND_OPENING: u8 = 2;
pub const KIND_ATTESTATION: u8 = 3;
const WINDOW_DOMAIN: &[u8] = b"lagoon-vdf-window-v1\0";
const HEADER_FIXED: usize = 2 + 8 + 8 + 4 + 4 + 32 * 3 + 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub window: u64,
    pub start_height: u64,
    pub steps: u32,
    pub segment_len: u32,
    pub start: Hash,
    pub end: Hash,
    pub root: Hash,
    /// Sorted by position, positions distinct and below `steps`.
    pub nonces: Vec<(u32, Nonce)>,
    pub signature: [u8; 64],
}

impl Header {
    pub fn segments(&self) -> u32 {
        self.steps.div_ceil(self.segment_len)
    }

    pub fn end_height(&self) -> u64 {
        self.start_height + u64::from(self.steps)
    }

    /// Steps `[from, to)` of segment `j`.
    pub fn segment_range(&self, j: u32) -> (u32, u32) {
        let from = j * self.segment_len;
        (from, from.saturating_add(self.segment_len).min(self.steps))
    }

    pub fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_FIXED + self.nonces.len() * (4 + NONCE_LEN) + 64);
        out.extend_from_slice(&[VERSION, KIND_HEADER]);
        out.extend_from_slice(&self.window.to_le_bytes());
        out.extend_from_slice(&self.start_height.to_le_bytes());
        out.extend_from_slice(&self.steps.to_le_bytes());
        out.extend_from_slice(&self.segment_len.to_le_bytes());
        out.extend_from_slice(&self.start);
        out.extend_from_slice(&self.end);
        out.extend_from_slice(&self.root);
        out.extend_from_slice(&(self.nonces.len() as u16).to_le_bytes());
        for (pos, nonce) in &self.nonces {
            out.extend_from_slice(&pos.to_le_bytes());
            out.extend_from_slice(nonce);
        }
        out
    }

    fn signed_message(public_key: &[u8; 32], body: &[u8]) -> Vec<u8> {
        [WINDOW_DOMAIN, public_key.as_slice(), body].concat()
    }

    /// Signs and encodes.
    pub fn sign(mut self, key: &SigningKey) -> (Header, Vec<u8>) {
        let mut bytes = self.body();
        let msg = Self::signed_message(&key.verifying_key().to_bytes(), &bytes);
        self.signature = key.sign(&msg).to_bytes();
        bytes.extend_from_slice(&self.signature);
        (self, bytes)
    }

    /// Decodes and checks the structure (not the signature).
    pub fn decode(bytes: &[u8]) -> Result<Header, Reject> {
        let mut r = Reader::new(bytes);
        if r.u8()? != VERSION || r.u8()? != KIND_HEADER {
            return Err(Reject::Version);
        }
        let window = r.u64()?;
        let start_height = r.u64()?;
        let steps = r.u32()?;
        let segment_len = r.u32()?;
        let (start, end, root) = (r.array()?, r.array()?, r.array()?);
        let count = usize::from(r.u16()?);
        if count > MAX_NONCES {
            return Err(Reject::Shape);
        }
        let mut nonces = Vec::with_capacity(count);
        for _ in 0..count {
            nonces.push((r.u32()?, r.array()?));
        }
        let signature = r.array()?;
        r.finish()?;
        let header = Header { window, start_height, steps, segment_len, start, end, root, nonces, signature };
        header.check_shape()?;
        Ok(header)
    }

    /// Structure and bounds ([`crate::limits`]): after this, recomputing any
    /// one segment costs at most `MAX_SEGMENT_LEN` steps and the tree has at
    /// most `MAX_SEGMENTS` leaves, whatever the (attacker's) signature covers.
    fn check_shape(&self) -> Result<(), Reject> {
        if self.steps == 0 {
            return Err(Reject::Empty);
        }
        if self.segment_len == 0 {
            return Err(Reject::Malformed);
        }
        if self.steps > MAX_WINDOW_STEPS || self.segment_len > MAX_SEGMENT_LEN || self.segments() > MAX_SEGMENTS {
            return Err(Reject::Shape);
        }
        if self.nonces.len() > MAX_NONCES {
            return Err(Reject::Shape);
        }
        if self.start_height.checked_add(u64::from(self.steps)).is_none() {
            return Err(Reject::Malformed);
        }
        let sorted = self.nonces.windows(2).all(|w| w[0].0 < w[1].0);
        let in_range = self.nonces.last().is_none_or(|(p, _)| *p < self.steps);
        if sorted && in_range { Ok(()) } else { Err(Reject::Malformed) }
    }

    pub fn verify_signature(&self, public_key: &[u8; 32]) -> Result<(), Reject> {
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| Reject::Signature)?;
        let msg = Self::signed_message(public_key, &self.body());
        key.verify_strict(&msg, &Signature::from_bytes(&self.signature)).map_err(|_| Reject::Signature)
    }

    pub fn nonce_position(&self, nonce: &Nonce) -> Option<u32> {
        self.nonces.iter().find(|(_, n)| n == nonce).map(|(p, _)| *p)
    }
}

/// The hash that binds an opening to the exact header bytes.
pub fn header_hash(bytes: &[u8]) -> Hash {
    *blake3::hash(bytes).as_bytes()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSegment {
    pub index: u32,
    pub start: Hash,
    pub end: Hash,
    pub path: Vec<Hash>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub window: u64,
    pub header_hash: Hash,
    pub challenge: Nonce,
    pub segments: Vec<OpenedSegment>,
}

impl Opening {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&[VERSION, KIND_OPENING]);
        out.extend_from_slice(&self.window.to_le_bytes());
        out.extend_from_slice(&self.header_hash);
        out.extend_from_slice(&self.challenge);
        out.push(self.segments.len() as u8);
        for s in &self.segments {
            out.extend_from_slice(&s.index.to_le_bytes());
            out.extend_from_slice(&s.start);
            out.extend_from_slice(&s.end);
            out.push(s.path.len() as u8);
            for h in &s.path {
                out.extend_from_slice(h);
            }
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Opening, Reject> {
        let mut r = Reader::new(bytes);
        if r.u8()? != VERSION || r.u8()? != KIND_OPENING {
            return Err(Reject::Version);
        }
        let window = r.u64()?;
        let header_hash = r.array()?;
        let challenge = r.array()?;
        let count = usize::from(r.u8()?);
        if count > MAX_OPENED {
            return Err(Reject::Shape);
        }
        let mut segments = Vec::with_capacity(count);
        for _ in 0..count {
            let index = r.u32()?;
            let (start, end) = (r.array()?, r.array()?);
            let depth = usize::from(r.u8()?);
            if depth > MAX_PATH {
                return Err(Reject::Shape);
            }
            let path = (0..depth).map(|_| r.array()).collect::<Result<_, _>>()?;
            segments.push(OpenedSegment { index, start, end, path });
        }
        r.finish()?;
        Ok(Opening { window, header_hash, challenge, segments })
    }
}
