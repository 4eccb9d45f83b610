//! A bounded fuzzer for the form decoder (`stripe_sim::form::parse`), on stable Rust.
//!
//! Feeds seeded random and mutated inputs to the decoder and checks each answer: `Ok` with a
//! JSON object, or a 400 `invalid_request_error` — never a panic, never another status.
//!
//! ```sh
//! cargo run --release -p stripe-sim --example fuzz_form -- --seconds 120
//! cargo run --release -p stripe-sim --example fuzz_form -- --inputs 1000000 --seed 42
//! ```
//! Prints the seed (so a run can be repeated), the number of inputs, the seconds it ran and
//! every panic or bad answer found (the input escaped); exits 1 if it found any.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Well-formed bodies in the shapes the SDKs send: the starting points of mutation.
const CORPUS: &[&[u8]] = &[
    b"email=ada%40example.com&name=Ada+Lovelace&metadata[user_id]=42",
    b"mode=subscription&line_items[0][price]=price_1&line_items[0][quantity]=1&success_url=https%3A%2F%2Fx.example%2Fok",
    b"line_items%5B0%5D%5Bprice%5D=price_1&expand%5B%5D=customer&expand%5B%5D=subscription",
    b"items[][price]=p1&items[][quantity]=2&items[][price]=p2",
    b"a[b][c][d][e]=deep&a[b][c][x]=&metadata=",
    b"expand[0]=data.customer&limit=3&created[gte]=1700000000",
    b"description=%E2%82%AC+%25+caf%C3%A9&flag",
    b"card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2034",
];

/// Fragments worth splicing in: separators, brackets, escapes good and bad, odd bytes.
const TOKENS: &[&[u8]] = &[
    b"&",
    b"=",
    b"[",
    b"]",
    b"[]",
    b"[0]",
    b"[999]",
    b"[1000]",
    b"%",
    b"%2",
    b"%zz",
    b"%5B",
    b"%5D",
    b"%ff",
    b"%00",
    b"%c3",
    b"%c3%a9",
    b"%f0%9f%98",
    b"+",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\r\n",
    b"==",
    b"&&",
    b"[[",
    b"]]",
    b"a",
    b"metadata",
    b"expand[]",
];

struct Args {
    seed: u64,
    inputs: Option<u64>,
    seconds: Option<f64>,
}

fn args() -> Args {
    let mut a = Args {
        seed: rand::random(),
        inputs: None,
        seconds: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--seed" => a.seed = value.parse().expect("--seed takes an integer"),
            "--inputs" => a.inputs = Some(value.parse().expect("--inputs takes an integer")),
            "--seconds" => a.seconds = Some(value.parse().expect("--seconds takes a number")),
            other => {
                eprintln!(
                    "usage: fuzz_form [--seed N] [--inputs N] [--seconds S]; unknown {other}"
                );
                std::process::exit(2);
            }
        }
    }
    if a.inputs.is_none() && a.seconds.is_none() {
        a.seconds = Some(10.0);
    }
    a
}

fn random_bytes(rng: &mut StdRng) -> Vec<u8> {
    let len = rng.random_range(0..96);
    (0..len).map(|_| rng.random()).collect()
}

fn mutate(rng: &mut StdRng) -> Vec<u8> {
    let mut buf = CORPUS[rng.random_range(0..CORPUS.len())].to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = rng.random_range(0..=buf.len());
        match rng.random_range(0..5) {
            0 => {
                let t = TOKENS[rng.random_range(0..TOKENS.len())];
                buf.splice(at..at, t.iter().copied());
            }
            1 if at < buf.len() => buf[at] = rng.random(),
            2 if at < buf.len() => {
                let end = rng.random_range(at..=buf.len().min(at + 8));
                buf.drain(at..end);
            }
            3 => buf.truncate(at),
            _ => {
                let other = CORPUS[rng.random_range(0..CORPUS.len())];
                let from = rng.random_range(0..other.len());
                buf.splice(at..at, other[from..].iter().copied());
            }
        }
    }
    buf
}

fn escaped(input: &[u8]) -> String {
    input.escape_ascii().to_string()
}

fn main() {
    let args = args();
    // Panics are caught and reported below; keep the default hook quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = StdRng::seed_from_u64(args.seed);
    let deadline = args.seconds.map(Duration::from_secs_f64);
    let started = Instant::now();
    let (mut n, mut ok, mut refused, mut findings) = (0u64, 0u64, 0u64, 0u64);
    loop {
        if args.inputs.is_some_and(|max| n >= max)
            || deadline.is_some_and(|d| n % 1024 == 0 && started.elapsed() >= d)
        {
            break;
        }
        let input = if rng.random_bool(0.25) {
            random_bytes(&mut rng)
        } else {
            mutate(&mut rng)
        };
        n += 1;
        match catch_unwind(AssertUnwindSafe(|| stripe_sim::form::parse(&input))) {
            Ok(Ok(v)) if v.is_object() => ok += 1,
            Ok(Err(e))
                if e.status().as_u16() == 400
                    && e.body()["error"]["type"] == "invalid_request_error" =>
            {
                refused += 1
            }
            Ok(other) => {
                findings += 1;
                println!("BAD ANSWER #{n}: {} → {other:?}", escaped(&input));
            }
            Err(_) => {
                findings += 1;
                println!("PANIC #{n}: {}", escaped(&input));
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fuzz_form: seed {} · {n} inputs ({ok} ok, {refused} refused with 400) · {secs:.1} s · {:.0} inputs/s · {findings} findings",
        args.seed,
        n as f64 / secs.max(1e-9)
    );
    if findings > 0 {
        std::process::exit(1);
    }
}
