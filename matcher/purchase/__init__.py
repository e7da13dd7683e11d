"""Joint purchasing: buyers pool their needs to reach a supplier's lower volume tiers."""
