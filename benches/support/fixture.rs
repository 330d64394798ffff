//! The 10,000-line crontab the benches and `scripts/bench` share.

/// The same content `scripts/bench` writes (its generator is a line-for-line copy), so the
/// figures line up.
pub fn ten_thousand_lines() -> String {
    let mut out = String::new();
    for i in 0..1000u32 {
        out.push_str(&format!("# block {i}: maintained by hand\n"));
        out.push_str(&format!("VAR_{i}=value{i}\n\n"));
        for j in 0..3 {
            out.push_str(&format!(
                "{} {} * * * /usr/local/bin/job-{i}-{j} --flag\n",
                (i + j) % 60,
                i % 24
            ));
        }
        for j in 0..2u32 {
            let n = i * 2 + j;
            out.push_str(&format!(
                "# cronrpc:v1 {{\"id\":\"00000000-0000-4000-8000-{n:012x}\",\"name\":\"entry {n}\",\"created_at\":\"2024-11-01T10:30:00Z\",\"updated_at\":\"2024-11-01T10:30:00Z\"}}\n"
            ));
            let off = if n % 10 == 9 { "#cronrpc:off# " } else { "" };
            out.push_str(&format!(
                "{off}*/{} * * * * /usr/bin/managed-{n} \\%s\n",
                j + 5
            ));
        }
    }
    out
}
