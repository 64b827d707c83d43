//! End-to-end tests of the pure crate: honest proofs, every tampering, weight.

use std::time::Duration;

use crate::chain::{self, Nonce};
use crate::engine::{Engine, EngineConfig};
use crate::proof::{Header, Opening};
use crate::prover::Prover;
use crate::reject::Reject;
use crate::verify::{verify_header, verify_opening};
use crate::{Attestation, DEFAULT_K};

const SEED: [u8; 32] = [42u8; 32];
const N1: Nonce = [1u8; 16];
const N2: Nonce = [2u8; 16];

fn prover() -> Prover {
    Prover::new(&SEED, 64)
}

/// Window 0 (absorbing N1 after 100 steps), window 1 (absorbing N2).
fn two_windows(p: &mut Prover) -> (Vec<u8>, Vec<u8>) {
    p.advance(100);
    p.absorb(&N1).unwrap();
    p.advance(5_000);
    let w0 = p.close_window().unwrap();
    p.advance(10);
    p.absorb(&N2).unwrap();
    p.advance(3_333);
    let w1 = p.close_window().unwrap();
    (w0, w1)
}

#[test]
fn honest_windows_verify_and_chain() {
    let mut p = prover();
    let pk = p.public_key();
    let (w0, w1) = two_windows(&mut p);
    let f0 = verify_header(&pk, &w0, None, Some(&N1)).unwrap();
    assert_eq!((f0.start_height, f0.steps, f0.nonce_position), (0, 5_101, Some(100)));
    assert_eq!(f0.fresh_steps, 5_001);
    let f1 = verify_header(&pk, &w1, Some(&w0), Some(&N2)).unwrap();
    assert_eq!(f1.start_height, 5_101);
    assert_eq!(f1.end_height, p.height());
    let c: Nonce = [9u8; 16];
    let o1 = p.open(1, &c, Some(&N2), DEFAULT_K).unwrap();
    verify_opening(&pk, &w1, &o1, &c, Some(&N2), DEFAULT_K).unwrap();
    // Small windows are opened entirely.
    let mut small = prover();
    small.advance(3);
    let h = small.close_window().unwrap();
    let o = small.open(0, &c, None, 8).unwrap();
    assert_eq!(Opening::decode(&o).unwrap().segments.len(), 3);
    verify_opening(&pk, &h, &o, &c, None, 8).unwrap();
}

#[test]
fn checkpoints_thin_and_segments_stay_bounded() {
    let mut p = Prover::new(&SEED, 16);
    p.advance(100_003);
    p.absorb(&N1).unwrap();
    let h = p.close_window().unwrap();
    let header = Header::decode(&h).unwrap();
    assert!(header.segments() <= 16 && header.segments() > 8, "{}", header.segments());
    let c = [5u8; 16];
    let o = p.open(0, &c, Some(&N1), 2).unwrap();
    verify_opening(&p.public_key(), &h, &o, &c, Some(&N1), 2).unwrap();
}

#[test]
fn every_flipped_byte_is_rejected() {
    let mut p = prover();
    let pk = p.public_key();
    let (w0, w1) = two_windows(&mut p);
    for i in 0..w1.len() {
        let mut bad = w1.clone();
        bad[i] ^= 0x01;
        assert!(verify_header(&pk, &bad, Some(&w0), Some(&N2)).is_err(), "header byte {i}");
    }
    let c = [7u8; 16];
    let o = p.open(1, &c, Some(&N2), DEFAULT_K).unwrap();
    // Every byte of the fixed part, then a spread of path bytes (debug builds are slow).
    for i in (0..o.len()).filter(|i| *i < 128 || i % 5 == 0) {
        let mut bad = o.clone();
        bad[i] ^= 0x01;
        assert!(verify_opening(&pk, &w1, &bad, &c, Some(&N2), DEFAULT_K).is_err(), "opening byte {i}");
    }
    assert_eq!(verify_header(&pk, &w1[..w1.len() - 1], Some(&w0), None), Err(Reject::Malformed));
    assert_eq!(verify_header(&pk, &[w1.clone(), vec![0]].concat(), Some(&w0), None), Err(Reject::Malformed));
}

