"""Compatibility re-exports for the merge of issue 11: the restriction routes live in `warden.enforcement.http`."""

from warden.enforcement.http.restrictions import RestrictionOut, restriction_out

__all__ = ["RestrictionOut", "restriction_out"]
