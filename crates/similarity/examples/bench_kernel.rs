//! Benchmark driver for the exact top-k kernel (see `bench/similarity/README.md`).
//!
//! ```text
//! bench_kernel gen  --n N --d D [--seed S] --out FILE
//!     Writes N×D standard-normal f32 values (row-major, little-endian) to FILE.
//! bench_kernel knn  --data FILE --d D [--k 10] [--threads 2] [--repeat 1] [--queries Q]
//!                   [--ids-out FILE]
//!     Squared-L2 k nearest neighbours of every row among all rows (itself excluded), timed:
//!     `kernel::top_k_all`. With Q > 0, only the first Q rows query all N (`top_k_among`).
//!     Prints one JSON object (best of --repeat); with --ids-out writes the neighbour ids
//!     (queries × k, u32 LE), for the recall check against FAISS.
//! bench_kernel ann  --data FILE --d D [--k 10] [--threads 2] [--queries Q] [--lists 0]
//!                   [--iterations 8] [--sample-per-list 64] [--probes 8,16,32,64] [--rerank R]
//!                   [--ids-out PREFIX]
//!     Builds the IVF index (`ann::Ivf`, squared L2; 0 lists = √N; k-means trains on at most
//!     `--sample-per-list` rows a list) over all N rows, timed,
//!     then searches the first Q rows (all when 0) once per `--probes` value, timed, each query
//!     skipping its own row; R > 0 scores 8-bit codes first and rescores R hits per query
//!     exactly, R = 0 scores in f32, no R lets the index choose (`Params::rerank`; the JSON
//!     gives the R it used). Prints one JSON object; with --ids-out writes PREFIX.<probes>.
//! ```
//!
//! Squared L2 through the Dot kernel: `‖x − y‖² = ‖x‖² − (2⟨x,y⟩ − ‖y‖²)`, and `‖x‖²` is constant
//! for a query, so ranking candidates by `2⟨x,y⟩ − ‖y‖²` (descending) is ranking them by distance
//! (ascending). A Dot embedding expresses that with one extra column: query rows `[2x, −1]`,
//! candidate rows `[y, ‖y‖²]`. The transform is part of the timed region.

use std::io::{Read, Write};
use std::time::Instant;

use soundalike_similarity::ann::{Ivf, Params, Space};
use soundalike_similarity::kernel::{self, Embedding, Matrix, Metric};

/// splitmix64: tiny, fast, and good enough for benchmark data.
struct SplitMix(u64);

impl SplitMix {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in (0, 1].
    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64
    }

    /// Two independent standard normals (Box–Muller).
    fn normal_pair(&mut self) -> (f64, f64) {
        let r = (-2.0 * self.unit().ln()).sqrt();
        let t = std::f64::consts::TAU * self.unit();
        (r * t.cos(), r * t.sin())
    }
}

fn gaussian(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix(seed);
    let mut out = Vec::with_capacity(n * d + 1);
    while out.len() < n * d {
        let (a, b) = rng.normal_pair();
        out.push(a as f32);
        out.push(b as f32);
    }
    out.truncate(n * d);
    out
}

/// Squared-L2 neighbours as a Dot embedding: queries `[2x, −1]`, candidates `[y, ‖y‖²]`.
fn l2_embedding(data: &[f32], d: usize) -> Embedding {
    let n = data.len() / d;
    let mut queries = Vec::with_capacity(n * (d + 1));
    let mut candidates = Vec::with_capacity(n * (d + 1));
    for row in data.chunks_exact(d) {
        queries.extend(row.iter().map(|x| 2.0 * x));
        queries.push(-1.0);
        candidates.extend_from_slice(row);
        candidates.push(row.iter().map(|x| x * x).sum());
    }
    Embedding {
        metric: Metric::Dot,
        queries: Matrix::new(queries, d + 1),
        candidates: Some(Matrix::new(candidates, d + 1)),
        valid: vec![true; n],
        sparse: None,
    }
}

/// Peak resident set size of this process in KiB (Linux `VmHWM`), 0 if unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

struct Args(Vec<String>);

impl Args {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }

    fn num(&self, name: &str, default: Option<usize>) -> usize {
        match self.get(name) {
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| panic!("{name}: not a number: {v}")),
            None => default.unwrap_or_else(|| panic!("missing {name}")),
        }
    }

    fn path(&self, name: &str) -> &str {
        self.get(name).unwrap_or_else(|| panic!("missing {name}"))
    }
}

fn read_data(path: &str, d: usize) -> std::io::Result<Vec<f32>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.read_to_end(&mut bytes)?;
    let data: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(data.len() % d, 0, "file size is not a multiple of d");
    Ok(data)
}

fn write_ids(path: &str, lists: &[Vec<u32>]) -> std::io::Result<()> {
    let out: Vec<u8> = lists
        .iter()
        .flatten()
        .flat_map(|i| i.to_le_bytes())
        .collect();
    std::fs::File::create(path)?.write_all(&out)
}

