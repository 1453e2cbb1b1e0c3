"""Storage: the usage ledger, History, blind votes, the response cache and setup progress. It knows
neither runs nor model facts: callers hand it plain rows."""
