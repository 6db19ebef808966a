//! A Lambda runtime API on 127.0.0.1, as Lambda itself serves it to a
//! custom runtime (`provided.al2023`): the real release binaries run
//! against it as they run on AWS, one process per function. It hands out
//! invocations (`/runtime/invocation/next`), takes their responses and
//! errors, and records an init error and when the function first asked
//! for work (its init time).
//!
//! What it leaves out of Lambda: the sandbox, freezing between
//! invocations, the extensions API, X-Ray.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path as FsPath;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncReadExt;
use tokio::sync::{mpsc, oneshot, Mutex as AsyncMutex};

/// How an invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    /// The function reported an error: its `errorType` and message.
    Error {
        error_type: String,
        message: String,
    },
}

impl Outcome {
    /// The response, or a panic naming the error (a test's expectation).
    pub fn response(self) -> Value {
        match self {
            Outcome::Response(v) => v,
            Outcome::Error {
                error_type,
                message,
            } => panic!("the function failed: {error_type}: {message}"),
        }
    }
}

/// A reported init error: its `errorType` and message.
#[derive(Debug, Clone, PartialEq)]
pub struct InitError {
    pub error_type: String,
    pub message: String,
}

struct Pending {
    id: String,
    payload: Value,
    deadline_ms: u64,
}

#[derive(Default)]
struct Shared {
    waiting: HashMap<String, oneshot::Sender<Outcome>>,
    init_error: Option<InitError>,
    /// When the function first asked for an invocation.
    first_next: Option<Instant>,
}

#[derive(Clone)]
struct Api {
    queue: Arc<AsyncMutex<mpsc::UnboundedReceiver<Pending>>>,
    shared: Arc<Mutex<Shared>>,
    function: String,
}

/// One function's runtime API.
pub struct RuntimeApi {
    address: String,
    send: mpsc::UnboundedSender<Pending>,
    shared: Arc<Mutex<Shared>>,
    _server: tokio::task::JoinHandle<()>,
}

impl RuntimeApi {
    /// Serves a runtime API for `function` on a free port of 127.0.0.1.
    pub async fn start(function: &str) -> RuntimeApi {
        let (send, receive) = mpsc::unbounded_channel();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let api = Api {
            queue: Arc::new(AsyncMutex::new(receive)),
            shared: shared.clone(),
            function: function.to_string(),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the runtime API on 127.0.0.1");
        let address = listener.local_addr().expect("its address").to_string();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        RuntimeApi {
            address,
            send,
            shared,
            _server: server,
        }
    }

    /// `host:port`, as `AWS_LAMBDA_RUNTIME_API` takes it.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Invokes the function with `payload` (an invocation of `timeout` at
    /// most, its deadline as Lambda would set it) and waits for how it
    /// ended.
    pub async fn invoke(&self, payload: Value, timeout: Duration) -> Outcome {
        // Unique across every runtime API of the process, as Lambda's
        // request ids are (the scheduled work's lease is held by one).
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = format!(
            "req-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let (tell, told) = oneshot::channel();
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .waiting
            .insert(id.clone(), tell);
        let deadline_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
            + timeout.as_millis() as u64;
        self.send
            .send(Pending {
                id,
                payload,
                deadline_ms,
            })
            .expect("the runtime API is running");
        tokio::time::timeout(timeout + Duration::from_secs(5), told)
            .await
            .expect("the function answered within its timeout")
            .expect("the runtime API kept the invocation")
    }

    /// The init error the function reported, if any.
    pub fn init_error(&self) -> Option<InitError> {
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .init_error
            .clone()
    }

    /// When the function first asked for work (its init was over).
    pub fn ready_at(&self) -> Option<Instant> {
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .first_next
    }
}

async fn next(State(api): State<Api>) -> Response {
    api.shared
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .first_next
        .get_or_insert_with(Instant::now);
    let Some(p) = api.queue.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let mut headers = HeaderMap::new();
    let put = |headers: &mut HeaderMap, name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    };
    put(&mut headers, "lambda-runtime-aws-request-id", p.id.clone());
    put(
        &mut headers,
        "lambda-runtime-deadline-ms",
        p.deadline_ms.to_string(),
    );
    put(
        &mut headers,
        "lambda-runtime-invoked-function-arn",
        format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{}",
            api.function
        ),
    );
    put(
        &mut headers,
        "lambda-runtime-trace-id",
        format!("Root=1-00000000-{:024x};Sampled=0", p.deadline_ms),
    );
    (StatusCode::OK, headers, p.payload.to_string()).into_response()
}

fn finish(api: &Api, id: &str, outcome: Outcome) -> StatusCode {
    let waiting = api
        .shared
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .waiting
        .remove(id);
    match waiting {
        Some(tell) => {
            let _ = tell.send(outcome);
            StatusCode::ACCEPTED
        }
        None => StatusCode::BAD_REQUEST,
    }
}

async fn response(State(api): State<Api>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
    finish(&api, &id, Outcome::Response(value))
}

fn diagnostic(body: &Bytes) -> (String, String) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    (
        v["errorType"].as_str().unwrap_or("").to_string(),
        v["errorMessage"].as_str().unwrap_or("").to_string(),
    )
}

async fn error(State(api): State<Api>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let (error_type, message) = diagnostic(&body);
    finish(
        &api,
        &id,
        Outcome::Error {
            error_type,
            message,
        },
    )
}

async fn init_error(State(api): State<Api>, body: Bytes) -> StatusCode {
    let (error_type, message) = diagnostic(&body);
    api.shared
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .init_error = Some(InitError {
        error_type,
        message,
    });
    StatusCode::ACCEPTED
}

/// A function's process, started against a runtime API, with what it
/// writes to stdout and stderr kept for the test to read (its logs).
pub struct Function {
    pub api: RuntimeApi,
    child: tokio::process::Child,
    output: Arc<Mutex<Vec<u8>>>,
    pub started: Instant,
}

impl Function {
    /// Starts `binary` as Lambda would, with `env` on top of the
    /// variables Lambda sets itself (its name, memory, the runtime API,
    /// JSON log format at `log_level`).
    pub async fn start(binary: &FsPath, name: &str, env: &[(String, String)]) -> Function {
        let api = RuntimeApi::start(name).await;
        let mut command = tokio::process::Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", binary.display()));
        let output = Arc::new(Mutex::new(Vec::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        ]
        .into_iter()
        .flatten()
        {
            let output = output.clone();
            tokio::spawn(async move {
                let mut pipe = pipe;
                let mut buf = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    output
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend_from_slice(&buf[..n]);
                }
            });
        }
        Function {
            api,
            child,
            output,
            started,
        }
    }

    /// Invokes it (a 60-second invocation).
    pub async fn invoke(&self, payload: Value) -> Outcome {
        self.api.invoke(payload, Duration::from_secs(60)).await
    }

    /// Everything it has written so far (stdout and stderr).
    pub fn logs(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }

    /// Waits until it is ready for work or has exited; the time from its
    /// start to the first request for work, if it got there.
    pub async fn ready(&mut self, within: Duration) -> Option<Duration> {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if let Some(at) = self.api.ready_at() {
                return Some(at - self.started);
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        None
    }

    /// Waits for the process to exit (a failed cold start); its status code.
    pub async fn exited(&mut self, within: Duration) -> Option<i32> {
        tokio::time::timeout(within, self.child.wait())
            .await
            .ok()
            .and_then(|s| s.ok())
            .map(|s| s.code().unwrap_or(-1))
    }

    /// The process id (for reading its peak memory).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}
