//! cron's own mail, chronic-style: for a notified outcome the recorder prints a one-line summary
//! and the run's output, which cron mails to MAILTO; for any other outcome it prints nothing,
//! so cron sends nothing. The output printed is what the record keeps (the first 64 KiB of each
//! stream), with a note where it was cut.

use crate::history::{Channel, NotificationOutcome, RunRecord, RunStatus, OUTPUT_LIMIT};
use std::io::Write;

/// The one-line summary that opens the mail. It names the entry and run, never the URLs.
pub fn summary(record: &RunRecord, exit_status: i32) -> String {
    let how = match record.status {
        RunStatus::Succeeded => "succeeded".to_owned(),
        RunStatus::Failed => match (&record.error, record.exit_code) {
            (Some(_), _) => "could not start".to_owned(),
            (None, Some(code)) => format!("failed with exit code {code}"),
            (None, None) => format!("failed (killed, exit status {exit_status})"),
        },
        RunStatus::TimedOut => "timed out".to_owned(),
        RunStatus::Skipped => format!(
            "was skipped ({})",
            record.skip_reason.as_deref().unwrap_or("by policy")
        ),
        RunStatus::Cancelled => "was cancelled".to_owned(),
        RunStatus::Running => "is running".to_owned(),
    };
    let after = record
        .duration_ms
        .map(|ms| format!(" after {}.{:03} s", ms / 1000, ms % 1000))
        .unwrap_or_default();
    format!(
        "cronrpc: entry {} {how}{after} (run {}, user {})",
        record.entry_id, record.run_id, record.user
    )
}

/// Prints the summary and the output: stdout's part to `out`, stderr's to `err`, as the job
/// would have (under cron both reach the same mail, in this order). Returns the outcome to
/// record.
pub fn print(
    record: &RunRecord,
    exit_status: i32,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> NotificationOutcome {
    let written = (|| -> std::io::Result<()> {
        writeln!(out, "{}", summary(record, exit_status))?;
        if let Some(why) = &record.error {
            writeln!(out, "cronrpc: {why}")?;
        }
        write_stream(out, "stdout", &record.stdout, record.stdout_truncated)?;
        out.flush()?;
        write_stream(err, "stderr", &record.stderr, record.stderr_truncated)?;
        err.flush()
    })();
    let bytes = record.stdout.len() + record.stderr.len();
    NotificationOutcome {
        channel: Channel::Mail,
        ok: written.is_ok(),
        detail: match written {
            Ok(()) => format!("printed the summary and {bytes} bytes of output for cron to mail"),
            Err(e) => format!("printing for cron's mail failed: {e}"),
        },
    }
}

fn write_stream(
    to: &mut dyn Write,
    name: &str,
    text: &str,
    truncated: bool,
) -> std::io::Result<()> {
    to.write_all(text.as_bytes())?;
    if truncated {
        if !text.ends_with('\n') {
            writeln!(to)?;
        }
        writeln!(
            to,
            "cronrpc: {name} cut after its first {} KiB",
            OUTPUT_LIMIT / 1024
        )?;
    }
    Ok(())
}
