"""The lab world: its own DNS (zones with MX, TXT and TLSA records, DNSSEC as a per-zone flag),
the resolver the lab's client uses instead of the system's, and what a `dane` or `mta-sts` client
decides from them."""
