"""Compatibility re-exports for the merge of issue 11: the directory routes live in `warden.enforcement.http`
(who may see an account: `warden.enforcement.access.check_account`)."""

from warden.enforcement.http.directory import IdPath

__all__ = ["IdPath"]
