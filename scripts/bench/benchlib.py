"""What the benchmark drivers (kafka.py, rabbitmq.py) and their Python peers share.

Benchmark code, not part of Tollgate.
"""
import subprocess
import sys


def peak_rss_mib():
    """VmHWM: ru_maxrss would keep the high-water mark of the process that forked this one."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def tollgate_config(source, approved, quarantine):
    """A `tollgate run` configuration: `source` (the YAML of the source section, ending in a
    newline), the two routes, the order schema for every source, and the operations settings as in
    production (metrics collected and served, quarantine lines logged at their rate limit) with text
    logs, which run_tollgate reads."""
    return f"""{source}routes:
  approved: {approved}
  quarantine: {quarantine}
schemas:
  directory: schemas
bindings:
  - source: "*"
    subject: orders
http:
  address: "127.0.0.1:0"
logging:
  format: text
"""


def run_tollgate(binary, config, cwd, stop_when_idle):
    """Runs `tollgate run` until it has been idle for `stop_when_idle` seconds; returns its final
    `tollgate: stopped: ...` line, or exits with its standard error when it failed."""
    out = subprocess.run([binary, "run", "--config", config, "--status-interval", "0", "--stop-when-idle", str(stop_when_idle)],
                         capture_output=True, text=True, cwd=cwd)
    line = [l for l in out.stderr.splitlines() if l.startswith("tollgate: stopped:")]
    if out.returncode != 0 or not line:
        sys.exit(f"tollgate run failed ({out.returncode}):\n{out.stderr}")
    return line[0]
