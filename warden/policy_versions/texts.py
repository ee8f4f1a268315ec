"""Texts people read about a backtest (issue 18), in zh and en (`warden.kernel.i18n`). Pure."""

from __future__ import annotations

from warden.kernel.i18n import Catalog

BACKTEST_ERRORS: Catalog[str] = Catalog(
    {
        "orphaned": {
            "zh": "运行这次回测的服务进程已停止，回测没有完成；请重新发起。",
            "en": "the server stopped while this backtest was running; start it again",
        },
        "stopped": {
            "zh": "运行这次回测的命令被终止（{signal}），回测没有完成；请重新发起。",
            "en": "the command running this backtest was stopped ({signal}) before it finished; start it again",
        },
        "interrupted": {
            "zh": "回测在运行中被中断（命令行被终止）；请重新发起。",
            "en": "the backtest was interrupted while running (the command was stopped); start it again",
        },
    }
)
"""A failed backtest's reason by its `error_code` (`error`, an exception in the run, keeps its own message)."""