#[test]
fn wrong_key_fork_gap_replay_and_missing_nonce_are_rejected() {
    let mut p = prover();
    let pk = p.public_key();
    let (w0, w1) = two_windows(&mut p);
    let other = Prover::new(&[43u8; 32], 64).public_key();
    assert_eq!(verify_header(&other, &w1, Some(&w0), None), Err(Reject::Signature));
    assert_eq!(verify_header(&pk, &w0, Some(&w0), None), Err(Reject::Replay));
    assert_eq!(verify_header(&pk, &w0, Some(&w1), None), Err(Reject::Replay));
    assert_eq!(verify_header(&pk, &w1, None, Some(&[3u8; 16])), Err(Reject::NonceMissing));
    p.advance(10);
    let w2 = p.close_window().unwrap();
    assert_eq!(verify_header(&pk, &w2, Some(&w0), None), Err(Reject::Gap));
    // A fork: the same key, the same window 0, then a different window 1.
    let mut q = prover();
    let (q0, _) = two_windows(&mut q);
    assert_eq!(q0, w0, "determinism from a given key");
    q.advance(1);
    let q2 = q.close_window().unwrap();
    verify_header(&pk, &q2, Some(&w1), None).expect("same key, same chain: window 2 follows");
    let mut r = prover();
    r.advance(7);
    let r0 = r.close_window().unwrap();
    assert_eq!(verify_header(&pk, &r0, Some(&w0), None), Err(Reject::Fork));
    assert!(matches!(verify_header(&pk, &w1, Some(&r0), None), Err(Reject::Fork | Reject::Gap)));
    // A window 0 that does not start at this key's genesis.
    let mut s = Prover::new(&[43u8; 32], 64);
    s.advance(5);
    let s0 = s.close_window().unwrap();
    let theirs = s.public_key();
    assert!(verify_header(&theirs, &s0, None, None).is_ok());
}

/// A prover that re-signs a header with a lie: a nonce position moved, or a
/// segment of work skipped. The signature is valid, the opening catches it.
#[test]
fn resigned_lies_are_caught_by_openings() {
    let mut p = prover();
    let pk = p.public_key();
    let (_, w1) = two_windows(&mut p);
    let c = [8u8; 16];
    let honest = p.open(1, &c, Some(&N2), DEFAULT_K).unwrap();
    let mut header = Header::decode(&w1).unwrap();
    header.nonces[0].0 += 1;
    let (_, forged) = header.sign(p.signing_key());
    let mut opening = Opening::decode(&honest).unwrap();
    opening.header_hash = crate::proof::header_hash(&forged);
    let err = verify_opening(&pk, &forged, &opening.encode(), &c, Some(&N2), DEFAULT_K).unwrap_err();
    assert!(matches!(err, Reject::Segment | Reject::OpeningSet), "{err}");
}

