//! Artists' top tracks in DynamoDB (`--tracks-store dynamodb://<table>`), the original's
//! top-tracks table done right: partition key `artist_id`, sort key `rank`, read with `Query`
//! (never `Scan` + filter).
//!
//! The AWS SDK lives in this crate alone, so it does not rebuild when the store changes.
//! Endpoint, region and credentials come from the usual AWS environment and config files
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, profiles...); `AWS_ENDPOINT_URL_DYNAMODB` or
//! `AWS_ENDPOINT_URL` point it at another endpoint (dynalite, DynamoDB Local).
//!
//! **Invariant:** writes are idempotent: an artist's ranks `1..=kept` are each either put or
//! deleted, so re-publishing the same tracks leaves the same items and no leftovers.
#![deny(missing_docs)]

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, KeySchemaElement, KeyType,
    PutRequest, ScalarAttributeType, Select, TableStatus, WriteRequest,
};
use tokio::task::JoinSet;

/// Items per `BatchWriteItem` (DynamoDB's limit).
const BATCH: usize = 25;
/// Requests in flight at once, for writes and for reads.
const IN_FLIGHT: usize = 16;
/// Attempts at a batch's unprocessed items before giving up.
const ATTEMPTS: u32 = 8;

/// A DynamoDB failure, with the operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum DynamoError {
    /// The SDK or the service said no.
    #[error("dynamodb {operation} on table {table}: {message}")]
    Request {
        /// The operation.
        operation: &'static str,
        /// The table.
        table: String,
        /// The SDK's error, with its context.
        message: String,
    },
    /// No region is configured.
    #[error("dynamodb: no AWS region (set AWS_REGION or a profile's region)")]
    NoRegion,
    /// Items stayed unprocessed after every retry (throttling).
    #[error(
        "dynamodb BatchWriteItem on table {table}: {left} items still unprocessed after {ATTEMPTS} attempts"
    )]
    Unprocessed {
        /// The table.
        table: String,
        /// Items left.
        left: usize,
    },
    /// An item lacks an attribute or has the wrong type.
    #[error("dynamodb table {table}: malformed item for artist {artist}: {reason}")]
    Malformed {
        /// The table.
        table: String,
        /// Its artist.
        artist: String,
        /// What is wrong.
        reason: String,
    },
    /// A worker task died.
    #[error("dynamodb worker: {0}")]
    Worker(String),
}

/// One artist's track at one rank (1 = most popular).
#[derive(Debug, Clone, PartialEq)]
pub struct TopTrack {
    /// The artist (partition key).
    pub artist_id: String,
    /// 1 = first (sort key).
    pub rank: u32,
    /// Spotify track id.
    pub track_id: String,
    /// Title.
    pub name: Option<String>,
    /// Popularity 0..100.
    pub popularity: Option<i64>,
}

/// The top-tracks table.
#[derive(Debug, Clone)]
pub struct DynamoTracks {
    client: Client,
    table: String,
}

impl DynamoTracks {
    /// Connect with the usual AWS configuration and create `table` if it does not exist.
    pub async fn connect(table: &str) -> Result<Self, DynamoError> {
        Self::connect_with(table, loader()).await
    }

