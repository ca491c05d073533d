"""The organisation report in `make bench`: generated at 10,000 projects the way
`manage.py generate_report` generates it (in one process: numbers, charts with Kaleido and
Chromium, HTML, PDF), timed from the command's start to its end, with its peak memory.

Peak memory (`report_peak_mb`) is the Python process's own high-water mark of resident
memory (VmHWM in /proc, read every 200 ms until it exits): the process a Celery worker runs
the report in. Beside it, `report_tree_peak_mb` is the largest sum of resident memory over
the whole process tree, with the Chromium that Kaleido starts to draw the charts, as sampled.
The page count is pdfinfo's, when poppler is installed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

TIMEOUT_SECONDS = 300  # the report task's own hard limit (REPORT_TASK_TIME_LIMIT)
SAMPLE_SECONDS = 0.2


def generate_report(*, database_url: str, period_key: str, base_dir: Path) -> dict:
    environment = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0"}
    command = [sys.executable, "manage.py", "generate_report", "--period", period_key]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        figures = _run(command, base_dir, environment, out, err)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if "report_error" in figures:
        return figures
    if figures.pop("returncode") != 0:
        return {"report_error": errors.decode(errors="replace").strip().splitlines()[-1][:200]}
    found = re.search(rb"PDF:\s+(\S+)", output)
    pages = _pages(Path(found.group(1).decode())) if found else None
    return figures | {"report_pages": pages, "report_period": period_key}


def _run(command: list[str], base_dir: Path, environment: dict, out: IO, err: IO) -> dict:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=base_dir, env=environment, stdout=out, stderr=err)
    peak_tree = peak_own = 0
    while process.poll() is None:
        peak_own = max(peak_own, _high_water_mark(process.pid))
        peak_tree = max(peak_tree, _tree_rss(process.pid))
        if time.perf_counter() - started > TIMEOUT_SECONDS:
            process.kill()
            process.wait()
            return {"report_error": f"not done after {TIMEOUT_SECONDS} s"}
        time.sleep(SAMPLE_SECONDS)
    return {
        "returncode": process.returncode,
        "report_s": round(time.perf_counter() - started, 1),
        "report_peak_mb": round(peak_own / 1024, 1),
        "report_tree_peak_mb": round(peak_tree / 1024, 1),
    }


def _high_water_mark(pid: int) -> int:
    """KiB: the most resident memory the process has had so far."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pages(pdf: Path) -> int | None:
    if not shutil.which("pdfinfo"):
        return None
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    found = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(found.group(1)) if found else None


def _tree_rss(root: int) -> int:
    """KiB resident in `root` and all its descendants now."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)  # field 4: the parent
        rss[pid] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)  # field 24: pages
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total
