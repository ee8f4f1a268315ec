"""The instructions of `ScreeningEngine.screen_many` alone, counted by valgrind's callgrind (issue 13's trusted speed
figure: a loaded machine does not move it).

Run under callgrind with instrumentation off until the call and collection on only inside it::

    PYTHONHASHSEED=0 flock /work/notes/callgrind.lock valgrind --tool=callgrind --instr-atstart=no \\
        --collect-atstart=no --toggle-collect=sys_call_tracing python -m warden.bench.screen_count [MESSAGES]

and read callgrind's ``Collected`` line. The engine is built and warmed up (one call on the first 4,096 messages)
uninstrumented, which keeps a count to about a minute; ``callgrind_control -i on`` then switches instrumentation on,
and `screen_many` runs through `sys.call_tracing`, which nothing else calls, so only it is counted. MESSAGES
(default 20,000) are `warden bench screen`'s first ones (`generate_messages`, seed 42). Outside valgrind the call
just runs (``callgrind_control`` finds no valgrind process and the count is skipped).
"""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from warden.bench.screen import generate_messages
from warden.screening.engine import build_default_engine

WARM_UP = 4096


def main(argv: Sequence[str]) -> None:
    count = int(argv[0]) if argv else 20_000
    engine = build_default_engine()
    messages = generate_messages(count)
    engine.screen_many(messages[:WARM_UP])
    gc.collect()
    gc.freeze()
    control = shutil.which("callgrind_control")
    if control is not None:
        switch = subprocess.Popen(
            [control, "-i", "on", str(os.getpid())], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        while switch.poll() is None:  # keep running: valgrind takes the command between guest instructions
            sum(range(1000))
    sys.call_tracing(engine.screen_many, (messages,))


if __name__ == "__main__":
    main(sys.argv[1:])