    /// Connect to a DynamoDB-compatible server at `endpoint` (dynalite, DynamoDB Local), which
    /// accepts any credentials: region and keys default to placeholders unless the environment
    /// sets them. For tests and local setups; production uses [`DynamoTracks::connect`].
    pub async fn connect_local(table: &str, endpoint: &str) -> Result<Self, DynamoError> {
        let mut loader = loader().endpoint_url(endpoint);
        if std::env::var_os("AWS_REGION").is_none() {
            loader = loader.region(aws_config::Region::new("us-east-1"));
        }
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
            loader = loader.credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local", "local", None, None, "local",
            ));
        }
        Self::connect_with(table, loader).await
    }

    async fn connect_with(
        table: &str,
        loader: aws_config::ConfigLoader,
    ) -> Result<Self, DynamoError> {
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(DynamoError::NoRegion);
        }
        let tracks = Self {
            client: Client::new(&config),
            table: table.to_string(),
        };
        tracks.create_if_missing().await?;
        Ok(tracks)
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn failed<E, R>(&self, operation: &'static str, error: SdkError<E, R>) -> DynamoError
    where
        E: std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        DynamoError::Request {
            operation,
            table: self.table.clone(),
            message: DisplayErrorContext(&error).to_string(),
        }
    }

    async fn create_if_missing(&self) -> Result<(), DynamoError> {
        match self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                let created = self
                    .client
                    .create_table()
                    .table_name(&self.table)
                    .billing_mode(BillingMode::PayPerRequest)
                    .attribute_definitions(attribute("artist_id", ScalarAttributeType::S))
                    .attribute_definitions(attribute("rank", ScalarAttributeType::N))
                    .key_schema(key("artist_id", KeyType::Hash))
                    .key_schema(key("rank", KeyType::Range))
                    .send()
                    .await;
                match created {
                    Ok(_) => tracing::info!(table = %self.table, "created the top-tracks table"),
                    // Someone else created it meanwhile: fine.
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_resource_in_use_exception()) => {}
                    Err(e) => return Err(self.failed("CreateTable", e)),
                }
            }
            Err(e) => return Err(self.failed("DescribeTable", e)),
        }
        self.wait_active().await
    }

    async fn wait_active(&self) -> Result<(), DynamoError> {
        for _ in 0..600 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|e| self.failed("DescribeTable", e))?;
            if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(DynamoError::Request {
            operation: "DescribeTable",
            table: self.table.clone(),
            message: "table not ACTIVE after 60 s".into(),
        })
    }

    /// Write every artist's top tracks: ranks present in `tracks` are put, the artist's other
    /// ranks up to `kept` are deleted. Returns the items put.
    pub async fn publish(&self, tracks: &[TopTrack], kept: u32) -> Result<usize, DynamoError> {
        let mut ranks: HashMap<&str, Vec<u32>> = HashMap::new();
        for t in tracks {
            ranks.entry(&t.artist_id).or_default().push(t.rank);
        }
        let mut requests: Vec<WriteRequest> = tracks.iter().map(put_request).collect();
        let mut artists: Vec<_> = ranks.into_iter().collect();
        artists.sort_unstable();
        for (artist, present) in artists {
            for rank in (1..=kept).filter(|r| !present.contains(r)) {
                requests.push(delete_request(artist, rank));
            }
        }
        let batches: Vec<Vec<WriteRequest>> = requests.chunks(BATCH).map(<[_]>::to_vec).collect();
        let mut workers = JoinSet::new();
        for batch in batches {
            if workers.len() >= IN_FLIGHT {
                join_one(&mut workers).await?;
            }
            let this = self.clone();
            workers.spawn(async move { this.write_batch(batch).await });
        }
        while !workers.is_empty() {
            join_one(&mut workers).await?;
        }
        Ok(tracks.len())
    }

    /// One `BatchWriteItem`, retrying its unprocessed items with backoff.
    async fn write_batch(&self, batch: Vec<WriteRequest>) -> Result<(), DynamoError> {
        let mut pending = HashMap::from([(self.table.clone(), batch)]);
        for attempt in 0..ATTEMPTS {
            let out = self
                .client
                .batch_write_item()
                .set_request_items(Some(pending))
                .send()
                .await
                .map_err(|e| self.failed("BatchWriteItem", e))?;
            pending = out.unprocessed_items.unwrap_or_default();
            pending.retain(|_, requests| !requests.is_empty());
            if pending.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
        }
        Err(DynamoError::Unprocessed {
            table: self.table.clone(),
            left: pending.values().map(Vec::len).sum(),
        })
    }

    /// The first `limit` tracks of each artist, by rank: one `Query` per artist, several in
    /// flight. Returns (artist, tracks) in the order of `artists`.
    pub async fn top_tracks(
        &self,
        artists: &[String],
        limit: usize,
    ) -> Result<Vec<TopTrack>, DynamoError> {
        let mut found: Vec<Vec<TopTrack>> = vec![Vec::new(); artists.len()];
        let mut workers = JoinSet::new();
        for (i, artist) in artists.iter().enumerate() {
            if workers.len() >= IN_FLIGHT {
                let (at, tracks) = join_one(&mut workers).await?;
                found[at] = tracks;
            }
            let (this, artist) = (self.clone(), artist.clone());
            workers.spawn(async move { Ok((i, this.query(&artist, limit).await?)) });
        }
        while !workers.is_empty() {
            let (at, tracks) = join_one(&mut workers).await?;
            found[at] = tracks;
        }
        Ok(found.into_iter().flatten().collect())
    }

    async fn query(&self, artist: &str, limit: usize) -> Result<Vec<TopTrack>, DynamoError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("artist_id = :a")
            .expression_attribute_values(":a", AttributeValue::S(artist.to_string()))
            .scan_index_forward(true)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| self.failed("Query", e))?;
        out.items()
            .iter()
            .map(|item| self.parse_item(artist, item))
            .collect()
    }

    fn parse_item(
        &self,
        artist: &str,
        item: &HashMap<String, AttributeValue>,
    ) -> Result<TopTrack, DynamoError> {
        let malformed = |reason: &str| DynamoError::Malformed {
            table: self.table.clone(),
            artist: artist.to_string(),
            reason: reason.to_string(),
        };
        let number = |name: &str| -> Result<Option<i64>, DynamoError> {
            match item.get(name) {
                None => Ok(None),
                Some(AttributeValue::N(n)) => n
                    .parse()
                    .map(Some)
                    .map_err(|_| malformed(&format!("{name} is not an integer: {n}"))),
                Some(_) => Err(malformed(&format!("{name} is not a number"))),
            }
        };
        let text = |name: &str| -> Result<Option<String>, DynamoError> {
            match item.get(name) {
                None => Ok(None),
                Some(AttributeValue::S(s)) => Ok(Some(s.clone())),
                Some(_) => Err(malformed(&format!("{name} is not a string"))),
            }
        };
        Ok(TopTrack {
            artist_id: artist.to_string(),
            rank: number("rank")?
                .and_then(|r| u32::try_from(r).ok())
                .ok_or_else(|| malformed("no valid rank"))?,
            track_id: text("track_id")?.ok_or_else(|| malformed("no track_id"))?,
            name: text("name")?,
            popularity: number("popularity")?,
        })
    }

    /// Items in the table, counted by the service (`Select=COUNT`, paged): for checks and
    /// operators, not for answering.
    pub async fn item_count(&self) -> Result<u64, DynamoError> {
        let mut count = 0u64;
        let mut start = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| self.failed("Scan", e))?;
            count += out.count() as u64;
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(count);
            }
        }
    }

    /// Delete the table (tests clean up with it).
    pub async fn delete_table(&self) -> Result<(), DynamoError> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|e| self.failed("DeleteTable", e))?;
        Ok(())
    }
}

