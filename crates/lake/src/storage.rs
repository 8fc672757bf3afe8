//! Where lake bytes live: a local folder (`file://…` or a plain path) or an S3-compatible bucket
//! (`s3://bucket/prefix`), behind one small put/get/list/delete API over `object_store`.
//!
//! Keys are `/`-separated and relative to the lake root. A put is atomic for readers on both
//! backends (S3 PUT replaces an object whole; the local backend writes a staged file and renames it),
//! and the local backend also fsyncs the file and its folder so a committed write survives a crash.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::LakeError;

/// One stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Key relative to the storage root, `/`-separated.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
}

/// A lake root on some object store.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Prefix of every key inside `store` (empty for a local folder: the store is rooted there).
    prefix: ObjectPath,
    /// The URL the storage was opened from, for messages and for other engines.
    url: String,
    /// The folder, when local: fsyncs and leftover cleanup need real paths.
    local_root: Option<PathBuf>,
}

impl Storage {
    /// Open a lake location: `s3://bucket/prefix`, `file:///abs/path`, or a plain folder path.
    ///
    /// S3 endpoint, region and credentials come from the usual AWS variables (`AWS_ENDPOINT_URL`,
    /// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
    /// `AWS_ALLOW_HTTP` for a plain-http test server); requests use path-style addressing.
    pub fn open(location: &str) -> Result<Self, LakeError> {
        Self::open_with(location, &[])
    }

    /// [`Storage::open`] with S3 settings that override the environment, as
    /// `object_store` names them (`aws_endpoint_url_s3`, `aws_access_key_id`, `aws_allow_http`…).
    pub fn open_with(location: &str, s3_settings: &[(String, String)]) -> Result<Self, LakeError> {
        if let Some(rest) = location.strip_prefix("s3://") {
            return Self::s3(location, rest, s3_settings);
        }
        match Self::local_folder(location) {
            Some(folder) => Self::local(folder),
            None => Err(LakeError::Location {
                location: location.to_string(),
                reason: "use file://PATH, s3://BUCKET/PREFIX or a folder path".into(),
            }),
        }
    }

    /// The folder a location names when it is local (`file://PATH` or a plain path), without
    /// opening it; `None` for `s3://` and other schemes.
    pub fn local_folder(location: &str) -> Option<PathBuf> {
        if let Some(path) = location.strip_prefix("file://") {
            return Some(PathBuf::from(path));
        }
        (!location.contains("://")).then(|| PathBuf::from(location))
    }

    /// A lake in a local folder (created if missing).
    pub fn local(folder: impl Into<PathBuf>) -> Result<Self, LakeError> {
        let folder: PathBuf = folder.into();
        std::fs::create_dir_all(&folder).map_err(|source| LakeError::Io {
            location: folder.display().to_string(),
            source,
        })?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(&folder)
            .map_err(|source| store_error(&folder.display().to_string(), source))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: ObjectPath::default(),
            url: format!("file://{}", absolute(&folder).display()),
            local_root: Some(folder),
        })
    }

    #[cfg(feature = "s3")]
    fn s3(location: &str, rest: &str, settings: &[(String, String)]) -> Result<Self, LakeError> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(LakeError::Location {
                location: location.to_string(),
                reason: "no bucket name".into(),
            });
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (key, value) in settings {
            let key = key.parse().map_err(|_| LakeError::Location {
                location: location.to_string(),
                reason: format!("unknown S3 setting {key:?}"),
            })?;
            builder = builder.with_config(key, value);
        }
        let store = builder
            .build()
            .map_err(|source| store_error(location, source))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: ObjectPath::from(prefix.trim_matches('/')),
            url: location.trim_end_matches('/').to_string(),
            local_root: None,
        })
    }

    #[cfg(not(feature = "s3"))]
    fn s3(location: &str, _rest: &str, _: &[(String, String)]) -> Result<Self, LakeError> {
        Err(LakeError::Location {
            location: location.to_string(),
            reason: "this build has no S3 support (cargo feature `s3` of soundalike-lake)".into(),
        })
    }

    /// The lake's URL (`file:///…` or `s3://bucket/prefix`), without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The local folder, when the lake is local.
    pub fn local_root(&self) -> Option<&std::path::Path> {
        self.local_root.as_deref()
    }

    /// The underlying store and the prefix of the lake inside it, for engines that read it directly.
    pub fn object_store(&self) -> (Arc<dyn ObjectStore>, &ObjectPath) {
        (self.store.clone(), &self.prefix)
    }

    /// The full URL of a key, as another engine would name it.
    pub fn url_of(&self, key: &str) -> String {
        format!("{}/{key}", self.url)
    }

    fn path(&self, key: &str) -> ObjectPath {
        self.prefix
            .parts()
            .chain(ObjectPath::from(key).parts())
            .collect()
    }

    fn key_of(&self, path: &ObjectPath) -> String {
        let parts: Vec<String> = path
            .prefix_match(&self.prefix)
            .map(|rest| rest.map(|p| p.as_ref().to_string()).collect())
            .unwrap_or_default();
        parts.join("/")
    }

    /// Store `bytes` at `key`, replacing what was there; readers see the old or the new object whole.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), LakeError> {
        self.store
            .put(&self.path(key), PutPayload::from(bytes))
            .await
            .map_err(|source| store_error(&self.url_of(key), source))?;
        if let Some(root) = &self.local_root {
            sync_local(&root.join(key)).map_err(|source| LakeError::Io {
                location: self.url_of(key),
                source,
            })?;
        }
        Ok(())
    }

    /// The bytes at `key`, or `None` when nothing is there.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, LakeError> {
        let url = self.url_of(key);
        match self.store.get(&self.path(key)).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(|e| store_error(&url, e))?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(source) => Err(store_error(&url, source)),
        }
    }

    /// Every object under `prefix` (a key prefix ending at a `/` boundary), sorted by key.
    pub async fn list(&self, prefix: &str) -> Result<Vec<Object>, LakeError> {
        let under = self.path(prefix);
        let mut out: Vec<Object> = self
            .store
            .list(Some(&under))
            .map_ok(|meta| Object {
                key: self.key_of(&meta.location),
                size: meta.size,
            })
            .try_collect()
            .await
            .map_err(|source| store_error(&self.url_of(prefix), source))?;
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// The names of the "folders" directly under `prefix`, sorted.
    pub async fn list_dirs(&self, prefix: &str) -> Result<Vec<String>, LakeError> {
        let under = self.path(prefix);
        let listing = self
            .store
            .list_with_delimiter(Some(&under))
            .await
            .map_err(|source| store_error(&self.url_of(prefix), source))?;
        let mut out: Vec<String> = listing
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Delete `key`; deleting what is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), LakeError> {
        match self.store.delete(&self.path(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(store_error(&self.url_of(key), source)),
        }
    }
}

fn store_error(location: &str, source: object_store::Error) -> LakeError {
    LakeError::Store {
        location: location.to_string(),
        source: Box::new(source),
    }
}

fn absolute(folder: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(folder).unwrap_or_else(|_| folder.to_path_buf())
}

/// Make a renamed-into-place file durable: the file's data, then the folder entry.
fn sync_local(file: &std::path::Path) -> std::io::Result<()> {
    std::fs::File::open(file)?.sync_all()?;
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
