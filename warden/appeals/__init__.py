"""Appeals (S-D6, member appeals) and the review desk (S-C2): one folder, the file roles of docs/ARCHITECTURE.md."""
