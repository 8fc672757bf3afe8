//! Int8 codes for a cheap first score: the approximate index ([`crate::ann`]) scores its
//! candidates with these, keeps a short list per query, and rescores that list exactly.
//!
//! Why: the exact kernel already multiplies f32 rows at close to the FMA units' peak, so an
//! index that scans a quarter of the rows in f32 cannot be 10× faster than it. An 8-bit dot
//! product does four times the multiply-adds per instruction (`vpdpbusd`, AVX-512 VNNI), and an
//! AMX tile multiply (`tdpbusd`) 16 rows × 16 queries × 64 dimensions at once, which pays from
//! 32 dimensions on (its tiles take 64 at a time; [`Path::for_dim`]). AVX2 alone has no such
//! instruction: its exact 8-bit product takes four (sign, two multiplies, an add) per 32
//! multiply-adds, so there it beats f32 only for wider rows ([`pays_off`]).
//!
//! Rows are coded per dimension (`round(y_d / s_d)`, `s_d` = the column's largest magnitude /
//! 127), queries per row (`round(x_d s_d / α)`), so `⟨x, y⟩ ≈ α Σ_d q_d c_d`. Candidate codes are
//! stored offset by 128 as unsigned bytes (what `vpdpbusd` and `tdpbusd` multiply) in panels of
//! [`PANEL`] rows, laid out for the path they were coded for ([`Path::byte_in_panel`]).
//!
//! The SIMD paths and the portable one compute the same integers and the same float rounding,
//! so results do not depend on the machine, only the speed does.

/// Bytes in whole 64-byte lines that start on a cache line, so that no 64-byte load of a panel
/// group or tile row straddles two lines (a `Vec<u8>` this large starts 16 bytes past one;
/// aligned, a d = 64 search with AMX took about 6 % less time).
#[allow(unsafe_code)]
mod lines {
    #[repr(C, align(64))]
    #[derive(Clone, Copy)]
    struct Line([u8; 64]);

    #[derive(Clone)]
    pub(super) struct Lines(Vec<Line>);

    impl Lines {
        /// `bytes` (a multiple of 64) bytes, all `value`.
        pub(super) fn filled(bytes: usize, value: u8) -> Self {
            assert!(bytes.is_multiple_of(64), "whole lines");
            Self(vec![Line([value; 64]); bytes / 64])
        }

        pub(super) fn as_bytes(&self) -> &[u8] {
            // SAFETY: a `Line` is 64 initialised bytes with no padding (size = alignment = 64),
            // so the vector holds exactly `len × 64` contiguous bytes.
            unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast(), self.0.len() * 64) }
        }

        pub(super) fn as_bytes_mut(&mut self) -> &mut [u8] {
            // SAFETY: as in `as_bytes`; the borrow is exclusive.
            unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.0.len() * 64) }
        }
    }

    impl std::fmt::Debug for Lines {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "Lines({} bytes)", self.0.len() * 64)
        }
    }
}

use lines::Lines;

/// Rows per panel: one 512-bit register of 32-bit sums.
pub(crate) const PANEL: usize = 16;

/// Query rows coded as signed bytes, 4 dimensions packed per `i32`.
#[derive(Debug, Clone)]
pub(crate) struct QueryCodes {
    groups: usize,
    packed: Vec<i32>,
    /// Multiplier from the integer sum to the score (α, times 2 for the L2 form).
    scale: Vec<f32>,
    /// `128 Σ q_d`: what the candidates' +128 offset adds to the integer sum.
    offset: Vec<i32>,
}

/// Candidate rows coded as unsigned bytes, in panels, cluster after cluster.
#[derive(Debug, Clone)]
pub(crate) struct RowCodes {
    /// The path that scores them: it fixes the panels' layout.
    path: Path,
    groups: usize,
    /// Per-dimension step `s_d`.
    steps: Vec<f32>,
    /// Panels of [`PANEL`] rows × `groups` × 4 bytes, in `path`'s layout.
    panels: Lines,
    /// Added to every row's scaled sum (e.g. `−‖y‖²`), one per panel slot; 0 for padding.
    bias: Vec<f32>,
    /// Cluster c owns panels `panel_offsets[c]..panel_offsets[c + 1]`.
    panel_offsets: Vec<usize>,
    /// Rows of each cluster (its last panel may be part padding).
    sizes: Vec<usize>,
    /// Largest bias of each panel's rows, for a cheap integer pre-test of a panel.
    bias_max: Vec<f32>,
}

/// A row that reached its query's threshold: `members[member]` against the cluster's row
/// `row`, with its approximate score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    pub(crate) member: u32,
    pub(crate) row: u32,
    pub(crate) score: f32,
}

fn code(x: f32) -> i8 {
    x.round().clamp(-127.0, 127.0) as i8
}

impl RowCodes {
    /// Codes `rows` (row-major, `dim` columns, already in cluster order; cluster c holds rows
    /// `offsets[c]..offsets[c + 1]`), each row's score bias given by `bias(row)`, for the
    /// path that scores rows this wide fastest on this CPU.
    pub(crate) fn build(
        rows: &[f32],
        dim: usize,
        offsets: &[usize],
        bias: impl Fn(&[f32]) -> f32,
    ) -> Self {
        Self::build_for(Path::for_dim(dim), rows, dim, offsets, bias)
    }

    fn build_for(
        path: Path,
        rows: &[f32],
        dim: usize,
        offsets: &[usize],
        bias: impl Fn(&[f32]) -> f32,
    ) -> Self {
        let groups = match path {
            // Whole 16 × 64-byte tiles.
            Path::Amx => dim.div_ceil(64).max(1) * 16,
            Path::Vnni | Path::Avx2 | Path::Portable => dim.div_ceil(4).max(1),
        };
        let mut steps = vec![0f32; dim];
        for row in rows.chunks_exact(dim) {
            for (s, x) in steps.iter_mut().zip(row) {
                *s = s.max(x.abs());
            }
        }
        for s in &mut steps {
            *s = if *s > 0.0 && s.is_finite() {
                *s / 127.0
            } else {
                1.0
            };
        }
        let mut panel_offsets = vec![0usize];
        for c in 0..offsets.len().saturating_sub(1) {
            let size = offsets[c + 1] - offsets[c];
            panel_offsets.push(panel_offsets[c] + size.div_ceil(PANEL));
        }
        let total = *panel_offsets.last().expect("starts with 0");
        let panel_bytes = PANEL * groups * 4;
        let mut panels = Lines::filled(total * panel_bytes, 128);
        let bytes = panels.as_bytes_mut();
        let mut bias_out = vec![0f32; total * PANEL];
        for c in 0..offsets.len().saturating_sub(1) {
            for (i, r) in (offsets[c]..offsets[c + 1]).enumerate() {
                let row = &rows[r * dim..(r + 1) * dim];
                let slot = panel_offsets[c] * PANEL + i;
                let (panel, lane) = (slot / PANEL, slot % PANEL);
                for (d, (x, s)) in row.iter().zip(&steps).enumerate() {
                    let at = panel * panel_bytes + path.byte_in_panel(lane, d);
                    bytes[at] = (i16::from(code(x / s)) + 128) as u8;
                }
                bias_out[slot] = bias(row);
            }
        }
        let sizes: Vec<usize> = offsets.windows(2).map(|w| w[1] - w[0]).collect();
        let mut bias_max = vec![f32::NEG_INFINITY; total];
        for (c, &size) in sizes.iter().enumerate() {
            for i in 0..size {
                let slot = panel_offsets[c] * PANEL + i;
                bias_max[slot / PANEL] = bias_max[slot / PANEL].max(bias_out[slot]);
            }
        }
        Self {
            path,
            groups,
            steps,
            panels,
            bias: bias_out,
            panel_offsets,
            sizes,
            bias_max,
        }
    }

