"""Evidence of consent: checked files and recordings, and the canonical form of a record."""
