"""The desk's consent pages: parties, records, waivers, revocations, people, statements."""
