//! Why a proof, an opening or an attestation was refused. Each reason has a
//! stable string code that crosses into TypeScript unchanged.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// Truncated, over-long, or a field out of range.
    Malformed,
    /// A declared size exceeds a protocol bound ([`crate::limits`]): segment
    /// length, steps per window, segments, nonces, opened segments, Merkle path
    /// length, or the verifier's own `k`. Checked before any work is done.
    Shape,
    /// Unknown format version or frame kind.
    Version,
    /// The Ed25519 signature does not verify under the expected key.
    Signature,
    /// The window (or an older one) was already accepted.
    Replay,
    /// Same or next window index, but a different chain than the one accepted.
    Fork,
    /// Windows were skipped: the header does not follow the last accepted one.
    Gap,
    /// The verifier's nonce is not among the absorbed nonces.
    NonceMissing,
    /// A window with no steps.
    Empty,
    /// The opening answers another window or another challenge.
    OpeningMismatch,
    /// The opening does not open exactly the segments the challenge selects.
    OpeningSet,
    /// A Merkle path does not lead to the signed root.
    Merkle,
    /// Recomputing an opened segment does not reach its committed end.
    Segment,
}

impl Reject {
    pub const fn as_str(self) -> &'static str {
        match self {
            Reject::Malformed => "malformed",
            Reject::Shape => "shape",
            Reject::Version => "version",
            Reject::Signature => "signature",
            Reject::Replay => "replay",
            Reject::Fork => "fork",
            Reject::Gap => "gap",
            Reject::NonceMissing => "nonce-missing",
            Reject::Empty => "empty",
            Reject::OpeningMismatch => "opening-mismatch",
            Reject::OpeningSet => "opening-set",
            Reject::Merkle => "merkle",
            Reject::Segment => "segment",
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for Reject {}
