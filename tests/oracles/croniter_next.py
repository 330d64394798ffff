"""Reads `expr<TAB>start<TAB>zone` lines (start: Unix seconds) on stdin and prints, per line, the
Unix seconds of croniter's next run strictly after start (day_or=True, cron's OR rule), or
"none"/"error: ..." — one process for the whole corpus."""
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from croniter import croniter

out = []
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    expr, start, zone = line.split("\t")
    try:
        base = datetime.fromtimestamp(int(start), tz=timezone.utc).astimezone(ZoneInfo(zone))
        it = croniter(expr, base, day_or=True, max_years_between_matches=12)
        out.append(str(int(it.get_next(datetime).timestamp())))
    except Exception as e:  # croniter raises when nothing matches within its horizon
        out.append("error: " + type(e).__name__ + " " + str(e).replace("\n", " "))
sys.stdout.write("\n".join(out) + "\n")