fn ann(args: &Args) -> std::io::Result<()> {
    let d = args.num("--d", None);
    let k = args.num("--k", Some(10));
    let threads = args.num("--threads", Some(2));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("rayon pool");
    let data = read_data(args.path("--data"), d)?;
    let n = data.len() / d;
    let queries = match args.num("--queries", Some(0)) {
        0 => n,
        q => q.min(n),
    };
    let params = Params {
        lists: args.num("--lists", Some(Params::default().lists)),
        iterations: args.num("--iterations", Some(Params::default().iterations)),
        sample_per_list: args.num("--sample-per-list", Some(Params::default().sample_per_list)),
        rerank: args.get("--rerank").map(|_| args.num("--rerank", None)),
        ..Params::default()
    };
    let probes: Vec<usize> = args
        .get("--probes")
        .unwrap_or("8,16,32,64")
        .split(',')
        .map(|v| v.trim().parse().expect("--probes: numbers"))
        .collect();
    let q_rows = Matrix::new(data[..queries * d].to_vec(), d);
    let start = Instant::now();
    let index = Ivf::build(Matrix::new(data, d), Space::L2, &params);
    let build = start.elapsed().as_secs_f64();
    let mut runs = Vec::new();
    for &p in &probes {
        let start = Instant::now();
        let lists = index.search_many(&q_rows, k, p, &|q| Some(q));
        let seconds = start.elapsed().as_secs_f64();
        if let Some(prefix) = args.get("--ids-out") {
            let ids: Vec<Vec<u32>> = lists
                .iter()
                .map(|l| l.iter().map(|nb| nb.index).collect())
                .collect();
            assert!(ids.iter().all(|l| l.len() == k.min(n - 1)));
            write_ids(&format!("{prefix}.{p}"), &ids)?;
        }
        runs.push(format!(
            "{{\"probes\":{p},\"seconds\":{seconds:.6},\"queries_per_s\":{:.1}}}",
            queries as f64 / seconds
        ));
    }
    println!(
        "{{\"method\":\"ivf\",\"n\":{n},\"queries\":{queries},\"d\":{d},\"k\":{k},\"threads\":{threads},\
         \"lists\":{},\"iterations\":{},\"rerank\":{},\"build_seconds\":{build:.3},\"index_mib\":{:.1},\
         \"runs\":[{}],\"peak_rss_kib\":{}}}",
        index.lists(),
        params.iterations,
        index.rerank(),
        index.memory_bytes() as f64 / (1 << 20) as f64,
        runs.join(","),
        peak_rss_kib()
    );
    Ok(())
}

fn main() -> std::io::Result<()> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = raw.first().cloned() else {
        eprintln!("usage: bench_kernel gen|knn ... (see the source header)");
        std::process::exit(2);
    };
    let args = Args(raw);
    match cmd.as_str() {
        "gen" => {
            let (n, d) = (args.num("--n", None), args.num("--d", None));
            let seed = args.num("--seed", Some(42)) as u64;
            let data = gaussian(n, d, seed ^ ((n as u64) << 20) ^ d as u64);
            let bytes: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
            std::fs::File::create(args.path("--out"))?.write_all(&bytes)?;
        }
        "knn" => {
            let d = args.num("--d", None);
            let k = args.num("--k", Some(10));
            let threads = args.num("--threads", Some(2));
            let repeat = args.num("--repeat", Some(1)).max(1);
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build_global()
                .expect("rayon pool");
            let mut bytes = Vec::new();
            std::fs::File::open(args.path("--data"))?.read_to_end(&mut bytes)?;
            let data: Vec<f32> = bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            drop(bytes);
            let n = data.len() / d;
            assert_eq!(n * d, data.len(), "file size is not a multiple of d");
            let queries = match args.num("--queries", Some(0)) {
                0 => n,
                q => q.min(n),
            };
            let rss_loaded = peak_rss_kib();
            let mut times = Vec::new();
            let mut result = Vec::new();
            for _ in 0..repeat {
                result.clear();
                let start = Instant::now();
                let embedding = l2_embedding(&data, d);
                result = if queries == n {
                    kernel::top_k_all(&embedding, k)
                } else {
                    let all: Vec<usize> = (0..n).collect();
                    kernel::top_k_among(&embedding, &all[..queries], &all, k)
                };
                times.push(start.elapsed().as_secs_f64());
            }
            let best = times.iter().copied().fold(f64::INFINITY, f64::min);
            if let Some(path) = args.get("--ids-out") {
                let mut out = Vec::with_capacity(queries * k * 4);
                for list in &result {
                    assert_eq!(list.len(), k.min(n - 1));
                    for nb in list {
                        out.extend_from_slice(&nb.index.to_le_bytes());
                    }
                }
                std::fs::File::create(path)?.write_all(&out)?;
            }
            let pairs = queries as f64 * n as f64;
            println!(
                "{{\"method\":\"soundalike\",\"n\":{n},\"queries\":{queries},\"d\":{d},\"k\":{k},\"threads\":{threads},\
                 \"query_block\":{},\"candidate_block\":{},\"seconds\":{best:.6},\
                 \"all_seconds\":{times:?},\"pairs_per_s\":{:.1},\
                 \"peak_rss_kib\":{},\"rss_after_load_kib\":{rss_loaded}}}",
                kernel::QUERY_BLOCK,
                kernel::CANDIDATE_BLOCK,
                pairs / best,
                peak_rss_kib()
            );
        }
        "ann" => ann(&args)?,
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
    Ok(())
}
