//! Attestations: a verifier's signed statement that it checked a neighbour's
//! windows. Third parties check one without the proofs; the mesh sums them as
//! a clump's verifiable weight (seed 000's CVDF: "the chain is the summary").
//!
//! ```text
//! u8 version=1 | u8 kind=3 | [32] subject_key | u64 from_height | u64 to_height
//! | u64 fresh_steps | [32] end | [32] attester_key | [64] signature
//! ```
//! signed over `"lagoon-vdf-attest-v1\0" || body` — a different domain from
//! window headers, so neither can be replayed as the other.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::chain::Hash;
use crate::codec::Reader;
use crate::proof::{KIND_ATTESTATION, VERSION};
use crate::reject::Reject;

const ATTEST_DOMAIN: &[u8] = b"lagoon-vdf-attest-v1\0";
pub const ATTESTATION_LEN: usize = 2 + 32 + 8 * 3 + 32 + 32 + 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// The neighbour whose work was verified.
    pub subject: [u8; 32],
    pub from_height: u64,
    pub to_height: u64,
    /// Verified steps in the range done after the attester's first challenge.
    pub steps: u64,
    /// The subject's chain value at `to_height`.
    pub end: Hash,
    pub attester: [u8; 32],
}

impl Attestation {
    fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(ATTESTATION_LEN);
        out.extend_from_slice(&[VERSION, KIND_ATTESTATION]);
        out.extend_from_slice(&self.subject);
        out.extend_from_slice(&self.from_height.to_le_bytes());
        out.extend_from_slice(&self.to_height.to_le_bytes());
        out.extend_from_slice(&self.steps.to_le_bytes());
        out.extend_from_slice(&self.end);
        out.extend_from_slice(&self.attester);
        out
    }

    /// Signs with the attester's key (which overrides `attester`).
    pub fn sign(mut self, key: &SigningKey) -> Result<Vec<u8>, Reject> {
        if self.from_height > self.to_height || self.steps > self.to_height - self.from_height {
            return Err(Reject::Malformed);
        }
        self.attester = key.verifying_key().to_bytes();
        let mut bytes = self.body();
        let sig = key.sign(&[ATTEST_DOMAIN, &bytes].concat());
        bytes.extend_from_slice(&sig.to_bytes());
        Ok(bytes)
    }

    /// [`Attestation::sign`] with the Ed25519 key whose seed is `seed`.
    pub fn sign_with_seed(self, seed: &[u8; 32]) -> Result<Vec<u8>, Reject> {
        self.sign(&SigningKey::from_bytes(seed))
    }

    /// Decodes and checks the signature against the embedded attester key.
    pub fn verify(bytes: &[u8]) -> Result<Attestation, Reject> {
        let mut r = Reader::new(bytes);
        if r.u8()? != VERSION || r.u8()? != KIND_ATTESTATION {
            return Err(Reject::Version);
        }
        let a = Attestation {
            subject: r.array()?,
            from_height: r.u64()?,
            to_height: r.u64()?,
            steps: r.u64()?,
            end: r.array()?,
            attester: r.array()?,
        };
        let body_len = r.position();
        let sig: [u8; 64] = r.array()?;
        r.finish()?;
        if a.from_height > a.to_height || a.steps > a.to_height - a.from_height {
            return Err(Reject::Malformed);
        }
        let key = VerifyingKey::from_bytes(&a.attester).map_err(|_| Reject::Signature)?;
        key.verify_strict(&[ATTEST_DOMAIN, &bytes[..body_len]].concat(), &Signature::from_bytes(&sig))
            .map_err(|_| Reject::Signature)?;
        Ok(a)
    }
}
