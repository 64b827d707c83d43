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

// ---- Bounds: verifier work is constant, whatever a (signed) header declares ----

use std::time::Instant;

use crate::limits::{MAX_K, MAX_NONCES, MAX_OPENED, MAX_OPENING_STEPS, MAX_PATH, MAX_SEGMENTS, MAX_SEGMENT_LEN, MAX_WINDOW_STEPS};
use crate::proof::OpenedSegment;
use crate::prover::ProveError;

/// An attacker's own key: its signatures are valid, its sizes are not to be trusted.
fn attacker() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[66u8; 32])
}

/// A one-segment window 0 signed by `key` claiming `steps` steps in segments
/// of `segment_len`, with `nonces` nonces, and an opening of its segment 0
/// whose Merkle path is consistent (the tree is the single leaf).
fn forged(key: &ed25519_dalek::SigningKey, steps: u32, segment_len: u32, nonces: usize, c: &Nonce) -> (Vec<u8>, Vec<u8>) {
    let pk = key.verifying_key().to_bytes();
    let (start, end) = (chain::genesis(&pk), [0xee; 32]);
    let header = Header {
        window: 0, start_height: 0, steps, segment_len, start, end,
        root: crate::merkle::leaf(0, &start, &end),
        nonces: (0..nonces).map(|i| (i as u32, [i as u8; 16])).collect(),
        signature: [0; 64],
    };
    let (_, bytes) = header.sign(key);
    let seg = OpenedSegment { index: 0, start, end, path: vec![] };
    let opening = Opening { window: 0, header_hash: crate::proof::header_hash(&bytes), challenge: *c, segments: vec![seg] }.encode();
    (bytes, opening)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

#[test]
fn a_hostile_huge_segment_is_rejected_at_once() {
    // The review's attack: one segment of ~2^32 steps (≈ 7 min to recompute).
    let key = attacker();
    let pk = key.verifying_key().to_bytes();
    let c = [3u8; 16];
    for (steps, segment_len) in [(u32::MAX, u32::MAX), (MAX_WINDOW_STEPS, MAX_WINDOW_STEPS), (MAX_SEGMENT_LEN + 1, MAX_SEGMENT_LEN + 1)] {
        let (h, o) = forged(&key, steps, segment_len, 0, &c);
        let (r, took) = timed(|| verify_header(&pk, &h, None, None));
        assert_eq!(r, Err(Reject::Shape), "header steps={steps} segment_len={segment_len}");
        assert!(took < Duration::from_millis(100), "verify_header took {took:?}");
        let (r, took) = timed(|| verify_opening(&pk, &h, &o, &c, None, DEFAULT_K));
        assert_eq!(r, Err(Reject::Shape), "opening steps={steps} segment_len={segment_len}");
        assert!(took < Duration::from_millis(100), "verify_opening took {took:?}");
        eprintln!("hostile steps={steps} segment_len={segment_len}: rejected in {took:?}");
    }
    // The same forgery at the bound is checked for real (and fails on the fake end), quickly.
    let (h, o) = forged(&key, MAX_SEGMENT_LEN, MAX_SEGMENT_LEN, 0, &c);
    let (r, took) = timed(|| verify_opening(&pk, &h, &o, &c, None, DEFAULT_K));
    assert_eq!(r, Err(Reject::Segment));
    assert!(took < Duration::from_millis(100), "a maximal segment took {took:?}");
}

#[test]
fn steps_per_window_are_bounded() {
    let key = attacker();
    let pk = key.verifying_key().to_bytes();
    let c = [3u8; 16];
    // Segments at the cap, but one step too many (also more than MAX_SEGMENTS segments).
    let (h, _) = forged(&key, MAX_WINDOW_STEPS + 1, MAX_SEGMENT_LEN, 0, &c);
    assert_eq!(verify_header(&pk, &h, None, None), Err(Reject::Shape));
    let (h, _) = forged(&key, u32::MAX, MAX_SEGMENT_LEN, 0, &c);
    assert_eq!(verify_header(&pk, &h, None, None), Err(Reject::Shape));
    // Exactly at the bound: the shape is fine (the header verifies; only openings can catch a lie).
    let (h, _) = forged(&key, MAX_WINDOW_STEPS, MAX_SEGMENT_LEN, 0, &c);
    assert!(verify_header(&pk, &h, None, None).is_ok());
    assert_eq!(Prover::new(&SEED, 64).room(), u64::from(MAX_WINDOW_STEPS));
}

#[test]
fn segment_length_is_bounded() {
    let key = attacker();
    let pk = key.verifying_key().to_bytes();
    let c = [3u8; 16];
    let (h, _) = forged(&key, 10, MAX_SEGMENT_LEN + 1, 0, &c);
    assert_eq!(verify_header(&pk, &h, None, None), Err(Reject::Shape));
    let (h, _) = forged(&key, 10, MAX_SEGMENT_LEN, 0, &c);
    assert!(verify_header(&pk, &h, None, None).is_ok());
}

#[test]
fn segment_count_is_bounded() {
    let key = attacker();
    let pk = key.verifying_key().to_bytes();
    let c = [3u8; 16];
    let (h, _) = forged(&key, MAX_SEGMENTS + 1, 1, 0, &c);
    assert_eq!(verify_header(&pk, &h, None, None), Err(Reject::Shape));
    let (h, _) = forged(&key, MAX_SEGMENTS, 1, 0, &c);
    assert!(verify_header(&pk, &h, None, None).is_ok());
}

#[test]
fn nonce_count_is_bounded() {
    let key = attacker();
    let pk = key.verifying_key().to_bytes();
    let c = [3u8; 16];
    let (h, _) = forged(&key, 1000, 100, MAX_NONCES + 1, &c);
    assert_eq!(verify_header(&pk, &h, None, None), Err(Reject::Shape));
    let (h, _) = forged(&key, 1000, 100, MAX_NONCES, &c);
    assert!(verify_header(&pk, &h, None, None).is_ok());
    // A declared count far above the bytes present is refused before any allocation.
    let mut huge = h.clone();
    let at = 2 + 8 + 8 + 4 + 4 + 96;
    huge[at..at + 2].copy_from_slice(&u16::MAX.to_le_bytes());
    assert_eq!(Header::decode(&huge), Err(Reject::Shape));
}

#[test]
fn opened_segments_path_length_and_k_are_bounded() {
    let mut p = prover();
    let pk = p.public_key();
    let (_, w1) = two_windows(&mut p);
    let c = [8u8; 16];
    let honest = Opening::decode(&p.open(1, &c, Some(&N2), DEFAULT_K).unwrap()).unwrap();
    // Too many opened segments.
    let mut many = honest.clone();
    while many.segments.len() <= MAX_OPENED {
        many.segments.push(honest.segments[0].clone());
    }
    assert_eq!(verify_opening(&pk, &w1, &many.encode(), &c, Some(&N2), DEFAULT_K), Err(Reject::Shape));
    many.segments.truncate(MAX_OPENED);
    assert_eq!(verify_opening(&pk, &w1, &many.encode(), &c, Some(&N2), DEFAULT_K), Err(Reject::OpeningSet));
    // A path longer than any tree allows.
    let mut deep = honest.clone();
    deep.segments[0].path = vec![[0; 32]; MAX_PATH + 1];
    assert_eq!(verify_opening(&pk, &w1, &deep.encode(), &c, Some(&N2), DEFAULT_K), Err(Reject::Shape));
    deep.segments[0].path = vec![[0; 32]; MAX_PATH];
    assert_eq!(verify_opening(&pk, &w1, &deep.encode(), &c, Some(&N2), DEFAULT_K), Err(Reject::Merkle));
    // k is the verifier's own, bounded all the same; the prover refuses it too.
    assert_eq!(verify_opening(&pk, &w1, &honest.encode(), &c, Some(&N2), MAX_K + 1), Err(Reject::Shape));
    assert_eq!(p.open(1, &c, Some(&N2), MAX_K + 1), Err(ProveError::KTooLarge));
    let o = p.open(1, &c, Some(&N2), MAX_K).unwrap();
    verify_opening(&pk, &w1, &o, &c, Some(&N2), MAX_K).unwrap();
}

#[test]
fn the_prover_grows_segments_within_the_cap_and_worst_case_verify_is_bounded() {
    // max_segments = 2 would want segments of 2^18 steps here: the prover stops
    // at MAX_SEGMENT_LEN and cuts the window into more segments instead.
    let mut p = Prover::new(&SEED, 2);
    let pk = p.public_key();
    p.advance(u64::from(MAX_SEGMENT_LEN) * 31 + 5);
    p.absorb(&N1).unwrap();
    p.advance(u64::from(MAX_SEGMENT_LEN) * 33 - 6); // 64 full segments
    let h = p.close_window().unwrap();
    let header = Header::decode(&h).unwrap();
    assert_eq!(header.segment_len, MAX_SEGMENT_LEN);
    assert_eq!(header.segments(), 64);
    // Worst case for a verifier: k = MAX_K drawn + the show segment, all full length.
    let c = [1u8; 16];
    let o = p.open(0, &c, Some(&N1), MAX_K).unwrap();
    let opened = Opening::decode(&o).unwrap().segments;
    assert_eq!(opened.len(), MAX_OPENED);
    let steps: u64 = opened.iter().map(|s| { let (a, b) = header.segment_range(s.index); u64::from(b - a) }).sum();
    assert_eq!(steps, MAX_OPENING_STEPS);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let (r, took) = timed(|| verify_opening(&pk, &h, &o, &c, Some(&N1), MAX_K));
        r.unwrap();
        best = best.min(took);
    }
    eprintln!("worst-case opening: {} segments, {steps} steps, verified in {best:?}", opened.len());
    assert!(best < Duration::from_millis(100), "worst-case opening took {best:?}");
    // The default k: 3 segments.
    let o = p.open(0, &c, Some(&N1), DEFAULT_K).unwrap();
    let (r, took) = timed(|| verify_opening(&pk, &h, &o, &c, Some(&N1), DEFAULT_K));
    r.unwrap();
    eprintln!("default-k opening verified in {took:?}");
}
