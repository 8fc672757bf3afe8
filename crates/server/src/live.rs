//! Unknown artists answered from live sources: [`LiveArtists`] implements the chat engine's
//! [`LiveLookup`] over `soundalike_live` (Spotify first, Deezer otherwise), storing every body in
//! the raw lake, and queues a background crawl of each artist it found. With a refresh configured
//! (`serve` sets one), the crawled artists are then merged into the lake and the similarity marts
//! are recomputed and published, so the next ask answers with similar artists (the running server
//! picks the new marts up through `watch_store`).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use soundalike_chat::LiveLookup;
use soundalike_core::names::artist_id_for;
use soundalike_live::Sources;
use soundalike_live::crawl::{CrawlOptions, crawl, rebuild};
use soundalike_live::merge::pick;
use soundalike_recommend::{ArtistRef, TrackRef};
use tokio::sync::mpsc;

/// Live lookups over configured sources, with a background crawl queue.
pub struct LiveArtists {
    sources: Sources,
    queue: mpsc::UnboundedSender<String>,
}

impl LiveArtists {
    /// Look up through `sources`; crawl found artists into the raw zone at `raw_dir` in the
    /// background (one at a time, depth 1). With `refresh` (the pipeline options of the served
    /// data; its input and partition are set here), once the queue is drained the raw zone is
    /// merged into the lake's newest partition and the marts are recomputed and published.
    pub fn start(
        sources: Sources,
        raw_dir: PathBuf,
        refresh: Option<soundalike_pipeline::Options>,
    ) -> Self {
        let (queue, mut names) = mpsc::unbounded_channel::<String>();
        let crawler = sources.clone();
        tokio::spawn(async move {
            while let Some(name) = names.recv().await {
                let mut fetched = crawl_one(&crawler, &raw_dir, &name).await;
                // Crawl everything asked for meanwhile before one recompute; a name asked again
                // before its marts land is fresh (TTL) and fetches nothing.
                while let Ok(name) = names.try_recv() {
                    fetched += crawl_one(&crawler, &raw_dir, &name).await;
                }
                if let Some(options) = refresh.as_ref().filter(|_| fetched > 0) {
                    refresh_marts(&raw_dir, options.clone()).await;
                }
            }
        });
        Self { sources, queue }
    }

    async fn find(&self, name: &str) -> Option<ArtistRef> {
        if let Some(spotify) = &self.sources.spotify {
            let hits = spotify.search_artists(name, 5).await.ok()?;
            let artist = pick(&hits, name, |a| &a.name)?.clone();
            let tracks = match spotify.top_tracks(&artist.id, "US").await {
                Ok(t) => t,
                Err(_) => spotify
                    .search_tracks_by(&artist.name)
                    .await
                    .unwrap_or_default(),
            };
            let tracks = tracks.into_iter().map(|t| TrackRef {
                url: soundalike_core::spotify_track_url(&t.id),
                id: t.id,
                name: t.name,
            });
            return Some(artist_ref(artist.name, tracks.collect()));
        }
        if let Some(deezer) = &self.sources.deezer {
            let hits = deezer.search_artist(name).await.ok()?;
            let artist = pick(&hits, name, |a| &a.name)?.clone();
            let tracks = deezer.top(artist.id, 10).await.unwrap_or_default();
            let tracks = tracks.into_iter().map(|t| TrackRef {
                url: format!("https://www.deezer.com/track/{}", t.id),
                id: format!("deezer:{}", t.id),
                name: t.title,
            });
            return Some(artist_ref(artist.name, tracks.collect()));
        }
        None
    }
}

/// Crawl one artist and its related artists; returns how many were fetched.
async fn crawl_one(sources: &Sources, raw_dir: &std::path::Path, name: &str) -> usize {
    let options = CrawlOptions {
        seeds: vec![name.to_string()],
        depth: 1,
        max_artists: 20,
        checkpoint: "chat".into(),
        ..CrawlOptions::default()
    };
    match crawl(sources, raw_dir, &options).await {
        Ok(s) => {
            tracing::info!(artist = %name, fetched = s.fetched, failures = s.failures.len(), "background crawl done");
            s.fetched
        }
        Err(error) => {
            tracing::warn!(artist = %name, %error, "background crawl failed");
            0
        }
    }
}

/// Merge the raw zone into today's lake partition, then recompute and publish the marts.
async fn refresh_marts(raw_dir: &std::path::Path, mut options: soundalike_pipeline::Options) {
    let partition = soundalike_lake::Partition::today();
    let raw = soundalike_lake::raw::RawLake::new(raw_dir);
    let lake = options.lake.clone();
    // Replay and Parquet encoding are CPU work: off the async workers.
    let rebuilt = tokio::task::spawn_blocking(move || {
        let lake = soundalike_lake::Lake::open(&lake).map_err(|e| e.to_string())?;
        tokio::runtime::Handle::current()
            .block_on(rebuild(&raw, &lake, partition))
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    if let Err(error) = rebuilt {
        tracing::warn!(%error, "merging live artists into the lake failed");
        return;
    }
    options.input = soundalike_pipeline::Input::Lake;
    options.partition = partition;
    options.progress = false;
    match soundalike_pipeline::run(options).await {
        Ok(summary) => tracing::info!(
            artists = summary.artists,
            "live artists merged: similarity marts republished"
        ),
        Err(error) => tracing::warn!(%error, "republishing after a live crawl failed"),
    }
}

/// A live-found artist as the chat engine shows it, under the id the dataset import would give it.
fn artist_ref(name: String, tracks: Vec<TrackRef>) -> ArtistRef {
    ArtistRef {
        id: artist_id_for(&name).0,
        track_count: tracks.len() as i64,
        name,
        tracks,
    }
}

impl LiveLookup for LiveArtists {
    fn lookup<'a>(
        &'a self,
        name: &'a str,
    ) -> Pin<Box<dyn Future<Output = Option<ArtistRef>> + Send + 'a>> {
        Box::pin(self.find(name))
    }

    fn enqueue(&self, name: &str) {
        let _ = self.queue.send(name.to_string());
    }
}