/// The usual AWS configuration chain over an HTTPS client on rustls + ring (the crypto the rest
/// of the workspace uses).
fn loader() -> aws_config::ConfigLoader {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    aws_config::from_env().http_client(http)
}

async fn join_one<T: 'static>(
    workers: &mut JoinSet<Result<T, DynamoError>>,
) -> Result<T, DynamoError> {
    match workers.join_next().await {
        Some(joined) => joined.map_err(|e| DynamoError::Worker(e.to_string()))?,
        None => Err(DynamoError::Worker("no worker to join".into())),
    }
}

fn attribute(name: &str, kind: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(kind)
        .build()
        .expect("name and type are set")
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("name and type are set")
}

fn key_of(artist: &str, rank: u32) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (
            "artist_id".to_string(),
            AttributeValue::S(artist.to_string()),
        ),
        ("rank".to_string(), AttributeValue::N(rank.to_string())),
    ])
}

fn put_request(t: &TopTrack) -> WriteRequest {
    let mut item = key_of(&t.artist_id, t.rank);
    item.insert("track_id".into(), AttributeValue::S(t.track_id.clone()));
    if let Some(name) = &t.name {
        item.insert("name".into(), AttributeValue::S(name.clone()));
    }
    if let Some(popularity) = t.popularity {
        item.insert(
            "popularity".into(),
            AttributeValue::N(popularity.to_string()),
        );
    }
    WriteRequest::builder()
        .put_request(
            PutRequest::builder()
                .set_item(Some(item))
                .build()
                .expect("item is set"),
        )
        .build()
}

fn delete_request(artist: &str, rank: u32) -> WriteRequest {
    WriteRequest::builder()
        .delete_request(
            DeleteRequest::builder()
                .set_key(Some(key_of(artist, rank)))
                .build()
                .expect("key is set"),
        )
        .build()
}
