"""Compatibility re-exports for the merge of issue 11: the directory routes live in `warden.enforcement.http`."""

from warden.enforcement.http.directory import IdPath, visible_account

__all__ = ["IdPath", "visible_account"]
