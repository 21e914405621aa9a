//! Structured logging with `tracing`: one `init`, text or JSON, level from
//! RUST_LOG. Every line inside a request carries its request id through the
//! request span. Optionally ([`init_with_traces`]) the same spans are
//! exported as OpenTelemetry traces over OTLP/HTTP, the request id as the
//! span attribute `request_id`.

use crate::config::LogFormat;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Installs the global subscriber. Safe to call more than once (later calls
/// do nothing), so tests can call it freely.
pub fn init(format: LogFormat) {
    let _ = init_with_traces(format, None, LogTarget::Stdout);
}

/// Flushes and stops the trace exporter when dropped (at exit).
pub struct TraceGuard(opentelemetry_sdk::trace::SdkTracerProvider);

impl Drop for TraceGuard {
    fn drop(&mut self) {
        let provider = self.0.clone();
        // The exporter's blocking HTTP client must not be dropped on an
        // async worker thread.
        let _ = std::thread::spawn(move || provider.shutdown()).join();
    }
}

/// Why traces cannot be exported.
#[derive(Debug, thiserror::Error)]
#[error("COOPGATE_OTLP_ENDPOINT: {0}")]
pub struct TraceError(String);

/// The OTLP/HTTP exporter of traces to `endpoint` (the collector's traces
/// URL, e.g. `http://collector:4318/v1/traces`), batched on its own thread.
fn tracer_provider(endpoint: &str) -> Result<opentelemetry_sdk::trace::SdkTracerProvider, TraceError> {
    use opentelemetry_otlp::WithExportConfig;
    let endpoint = endpoint.to_owned();
    // The blocking HTTP client is built off the async runtime's threads.
    std::thread::spawn(move || {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .build()
            .map_err(|e| TraceError(e.to_string()))?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name("coopgate")
            .with_attribute(opentelemetry::KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build())
    })
    .join()
    .map_err(|_| TraceError("the exporter could not be built".into()))?
}

/// Where log lines go: a long-running service logs to stdout; a one-shot
/// command to stderr, so that its stdout holds only its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTarget {
    /// Standard output (services).
    Stdout,
    /// Standard error (one-shot commands).
    Stderr,
}

/// Installs the global subscriber, exporting traces to `otlp_endpoint`
/// when given (off by default). Keep the guard until exit so that the last
/// spans are flushed.
pub fn init_with_traces(
    format: LogFormat,
    otlp_endpoint: Option<&str>,
    target: LogTarget,
) -> Result<Option<TraceGuard>, TraceError> {
    use opentelemetry::trace::TracerProvider;
    let provider = otlp_endpoint.map(tracer_provider).transpose()?;
    let otel = provider.as_ref().map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer("coopgate")));
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let writer = fmt::writer::BoxMakeWriter::new(move || -> Box<dyn std::io::Write> {
        match target {
            LogTarget::Stdout => Box::new(std::io::stdout()),
            LogTarget::Stderr => Box::new(std::io::stderr()),
        }
    });
    let _ = match format {
        LogFormat::Text => registry.with(fmt::layer().with_target(false).with_writer(writer)).try_init(),
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(true).with_span_list(false).with_writer(writer))
            .try_init(),
    };
    if let Some(endpoint) = otlp_endpoint {
        tracing::info!(endpoint, "traces exported over OTLP/HTTP");
    }
    Ok(provider.map(TraceGuard))
}

/// For tests: logs only when `TEST_LOG` is set, so test output stays quiet.
pub fn init_for_tests() {
    if std::env::var_os("TEST_LOG").is_some() {
        init(LogFormat::Text);
    }
}
