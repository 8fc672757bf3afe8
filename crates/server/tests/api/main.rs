//! HTTP tests against the real server on an ephemeral port (one test binary for all of them).

mod helpers;
mod kakao;
mod lambda;
mod limits;
mod live;
mod rest;
