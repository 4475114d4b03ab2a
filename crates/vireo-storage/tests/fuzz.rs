//! Seeded random qcow2 headers through the parser: every case ends in `Ok` or a clean
//! error, never a panic. The seed is printed so a failure can be replayed
//! (`VIREO_FUZZ_SEED=… VIREO_FUZZ_CASES=… cargo test -p vireo-storage --test fuzz`).

use vireo_storage::qcow2;
use vireo_storage::testing::{feature_names, Qcow2};

/// xorshift64*: small, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A plausible v3 header (valid as written) to mutate: a backing format extension, a
/// feature name table and a backing name; the header's first 4 KiB only.
fn base() -> Vec<u8> {
    Qcow2 {
        backing: Some(b"base.img".to_vec()),
        extensions: vec![
            (0xe279_2aca, b"qcow2".to_vec()),
            feature_names(&[(0, 0, "dirty")]),
        ],
        file_len: 4096,
        ..Qcow2::default()
    }
    .bytes()
}

/// Field offsets worth hitting with extreme values.
const FIELDS: &[(usize, usize)] = &[
    (4, 4),
    (8, 8),
    (16, 4),
    (20, 4),
    (24, 8),
    (32, 4),
    (36, 4),
    (40, 8),
    (48, 8),
    (56, 4),
    (60, 4),
    (64, 8),
    (72, 8),
    (80, 8),
    (88, 8),
    (96, 4),
    (100, 4),
    (112, 4),
    (116, 4),
    (128, 4),
    (132, 4),
];

#[test]
fn random_headers_never_panic() {
    let seed = std::env::var("VIREO_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1234_abcd_0001u64);
    let cases: u64 = std::env::var("VIREO_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120_000);
    println!("seed {seed}, {cases} cases");
    let mut rng = Rng(seed);
    let template = base();
    assert!(
        qcow2::parse(&template, 1 << 20, "t").is_ok(),
        "the template is valid"
    );
    let (mut ok, mut refused) = (0u64, 0u64);
    let mut buf = template.clone();
    for _ in 0..cases {
        buf.copy_from_slice(&template);
        for _ in 0..=rng.below(6) {
            match rng.below(4) {
                0 => {
                    let at = rng.below(buf.len() as u64) as usize;
                    buf[at] = rng.next() as u8;
                }
                1 | 2 => {
                    let (at, len) = FIELDS[rng.below(FIELDS.len() as u64) as usize];
                    let v = match rng.below(5) {
                        0 => 0,
                        1 => u64::MAX,
                        2 => rng.below(1 << 20),
                        3 => 1u64 << rng.below(64),
                        _ => rng.next(),
                    };
                    let bytes = v.to_be_bytes();
                    buf[at..at + len].copy_from_slice(&bytes[8 - len..]);
                }
                _ => {
                    let at = rng.below(buf.len() as u64) as usize;
                    buf[at..].fill(0xff);
                }
            }
        }
        let cut = if rng.below(8) == 0 {
            rng.below(buf.len() as u64) as usize
        } else {
            buf.len()
        };
        let file_len = match rng.below(3) {
            0 => cut as u64,
            1 => rng.next(),
            _ => 1 << 20,
        };
        match qcow2::parse(&buf[..cut], file_len, "fuzz") {
            Ok(h) => {
                ok += 1;
                assert!(h.claimed_end <= file_len);
                assert!(h.backing.as_ref().is_none_or(|b| b.len() <= 1023));
            }
            Err(e) => {
                refused += 1;
                let m = e.to_string();
                assert!(!m.is_empty());
                assert!(!m.chars().any(char::is_control), "{m:?}");
            }
        }
    }
    println!("{ok} accepted, {refused} refused");
    assert_eq!(ok + refused, cases);
    assert!(ok > 0 && refused > 0, "the mutations reach both outcomes");
}
