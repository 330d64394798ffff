//! The crontab document keeps every byte: parse then render is the identity, and reading its
//! jobs or validating it never panics, whatever the content.
#![no_main]

use cronrpc::crontab::Crontab;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|content: &str| {
    let crontab = Crontab::from_text(content);
    assert_eq!(crontab.render(), content, "parse→render changed bytes");
    let jobs = crontab.jobs();
    assert!(jobs.len() <= crontab.line_count());
    let _ = crontab.entries().count();
    let _ = cronrpc::cron::validate_crontab(content);
});