    /// Codes `queries` (row-major, same dims) for this index; `factor` multiplies every score
    /// (2 for the L2 form `2⟨x,y⟩ − ‖y‖²`).
    pub(crate) fn code_queries(&self, queries: &[f32], factor: f32) -> QueryCodes {
        let dim = self.steps.len();
        let n = queries.len() / dim.max(1);
        let mut packed = vec![0i32; n * self.groups];
        let (mut scale, mut offset) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut weighted = vec![0f32; dim];
        for (q, row) in queries.chunks_exact(dim).enumerate() {
            for ((w, x), s) in weighted.iter_mut().zip(row).zip(&self.steps) {
                *w = x * s;
            }
            let top = weighted.iter().fold(0f32, |m, w| m.max(w.abs()));
            let alpha = if top > 0.0 && top.is_finite() {
                top / 127.0
            } else {
                1.0
            };
            let mut bytes = vec![0u8; self.groups * 4];
            let mut sum = 0i32;
            for (b, w) in bytes.iter_mut().zip(&weighted) {
                let c = code(w / alpha);
                sum += i32::from(c);
                *b = c as u8;
            }
            for (g, four) in bytes.chunks_exact(4).enumerate() {
                packed[q * self.groups + g] =
                    i32::from_le_bytes([four[0], four[1], four[2], four[3]]);
            }
            scale.push(alpha * factor);
            offset.push(128 * sum);
        }
        QueryCodes {
            groups: self.groups,
            packed,
            scale,
            offset,
        }
    }

    /// Bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.panels.as_bytes().len()
            + 4 * (self.bias.len() + self.steps.len())
            + 8 * self.panel_offsets.len()
    }

    /// The rows of cluster `c` whose approximate score against query `members[i]` is at least
    /// `thresholds[i]`, appended to `hits` (in no particular order).
    pub(crate) fn score_cluster(
        &self,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        c: usize,
        hits: &mut Vec<Hit>,
    ) {
        assert_eq!(
            queries.groups, self.groups,
            "queries coded for another index"
        );
        assert_eq!(members.len(), thresholds.len(), "one threshold per member");
        self.block(c).score(queries, members, thresholds, hits);
    }

    /// Cluster `c`'s panels.
    fn block(&self, c: usize) -> Block<'_> {
        let (first, last) = (self.panel_offsets[c], self.panel_offsets[c + 1]);
        let panel_bytes = PANEL * self.groups * 4;
        Block {
            path: self.path,
            groups: self.groups,
            panels: &self.panels.as_bytes()[first * panel_bytes..last * panel_bytes],
            bias: &self.bias[first * PANEL..last * PANEL],
            bias_max: &self.bias_max[first..last],
            rows: self.sizes[c],
        }
    }
}

/// True when, on this CPU, the 8-bit pass plus the exact rescoring of its hits is faster than
/// scoring rows of `dim` columns in f32: always with AMX or AVX-512 VNNI; with AVX2 from 32
/// columns (below that the f32 scan was faster; `bench/similarity/log/2026-12-01-8bit-avx2.md`);
/// never with the portable loops.
pub(crate) fn pays_off(dim: usize) -> bool {
    match Path::for_dim(dim) {
        Path::Amx | Path::Vnni => true,
        Path::Avx2 => dim >= 32,
        Path::Portable => false,
    }
}

/// How scores are computed; every path gives the same hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// AMX tiles (`tdpbusd`: 16 rows × 16 queries × 64 dimensions an instruction).
    Amx,
    /// AVX-512 VNNI (`vpdpbusd`: 16 rows × 4 dimensions an instruction).
    Vnni,
    /// AVX2 (`vpmaddubsw` and `vpmaddwd`: 8 rows × 4 dimensions a pair of instructions).
    Avx2,
    /// Plain loops.
    Portable,
}

impl Path {
    /// The path for rows of `dim` columns: the fastest this CPU runs, but AMX only from 32
    /// columns, as its tiles take 64 at a time (at d = 16 VNNI was faster;
    /// `bench/similarity/log/2026-12-01-8bit-amx.md`).
    fn for_dim(dim: usize) -> Self {
        Self::available()
            .into_iter()
            .find(|&path| path != Self::Amx || dim >= 32)
            .expect("portable is always there")
    }

    /// The paths this CPU runs, fastest first.
    fn available() -> Vec<Self> {
        let mut paths = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if amx::available() {
                paths.push(Self::Amx);
            }
            if vnni::available() {
                paths.push(Self::Vnni);
            }
            if avx2::available() {
                paths.push(Self::Avx2);
            }
        }
        paths.push(Self::Portable);
        paths
    }

    /// Where byte `d` of lane `lane` lies in a panel: for AMX, 64-dimension steps of 16 rows ×
    /// 64 bytes, each row's bytes side by side (`tdpbusd`'s left operand, so a tile of sums
    /// holds a row per tile row and a query per lane); for the others, groups of 4 dimensions
    /// holding the 16 rows' 4 bytes each (one 64-byte load for `vpdpbusd`, a lane per row).
    /// Either way a group's 4 bytes are side by side.
    fn byte_in_panel(self, lane: usize, d: usize) -> usize {
        match self {
            Self::Amx => (d / 64) * PANEL * 64 + lane * 64 + d % 64,
            Self::Vnni | Self::Avx2 | Self::Portable => (d / 4) * PANEL * 4 + lane * 4 + d % 4,
        }
    }
}

/// One cluster's panels.
struct Block<'a> {
    /// The path the panels are laid out for.
    path: Path,
    groups: usize,
    panels: &'a [u8],
    bias: &'a [f32],
    bias_max: &'a [f32],
    rows: usize,
}

impl Block<'_> {
    /// Every row whose score against `members[i]` reaches `thresholds[i]`, on the path the
    /// panels are laid out for.
    fn score(
        &self,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        hits: &mut Vec<Hit>,
    ) {
        match self.path {
            #[cfg(target_arch = "x86_64")]
            Path::Amx => amx::score(self, queries, members, thresholds, hits),
            #[cfg(target_arch = "x86_64")]
            Path::Vnni => vnni::score(self, queries, members, thresholds, hits),
            #[cfg(target_arch = "x86_64")]
            Path::Avx2 => avx2::score(self, queries, members, thresholds, hits),
            _ => portable_score(self, queries, members, thresholds, hits),
        }
    }

    /// Bit l set when lane l of panel `p` holds a real row (the cluster's last panel may be part
    /// padding).
    fn real_lanes(&self, p: usize) -> u16 {
        let real = self.rows.saturating_sub(p * PANEL).min(PANEL);
        if real == PANEL { !0 } else { (1 << real) - 1 }
    }
}

/// The integer sum turned into a score; the SIMD path rounds the same way (convert, multiply,
/// add, no fused multiply-add).
#[inline]
fn finish(sum: i32, offset: i32, scale: f32, bias: f32) -> f32 {
    (sum.wrapping_sub(offset) as f32) * scale + bias
}

/// The range the SIMD paths' pre-test floors are clamped to: i32's, as floats that convert
/// exactly (a narrower range skipped panels of very wide rows whose sums lay beyond it).
const FLOOR_MIN: f32 = -2_147_483_648.0;
const FLOOR_MAX: f32 = 2_147_483_520.0;

impl QueryCodes {
    /// The codes of `members`, group by group (group g's Q words side by side), written into
    /// `out`: a SIMD loop broadcasts from one pointer with no per-query bounds checks or
    /// reloads (the naive form spent more instructions finding the codes than multiplying them).
    #[inline]
    fn interleave<'a, const Q: usize>(
        &self,
        members: &[usize; Q],
        out: &'a mut Vec<i32>,
    ) -> &'a [[i32; Q]] {
        let groups = self.groups;
        out.clear();
        for g in 0..groups {
            out.extend(members.iter().map(|&q| self.packed[q * groups + g]));
        }
        out.as_chunks::<Q>().0
    }
}

/// Appends a hit of `member` for every set bit of `passed`: lane l is row `first_row + l`, with
/// score `scores[l]`.
#[inline]
fn push_lanes(mut passed: u32, scores: &[f32], member: u32, first_row: usize, hits: &mut Vec<Hit>) {
    while passed != 0 {
        let lane = passed.trailing_zeros() as usize;
        passed &= passed - 1;
        hits.push(Hit {
            member,
            row: (first_row + lane) as u32,
            score: scores[lane],
        });
    }
}

