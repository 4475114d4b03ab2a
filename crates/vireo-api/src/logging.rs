//! Where the crates' `log` records go in the app and the CLI: standard error, one line each,
//! `vireo: LEVEL target: message`. `VIREO_LOG` (error, warn, info, debug, trace, off) picks
//! the level; warnings and errors by default.

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if self.enabled(record.metadata()) {
            eprintln!(
                "vireo: {} {}: {}",
                record.level(),
                record.target(),
                record.args()
            );
        }
    }

    fn flush(&self) {}
}

/// The level `VIREO_LOG` asks for; warnings when unset or unreadable.
fn level_from(value: Option<&str>) -> LevelFilter {
    value
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(LevelFilter::Warn)
}

/// Sends log records to standard error. Call once, first thing in `main`; a second call
/// changes nothing.
pub fn log_to_stderr() {
    static LOGGER: Stderr = Stderr;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level_from(std::env::var("VIREO_LOG").ok().as_deref()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_comes_from_vireo_log() {
        assert_eq!(level_from(None), LevelFilter::Warn);
        assert_eq!(level_from(Some("debug")), LevelFilter::Debug);
        assert_eq!(level_from(Some("OFF")), LevelFilter::Off);
        assert_eq!(level_from(Some("loud")), LevelFilter::Warn);
    }
}
