"""HTTP plumbing: dependencies, error mapping, rate limits, operations endpoints."""
