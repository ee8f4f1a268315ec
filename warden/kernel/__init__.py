"""The pure shared vocabulary: imports the standard library, pydantic and `warden.kernel` only."""
