//! The command line: every flag also reads a `SOUNDALIKE_*` variable, and unset values fall back
//! to `soundalike.toml` (see `settings`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "soundalike",
    version,
    about = "Music recommendations from artist similarity"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// More log output (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Data folder (lake and SQLite store) [default: ./soundalike-data].
    #[arg(long, env = "SOUNDALIKE_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Lake location: a folder, file://PATH or s3://BUCKET/PREFIX (S3 endpoint and credentials
    /// from the AWS_* variables) [default: DATA_DIR/lake].
    #[arg(long, env = "SOUNDALIKE_LAKE", global = true)]
    pub lake: Option<String>,
    /// Settings file [default: ./soundalike.toml when it exists].
    #[arg(long, env = "SOUNDALIKE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Relational store URL: sqlite://PATH or mysql://USER:PASSWORD@HOST:PORT/DB (MySQL 8,
    /// MariaDB, RDS) [default: sqlite://DATA_DIR/soundalike.sqlite].
    #[arg(long, env = "SOUNDALIKE_STORE", global = true, hide_env_values = true)]
    pub store: Option<String>,
    /// Where artists' top tracks live: dynamodb://TABLE (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB...
    /// from the usual AWS settings) [default: the relational store].
    #[arg(long, env = "SOUNDALIKE_TRACKS_STORE", global = true)]
    pub tracks_store: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the data pipeline.
    #[command(subcommand)]
    Pipeline(PipelineCommand),
    /// Recommend artists similar to one artist.
    Recommend(RecommendArgs),
    /// Score similarity algorithms against HetRec 2011 Last.fm ground truth.
    Eval(EvalArgs),
    /// Serve the chatbot: Kakao skill, web chat, REST API (builds the data on first start).
    Serve(ServeArgs),
    /// Run as an AWS Lambda function (API Gateway v1/v2, Function URL, ALB events).
    Lambda(ServeArgs),
    /// Crawl live sources breadth-first over related artists into the lake (resumable).
    Ingest(IngestArgs),
    /// Run SQL over the lake's committed partitions (embedded DataFusion, the local Athena).
    Sql(SqlArgs),
    /// Lake tools.
    #[command(subcommand)]
    Lake(LakeCommand),
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Sources to ask, comma-separated (spotify, deezer, lastfm, reccobeats) [default: every
    /// configured one]. Credentials and base URLs come from the environment only.
    #[arg(long, value_delimiter = ',')]
    pub source: Option<Vec<String>>,
    /// Seed artists, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub artists: Vec<String>,
    /// Levels of related artists to follow.
    #[arg(long, default_value_t = 1)]
    pub depth: u32,
    /// Stop after this many artists.
    #[arg(long, default_value_t = 100)]
    pub max_artists: usize,
    /// Skip artists fetched within this many hours.
    #[arg(long, default_value_t = 168)]
    pub ttl_hours: u64,
    /// One call per artist per endpoint, as the original project did (for comparison).
    #[arg(long, hide = true)]
    pub original_pattern: bool,
    /// Lake partition day for the derived tables, YYYY-MM-DD [default: today, UTC].
    #[arg(long)]
    pub date: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The query. Tables: artists, tracks, audio_features, playlist_tracks, artist_source_ids,
    /// artist_genres, source_related, each with a `dt` partition column (YYYY-MM-DD text).
    pub query: String,
    /// Print JSON (an array of row objects).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print CSV with a header row.
    #[arg(long)]
    pub csv: bool,
}

#[derive(Debug, Subcommand)]
pub enum LakeCommand {
    /// Print CREATE EXTERNAL TABLE statements for the lake's tables.
    Ddl(DdlArgs),
    /// Re-derive the catalog tables from the raw zone (deterministic).
    Rebuild(LakeRebuildArgs),
}

