"""Model facts: the registry and its data files, today's availability, prices, the Hub, parameters,
quotas and the Troubleshooting entries. No network here except where a function says it asks."""
