//! The web chat in headless Chromium, driven over WebDriver (chromedriver): a person types an
//! artist and sees the similar-artist cards. Keeps a screenshot as a test artifact.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test is skipped locally, and fails under CI (`CI` set).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use soundalike_server::{AppState, Application, ServerConfig, warm_up};

struct Driver {
    child: Child,
    base: String,
    client: reqwest::Client,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start(chromedriver: &Path, chromium: &Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let started = Instant::now();
        while client.get(format!("{base}/status")).send().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not come up"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let capabilities = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--window-size=412,915", format!("--user-data-dir={}", profile.display())]}}}});
        let mut driver = Driver {
            child,
            base,
            client,
            session: String::new(),
        };
        let created = driver.call("POST", "/session", Some(capabilities)).await;
        driver.session = created["sessionId"]
            .as_str()
            .expect("a session")
            .to_string();
        driver
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "POST" => self
                .client
                .post(url)
                .json(&body.unwrap_or_else(|| json!({}))),
            "DELETE" => self.client.delete(url),
            _ => self.client.get(url),
        };
        let response: Value = request.send().await.unwrap().json().await.unwrap();
        let value = response["value"].clone();
        assert!(
            value.get("error").is_none(),
            "webdriver {method} {path}: {value}"
        );
        value
    }

    async fn session_call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self
            .session_call(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                e.as_object()
                    .unwrap()
                    .values()
                    .next()
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    async fn text(&self, element: &str) -> String {
        self.session_call("GET", &format!("/element/{element}/text"), None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Wait until `css` matches at least `count` elements.
    async fn wait_for(&self, css: &str, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let found = self.find_all(css).await;
            if found.len() >= count {
                return found;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "never saw {count} of {css}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn tool(env: &str, default: &str) -> Option<PathBuf> {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    path.is_file().then_some(path)
}

#[tokio::test]
async fn a_person_types_an_artist_and_sees_similar_artist_cards() {
    let (Some(chromedriver), Some(chromium)) = (
        tool("SOUNDALIKE_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"),
        tool("SOUNDALIKE_TEST_CHROMIUM", "/usr/bin/chromium"),
    ) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium and chromedriver (.ci/run installs them)"
        );
        eprintln!("skipped: chromium or chromedriver is not installed");
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let options = soundalike_pipeline::Options {
        input: soundalike_pipeline::Input::bundled(),
        lake: dir.path().join("lake").display().to_string(),
        stores: dir.path().join("soundalike.sqlite").into(),
        algorithms: vec![soundalike_similarity::Algorithm::DEFAULT],
        k: 10,
        strategy: Default::default(),
        partition: soundalike_lake::Partition::today(),
        progress: false,
        guard: Default::default(),
    };
    let state = AppState::new(ServerConfig::default());
    warm_up(state.clone(), options.stores.clone(), Some(options))
        .await
        .unwrap();
    let app = Application::build("127.0.0.1:0".parse().unwrap(), state)
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}/", app.port());
    tokio::spawn(app.run_until_stopped());

    let driver = Driver::start(&chromedriver, &chromium).await;
    driver
        .session_call("POST", "/url", Some(json!({"url": url})))
        .await;
    // The page greets with help and example chips.
    driver.wait_for(".chip", 1).await;
    let input = driver.wait_for("#input", 1).await.remove(0);
    driver
        .session_call(
            "POST",
            &format!("/element/{input}/value"),
            Some(json!({"text": "콜드플레이 비슷한 노래"})),
        )
        .await;
    let send = driver.find_all("#send").await.remove(0);
    driver
        .session_call("POST", &format!("/element/{send}/click"), None)
        .await;

    let cards = driver.wait_for(".card.similar", 5).await;
    let first = driver.text(&cards[0]).await;
    assert!(first.starts_with("1. "), "nearest first: {first}");
    let artist = driver.wait_for(".card[data-artist]", 1).await;
    assert!(driver.text(&artist[0]).await.contains("Coldplay"));
    let links = driver
        .find_all(".card.similar a[href^='https://open.spotify.com/track/']")
        .await;
    assert!(links.len() >= 5, "track links on the cards");

    // A quick reply chip asks again: a second set of cards appears.
    let chips = driver.find_all(".chip").await;
    let last_chip = chips.last().unwrap();
    driver
        .session_call("POST", &format!("/element/{last_chip}/click"), None)
        .await;
    driver
        .wait_for(".cards .card.similar", cards.len() + 1)
        .await;

    let png = driver.session_call("GET", "/screenshot", None).await;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(png.as_str().unwrap())
        .unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("web-chat.png");
    std::fs::write(&shot, bytes).unwrap();
    eprintln!("screenshot: {}", shot.display());
    driver.session_call("DELETE", "", None).await;
}