fn portable_score(
    block: &Block,
    queries: &QueryCodes,
    members: &[usize],
    thresholds: &[f32],
    hits: &mut Vec<Hit>,
) {
    for (member, (&q, &threshold)) in members.iter().zip(thresholds).enumerate() {
        let packed = &queries.packed[q * block.groups..(q + 1) * block.groups];
        for row in 0..block.rows {
            let (panel, lane) = (row / PANEL, row % PANEL);
            let panel = &block.panels[panel * PANEL * block.groups * 4..];
            let mut sum = 0i32;
            for (g, four) in packed.iter().enumerate() {
                let bytes = &panel[block.path.byte_in_panel(lane, 4 * g)..][..4];
                for (r, qb) in bytes.iter().zip(four.to_le_bytes()) {
                    sum += i32::from(*r) * i32::from(qb as i8);
                }
            }
            let score = finish(sum, queries.offset[q], queries.scale[q], block.bias[row]);
            if score >= threshold {
                hits.push(Hit {
                    member: member as u32,
                    row: row as u32,
                    score,
                });
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod vnni {
    //! `vpdpbusd` over panels, two panels a step: each 64-byte load of 16 rows × 4 dimensions
    //! feeds 8 queries, and each broadcast query word feeds both panels (16 accumulators in
    //! registers). A panel's sums are first tested in integers against a floor derived from
    //! the query's threshold and the panel's largest bias ([`floors`]): each accumulator starts
    //! at minus its floor ([`Finish::starts`], per chunk), so after the multiply a panel is
    //! tested by a tree of maxima and one compare, and only a panel that passes is multiplied
    //! again and its float scores formed ([`Finish::panel`]). The hot loop thus never stores
    //! its accumulators, which keeps it mostly multiplies (profiles and the variants tried:
    //! `docs/experiments/ann.md`).
    use std::arch::x86_64::*;

    use super::{Block, Hit, PANEL, QueryCodes};

    /// Queries scored together against one panel (accumulators held in registers).
    const QUERIES: usize = 8;

    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vnni")
    }

    pub(super) fn score(
        block: &Block,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        hits: &mut Vec<Hit>,
    ) {
        debug_assert!(available());
        // SAFETY: `available()` (checked by the caller) proves the CPU has the features
        // `score_members` is compiled for; its memory accesses are bounds-checked slices.
        unsafe { score_members(block, queries, members, thresholds, hits) }
    }

    #[target_feature(enable = "avx512f,avx512vnni")]
    fn score_members(
        block: &Block,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        hits: &mut Vec<Hit>,
    ) {
        let mut scorer = Scorer {
            block,
            queries,
            members,
            thresholds,
            interleaved: Vec::new(),
            starts: Vec::new(),
        };
        let mut at = 0;
        while at < members.len() {
            // The widest chunk that fits, so a cluster's last few queries share loads too.
            at += match members.len() - at {
                QUERIES.. => scorer.chunk::<QUERIES>(at, hits),
                4.. => scorer.chunk::<4>(at, hits),
                2.. => scorer.chunk::<2>(at, hits),
                _ => scorer.chunk::<1>(at, hits),
            };
        }
    }

    /// One cluster's panels against a cluster's probing queries.
    struct Scorer<'a> {
        block: &'a Block<'a>,
        queries: &'a QueryCodes,
        members: &'a [usize],
        thresholds: &'a [f32],
        /// A chunk's query codes, group by group (scratch).
        interleaved: Vec<i32>,
        /// A chunk's accumulator start values, one set per panel ([`Finish::starts`]; scratch).
        starts: Vec<[i32; PANEL / 2]>,
    }

    impl Scorer<'_> {
        /// Scores members `first..first + Q` against every panel; returns Q. The Q queries'
        /// codes are interleaved first ([`QueryCodes::interleave`]).
        #[target_feature(enable = "avx512f,avx512vnni")]
        #[inline]
        fn chunk<const Q: usize>(&mut self, first: usize, hits: &mut Vec<Hit>) -> usize {
            let (block, queries) = (self.block, self.queries);
            let groups = block.groups;
            let members: &[usize; Q] = self.members[first..first + Q]
                .try_into()
                .expect("Q members");
            let codes = queries.interleave(members, &mut self.interleaved);
            let finish = Finish::<Q>::new(
                block,
                queries,
                members,
                &self.thresholds[first..first + Q],
                first,
            );
            finish.starts(block, &mut self.starts);
            let panel_bytes = PANEL * groups * 4;
            // Two panels a step: each broadcast query word feeds two multiplies.
            let pairs = block.panels.chunks_exact(2 * panel_bytes);
            let single = pairs.remainder();
            for (pair_no, pair) in pairs.enumerate() {
                let (one, two) = pair.split_at(panel_bytes);
                finish.panels(block, codes, &self.starts, 2 * pair_no, [one, two], hits);
            }
            if !single.is_empty() {
                let last = block.panels.len() / panel_bytes - 1;
                finish.panels(block, codes, &self.starts, last, [single], hits);
            }
            Q
        }
    }

    /// The sums of H panels (`panels[h]`: [`PANEL`] rows × groups × 4 bytes) against Q
    /// queries' interleaved codes, panel h's query i started at `starts[h][i]`.
    #[target_feature(enable = "avx512f,avx512vnni")]
    #[inline]
    fn step<const Q: usize, const H: usize>(
        panels: [&[u8]; H],
        codes: &[[i32; Q]],
        starts: [&[i32; PANEL / 2]; H],
    ) -> [[__m512i; Q]; H] {
        let mut acc: [[__m512i; Q]; H] =
            std::array::from_fn(|h| std::array::from_fn(|i| _mm512_set1_epi32(starts[h][i])));
        assert!(panels.iter().all(|p| p.len() == codes.len() * PANEL * 4));
        for (g, group) in codes.iter().enumerate() {
            // SAFETY: each panel holds `codes.len()` groups of 64 bytes (asserted above); the
            // loads are unaligned.
            let rows: [__m512i; H] = std::array::from_fn(|h| unsafe {
                _mm512_loadu_si512(panels[h].as_ptr().add(g * PANEL * 4).cast())
            });
            for i in 0..Q {
                let q = _mm512_set1_epi32(group[i]);
                for h in 0..H {
                    acc[h][i] = _mm512_dpbusd_epi32(acc[h][i], rows[h], q);
                }
            }
        }
        acc
    }

    /// Bit h set when some lane of some `acc[h][i]` is above 0, that is, some sum of panel h
    /// above its floor: per panel a tree of lane-wise maxima and one compare (with a compare
    /// per accumulator against its own floor, each into a mask register, and the stores for
    /// the float work, a d = 64 search took about 1.09× as long).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn above_floor<const Q: usize, const H: usize>(acc: &[[__m512i; Q]; H]) -> u32 {
        const { assert!(Q.is_power_of_two(), "the tree halves the accumulators") };
        let mut passed = 0;
        for (h, acc) in acc.iter().enumerate() {
            let mut level = *acc;
            let mut width = Q;
            while width > 1 {
                width /= 2;
                for j in 0..width {
                    level[j] = _mm512_max_epi32(level[j], level[j + width]);
                }
            }
            if _mm512_cmpgt_epi32_mask(level[0], _mm512_setzero_si512()) != 0 {
                passed |= 1 << h;
            }
        }
        passed
    }

    /// Per lane (a query against a panel whose largest bias is that lane of `bias_max`), an
    /// integer sum at or below which no row of the panel reaches the query's threshold:
    /// `offset + (threshold − bias_max) / scale`, rounded down, less a margin for the float
    /// rounding of the score (2 units plus a millionth of the magnitudes involved), clamped to
    /// i32's range (not a number: the lowest). An infinite 1 / scale makes the margin infinite
    /// too, so the floor is −∞ or not a number: no pre-test, with no special case. Panels whose
    /// sums all stay at or below it skip the float work.
    #[target_feature(enable = "avx512f")]
    pub(super) fn floors(
        limits: __m512,
        offsets: __m512,
        inverse: __m512,
        bias_max: __m512,
    ) -> [i32; PANEL] {
        let mut out = [0i32; PANEL];
        // SAFETY: `out` is exactly 16 i32.
        unsafe {
            _mm512_storeu_si512(
                out.as_mut_ptr().cast(),
                floor_lanes(limits, offsets, inverse, bias_max),
            )
        };
        out
    }

    /// [`floors`] in a register.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn floor_lanes(limits: __m512, offsets: __m512, inverse: __m512, bias_max: __m512) -> __m512i {
        let gap = _mm512_sub_ps(limits, bias_max);
        let exact = _mm512_add_ps(_mm512_mul_ps(gap, inverse), offsets);
        let size = _mm512_add_ps(_mm512_abs_ps(limits), _mm512_abs_ps(bias_max));
        let margin = _mm512_add_ps(
            _mm512_set1_ps(2.0),
            _mm512_mul_ps(
                _mm512_mul_ps(size, _mm512_abs_ps(inverse)),
                _mm512_set1_ps(1e-6),
            ),
        );
        // `min` and `max` return their second operand when either is NaN: NaN ends at the lowest.
        let floor = _mm512_max_ps(
            _mm512_min_ps(
                _mm512_set1_ps(super::FLOOR_MAX),
                _mm512_sub_ps(exact, margin),
            ),
            _mm512_set1_ps(super::FLOOR_MIN),
        );
        _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(floor)
    }

    /// A floor is clamped to ±this, and the pre-test runs only where every sum stays strictly
    /// inside ±this (d ≤ 33,152), so `sum − floor` cannot overflow and a clamped floor passes
    /// exactly the sums the true one does.
    const START_BOUND: i32 = 1 << 30;

    /// Q queries' constants for turning a panel's sums into hits.
    struct Finish<const Q: usize> {
        offset: [__m512i; Q],
        scale: [__m512; Q],
        limit: [__m512; Q],
        /// Lane `8h + i`: query i's threshold, offset and 1 / scale, for the integer pre-test
        /// floors of panel h of a pair ([`floors`], [`Finish::starts`]).
        limits: __m512,
        offsets: __m512,
        inverse: __m512,
        first: usize,
        /// False where the block's rows are so wide that a sum may reach [`START_BOUND`]:
        /// then every start is 0 and every panel is finished in floats.
        pretest: bool,
    }

    impl<const Q: usize> Finish<Q> {
        #[target_feature(enable = "avx512f")]
        fn new(
            block: &Block,
            queries: &QueryCodes,
            members: &[usize; Q],
            thresholds: &[f32],
            first: usize,
        ) -> Self {
            const { assert!(Q <= PANEL / 2, "two panels' queries share the lanes") };
            // Plain loops: `&dyn Fn` lane closures here were called indirectly, lane by lane
            // (about 2 % of the samples of a d = 64 search).
            let (mut offset, mut scale, mut limit) = (
                [_mm512_setzero_si512(); Q],
                [_mm512_setzero_ps(); Q],
                [_mm512_setzero_ps(); Q],
            );
            let mut lanes = [[f32::NEG_INFINITY; PANEL]; 3];
            for (i, (&m, &threshold)) in members.iter().zip(thresholds).enumerate() {
                offset[i] = _mm512_set1_epi32(queries.offset[m]);
                scale[i] = _mm512_set1_ps(queries.scale[m]);
                limit[i] = _mm512_set1_ps(threshold);
                for h in 0..2 {
                    let l = h * PANEL / 2 + i;
                    lanes[0][l] = threshold;
                    lanes[1][l] = queries.offset[m] as f32;
                    lanes[2][l] = 1.0 / queries.scale[m];
                }
            }
            // SAFETY: each row of `lanes` is exactly 16 floats.
            let (limits, offsets, inverse) = unsafe {
                (
                    _mm512_loadu_ps(lanes[0].as_ptr()),
                    _mm512_loadu_ps(lanes[1].as_ptr()),
                    _mm512_loadu_ps(lanes[2].as_ptr()),
                )
            };
            Self {
                offset,
                scale,
                limit,
                limits,
                offsets,
                inverse,
                first,
                // A sum is at most 255 · 127 per dimension in magnitude.
                pretest: 255 * 127 * 4 * (block.groups as u64) < START_BOUND as u64,
            }
        }

        /// Into `starts`, per panel, the accumulators' start values: lane i is minus query i's
        /// floor for the panel, so a sum above its floor ends above 0 and one test covers a
        /// panel ([`above_floor`]). Without the pre-test, every start is 0.
        #[target_feature(enable = "avx512f")]
        fn starts(&self, block: &Block, starts: &mut Vec<[i32; PANEL / 2]>) {
            let panels = block.bias_max.len();
            starts.clear();
            if !self.pretest {
                starts.resize(panels, [0; PANEL / 2]);
                return;
            }
            let (low, high) = (
                _mm512_set1_epi32(-START_BOUND),
                _mm512_set1_epi32(START_BOUND),
            );
            // Two panels at a time, lanes 8h + i; a loop, not a closure (one handed to
            // `extend` is not compiled for AVX-512).
            for s in 0..panels.div_ceil(2) {
                let bias_max = _mm512_mask_blend_ps(
                    0xFF00,
                    _mm512_set1_ps(block.bias_max[2 * s]),
                    _mm512_set1_ps(block.bias_max[(2 * s + 1).min(panels - 1)]),
                );
                let floor = floor_lanes(self.limits, self.offsets, self.inverse, bias_max);
                let floor = _mm512_min_epi32(_mm512_max_epi32(floor, low), high);
                let mut two = [[0i32; PANEL / 2]; 2];
                // SAFETY: `two` is exactly 16 i32.
                unsafe {
                    _mm512_storeu_si512(
                        two.as_mut_ptr().cast(),
                        _mm512_sub_epi32(_mm512_setzero_si512(), floor),
                    )
                };
                starts.extend_from_slice(&two[..(panels - 2 * s).min(2)]);
            }
        }

        /// The hits of H consecutive panels from panel `p` (`rows[h]`: panel `p + h`'s
        /// bytes), their sums started at `starts[p + h]`: with the pre-test, only the
        /// panels with a sum above a floor are finished, and the hot loop never stores its
        /// accumulators.
        #[target_feature(enable = "avx512f,avx512vnni")]
        #[inline]
        fn panels<const H: usize>(
            &self,
            block: &Block,
            codes: &[[i32; Q]],
            starts: &[[i32; PANEL / 2]],
            p: usize,
            rows: [&[u8]; H],
            hits: &mut Vec<Hit>,
        ) {
            let starts: [&[i32; PANEL / 2]; H] = std::array::from_fn(|h| &starts[p + h]);
            let passed = if self.pretest {
                above_floor(&step(rows, codes, starts))
            } else {
                (1 << H) - 1
            };
            for (h, start) in starts.into_iter().enumerate() {
                if passed & (1 << h) != 0 {
                    self.panel(block, codes, start, p + h, hits);
                }
            }
        }

        /// The hits of panel `p`, its sums started at `start` ([`Finish::starts`]) and
        /// multiplied again here; with the pre-test, only queries with a sum above their
        /// floor are finished. Out of line: most panels never get here.
        #[target_feature(enable = "avx512f,avx512vnni")]
        #[inline(never)]
        fn panel(
            &self,
            block: &Block,
            codes: &[[i32; Q]],
            start: &[i32; PANEL / 2],
            p: usize,
            hits: &mut Vec<Hit>,
        ) {
            let panel_bytes = PANEL * block.groups * 4;
            let rows = &block.panels[p * panel_bytes..(p + 1) * panel_bytes];
            let [acc] = step([rows], codes, [start]);
            let (bias, real) = (panel_bias(block, p), block.real_lanes(p));
            for i in 0..Q {
                if self.pretest
                    && _mm512_mask_cmpgt_epi32_mask(real, acc[i], _mm512_setzero_si512()) == 0
                {
                    continue;
                }
                let sums = _mm512_sub_epi32(acc[i], _mm512_set1_epi32(start[i]));
                let scores = finish16(sums, self.offset[i], self.scale[i], bias);
                push_passing(
                    scores,
                    self.limit[i],
                    real,
                    (self.first + i) as u32,
                    p,
                    hits,
                );
            }
        }
    }

    /// The biases of panel `p`'s 16 rows.
    #[target_feature(enable = "avx512f")]
    pub(super) fn panel_bias(block: &Block, p: usize) -> __m512 {
        let bias = &block.bias[p * PANEL..(p + 1) * PANEL];
        // SAFETY: `bias` is exactly 16 floats.
        unsafe { _mm512_loadu_ps(bias.as_ptr()) }
    }

    /// [`super::finish`] on 16 lanes: the same operations in the same order.
    #[target_feature(enable = "avx512f")]
    pub(super) fn finish16(acc: __m512i, offset: __m512i, scale: __m512, bias: __m512) -> __m512 {
        let sums = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc, offset));
        _mm512_add_ps(_mm512_mul_ps(sums, scale), bias)
    }

    /// Appends the real lanes of `scores` (panel `p`'s rows) that reach `limit` as hits of
    /// `member`.
    #[target_feature(enable = "avx512f")]
    pub(super) fn push_passing(
        scores: __m512,
        limit: __m512,
        real: __mmask16,
        member: u32,
        p: usize,
        hits: &mut Vec<Hit>,
    ) {
        let passed = _mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(real, scores, limit);
        if passed == 0 {
            return;
        }
        let mut lanes = [0f32; PANEL];
        // SAFETY: `lanes` is exactly 16 floats.
        unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), scores) };
        super::push_lanes(u32::from(passed), &lanes, member, p * PANEL, hits);
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx2 {
    //! For CPUs with AVX2 but no VNNI (AMD Zen 2 and 3, older Intel). `vpmaddubsw` multiplies
    //! unsigned by signed bytes but saturates its 16-bit pair sums, which the +128 offset codes
    //! would overflow (255 · 127 · 2). So each 32-byte load of 8 rows × 4 dimensions is turned
    //! back into the signed codes c (xor 0x80) and multiplied as |c| times the query byte with
    //! c's sign (`vpsignb`): pair sums stay within 2 · 127², and the 32-bit sums are Σ c·q
    //! exactly, the VNNI sums less their offset. One panel (two registers of 8 rows) against 4
    //! queries a step; a panel's float scores are formed only when a sum passes the integer
    //! [`floors`].
    use std::arch::x86_64::*;

    use super::{Block, Hit, PANEL, QueryCodes};

    /// Queries scored together against one panel (2 accumulators each, in registers).
    const QUERIES: usize = 4;

    pub(super) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx2")
    }

    pub(super) fn score(
        block: &Block,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        hits: &mut Vec<Hit>,
    ) {
        debug_assert!(available());
        // SAFETY: `available()` (checked by the caller) proves the CPU has AVX2, which
        // `score_members` is compiled for; its memory accesses are bounds-checked slices.
        unsafe { score_members(block, queries, members, thresholds, hits) }
    }

    #[target_feature(enable = "avx2")]
    fn score_members(
        block: &Block,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        hits: &mut Vec<Hit>,
    ) {
        let mut interleaved = Vec::new();
        let mut at = 0;
        while at < members.len() {
            let chunk = Chunk {
                block,
                queries,
                members,
                thresholds,
                first: at,
            };
            at += match members.len() - at {
                QUERIES.. => chunk.score::<QUERIES>(&mut interleaved, hits),
                2.. => chunk.score::<2>(&mut interleaved, hits),
                _ => chunk.score::<1>(&mut interleaved, hits),
            };
        }
    }

    /// Members `first..` of a cluster's probing queries.
    struct Chunk<'a> {
        block: &'a Block<'a>,
        queries: &'a QueryCodes,
        members: &'a [usize],
        thresholds: &'a [f32],
        first: usize,
    }

    impl Chunk<'_> {
        /// Scores members `first..first + Q` against every panel; returns Q. `interleaved`
        /// is scratch for the Q queries' codes ([`QueryCodes::interleave`]).
        #[target_feature(enable = "avx2")]
        #[inline]
        fn score<const Q: usize>(&self, interleaved: &mut Vec<i32>, hits: &mut Vec<Hit>) -> usize {
            let (block, queries, first) = (self.block, self.queries, self.first);
            let groups = block.groups;
            let members: &[usize; Q] = self.members[first..first + Q]
                .try_into()
                .expect("Q members");
            let thresholds = &self.thresholds[first..first + Q];
            let codes = queries.interleave(members, interleaved);
            let scale: [f32; Q] = std::array::from_fn(|i| queries.scale[members[i]]);
            let lanes = |f: &dyn Fn(usize) -> f32| {
                let v: [f32; 4] =
                    std::array::from_fn(|i| if i < Q { f(i) } else { f32::NEG_INFINITY });
                // SAFETY: `v` is exactly 4 floats.
                unsafe { _mm_loadu_ps(v.as_ptr()) }
            };
            let limits = lanes(&|i| thresholds[i]);
            let inverse = lanes(&|i| 1.0 / scale[i]);
            let flip = _mm256_set1_epi8(i8::MIN);
            let ones = _mm256_set1_epi16(1);
            let panel_bytes = PANEL * groups * 4;
            for (p, panel) in block.panels.chunks_exact(panel_bytes).enumerate() {
                let mut acc = [[_mm256_setzero_si256(); 2]; Q];
                for (rows, group) in panel.chunks_exact(PANEL * 4).zip(codes) {
                    let (low, high) = rows.split_at(PANEL * 2);
                    // SAFETY: `low` and `high` are exactly 32 bytes; the loads are unaligned.
                    let low = unsafe { _mm256_loadu_si256(low.as_ptr().cast()) };
                    let high = unsafe { _mm256_loadu_si256(high.as_ptr().cast()) };
                    let (low, high) = (_mm256_xor_si256(low, flip), _mm256_xor_si256(high, flip));
                    let (low_abs, high_abs) = (_mm256_abs_epi8(low), _mm256_abs_epi8(high));
                    for i in 0..Q {
                        let q = _mm256_set1_epi32(group[i]);
                        let pairs = _mm256_maddubs_epi16(low_abs, _mm256_sign_epi8(q, low));
                        acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(pairs, ones));
                        let pairs = _mm256_maddubs_epi16(high_abs, _mm256_sign_epi8(q, high));
                        acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(pairs, ones));
                    }
                }
                let real = block.real_lanes(p);
                let floors = floors(limits, inverse, block.bias_max[p]);
                for (i, acc) in acc.iter().enumerate() {
                    let floor = _mm256_set1_epi32(floors[i]);
                    let over = _mm256_or_si256(
                        _mm256_cmpgt_epi32(acc[0], floor),
                        _mm256_cmpgt_epi32(acc[1], floor),
                    );
                    if _mm256_testz_si256(over, over) == 1 {
                        continue;
                    }
                    let member = (first + i) as u32;
                    for (half, &sums) in acc.iter().enumerate() {
                        let start = p * PANEL + half * 8;
                        let bias = &block.bias[start..start + 8];
                        // SAFETY: `bias` is exactly 8 floats.
                        let bias = unsafe { _mm256_loadu_ps(bias.as_ptr()) };
                        // super::finish on 8 lanes: the same operations in the same order.
                        let scores = _mm256_add_ps(
                            _mm256_mul_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(scale[i])),
                            bias,
                        );
                        let limit = _mm256_set1_ps(thresholds[i]);
                        let passed = _mm256_cmp_ps::<_CMP_GE_OQ>(scores, limit);
                        let passed = _mm256_movemask_ps(passed) as u32
                            & u32::from(real >> (half * 8))
                            & 0xFF;
                        if passed == 0 {
                            continue;
                        }
                        let mut lanes = [0f32; 8];
                        // SAFETY: `lanes` is exactly 8 floats.
                        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), scores) };
                        super::push_lanes(passed, &lanes, member, start, hits);
                    }
                }
            }
            Q
        }
    }

    /// Per lane (a query against a panel whose largest bias is `bias_max`), an integer sum at or
    /// below which no row of the panel reaches the query's threshold: `(limit − bias_max) /
    /// scale` (`inverse` = 1 / scale), rounded down, less a margin for the float rounding of the
    /// score (2 units plus a millionth of the magnitudes involved), clamped to i32's range (not
    /// a number: the lowest; so is an infinite 1 / scale). The AVX-512 paths' `floors` on 4
    /// lanes, with no offset.
    #[target_feature(enable = "avx2")]
    fn floors(limits: __m128, inverse: __m128, bias_max: f32) -> [i32; 4] {
        let bias_max = _mm_set1_ps(bias_max);
        let exact = _mm_mul_ps(_mm_sub_ps(limits, bias_max), inverse);
        let abs = |x: __m128| _mm_andnot_ps(_mm_set1_ps(-0.0), x);
        let size = _mm_add_ps(abs(limits), abs(bias_max));
        let margin = _mm_add_ps(
            _mm_set1_ps(2.0),
            _mm_mul_ps(_mm_mul_ps(size, abs(inverse)), _mm_set1_ps(1e-6)),
        );
        // `min` and `max` return their second operand when either is NaN: NaN ends at the lowest.
        let floor = _mm_max_ps(
            _mm_min_ps(_mm_set1_ps(super::FLOOR_MAX), _mm_sub_ps(exact, margin)),
            _mm_set1_ps(super::FLOOR_MIN),
        );
        let floor = _mm_cvtps_epi32(_mm_floor_ps(floor));
        let mut out = [0i32; 4];
        // SAFETY: `out` is exactly 4 i32.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), floor) };
        out
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod amx {
    //! AMX tiles through inline assembly (Rust has no stable AMX intrinsics): 16 rows (the left
    //! tile: a panel step, each row's 64 bytes side by side, unsigned) × 16 queries (the right
    //! tile: 16 groups of the queries' 4 signed bytes) per `tdpbusd`. A tile of sums holds a
    //! row per tile row and a query per lane, so the pre-test of a panel against 16 queries is
    //! a lane-wise maximum over its rows and one compare with the queries' floors; only the
    //! queries that pass it have their column finished in floats like the VNNI path.
    use std::arch::asm;
    use std::arch::x86_64::*;
    use std::sync::OnceLock;

    use super::vnni::{finish16, floors, panel_bias, push_passing};
    use super::{Block, Hit, PANEL, QueryCodes};

    /// Queries per tile (lanes of the sums).
    const TILE: usize = 16;
    /// Bytes per tile row.
    const TILE_BYTES: usize = 64;

    /// `ldtilecfg`'s 64-byte operand: palette 1, all eight tiles 16 rows × 64 bytes: tmm0–3
    /// sums (16 × 16 i32) of four panels at once (so one panel's multiply overlaps the next
    /// one's loads), tmm4 queries, tmm5–7 rows.
    #[repr(C, align(64))]
    struct TileConfig {
        palette: u8,
        start_row: u8,
        reserved: [u8; 14],
        bytes_per_row: [u16; 16],
        rows: [u8; 16],
    }

    impl TileConfig {
        fn new() -> Self {
            let mut config = Self {
                palette: 1,
                start_row: 0,
                reserved: [0; 14],
                bytes_per_row: [0; 16],
                rows: [0; 16],
            };
            for t in 0..8 {
                config.bytes_per_row[t] = TILE_BYTES as u16;
                config.rows[t] = TILE as u8;
            }
            config
        }
    }

    /// One tile in memory, cache-line aligned: 16 × 16 i32 (sums, or the queries' code words).
    #[repr(C, align(64))]
    #[derive(Clone)]
    struct Tile([[i32; TILE]; PANEL]);

    /// Sum tiles in flight.
    const SUMS: usize = 4;

    /// Zeroes sum tile `j` (tmm0–3).
    ///
    /// # Safety
    /// Tiles configured (`ldtilecfg`) on a CPU with AMX.
    #[inline(always)]
    unsafe fn zero(j: usize) {
        // SAFETY: no memory is touched.
        unsafe {
            match j {
                0 => asm!("tilezero tmm0", options(nostack, nomem)),
                1 => asm!("tilezero tmm1", options(nostack, nomem)),
                2 => asm!("tilezero tmm2", options(nostack, nomem)),
                _ => asm!("tilezero tmm3", options(nostack, nomem)),
            }
        }
    }

    /// Loads the queries' tile (tmm4) from `words`.
    ///
    /// # Safety
    /// Tiles configured.
    #[inline(always)]
    unsafe fn load_queries(words: &Tile) {
        // SAFETY: reads 16 rows × 64 bytes, exactly `words`.
        unsafe {
            asm!(
                "tileloadd tmm4, [{a} + {s}*1]",
                a = in(reg) words.0.as_ptr(), s = in(reg) TILE_BYTES, options(nostack, readonly)
            )
        }
    }

    /// Loads 16 rows × 64 bytes at `rows` (stride 64) and adds their products with the
    /// queries' tile (tmm4) into sum tile `j`.
    ///
    /// # Safety
    /// Tiles configured; `rows` points at 1,024 readable bytes.
    #[inline(always)]
    unsafe fn multiply(j: usize, rows: *const u8) {
        // SAFETY: reads 16 rows × 64 bytes from `rows`, as the caller promises.
        unsafe {
            match j {
                0 => asm!(
                    "tileloadd tmm5, [{b} + {s}*1]", "tdpbusd tmm0, tmm5, tmm4",
                    b = in(reg) rows, s = in(reg) TILE_BYTES, options(nostack, readonly)
                ),
                1 => asm!(
                    "tileloadd tmm6, [{b} + {s}*1]", "tdpbusd tmm1, tmm6, tmm4",
                    b = in(reg) rows, s = in(reg) TILE_BYTES, options(nostack, readonly)
                ),
                2 => asm!(
                    "tileloadd tmm7, [{b} + {s}*1]", "tdpbusd tmm2, tmm7, tmm4",
                    b = in(reg) rows, s = in(reg) TILE_BYTES, options(nostack, readonly)
                ),
                _ => asm!(
                    "tileloadd tmm5, [{b} + {s}*1]", "tdpbusd tmm3, tmm5, tmm4",
                    b = in(reg) rows, s = in(reg) TILE_BYTES, options(nostack, readonly)
                ),
            }
        }
    }

    /// `f(j)` for each of `n` ≤ [`SUMS`] sum tiles; unrolled for all four, so each call's tile
    /// is known at compile time.
    #[inline(always)]
    fn each(n: usize, mut f: impl FnMut(usize)) {
        if n == SUMS {
            f(0);
            f(1);
            f(2);
            f(3);
        } else {
            (0..n).for_each(f);
        }
    }

    /// Stores sum tile `j` into `sums`.
    ///
    /// # Safety
    /// Tiles configured.
    #[inline(always)]
    unsafe fn store(j: usize, sums: &mut Tile) {
        let c = sums.0.as_mut_ptr();
        // SAFETY: writes 16 rows × 64 bytes, exactly `sums`.
        unsafe {
            match j {
                0 => {
                    asm!("tilestored [{c} + {s}*1], tmm0", c = in(reg) c, s = in(reg) 64usize, options(nostack))
                }
                1 => {
                    asm!("tilestored [{c} + {s}*1], tmm1", c = in(reg) c, s = in(reg) 64usize, options(nostack))
                }
                2 => {
                    asm!("tilestored [{c} + {s}*1], tmm2", c = in(reg) c, s = in(reg) 64usize, options(nostack))
                }
                _ => {
                    asm!("tilestored [{c} + {s}*1], tmm3", c = in(reg) c, s = in(reg) 64usize, options(nostack))
                }
            }
        }
    }

    pub(super) fn available() -> bool {
        static READY: OnceLock<bool> = OnceLock::new();
        *READY.get_or_init(|| super::vnni::available() && has_amx_int8() && permitted())
    }

    /// CPUID leaf 7: EDX bit 24 AMX-TILE, bit 25 AMX-INT8.
    fn has_amx_int8() -> bool {
        #[allow(unused_unsafe)]
        // SAFETY: CPUID is always there on x86-64; leaf 7 exists where AVX-512 was detected.
        let leaf = unsafe { __cpuid_count(7, 0) };
        leaf.edx & (3 << 24) == 3 << 24
    }

    /// Linux hands a process the tile state only on request:
    /// `arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)`; anything else says no.
    fn permitted() -> bool {
        if !cfg!(target_os = "linux") {
            return false;
        }
        let result: i64;
        // SAFETY: the arch_prctl system call (158) only changes this process's permission
        // to use AMX; rcx and r11 are clobbered by `syscall`.
        unsafe {
            asm!(
                "syscall",
                inlateout("rax") 158i64 => result,
                in("rdi") 0x1023i64,
                in("rsi") 18i64,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        result == 0
    }

    pub(super) fn score(
        block: &Block,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        hits: &mut Vec<Hit>,
    ) {
        debug_assert!(available() && block.groups.is_multiple_of(16));
        // SAFETY: `available()` proves the CPU has AVX-512 and AMX-INT8 and that the OS let
        // this process use the tiles; `score_members` reads and writes only through the
        // pointers of slices whose sizes it asserts.
        unsafe { score_members(block, queries, members, thresholds, hits) }
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn score_members(
        block: &Block,
        queries: &QueryCodes,
        members: &[usize],
        thresholds: &[f32],
        hits: &mut Vec<Hit>,
    ) {
        let groups = block.groups;
        let steps = groups / 16;
        let panel_bytes = PANEL * groups * 4;
        assert!(groups.is_multiple_of(16) && block.panels.len().is_multiple_of(panel_bytes));
        let config = TileConfig::new();
        let blank = Tile([[0; TILE]; PANEL]);
        // Per step, 16 groups × the chunk's 16 query words (`tdpbusd`'s right operand).
        let mut words = vec![blank.clone(); steps];
        let mut sums: [Tile; SUMS] = std::array::from_fn(|_| blank.clone());
        // SAFETY (every asm block below): tile loads read 16 rows of 64 bytes from `words`
        // (whole tiles) or from a panel (steps × 1,024 bytes) at 1,024·s; stores write whole
        // `sums` tiles.
        let panels: Vec<&[u8]> = block.panels.chunks_exact(panel_bytes).collect();
        let groups_of_panels: Vec<&[&[u8]]> = panels.chunks(SUMS).collect();
        unsafe { asm!("ldtilecfg [{}]", in(reg) &config, options(nostack, readonly)) };
        for (chunk_no, chunk) in members.chunks(TILE).enumerate() {
            for (s, tile) in words.iter_mut().enumerate() {
                for (g, row) in tile.0.iter_mut().enumerate() {
                    for (lane, word) in row.iter_mut().enumerate() {
                        *word = chunk
                            .get(lane)
                            .map_or(0, |&q| queries.packed[q * groups + s * 16 + g]);
                    }
                }
            }
            let first = chunk_no * TILE;
            // Per query (lane i): offset, threshold, scale and 1 / scale; lanes past the chunk
            // get an infinite threshold, so their floor is the highest and nothing passes.
            let lane = |f: &dyn Fn(usize) -> f32| -> __m512 {
                let v: [f32; TILE] =
                    std::array::from_fn(|i| chunk.get(i).map_or(f32::INFINITY, |_| f(i)));
                // SAFETY: `v` is exactly 16 floats.
                unsafe { _mm512_loadu_ps(v.as_ptr()) }
            };
            let offsets_f = lane(&|i| queries.offset[chunk[i]] as f32);
            let limits_f = lane(&|i| thresholds[first + i]);
            let inverse = lane(&|i| 1.0 / queries.scale[chunk[i]]);
            let present: __mmask16 = if chunk.len() == TILE {
                !0
            } else {
                (1 << chunk.len()) - 1
            };
            if steps == 1 {
                unsafe { load_queries(&words[0]) };
            }
            // Up to four panels' sums into `out`.
            let issue = |group: &[&[u8]], out: &mut [Tile; SUMS]| {
                let n = group.len();
                each(n, |j| unsafe { zero(j) });
                for (s, step) in words.iter().enumerate() {
                    if steps > 1 {
                        unsafe { load_queries(step) };
                    }
                    each(n, |j| unsafe {
                        multiply(j, group[j][s * PANEL * TILE_BYTES..].as_ptr())
                    });
                }
                each(n, |j| unsafe { store(j, &mut out[j]) });
            };
            // The rows of panel `p` (sums `sum`) that reach a query's threshold, as hits.
            let mut finish = |p: usize, sum: &Tile| {
                let floor = floors(
                    limits_f,
                    offsets_f,
                    inverse,
                    _mm512_set1_ps(block.bias_max[p]),
                );
                // SAFETY: `floor` is exactly 16 i32.
                let floor = unsafe { _mm512_loadu_si512(floor.as_ptr().cast()) };
                let real = block.real_lanes(p);
                let rows = real.count_ones() as usize;
                // The best sum of each query (lane) over the panel's real rows.
                let row = |r: usize| -> __m512i {
                    // SAFETY: `sum.0[r]` is exactly 16 i32.
                    unsafe { _mm512_load_si512(sum.0[r].as_ptr().cast()) }
                };
                let best = (1..rows).fold(row(0), |m, r| _mm512_max_epi32(m, row(r)));
                let mut passed = _mm512_mask_cmpgt_epi32_mask(present, best, floor);
                if passed == 0 {
                    // No row of the panel can reach any query's threshold.
                    return;
                }
                let bias = panel_bias(block, p);
                while passed != 0 {
                    let i = passed.trailing_zeros() as usize;
                    passed &= passed - 1;
                    let q = chunk[i];
                    let column: [i32; PANEL] = std::array::from_fn(|r| sum.0[r][i]);
                    // SAFETY: `column` is exactly 16 i32.
                    let acc = unsafe { _mm512_loadu_si512(column.as_ptr().cast()) };
                    let offset = _mm512_set1_epi32(queries.offset[q]);
                    let scale = _mm512_set1_ps(queries.scale[q]);
                    let scores = finish16(acc, offset, scale, bias);
                    let limit = _mm512_set1_ps(thresholds[first + i]);
                    push_passing(scores, limit, real, (first + i) as u32, p, hits);
                }
            };
            for (g, group) in groups_of_panels.iter().enumerate() {
                issue(group, &mut sums);
                for (j, sum) in sums.iter().enumerate().take(group.len()) {
                    finish(g * SUMS + j, sum);
                }
            }
        }
        unsafe { asm!("tilerelease", options(nostack, nomem)) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 33) as f32 / (1u64 << 31) as f32) * 4.0 - 2.0
            })
            .collect()
    }

    /// The same rows and queries coded for every path this CPU runs (each path has its own
    /// panel layout).
    struct EveryPath(Vec<(RowCodes, QueryCodes)>);

    impl EveryPath {
        fn build(
            rows: &[f32],
            dim: usize,
            offsets: &[usize],
            bias: impl Fn(&[f32]) -> f32,
            queries: &[f32],
            factor: f32,
        ) -> Self {
            Self(
                Path::available()
                    .into_iter()
                    .map(|path| {
                        let codes = RowCodes::build_for(path, rows, dim, offsets, &bias);
                        let coded = codes.code_queries(queries, factor);
                        (codes, coded)
                    })
                    .collect(),
            )
        }

        /// The queries as coded for the first path (the codes are the same for all).
        fn coded(&self) -> &QueryCodes {
            &self.0[0].1
        }

        /// The hits of cluster `c` on every path, each asserted equal (sorted) to the portable
        /// loop's over the same panels, and those equal whatever the layout.
        fn hits(&self, c: usize, members: &[usize], thresholds: &[f32], what: &str) -> Vec<Hit> {
            let order = |h: &Hit| (h.member, h.row);
            let mut first: Option<Vec<Hit>> = None;
            for (codes, coded) in &self.0 {
                let block = codes.block(c);
                let mut slow = Vec::new();
                portable_score(&block, coded, members, thresholds, &mut slow);
                slow.sort_by_key(order);
                let mut fast = Vec::new();
                block.score(coded, members, thresholds, &mut fast);
                fast.sort_by_key(order);
                let path = codes.path;
                assert_eq!(fast, slow, "{path:?}: {what}");
                match &first {
                    Some(hits) => assert_eq!(&slow, hits, "{path:?} layout: {what}"),
                    None => first = Some(slow),
                }
            }
            first.expect("portable is always there")
        }
    }

    /// Clusters of one panel with one bias for all rows, so a panel's largest bias is every
    /// row's and the pre-test floor is as tight as it gets: a threshold equal to a member's best
    /// score must keep that row, one a step above it nothing. Bias 0 makes the float round trip
    /// exact (a floor with no margin drops the row); a bias far larger than the scores makes
    /// its rounding exceed the margin's 2 units (a floor without the relative part drops it);
    /// rows of zeros leave only the 2 units.
    #[test]
    fn the_pre_test_keeps_a_row_exactly_on_the_threshold() {
        let cases = [0.0, -3.5, -1.0e5]
            .into_iter()
            .flat_map(|bias| [(3, 3), (16, 4), (64, 5), (67, 6)].map(|(d, s)| (bias, d, s)));
        for (bias, dim, seed) in cases {
            let offsets = [0, 16, 23, 24, 40];
            let rows = random(40 * dim, seed);
            let queries = random(9 * dim, seed + 10);
            let every = EveryPath::build(&rows, dim, &offsets, |_| bias, &queries, 2.0);
            let members: Vec<usize> = (0..9).collect();
            for c in 0..4 {
                let open = vec![f32::NEG_INFINITY; members.len()];
                let all = every.hits(c, &members, &open, "open");
                let best: Vec<f32> = (0..members.len())
                    .map(|m| {
                        all.iter()
                            .filter(|h| h.member as usize == m)
                            .map(|h| h.score)
                            .fold(f32::NEG_INFINITY, f32::max)
                    })
                    .collect();
                let what = format!("bias {bias}, d {dim}, cluster {c}");
                let on = every.hits(c, &members, &best, &what);
                assert!(
                    on.len() >= members.len(),
                    "{what}: every member keeps its best"
                );
                let above: Vec<f32> = best.iter().map(|b| b.next_up()).collect();
                let none = every.hits(c, &members, &above, &what);
                assert!(none.is_empty(), "{what}: nothing above the best");
            }
        }
        // Rows of zeros: every score is exactly 0, and so is the margin's relative part.
        let zeros = EveryPath::build(&[0.0; 5 * 4], 4, &[0, 5], |_| 0.0, &random(2 * 4, 9), 1.0);
        let hits = zeros.hits(0, &[0, 1], &[0.0; 2], "zero rows");
        assert_eq!(hits.len(), 10);
    }

    /// Rows whose bias is −∞ or +∞ (a norm that overflowed) against thresholds of ±∞ and NaN:
    /// the pre-test's arithmetic turns into NaN there, which must not skip a panel.
    #[test]
    fn infinite_biases_and_thresholds_give_the_portable_hits() {
        let dim = 8;
        let rows = random(20 * dim, 7);
        let bias = |r: &[f32]| {
            if r[0] > 0.0 {
                f32::NEG_INFINITY
            } else {
                f32::INFINITY
            }
        };
        let every = EveryPath::build(&rows, dim, &[0, 16, 20], bias, &random(3 * dim, 8), 1.0);
        let members = [0, 1, 2];
        let mut hits = 0;
        for c in 0..2 {
            for limit in [f32::NEG_INFINITY, f32::INFINITY, f32::NAN, 0.0] {
                let what = format!("cluster {c}, threshold {limit}");
                hits += every.hits(c, &members, &[limit; 3], &what).len();
            }
        }
        assert!(hits > 0);
    }

    /// A query so small that its scale has no finite inverse (the pre-test's division by the
    /// scale overflows) must still find the rows that reach its threshold: the floors' infinite
    /// margin turns into no pre-test, which the paths once special-cased (VNNI) or lacked (AMX).
    #[test]
    fn a_query_too_small_to_invert_keeps_its_hits() {
        let dim = 8;
        let tiny: Vec<f32> = random(dim, 12).iter().map(|x| x * 1e-40).collect();
        let every = EveryPath::build(&random(16 * dim, 11), dim, &[0, 16], |_| 0.0, &tiny, 1.0);
        assert!(
            (1.0 / every.coded().scale[0]).is_infinite(),
            "the case under test"
        );
        let all = every.hits(0, &[0], &[f32::NEG_INFINITY], "open");
        let best = all
            .iter()
            .map(|h| h.score)
            .fold(f32::NEG_INFINITY, f32::max);
        assert!(best > 0.0);
        let kept = every.hits(0, &[0], &[best], "at the best");
        assert!(!kept.is_empty());
    }

    /// Rows wide enough that a sum passes a billion: the floors' clamp must not cut it off.
    /// At d = 33,000 the sums (−255 · 127 · d) lie just inside the VNNI path's ±2^30 start
    /// bound, so it still pre-tests them; at 64,000 they lie beyond it, and it does not.
    #[test]
    fn very_wide_rows_keep_their_hits() {
        for dim in [33_000, 64_000] {
            let rows = vec![1.0; 16 * dim];
            let every = EveryPath::build(&rows, dim, &[0, 16], |_| 0.0, &vec![-1.0; dim], 1.0);
            let what = format!("d {dim}");
            let hits = every.hits(0, &[0], &[f32::NEG_INFINITY], &what);
            assert_eq!(hits.len(), 16, "{what}");
            let best = hits[0].score;
            assert_eq!(every.hits(0, &[0], &[best], &what).len(), 16, "{what}");
            assert!(every.hits(0, &[0], &[best.next_up()], &what).is_empty());
        }
    }

    /// The machine's path (SIMD when the CPU has it) against the portable loop, on odd sizes:
    /// dims not a multiple of 4, clusters not a multiple of 16 rows, member counts not a
    /// multiple of 8, thresholds that pass some rows; and both against the float scores.
    #[test]
    fn simd_and_portable_scores_agree_and_approximate_the_dot_product() {
        let dim = 19;
        let offsets = [0, 5, 5, 40, 73];
        let mut rows = random(73 * dim, 1);
        let norm = |r: &[f32]| r.iter().map(|x| x * x).sum::<f32>();
        // Cluster 2 from the largest norm down: its panels' biases (−‖y‖²) rise panel by panel,
        // so a pre-test that used another panel's largest bias would drop rows.
        let mut third: Vec<Vec<f32>> = rows[5 * dim..40 * dim]
            .chunks(dim)
            .map(<[f32]>::to_vec)
            .collect();
        third.sort_by(|a, b| norm(b).total_cmp(&norm(a)));
        rows[5 * dim..40 * dim].copy_from_slice(&third.concat());
        let queries = random(21 * dim, 2);
        let every = EveryPath::build(&rows, dim, &offsets, |r| -norm(r), &queries, 2.0);
        let exact = |q: usize, r: usize| -> f32 {
            let (x, y) = (&queries[q * dim..][..dim], &rows[r * dim..][..dim]);
            2.0 * x.iter().zip(y).map(|(a, b)| a * b).sum::<f32>() - norm(y)
        };
        eprintln!("paths: {:?}", Path::available());
        let mut passed = 0;
        for c in 0..4 {
            let all: Vec<usize> = (0..21).collect();
            let some = vec![20, 0, 7, 7, 1, 2, 3, 4, 5, 6, 9];
            for members in [vec![], vec![3], all, some] {
                // Per member, its third best score here: that row sits exactly on the threshold,
                // where a pre-test that cut too close would drop it.
                let open = vec![f32::NEG_INFINITY; members.len()];
                let all = every.hits(c, &members, &open, "open");
                let on_the_edge: Vec<f32> = (0..members.len())
                    .map(|m| {
                        let mut mine: Vec<f32> = all
                            .iter()
                            .filter(|h| h.member as usize == m)
                            .map(|h| h.score)
                            .collect();
                        mine.sort_by(|a, b| b.total_cmp(a));
                        mine.get(2).copied().unwrap_or(f32::NEG_INFINITY)
                    })
                    .collect();
                let cuts = [f32::NEG_INFINITY, -25.0, 0.0, f32::NAN];
                for cut in cuts {
                    // NaN stands for the per-member edge thresholds.
                    let thresholds = if cut.is_nan() {
                        on_the_edge.clone()
                    } else {
                        vec![cut; members.len()]
                    };
                    let what = format!("cluster {c}, {members:?}, cut {cut}");
                    let fast = every.hits(c, &members, &thresholds, &what);
                    let size = offsets[c + 1] - offsets[c];
                    if cut == f32::NEG_INFINITY {
                        assert_eq!(fast.len(), members.len() * size, "every real row");
                    }
                    for h in &fast {
                        let (q, r) = (members[h.member as usize], offsets[c] + h.row as usize);
                        assert!(h.score >= thresholds[h.member as usize]);
                        assert!((h.row as usize) < size);
                        let e = exact(q, r);
                        assert!(
                            (h.score - e).abs() < 0.25,
                            "q {q} row {r}: {} vs {e}",
                            h.score
                        );
                    }
                    passed += fast.len();
                }
            }
        }
        assert!(passed > 0);
    }
}