#[test]
fn skipped_work_is_caught_at_the_predicted_rate() {
    // Every odd segment is fake (f = 1/2). Over many challenges with k = 2 the
    // pass rate must be close to (1/2)^2 and never above (1 - f)^k by much.
    let key = ed25519_dalek::SigningKey::from_bytes(&SEED);
    let pk = key.verifying_key().to_bytes();
    let (m, len) = (64u32, 10u32);
    let mut b = vec![chain::genesis(&pk)];
    for j in 0..m {
        let prev = *b.last().unwrap();
        b.push(if j % 2 == 0 { chain::run(prev, u64::from(len)) } else { [j as u8; 32] });
    }
    let leaves = b.windows(2).enumerate().map(|(j, w)| crate::merkle::leaf(j as u32, &w[0], &w[1])).collect();
    let tree = crate::merkle::Tree::build(leaves);
    let header = Header {
        window: 0, start_height: 0, steps: m * len, segment_len: len, start: b[0], end: b[m as usize],
        root: tree.root(), nonces: vec![], signature: [0; 64],
    };
    let (header, bytes) = header.sign(&key);
    let hh = crate::proof::header_hash(&bytes);
    let trials = 500u32;
    let mut passed = 0;
    for t in 0..trials {
        let mut c = [0u8; 16];
        c[..4].copy_from_slice(&t.to_le_bytes());
        let segs = crate::sample::required(&header, &hh, &c, None, 2)
            .into_iter()
            .map(|j| crate::proof::OpenedSegment { index: j, start: b[j as usize], end: b[j as usize + 1], path: tree.path(j as usize) })
            .collect();
        let o = Opening { window: 0, header_hash: hh, challenge: c, segments: segs }.encode();
        if verify_opening(&pk, &bytes, &o, &c, None, 2).is_ok() {
            passed += 1;
        }
    }
    let rate = f64::from(passed) / f64::from(trials);
    // Without replacement: (32/64)·(31/63) ≈ 0.246.
    assert!((0.15..0.35).contains(&rate), "pass rate {rate}");
}

#[test]
fn precomputed_work_earns_nothing() {
    let mut p = prover();
    p.advance(100_000);
    p.absorb(&N1).unwrap();
    p.advance(999);
    let w = p.close_window().unwrap();
    let f = verify_header(&p.public_key(), &w, None, Some(&N1)).unwrap();
    assert_eq!(f.steps, 101_000);
    assert_eq!(f.fresh_steps, 1_000);
}

#[test]
fn attestations_verify_and_resist_tampering() {
    let prover_pk = prover().public_key();
    let attester = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let a = Attestation { subject: prover_pk, from_height: 10, to_height: 5_000, steps: 4_000, end: [1; 32], attester: [0; 32] };
    let bytes = a.clone().sign(&attester).unwrap();
    let back = Attestation::verify(&bytes).unwrap();
    assert_eq!(back.attester, attester.verifying_key().to_bytes());
    assert_eq!((back.subject, back.steps), (prover_pk, 4_000));
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x80;
        assert!(Attestation::verify(&bad).is_err(), "byte {i}");
    }
    let too_much = Attestation { steps: 5_000, ..a };
    assert_eq!(too_much.sign(&attester), Err(Reject::Malformed));
}

#[test]
fn a_header_signature_is_not_an_attestation_signature() {
    // Domains differ, so a window signature over the same bytes never verifies.
    let mut p = prover();
    p.advance(10);
    let w = p.close_window().unwrap();
    let mut fake = vec![1u8, 3];
    fake.extend_from_slice(&w[2..2 + 32 + 24 + 32 + 32]);
    fake.extend_from_slice(&w[w.len() - 64..]);
    assert!(Attestation::verify(&fake).is_err());
}

#[test]
fn engine_runs_absorbs_proves_and_closes() {
    let cfg = EngineConfig { duty: 0.05, period: Duration::from_millis(10), ..EngineConfig::default() };
    let e = Engine::start(&SEED, cfg).unwrap();
    assert!(e.absorb(N1));
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while e.stats().height < 2_000 || e.stats().pending_nonces > 0 {
        assert!(std::time::Instant::now() < deadline, "engine made no progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    let w = e.close_window().unwrap();
    let f = verify_header(&e.public_key(), &w, None, Some(&N1)).unwrap();
    assert!(f.steps >= 2_000);
    let c = [4u8; 16];
    let o = e.open(0, &c, Some(&N1), DEFAULT_K).unwrap();
    verify_opening(&e.public_key(), &w, &o, &c, Some(&N1), DEFAULT_K).unwrap();
    e.close();
    e.close();
    assert!(e.is_closed());
    assert!(!e.absorb(N2));
}