#[derive(Debug, Args)]
pub struct DdlArgs {
    /// SQL dialect.
    #[arg(long, value_enum)]
    pub engine: DdlEngine,
    /// Where the tables live [default: the lake location].
    #[arg(long)]
    pub location: Option<String>,
    /// Database (schema) name.
    #[arg(long, default_value = "soundalike")]
    pub database: String,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DdlEngine {
    Athena,
    Trino,
    Spark,
}

#[derive(Debug, Args)]
pub struct LakeRebuildArgs {
    /// Partition day to write, YYYY-MM-DD [default: today, UTC].
    #[arg(long)]
    pub date: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Algorithm whose mart answers [default: hybrid].
    #[arg(long, env = "SOUNDALIKE_ALGORITHM")]
    pub algorithm: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "SOUNDALIKE_ADDR")]
    pub addr: Option<std::net::SocketAddr>,
    /// Header that must carry the Kakao shared secret.
    #[arg(long, env = "SOUNDALIKE_KAKAO_SECRET_HEADER")]
    pub kakao_secret_header: Option<String>,
    /// The Kakao shared secret (prefer the environment variable).
    #[arg(long, env = "SOUNDALIKE_KAKAO_SECRET", hide_env_values = true)]
    pub kakao_secret: Option<String>,
    /// Allowed Kakao bot ids, comma-separated [default: any].
    #[arg(long, env = "SOUNDALIKE_KAKAO_BOT_IDS", value_delimiter = ',')]
    pub kakao_bot_ids: Option<Vec<String>>,
    /// Hosts a Kakao callbackUrl may point at, comma-separated [default: kakao.com].
    #[arg(long, env = "SOUNDALIKE_KAKAO_CALLBACK_HOSTS", value_delimiter = ',')]
    pub kakao_callback_hosts: Option<Vec<String>>,
    /// `/api/v1/*` requests per second per client IP; 0 switches the limit off [default: 20].
    #[arg(long, env = "SOUNDALIKE_RATE_LIMIT")]
    pub rate_limit: Option<u32>,
    /// Proxies in front (ALB, API Gateway, CloudFront) whose X-Forwarded-For entry names the
    /// client: the N-th address from the right [default: 0, the header is ignored].
    #[arg(long, env = "SOUNDALIKE_TRUSTED_PROXY_HOPS")]
    pub trusted_proxy_hops: Option<usize>,
    /// Open connections at most [default: the open-files limit less 256].
    #[arg(long, env = "SOUNDALIKE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum PipelineCommand {
    /// Import → lake → similarity → store.
    Run(PipelineRunArgs),
}

#[derive(Debug, Args)]
pub struct PipelineRunArgs {
    /// A CSV in the TidyTuesday table's column layout (plain or .gz) instead of the bundled data.
    #[arg(long, env = "SOUNDALIKE_DATASET", conflicts_with = "bundled")]
    pub dataset: Option<PathBuf>,
    /// Bundled datasets to import and merge, comma-separated: `tidytuesday`, `kpop`
    /// [default: every one].
    #[arg(long, value_delimiter = ',')]
    pub bundled: Vec<String>,
    /// Where the catalog comes from: `dataset` (the bundled data or --dataset), `lake` (what the
    /// lake already holds, e.g. after `ingest`), or live sources, comma-separated
    /// (`spotify,deezer,...`: crawl from --artists first).
    #[arg(long, default_value = "dataset", value_delimiter = ',')]
    pub source: Vec<String>,
    /// Seed artists for a live source, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub artists: Vec<String>,
    /// Levels of related artists a live crawl follows.
    #[arg(long, default_value_t = 1)]
    pub depth: u32,
    /// Artists a live crawl fetches at most.
    #[arg(long, default_value_t = 100)]
    pub max_artists: usize,
    /// Algorithm to publish (`all` for every one) [default: all].
    #[arg(long, env = "SOUNDALIKE_ALGORITHM")]
    pub algorithm: Option<String>,
    /// Neighbours kept per artist [default: 10].
    #[arg(short, long, env = "SOUNDALIKE_K")]
    pub k: Option<usize>,
    /// From this many artists on, approximate (IVF) instead of exact top-k [default: 20000].
    #[arg(long, env = "SOUNDALIKE_ANN_THRESHOLD")]
    pub ann_threshold: Option<usize>,
    /// Lake partition day, YYYY-MM-DD [default: today, UTC].
    #[arg(long)]
    pub date: Option<String>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Refuse to publish a catalog with fewer artists or tracks than this share of what is
    /// served now (an empty input is always refused).
    #[arg(long, env = "SOUNDALIKE_PUBLISH_MIN_SHARE", default_value_t = soundalike_pipeline::DEFAULT_MIN_SHARE)]
    pub min_share: f64,
    /// Publish even when the catalog shrank below --min-share.
    #[arg(long)]
    pub allow_shrink: bool,
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The artist, as a person would type it.
    pub artist: String,
    /// How many similar artists [default: 10].
    #[arg(short, long)]
    pub k: Option<usize>,
    /// Algorithm [default: hybrid].
    #[arg(long, env = "SOUNDALIKE_ALGORITHM")]
    pub algorithm: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// A HetRec 2011 Last.fm 2K folder (artists.dat, user_artists.dat).
    #[arg(long, env = "SOUNDALIKE_GROUND_TRUTH")]
    pub ground_truth: PathBuf,
    /// An algorithm name or `all` [default: all].
    #[arg(long, default_value = "all")]
    pub algorithm: String,
    /// A CSV in the TidyTuesday table's layout [default: the bundled TidyTuesday table].
    #[arg(long, env = "SOUNDALIKE_DATASET", conflicts_with = "bundled")]
    pub dataset: Option<PathBuf>,
    /// Bundled datasets to merge into the catalog, comma-separated (`tidytuesday,kpop`); with
    /// `kpop`, the K-pop neighbour figure is reported too [default: tidytuesday].
    #[arg(long, value_delimiter = ',')]
    pub bundled: Vec<String>,
    /// Spotify genre lists per artist (Kaggle `data_w_genres.csv`: artists, ..., genres), matched
    /// by normalised name, as live Spotify lookups would supply them. For evaluation only.
    #[arg(long)]
    pub artist_genres: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
