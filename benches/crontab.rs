//! The crontab document model on a 10,000-line crontab (cron's limit): `cargo bench --bench
//! crontab`. The mix per 10 lines: a comment, a variable, a blank line, three raw jobs and two
//! managed entries (one in ten of them disabled), as a long-lived hand-and-tool-edited crontab.
use cronrpc::crontab::Crontab;

#[path = "support/fixture.rs"]
mod fixture;
use fixture::ten_thousand_lines;

#[divan::bench]
fn parse(bencher: divan::Bencher) {
    let content = ten_thousand_lines();
    bencher.bench(|| Crontab::from_text(divan::black_box(&content)));
}

#[divan::bench]
fn render(bencher: divan::Bencher) {
    let tab = Crontab::from_text(&ten_thousand_lines());
    bencher.bench(|| divan::black_box(&tab).render());
}

/// What every read does: find every job, managed or raw.
#[divan::bench]
fn items(bencher: divan::Bencher) {
    let tab = Crontab::from_text(&ten_thousand_lines());
    bencher.bench(|| divan::black_box(&tab).jobs());
}

/// What `entries.list` does: find and count every job, then read the first page's 200.
#[divan::bench]
fn list_page(bencher: divan::Bencher) {
    let tab = Crontab::from_text(&ten_thousand_lines());
    bencher.bench(|| {
        let tab = divan::black_box(&tab);
        let (slots, _) = tab.slots();
        let page: Vec<_> = slots.iter().take(200).map(|&s| tab.job(s)).collect();
        (slots.len(), page)
    });
}

/// What get, update and delete do: find one entry, here the last.
#[divan::bench]
fn find_last(bencher: divan::Bencher) {
    let tab = Crontab::from_text(&ten_thousand_lines());
    let id = uuid::Uuid::parse_str("00000000-0000-4000-8000-0000000007cf").unwrap();
    bencher.bench(|| divan::black_box(&tab).find(id).unwrap());
}

fn main() {
    divan::main();
}
