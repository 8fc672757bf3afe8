//! `spawn_app`: the real router on port 0 over a store built once from the bundled data.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::{Value, json};
use soundalike_chat::kakao::validate;
use soundalike_server::{AppState, Application, ServerConfig, warm_up};

/// The data folder built once per test binary (the full bundled pipeline, about 2 s).
fn data_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("soundalike-api-")
            .tempdir()
            .unwrap()
            .keep();
        let options = soundalike_pipeline::Options {
            input: soundalike_pipeline::Input::bundled(),
            lake: dir.join("lake").display().to_string(),
            stores: dir.join("soundalike.sqlite").into(),
            algorithms: soundalike_similarity::Algorithm::ALL.to_vec(),
            k: 10,
            strategy: Default::default(),
            partition: soundalike_lake::Partition::today(),
            progress: false,
            guard: Default::default(),
        };
        // Its own runtime: each test has one of its own, and this outlives them.
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(soundalike_pipeline::run(options))
                .unwrap();
        })
        .join()
        .unwrap();
        dir
    })
}

pub fn store_path() -> PathBuf {
    data_dir().join("soundalike.sqlite")
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
}

/// A ready app with default settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServerConfig::default(), true).await
}

/// An app with `config`; `ready` loads the store before returning.
pub async fn spawn_app_with(config: ServerConfig, ready: bool) -> TestApp {
    spawn_app_on(config, ready.then(store_path)).await
}

/// An app with `config` over the SQLite store at `store`, loaded before returning (with `None`,
/// an app that is not ready).
pub async fn spawn_app_on(config: ServerConfig, store: Option<PathBuf>) -> TestApp {
    let state = AppState::new(config);
    if let Some(store) = store {
        warm_up(state.clone(), store, None).await.unwrap();
    }
    let app = Application::build("127.0.0.1:0".parse().unwrap(), state.clone())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        state,
    }
}

/// A SkillPayload shaped like the ones Kakao sends, extra fields included.
pub fn kakao_payload(utterance: &str) -> Value {
    json!({
        "intent": {"id": "3ml8rxx0d1", "name": "블록 이름", "extra": {"reason": {"code": 1, "message": "OK"}}},
        "userRequest": {
            "timezone": "Asia/Seoul",
            "params": {"ignoreMe": "true", "surface": "BuilderBotTest"},
            "block": {"id": "5e7f1xxxxx", "name": "블록 이름"},
            "utterance": utterance,
            "lang": "ko",
            "user": {"id": "9d3c2fa8e1b7c4d5a6f70812", "type": "botUserKey",
                     "properties": {"botUserKey": "9d3c2fa8e1b7c4d5a6f70812", "bot_user_key": "9d3c2fa8e1b7c4d5a6f70812"}}
        },
        "bot": {"id": "5e7f1bot", "name": "soundalike"},
        "action": {"name": "skill", "clientExtra": null, "params": {}, "id": "act1", "detailParams": {}},
        "contexts": [],
        "flow": {"lastBlock": {"id": "x", "name": "y"}, "trigger": {"type": "TEXT_INPUT"}}
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POST a payload to the skill endpoint; a 200 answer must pass the limits validator.
    pub async fn kakao(&self, payload: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/kakao/skill"))
            .json(payload)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        if status == 200 {
            let violations = validate(&body);
            assert!(
                violations.is_empty(),
                "limits broken: {violations:?}\n{body:#}"
            );
        }
        (status, body)
    }

    /// POST a JSON body to the chat endpoint.
    pub async fn chat(&self, body: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url("/api/v1/chat"))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}
