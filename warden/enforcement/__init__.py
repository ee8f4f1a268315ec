"""The core feature: the S-A rules, explanations, the directory, manual actions, tokens and audit reads."""
