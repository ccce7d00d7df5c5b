"""Running the bcf-xl command as a user would, in a subprocess under resource limits, for the hostile-file tests."""

from __future__ import annotations

import hashlib
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

BCF_XL = (sys.executable, "-m", "bcf_xl.cli")


def limits(memory: int, file_size: int | None = None) -> Callable[[], None]:
    """What a child process applies to itself before it starts: an address-space limit, and a file-size limit."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        if file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit fails instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))

    return apply


def start(*command: str, cwd: Path | None = None, memory: int) -> subprocess.Popen[str]:
    """A command started under the memory limit, its output piped."""
    return subprocess.Popen(
        list(command),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=limits(memory),
    )


def bcf_xl(
    *args: str | Path,
    cwd: Path,
    memory: int,
    timeout: float,
    file_size: int | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`bcf-xl ARGS` under the limits; it must finish within ``timeout`` seconds."""
    return subprocess.run(
        [*BCF_XL, *map(str, args)],
        cwd=cwd,
        env=env,
        preexec_fn=limits(memory, file_size),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cpu_seconds(done: Callable[[], object]) -> float:
    """The processor time the child processes that ``done`` runs (and waits for) take, in seconds.

    On a shared machine a command's wall time depends on what else runs; its processor time measures its own work.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def digest(path: Path) -> str:
    """The file's SHA-256, to show an input was left unchanged."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
