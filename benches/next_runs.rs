//! Next-run throughput: `cargo bench --bench next_runs`. Each iteration chains 1000 next runs of
//! a mix of schedules in a DST zone, so throughput = 1000 / reported time.
use chrono::{DateTime, Utc};
use cronrpc::cron::{Expr, Field, Part, Schedule};

fn field(star: bool) -> Field {
    Field {
        parts: vec![Part::Star { step: 1 }],
        star,
    }
}

/// Hand-built bit sets, so the bench does not depend on the parser.
fn schedule(
    minutes: u64,
    hours: u32,
    dom: u32,
    months: u16,
    dow: u8,
    stars: [bool; 4],
) -> Schedule {
    Schedule {
        expr: Expr::Fields {
            minute: field(stars[0]),
            hour: field(stars[1]),
            day_of_month: field(stars[2]),
            month: field(true),
            day_of_week: field(stars[3]),
        },
        minutes,
        hours,
        days_of_month: dom,
        months,
        days_of_week: dow,
        dom_star: stars[2],
        dow_star: stars[3],
        reboot: false,
    }
}

fn mix() -> Vec<Schedule> {
    let all_days = 0xffff_fffe;
    vec![
        // */15 * * * *
        schedule(
            0x1 | 1 << 15 | 1 << 30 | 1 << 45,
            0xff_ffff,
            all_days,
            0x1ffe,
            0x7f,
            [true; 4],
        ),
        // 0 2 * * *
        schedule(
            1,
            1 << 2,
            all_days,
            0x1ffe,
            0x7f,
            [false, false, true, true],
        ),
        // 30 4 1 * 1 (the 1st or Mondays)
        schedule(1 << 30, 1 << 4, 1 << 1, 0x1ffe, 1 << 1, [false; 4]),
        // 0 0 29 2 * (leap days)
        schedule(1, 1, 1 << 29, 1 << 2, 0x7f, [false, false, false, true]),
    ]
}

#[divan::bench(args = [0, 1, 2, 3])]
fn chain_1000(bencher: divan::Bencher, which: usize) {
    let s = &mix()[which];
    let tz = cronrpc::cron::Zone::named("America/New_York").expect("tzdata is installed");
    let start = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap();
    bencher.bench(|| {
        let mut t = start;
        for _ in 0..1000 {
            t = s.next_after(divan::black_box(t), &tz).unwrap_or(start);
        }
        t
    });
}

fn main() {
    divan::main();
}
